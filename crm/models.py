"""Database models: columns, relationships, indexes and constraints."""

import secrets
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from flask_login import UserMixin
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from crm.core.clock import now_utc
from crm.core.database import db
from crm.core.ids import new_id
from crm.core.locales import DEFAULT_LANGUAGE, MAX_TIME_ZONE_LENGTH
from crm.core.types import ExactJSON, Money, UTCDateTime

ID = String(40)
# Sorting by name must give the same order on SQLite (binary) and PostgreSQL (locale collation).
SORTABLE_TEXT = String(255).with_variant(Text(collation="C"), "postgresql")


class Stage(StrEnum):
    LEAD = "lead"
    QUALIFICATION = "qualification"
    PROPOSAL = "proposal"
    NEGOTIATION = "negotiation"
    CLOSED_WON = "closed_won"
    CLOSED_LOST = "closed_lost"


# The one statement of which stages end a deal; every other stage is open, in the pipeline's order.
CLOSED_STAGES = frozenset({Stage.CLOSED_WON, Stage.CLOSED_LOST})
OPEN_STAGES = tuple(stage for stage in Stage if stage not in CLOSED_STAGES)

T = TypeVar("T")


def stage_table(table: Mapping[Stage, T], stages: Iterable[Stage] = Stage) -> dict[Stage, T]:
    """A table with a value for each of these stages (by default all), in the pipeline's order.
    Refused at import unless it names exactly those stages, so that a new stage fails where its
    value is missing rather than on a page."""
    wanted = frozenset(stages)
    if table.keys() != wanted:
        missing = sorted(wanted - table.keys())
        extra = sorted(table.keys() - wanted)
        raise ValueError(f"a stage table must name exactly {sorted(wanted)}: missing {missing}, extra {extra}")
    return {stage: table[stage] for stage in Stage if stage in wanted}


