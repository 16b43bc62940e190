"""The deal domain: every rule about deals lives here, and every change records its activity.

Each operation validates its input, applies the change with its stage side effects, records the
activity history and commits both in one transaction. Views call exactly one of these.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select

from . import validation as v
from .directory import is_owned
from .errors import NotFound, ValidationFailed
from .extensions import db
from .ids import is_id_of
from .listing import Page, Params, Window
from .models import Activity, ActivityType, Company, Contact, Deal, Stage, User
from .text import contains_pattern, fold
from .types import now_utc

STAGES = [stage.value for stage in Stage]
SORT_COLUMNS = {
    "created_at": Deal.created_at,
    "updated_at": Deal.updated_at,
    "name": Deal.name_norm,
    "amount": Deal.amount,
}
MAX_NAME_LENGTH = 255
MAX_LOST_REASON_LENGTH = 2000
MAX_NOTE_LENGTH = 10000

# Fields a client may set, in the order the API shows them; `note` is recorded, not stored.
DEAL_FIELD_PARSERS: dict[str, v.Parser] = {
    "name": v.text(MAX_NAME_LENGTH),
    "amount": v.optional(v.money),
    "stage": v.choice(STAGES),
    "company_id": v.optional(v.record_id(lambda value: is_id_of("company", value), "company")),
    "contact_id": v.optional(v.record_id(lambda value: is_id_of("contact", value), "contact")),
    "assigned_member_id": v.optional(v.record_id(lambda value: is_id_of("user", value), "member (user)")),
    "expected_close_date": v.optional(v.calendar_date),
    "probability": v.optional(v.whole_number(0, 100)),
    "lost_reason": v.optional(v.text(MAX_LOST_REASON_LENGTH, multiline=True)),
    "won_date": v.optional(v.moment),
    "currency": v.currency,
    "note": v.optional(v.text(MAX_NOTE_LENGTH, multiline=True)),
}
STAGE_CHANGE_PARSERS = {name: DEAL_FIELD_PARSERS[name] for name in ("stage", "lost_reason", "note")}
READ_ONLY_FIELDS = frozenset({"id", "created_at", "updated_at", "deleted_at", "organization_id"})

# A closed deal's probability is a fact, not a guess.
PROBABILITY_OF_CLOSED = {Stage.CLOSED_WON: 100, Stage.CLOSED_LOST: 0}


@dataclass(frozen=True)
class DealQuery:
    """What a deals list asks for: a window, an optional search and stage, and an order."""

    window: Window
    search: str | None = None
    stage: Stage | None = None
    sort: str = "created_at"
    order: str = "desc"

    @classmethod
    def from_params(cls, params: Params) -> "DealQuery":
        stage = params.choice("stage", STAGES)
        return cls(
            window=Window.from_params(params),
            search=params.search(),
            stage=Stage(stage) if stage else None,
            sort=params.choice("sort", list(SORT_COLUMNS), default="created_at"),
            order=params.choice("order", ["asc", "desc"], default="desc"),
        )


def list_deals(organization_id: str, query: DealQuery) -> Page[Deal]:
    """Answer one page of the organization's live deals and how many match in all."""
    matching = _live_deals(organization_id)
    if query.stage:
        matching = matching.where(Deal.stage == query.stage)
    if query.search:
        matching = matching.where(Deal.name_norm.like(contains_pattern(query.search), escape="\\"))
    total = db.session.scalar(select(func.count()).select_from(matching.subquery()))
    key = SORT_COLUMNS[query.sort]
    # NULL amounts count as the smallest on both databases (SQLite's own rule), so that one index
    # serves both directions and paging is identical everywhere.
    if query.order == "asc":
        ordering = [key.asc().nulls_first(), Deal.id.asc()]
    else:
        ordering = [key.desc().nulls_last(), Deal.id.desc()]
    items = db.session.scalars(
        matching.order_by(*ordering).limit(query.window.limit).offset(query.window.offset)
    ).all()
    return Page(list(items), total, query.window.limit, query.window.offset)


def get_deal(organization_id: str, deal_id: str) -> Deal:
    """The organization's live deal with that id; NotFound for any other."""
    deal = db.session.scalar(_live_deals(organization_id).where(Deal.id == deal_id)) if is_id_of("deal", deal_id) else None
    if deal is None:
        raise NotFound("deal")
    return deal


def create_deal(actor: User, data: Mapping[str, Any]) -> Deal:
    """Create a deal from submitted fields and record its creation (and note)."""
    fields = v.parse_fields(data, DEAL_FIELD_PARSERS, required=frozenset({"name"}), read_only=READ_ONLY_FIELDS)
    note = fields.pop("note", None)
    _check_references(actor.organization_id, fields)
    now = now_utc()
    deal = Deal(
        organization_id=actor.organization_id,
        stage=Stage.LEAD,
        currency="JPY",
        created_at=now,
        updated_at=now,
    )
    _assign(deal, fields)
    _settle_stage(deal, None, fields, now)
    db.session.add(deal)
    history = _History(deal, actor, now)
    history.record(ActivityType.CREATED, "Deal created.")
    if note:
        history.record(ActivityType.NOTE, note)
    db.session.commit()
    return deal


def update_deal(actor: User, deal_id: str, data: Mapping[str, Any]) -> Deal:
    """Change only the submitted fields of a deal, with stage side effects and history."""
    fields = v.parse_fields(data, DEAL_FIELD_PARSERS, read_only=READ_ONLY_FIELDS)
    return _change(actor, deal_id, fields)