class ActivityType(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    STAGE_CHANGE = "stage_change"
    NOTE = "note"
    CALL = "call"
    EMAIL = "email"
    MEETING = "meeting"
    TASK = "task"


# The kinds of activity a person logs on a deal, in the order a form offers them; the app records
# the others as deals change.
LOGGED_ACTIVITY_TYPES = (ActivityType.NOTE, ActivityType.CALL, ActivityType.EMAIL, ActivityType.MEETING)
# What a person may also plan through the API.
PLANNED_ACTIVITY_TYPES = (*LOGGED_ACTIVITY_TYPES, ActivityType.TASK)
# What the deal page offers as a next step: something to do (a note is written, not done).
STEP_TYPES = (ActivityType.CALL, ActivityType.EMAIL, ActivityType.MEETING, ActivityType.TASK)
# The entries the app writes as deals change: the history of what happened, never edited.
RECORDED_ACTIVITY_TYPES = (ActivityType.CREATED, ActivityType.UPDATED, ActivityType.STAGE_CHANGE)


def _enum_column(enum: type[StrEnum], name: str) -> Enum:
    """A VARCHAR holding the enum's values, guarded by a CHECK constraint on both databases."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


# Built differently per database by the migrations (the search indexes of 0003 and 0009, the NULLS
# FIRST amount indexes of 0004 on PostgreSQL) or on an expression (the amount indexes of 0011):
# comparisons of the models with a schema leave them alone.
DIALECT_SPECIFIC_OBJECTS = (
    "deals_fts", "ix_deals_name_trgm", "ix_deals_search_cover", "ix_deals_org_amount", "ix_deals_org_stage_amount",
)


def is_dialect_specific(name: str | None) -> bool:
    return bool(name) and name.startswith(DIALECT_SPECIFIC_OBJECTS)


class Organization(db.Model):
    __tablename__ = "organizations"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=lambda: new_id("organization"))
    name: Mapped[str] = mapped_column(String(255), unique=True)
    # What a member who has chosen neither sees: the language (when the browser asks for none the
    # app speaks) and the time zone (None: the language's home zone, crm.core.locales).
    locale: Mapped[str] = mapped_column(String(8), default=DEFAULT_LANGUAGE, server_default=DEFAULT_LANGUAGE)
    time_zone: Mapped[str | None] = mapped_column(String(MAX_TIME_ZONE_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (Index("ix_users_org_name", "organization_id", "name_norm", "id"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=lambda: new_id("user"))
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    name_norm: Mapped[str] = mapped_column(SORTABLE_TEXT)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    # The user's own choices; None follows the browser and the organization.
    locale: Mapped[str | None] = mapped_column(String(8))
    time_zone: Mapped[str | None] = mapped_column(String(MAX_TIME_ZONE_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    organization: Mapped[Organization] = relationship(lazy="raise")

    @property
    def is_active(self) -> bool:
        return self.active


class AuthToken(db.Model):
    """A sign-in session or a long-lived API token; only the SHA-256 of the secret is stored."""

    __tablename__ = "auth_tokens"
    __table_args__ = (
        CheckConstraint("kind IN ('session', 'api')", name="ck_auth_tokens_kind"),
        Index("ix_auth_tokens_user", "user_id"),
    )

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")


class Company(db.Model):
    __tablename__ = "companies"
    __table_args__ = (Index("ix_companies_org_name", "organization_id", "name_norm", "id"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=lambda: new_id("company"))
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    name: Mapped[str] = mapped_column(String(255))
    name_norm: Mapped[str] = mapped_column(SORTABLE_TEXT)
    domain: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class Contact(db.Model):
    __tablename__ = "contacts"
    __table_args__ = (
        Index("ix_contacts_org_name", "organization_id", "name_norm", "id"),
        Index("ix_contacts_company", "company_id"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=lambda: new_id("contact"))
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    company_id: Mapped[str | None] = mapped_column(ForeignKey("companies.id"))
    name: Mapped[str] = mapped_column(String(255))
    name_norm: Mapped[str] = mapped_column(SORTABLE_TEXT)
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


_LIVE_DEALS = text("deleted_at IS NULL")
_NO_AMOUNT = text("(amount IS NULL)")


def _live_deal_index(name: str, *columns: str) -> Index:
    """An index over the organization's deals that are not deleted: every list query is one of these."""
    return Index(name, "organization_id", *columns, postgresql_where=_LIVE_DEALS, sqlite_where=_LIVE_DEALS)


def _as_created(context) -> datetime:
    """A signal's value for a deal inserted without it (a bulk load): its creation."""
    return context.get_current_parameters().get("created_at") or now_utc()


def _new_search_key() -> int:
    return secrets.randbits(62)


class Deal(db.Model):
    __tablename__ = "deals"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="ck_deals_amount_not_negative"),
        CheckConstraint("probability BETWEEN 0 AND 100", name="ck_deals_probability_range"),
        _live_deal_index("ix_deals_org_created", "created_at", "id"),
        _live_deal_index("ix_deals_org_updated", "updated_at", "id"),
        _live_deal_index("ix_deals_org_name", "name_norm", "id"),
        _live_deal_index("ix_deals_org_amount", "amount", "id"),
        _live_deal_index("ix_deals_org_amount_asc", _NO_AMOUNT, "amount", "id"),
        _live_deal_index("ix_deals_org_stage_created", "stage", "created_at", "id"),
        _live_deal_index("ix_deals_org_stage_updated", "stage", "updated_at", "id"),
        _live_deal_index("ix_deals_org_stage_name", "stage", "name_norm", "id"),
        # Deals without an amount come last in both orders (crm.deals.page_query), and each order
        # reads its own index: descending, the plain amount indexes backwards (NULLs are lowest in
        # SQLite, and on PostgreSQL migration 0004 builds them "amount NULLS FIRST"); ascending,
        # the *_asc indexes, which put the deals without an amount after the others (migration 0011).
        _live_deal_index("ix_deals_org_stage_amount", "stage", "amount", "id"),
        _live_deal_index("ix_deals_org_stage_amount_asc", "stage", _NO_AMOUNT, "amount", "id"),
        # Covers the board's header totals, so they read no table rows.
        _live_deal_index("ix_deals_org_board", "stage", "currency", "amount", "probability", "assigned_member_id"),
        # The signals' filters (stale=, next_activity=): a stage's deals by their last activity, and
        # deals by their next step's due date; the deals without one (due and id NULL) come in the
        # default order, so that a page of them reads no more than it shows.
        _live_deal_index("ix_deals_org_stage_last_activity", "stage", "last_activity_at"),
        _live_deal_index("ix_deals_org_next_due", "next_activity_due_date", "next_activity_id", "created_at", "id"),
        # The board's Won and Lost columns scoped to a period: won deals by their won date, lost
        # ones by when they entered Lost, latest first.
        _live_deal_index("ix_deals_org_stage_won", "stage", "won_date", "id"),
        _live_deal_index("ix_deals_org_stage_entered", "stage", "stage_entered_at", "id"),
        Index("ix_deals_company", "company_id"),
        Index("ix_deals_contact", "contact_id"),
        Index("ix_deals_assignee", "assigned_member_id"),
        Index("ux_deals_search_key", "search_key", unique=True),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=lambda: new_id("deal"))
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    name: Mapped[str] = mapped_column(String(255))
    # The name folded (crm.core.text.fold) for case-insensitive search and sorting in any script.
    name_norm: Mapped[str] = mapped_column(SORTABLE_TEXT)
    amount: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    stage: Mapped[Stage] = mapped_column(_enum_column(Stage, "stage"))
    probability: Mapped[int | None] = mapped_column(Integer)
    company_id: Mapped[str | None] = mapped_column(ForeignKey("companies.id"))
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id"))
    assigned_member_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    expected_close_date: Mapped[date | None]
    lost_reason: Mapped[str | None] = mapped_column(Text)
    won_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The signals (crm.deals.signals), kept by the operations in the transaction that moves them:
    # when the deal entered its stage, its latest real activity, and its earliest open planned
    # activity with that one's due date (no foreign key: the activities refer to the deals).
    stage_entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_as_created)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_as_created)
    next_activity_id: Mapped[str | None] = mapped_column(ID)
    next_activity_due_date: Mapped[date | None]
    # The deal's key in SQLite's full-text index: a stable integer (rowids of a table with a text
    # primary key may change on VACUUM), random so that it needs no coordination between workers.
    search_key: Mapped[int] = mapped_column(BigInteger, default=_new_search_key)

    def is_overdue(self, today: date) -> bool:
        """An open deal whose expected close date has passed."""
        return self.stage in OPEN_STAGES and self.expected_close_date is not None and self.expected_close_date < today

    # Loaded only when a query asks for them (lazy="raise"), so a page can never issue N+1 queries.
    company: Mapped[Company | None] = relationship(lazy="raise")
    contact: Mapped[Contact | None] = relationship(lazy="raise")
    assignee: Mapped[User | None] = relationship(lazy="raise")
    activities: WriteOnlyMapped["Activity"] = relationship(
        back_populates="deal", order_by="desc(Activity.created_at), desc(Activity.id)"
    )