def change_stage(actor: User, deal_id: str, data: Mapping[str, Any]) -> Deal:
    """Move a deal to another stage (with an optional lost reason and note)."""
    fields = v.parse_fields(data, STAGE_CHANGE_PARSERS, required=frozenset({"stage"}), read_only=READ_ONLY_FIELDS)
    return _change(actor, deal_id, fields)


def delete_deal(actor: User, deal_id: str) -> None:
    """Soft-delete a deal: it leaves every list, while its row and history stay."""
    deal = _get_for_update(actor.organization_id, deal_id)
    deal.deleted_at = now_utc()
    db.session.commit()


def list_activities(organization_id: str, deal_id: str, params: Params) -> tuple[list[Activity], int]:
    """One page of a deal's activity history, newest first, and the number of activities in all."""
    page = params.whole_number("page", default=1, minimum=1)
    limit = params.whole_number("limit", default=20, minimum=1, cap=100)
    deal = get_deal(organization_id, deal_id)
    total = db.session.scalar(select(func.count()).where(Activity.deal_id == deal.id))
    activities = db.session.scalars(deal.activities.select().limit(limit).offset((page - 1) * limit)).all()
    return list(activities), total


def _live_deals(organization_id: str) -> Select:
    return select(Deal).where(Deal.organization_id == organization_id, Deal.deleted_at.is_(None))


def _get_for_update(organization_id: str, deal_id: str) -> Deal:
    """Load a deal and lock its row (PostgreSQL) so concurrent changes queue instead of interleaving."""
    if not is_id_of("deal", deal_id):
        raise NotFound("deal")
    deal = db.session.scalar(_live_deals(organization_id).where(Deal.id == deal_id).with_for_update())
    if deal is None:
        raise NotFound("deal")
    return deal


def _change(actor: User, deal_id: str, fields: dict[str, Any]) -> Deal:
    deal = _get_for_update(actor.organization_id, deal_id)
    note = fields.pop("note", None)
    _check_references(actor.organization_id, fields)
    now = now_utc()
    previous_stage = deal.stage
    changed = [name for name, value in fields.items() if name != "stage" and getattr(deal, name) != value]
    _assign(deal, fields)
    _settle_stage(deal, previous_stage, fields, now)
    history = _History(deal, actor, now)
    if deal.stage != previous_stage:
        history.record(ActivityType.STAGE_CHANGE, f"{previous_stage.value} → {deal.stage.value}")
    if changed:
        history.record(ActivityType.UPDATED, "Updated " + ", ".join(changed) + ".")
    if deal.stage != previous_stage or changed:
        # Strictly later than before, and visibly so at the API's one-second resolution.
        deal.updated_at = max(now, deal.updated_at + timedelta(seconds=1))
    if note:
        history.record(ActivityType.NOTE, note)
    db.session.commit()
    return deal


def _assign(deal: Deal, fields: Mapping[str, Any]) -> None:
    for name, value in fields.items():
        setattr(deal, name, Stage(value) if name == "stage" else value)
    if "name" in fields:
        deal.name_norm = fold(deal.name)


def _settle_stage(deal: Deal, previous: Stage | None, sent: Mapping[str, Any], now: datetime) -> None:
    """Apply what entering or leaving a closed stage implies, and refuse what contradicts it."""
    errors: dict[str, str] = {}
    if deal.stage != previous:
        if deal.stage in PROBABILITY_OF_CLOSED and "probability" not in sent:
            deal.probability = PROBABILITY_OF_CLOSED[deal.stage]
        if deal.stage == Stage.CLOSED_WON and deal.won_date is None:
            deal.won_date = now
        if previous == Stage.CLOSED_WON and "won_date" not in sent:
            deal.won_date = None
        if previous == Stage.CLOSED_LOST and "lost_reason" not in sent:
            deal.lost_reason = None
    expected = PROBABILITY_OF_CLOSED.get(deal.stage)
    if expected is not None and deal.probability != expected:
        errors["probability"] = f"must be {expected} for a deal in stage {deal.stage.value}."
    if deal.won_date is not None and deal.stage != Stage.CLOSED_WON:
        errors["won_date"] = "can only be set on a deal in stage closed_won."
    if deal.lost_reason is not None and deal.stage != Stage.CLOSED_LOST:
        errors["lost_reason"] = "can only be set on a deal in stage closed_lost."
    if errors:
        raise ValidationFailed(errors)


def _check_references(organization_id: str, fields: Mapping[str, Any]) -> None:
    """Refuse ids that do not name a record of the caller's organization."""
    errors = {}
    for field, model, what in (
        ("company_id", Company, "company"),
        ("contact_id", Contact, "contact"),
        ("assigned_member_id", User, "member"),
    ):
        record_id = fields.get(field)
        if record_id is not None and not is_owned(model, organization_id, record_id):
            errors[field] = f"does not name a {what} of your organization."
    if errors:
        raise ValidationFailed(errors)


class _History:
    """Records a change's activities; each is a microsecond later, so the feed keeps their order."""

    def __init__(self, deal: Deal, actor: User, now: datetime):
        self.deal = deal
        self.actor = actor
        self.next_at = now

    def record(self, kind: ActivityType, content: str) -> None:
        db.session.add(
            Activity(
                organization_id=self.deal.organization_id,
                deal=self.deal,
                type=kind,
                content=content,
                created_by=self.actor.id,
                created_at=self.next_at,
            )
        )
        self.next_at += timedelta(microseconds=1)