class IdempotencyKey(db.Model):
    """A create request's Idempotency-Key and the deal it made (kept a day; see crm/idempotency.py).
    deal_id has no foreign key: the key is claimed before the deal's row exists."""

    __tablename__ = "idempotency_keys"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    deal_id: Mapped[str] = mapped_column(ID)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class DealStageTotal(db.Model):
    """An organization's live deals in one stage and currency: how many, and their amounts summed
    (plain and weighted by probability). The deal operations change these rows in the same
    transaction as the deals, so list totals and board headers never count or sum rows.

    Sums are scaled integers like Money: hundredths, and hundredths times percent for the weighted
    sum. The CHECKs keep SQLite from turning an overflowing sum into an inexact float: a change that
    would overflow fails instead."""

    __tablename__ = "deal_stage_totals"
    __table_args__ = tuple(
        CheckConstraint(f"typeof({column}) = 'integer'", name=f"ck_deal_stage_totals_{column}_exact").ddl_if(
            dialect="sqlite"
        )
        for column in ("amount_sum", "weighted_sum")
    )

    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), primary_key=True)
    stage: Mapped[Stage] = mapped_column(_enum_column(Stage, "deal_stage_totals_stage"), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    deal_count: Mapped[int] = mapped_column(BigInteger, default=0)
    # Deals with an amount: a column whose deals have none shows "No amounts" rather than 0.
    priced_count: Mapped[int] = mapped_column(BigInteger, default=0)
    amount_sum: Mapped[int] = mapped_column(BigInteger, default=0)
    weighted_sum: Mapped[int] = mapped_column(BigInteger, default=0)


class PipelineStage(db.Model):
    """An organization's setting for one open stage: after how many days without an activity its
    deals are stale (None: never). A stage without a row has the default (crm.deals.pipeline)."""

    __tablename__ = "pipeline_stages"

    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), primary_key=True)
    stage: Mapped[Stage] = mapped_column(_enum_column(Stage, "pipeline_stages_stage"), primary_key=True)
    stale_after_days: Mapped[int | None] = mapped_column(Integer)


class Activity(db.Model):
    __tablename__ = "activities"
    __table_args__ = (
        Index("ix_activities_deal_created", "deal_id", "created_at", "id"),
        # The organization's recent activity: what was done, latest first.
        Index("ix_activities_org_done", "organization_id", "done", "done_at", "id"),
        # The lists of planned activities (GET /activities): open or done, by due date and time.
        Index("ix_activities_org_due", "organization_id", "done", "due_date", "due_time", "id"),
        Index("ix_activities_assignee_due", "assigned_member_id", "done", "due_date", "due_time", "id"),
        # A deal's open steps by when they are due, and its history by when each entry was done.
        Index("ix_activities_deal_due", "deal_id", "done", "due_date", "due_time", "id"),
        Index("ix_activities_deal_done", "deal_id", "done", "done_at", "id"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=lambda: new_id("activity"))
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    deal_id: Mapped[str] = mapped_column(ForeignKey("deals.id"))
    type: Mapped[ActivityType] = mapped_column(_enum_column(ActivityType, "activity_type"))
    content: Mapped[str] = mapped_column(Text)
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id"))
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # What an update or a stage change altered: [{"field", "old", "new"}, ...] with the values as
    # the API writes them (an amount also names its currency). None on other kinds, and on
    # activities recorded before changes were kept.
    changes: Mapped[list[dict] | None] = mapped_column(ExactJSON)
    # A planned activity has a due date (and maybe a time of day); done_at is when it was marked done
    # (for an activity logged done, when it was logged). The entries the app records are done, undated
    # and assigned to no one.
    due_date: Mapped[date | None]
    due_time: Mapped[time | None]
    done: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assigned_member_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))

    deal: Mapped[Deal] = relationship(back_populates="activities")
    author: Mapped[User | None] = relationship(lazy="raise", foreign_keys=[created_by])
    assignee: Mapped[User | None] = relationship(lazy="raise", foreign_keys=[assigned_member_id])
    contact: Mapped[Contact | None] = relationship(lazy="raise")


class SignInAttempts(db.Model):
    """Failed sign-ins counted for one limit's key (an account or a client address) in its current
    window (see crm/accounts/limits.py). The key is stored as its SHA-256: any email a client sends fits,
    NUL and all, and the table reveals no address."""

    __tablename__ = "sign_in_attempts"
    __table_args__ = (Index("ix_sign_in_attempts_window_ends", "window_ends"),)

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Attempts reserved in the window: failures, plus checks still running.
    attempts: Mapped[int] = mapped_column(Integer)
    window_ends: Mapped[datetime] = mapped_column(UTCDateTime)
