"""The deal domain: every rule about deals lives here, and every change records its activity.

Each operation validates its input, applies the change with its stage side effects, records the
activity history and commits both in one transaction. Views call exactly one of these.
"""

from collections.abc import Collection, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import contains_eager, joinedload

from . import idempotency, jsonio, totals
from . import validation as v
from .accounts import Member
from .directory import is_owned
from .errors import NotFound, StaleVersion, ValidationFailed
from .extensions import db
from .ids import is_id_of, new_id
from .listing import Page, Params, Window
from .models import Activity, ActivityType, Company, Contact, Deal, Stage, User
from .search import deal_name_contains, looks_up_matches
from .text import fold
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
ACTIVITY_FIELD_PARSERS: dict[str, v.Parser] = {
    "type": v.choice([ActivityType.NOTE.value, ActivityType.CALL.value, ActivityType.EMAIL.value, ActivityType.MEETING.value]),
    "content": v.text(MAX_NOTE_LENGTH, multiline=True),
    "contact_id": v.optional(v.record_id(lambda value: is_id_of("contact", value), "contact")),
}
STAGE_CHANGE_PARSERS = {name: DEAL_FIELD_PARSERS[name] for name in ("stage", "lost_reason", "note")}
# The deal's fields whose changes the history keeps (Activity.changes), in the API's order.
RECORDED_FIELDS = [name for name in DEAL_FIELD_PARSERS if name != "note"]
# Fields that name another record of the organization: its model, and what a message calls it.
REFERENCES = {
    "company_id": (Company, "company"),
    "contact_id": (Contact, "contact"),
    "assigned_member_id": (User, "member"),
}
UNASSIGNED = "none"
# What a page shows beside a deal, loaded with it in one query.
RELATIONS = (joinedload(Deal.company), joinedload(Deal.contact), joinedload(Deal.assignee))
READ_ONLY_FIELDS = frozenset({"id", "created_at", "updated_at", "deleted_at", "organization_id"})

# The versions a change may apply to (from If-Match or a form); None applies it to any.
Versions = Collection[str] | None
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# A closed deal's probability is a fact, not a guess.
PROBABILITY_OF_CLOSED = {Stage.CLOSED_WON: 100, Stage.CLOSED_LOST: 0}
# The stages in which a person decides each of these fields; in every other stage the stage decides
# it (a closed deal's probability above; only a won deal has a won date, only a lost one a reason).
STAGE_BOUND_FIELDS: dict[str, frozenset[Stage]] = {
    "probability": frozenset(Stage) - PROBABILITY_OF_CLOSED.keys(),
    "won_date": frozenset({Stage.CLOSED_WON}),
    "lost_reason": frozenset({Stage.CLOSED_LOST}),
}
DEFAULT_CURRENCY = "JPY"
# Problems a caller found in its own reading of the input (a form's amount it could not read),
# reported together with the domain's own so that nothing applies: field name -> message.
Refused = Mapping[str, str]


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


def list_deals(organization_id: str, query: DealQuery, *, with_relations: bool = False) -> Page:
    """Answer one page of the organization's live deals and how many match in all: Deal objects
    with company, contact and assignee loaded in the same query when a page shows them, otherwise
    read-only rows with the same attributes."""
    broad = False
    if query.search:
        # Counted through the search index: only the matches are read.
        matching = matching_deals(organization_id, search=query.search, stage=query.stage)
        total = db.session.scalar(select(func.count()).select_from(matching.subquery()))
        broad = looks_up_matches(query.search) and is_broad_search(
            total, counted_deals(organization_id, query.stage), query.window.end
        )
    else:
        total = counted_deals(organization_id, query.stage)
    listed = page_query(organization_id, query, broad_search=broad)
    if with_relations:
        items = list(db.session.scalars(listed.options(*RELATIONS)).unique())
    else:
        # Plain rows with the deal's columns as attributes: half the cost of building ORM objects,
        # for callers (the API) that only read the fields.
        items = list(db.session.execute(listed.with_only_columns(*Deal.__table__.columns)))
    return Page(items, total, query.window.limit, query.window.offset)


def is_broad_search(matches: int, candidates: int, rows_wanted: int) -> bool:
    """Whether a search matches so many of the candidate deals that walking the sort order until
    rows_wanted (offset + limit) are found reads fewer rows (about rows_wanted * candidates /
    matches) than looking up and sorting every match."""
    return matches * matches > rows_wanted * candidates


def page_query(organization_id: str, query: DealQuery, *, broad_search: bool = False) -> Select:
    """The SELECT of one page of a list: filtered, ordered with id as the tie-breaker, windowed.
    broad_search: the search matches many deals (see is_broad_search), which the planner cannot know."""
    key = SORT_COLUMNS[query.sort]
    if query.sort == "amount":
        ordering = _amount_order(query.order)
    elif query.order == "asc":
        ordering = [key.asc(), Deal.id.asc()]
    else:
        ordering = [key.desc(), Deal.id.desc()]
    matching = matching_deals(organization_id, search=query.search, stage=query.stage, broad_search=broad_search)
    return matching.order_by(*ordering).limit(query.window.limit).offset(query.window.offset)


def _amount_order(order: str) -> list:
    """Deals without an amount come last in both directions, in the same order on both databases.
    Each order has an index that yields it as it is read (see the amount indexes in crm/models.py):
    going up, SQLite would put NULLs first, so the ascending order leads with "amount IS NULL";
    going down, NULLs come last by themselves on SQLite, and on PostgreSQL from its NULLS FIRST index."""
    if order == "asc":
        return [Deal.amount.is_(None).asc(), Deal.amount.asc(), Deal.id.asc()]
    return [Deal.amount.desc().nulls_last(), Deal.id.desc()]


def recent_activities(organization_id: str, limit: int = 10) -> "Activities":
    """The organization's latest activities on live deals, with each deal and author loaded."""
    query = (
        select(Activity)
        .join(Activity.deal)
        .where(Activity.organization_id == organization_id, Deal.deleted_at.is_(None))
        .options(contains_eager(Activity.deal), joinedload(Activity.author))
        .order_by(Activity.created_at.desc(), Activity.id.desc())
        .limit(limit)
    )
    items = list(db.session.scalars(query).unique())
    return Activities(items, _names_referred_to(organization_id, items))


def add_activity(actor: Member, deal_id: str, data: Mapping[str, Any]) -> Activity:
    """Log a note, call, email or meeting on a deal's history."""
    fields = v.parse_fields(data, ACTIVITY_FIELD_PARSERS, required=frozenset({"type", "content"}))
    with _transaction():
        deal = get_deal(actor.organization_id, deal_id)
        if fields.get("contact_id") and not is_owned(Contact, actor.organization_id, fields["contact_id"]):
            raise ValidationFailed({"contact_id": "does not name a contact of your organization."})
        activity = _History(deal, actor, now_utc()).record(
            ActivityType(fields["type"]), fields["content"], contact_id=fields.get("contact_id")
        )
    return activity


def counted_deals(organization_id: str, stage: Stage | None = None) -> int:
    """How many live deals the organization has (in a stage), from the kept totals."""
    return db.session.scalar(totals.counted_query(organization_id, stage))


def matching_deals(
    organization_id: str, *, search: str | None = None, stage: Stage | None = None, assignee: str | None = None,
    broad_search: bool = False,
) -> Select:
    """The organization's live deals narrowed by name search, stage and assignee (UNASSIGNED for none)."""
    matching = select(Deal).where(Deal.organization_id == organization_id, Deal.deleted_at.is_(None))
    if stage:
        matching = matching.where(Deal.stage == stage)
    if search:
        matching = matching.where(deal_name_contains(search, broad=broad_search))
    if assignee == UNASSIGNED:
        matching = matching.where(Deal.assigned_member_id.is_(None))
    elif assignee:
        matching = matching.where(Deal.assigned_member_id == assignee)
    return matching


def get_deal(organization_id: str, deal_id: str, *, with_relations: bool = False) -> Deal:
    """The organization's live deal with that id; NotFound for any other."""
    if not is_id_of("deal", deal_id):
        raise NotFound("deal")
    query = matching_deals(organization_id).where(Deal.id == deal_id)
    deal = db.session.scalar(query.options(*RELATIONS) if with_relations else query)
    if deal is None:
        raise NotFound("deal")
    return deal


def create_deal(actor: Member, data: Mapping[str, Any], refused: Refused | None = None) -> Deal:
    """Create a deal from submitted fields and record its creation (and note)."""
    fields, errors = _collect_new(data, refused)
    with _transaction():
        return _create(actor, fields, errors)


def create_deal_once(
    actor: Member, data: Mapping[str, Any], key: str, refused: Refused | None = None
) -> tuple[Deal, bool]:
    """create_deal for a request that may be retried or sent twice at once: the first request with
    this key creates the deal; every other one gets that deal, with True (a replay)."""
    fields, errors = _collect_new(data, refused)
    deal_id = new_id("deal")
    with _transaction():
        earlier = idempotency.claim(actor.id, key, data, deal_id)
        if earlier is not None:
            return get_deal(actor.organization_id, earlier), True
        return _create(actor, fields, errors, deal_id), False


def _collect_new(data: Mapping[str, Any], refused: Refused | None) -> tuple[dict[str, Any], dict[str, str]]:
    fields, errors = v.collect_fields(
        data, DEAL_FIELD_PARSERS, required=frozenset({"name"}), read_only=READ_ONLY_FIELDS
    )
    return fields, {**(refused or {}), **errors}


def _create(actor: Member, fields: dict[str, Any], errors: dict[str, str], deal_id: str | None = None) -> Deal:
    note = fields.pop("note", None)
    now = now_utc()
    reference_errors = _reference_errors(actor.organization_id, fields)
    deal = Deal(
        id=deal_id or new_id("deal"), organization_id=actor.organization_id, stage=Stage.LEAD, currency=DEFAULT_CURRENCY,
        created_at=now, updated_at=now,
    )
    _assign(deal, fields)
    _refuse_all(errors, reference_errors, _settle_stage(deal, None, fields, now))
    db.session.add(deal)
    history = _History(deal, actor, now)
    history.record(ActivityType.CREATED, "Deal created.")
    totals.retally(deal.organization_id, None, totals.Share.of(deal))
    if note:
        history.record(ActivityType.NOTE, note)
    return deal


def update_deal(
    actor: Member, deal_id: str, data: Mapping[str, Any], if_version: Versions = None,
    refused: Refused | None = None,
) -> Deal:
    """Change only the submitted fields of a deal, with stage side effects and history."""
    fields, errors = v.collect_fields(data, DEAL_FIELD_PARSERS, read_only=READ_ONLY_FIELDS)
    errors = {**(refused or {}), **errors}
    with _transaction():
        return _apply_change(actor, deal_id, fields, errors, if_version)


def change_stage(actor: Member, deal_id: str, data: Mapping[str, Any], if_version: Versions = None) -> Deal:
    """Move a deal to another stage (with an optional lost reason and note)."""
    fields, errors = v.collect_fields(
        data, STAGE_CHANGE_PARSERS, required=frozenset({"stage"}), read_only=READ_ONLY_FIELDS
    )
    with _transaction():
        return _apply_change(actor, deal_id, fields, errors, if_version)


def delete_deal(actor: Member, deal_id: str, if_version: Versions = None) -> None:
    """Soft-delete a deal: it leaves every list, while its row and history stay."""
    with _transaction():
        deal = _get_for_update(actor.organization_id, deal_id, if_version)
        totals.retally(deal.organization_id, totals.Share.of(deal), None)
        deal.deleted_at = now_utc()


@dataclass(frozen=True)
class Activities:
    """Activities, and the names of the companies, contacts and members their changes refer to
    (by id), so that a page can say who and what without a query per entry."""

    items: list[Activity]
    names: Mapping[str, str]


@dataclass(frozen=True)
class ActivityPage(Activities):
    total: int
    page: int
    limit: int

    @property
    def has_older(self) -> bool:
        return self.page * self.limit < self.total


def list_activities(organization_id: str, deal_id: str, params: Params) -> ActivityPage:
    """One page of a deal's activity history, newest first (authors loaded), and how many there are."""
    page = params.whole_number("page", default=1, minimum=1)
    limit = params.whole_number("limit", default=20, minimum=1, cap=100)
    deal = get_deal(organization_id, deal_id)
    total = db.session.scalar(select(func.count()).where(Activity.deal_id == deal.id))
    listed = deal.activities.select().options(joinedload(Activity.author)).limit(limit).offset((page - 1) * limit)
    items = list(db.session.scalars(listed))
    return ActivityPage(items, _names_referred_to(organization_id, items), total, page, limit)


def _names_referred_to(organization_id: str, activities: list[Activity]) -> dict[str, str]:
    """The names behind the record ids in these activities' changes: one query per kind of record
    that they mention, none when they mention none."""
    wanted: dict[str, set[str]] = {field: set() for field in REFERENCES}
    for activity in activities:
        for change in activity.changes or ():
            if change["field"] in wanted:
                wanted[change["field"]].update(value for value in (change["old"], change["new"]) if value)
    names: dict[str, str] = {}
    for field, ids in wanted.items():
        if ids:
            model = REFERENCES[field][0]
            found = select(model.id, model.name).where(model.organization_id == organization_id, model.id.in_(ids))
            names.update(db.session.execute(found).all())
    return names


@contextmanager
def _transaction():
    """Commit the change and its activities together, or nothing at all."""
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def version_of(deal: Deal) -> str:
    """A tag that names this state of the deal: every change moves updated_at strictly forward."""
    return format((deal.updated_at - _EPOCH) // timedelta(microseconds=1), "x")


def _get_for_update(organization_id: str, deal_id: str, if_version: Versions = None) -> Deal:
    """Load a deal and lock its row (PostgreSQL; SQLite's write lock is held from BEGIN) so that
    concurrent changes queue instead of interleaving, and so that the version checked against
    if_version (the versions the change was based on; None for any) cannot change before the write."""
    if not is_id_of("deal", deal_id):
        raise NotFound("deal")
    deal = db.session.scalar(matching_deals(organization_id).where(Deal.id == deal_id).with_for_update())
    if deal is None:
        raise NotFound("deal")
    if if_version is not None and version_of(deal) not in if_version:
        raise StaleVersion(version_of(deal))
    return deal


def _apply_change(
    actor: Member, deal_id: str, fields: dict[str, Any], errors: dict[str, str], if_version: Versions
) -> Deal:
    deal = _get_for_update(actor.organization_id, deal_id, if_version)
    note = fields.pop("note", None)
    now = now_utc()
    previous_stage, previous_share, before = deal.stage, totals.Share.of(deal), _recorded_values(deal)
    changed = [name for name, value in fields.items() if name != "stage" and getattr(deal, name) != value]
    # Checked before the deal changes: a query after it would flush the unchecked ids.
    reference_errors = _reference_errors(actor.organization_id, fields)
    _assign(deal, fields)
    _refuse_all(errors, reference_errors, _settle_stage(deal, previous_stage, fields, now))
    history = _History(deal, actor, now)
    totals.retally(deal.organization_id, previous_share, totals.Share.of(deal))
    changes = _changes(before, _recorded_values(deal))
    if deal.stage != previous_stage:
        # The move, with what it implied (probability, won date, lost reason) and was not sent.
        implied = [change for change in changes if change["field"] not in changed]
        history.record(ActivityType.STAGE_CHANGE, f"{previous_stage.value} → {deal.stage.value}", changes=implied)
    if changed:
        sent = [change for change in changes if change["field"] in changed]
        history.record(ActivityType.UPDATED, "Updated " + ", ".join(changed) + ".", changes=sent)
    if deal.stage != previous_stage or changed:
        # Strictly later than before, and visibly so at the API's one-second resolution.
        deal.updated_at = max(now, deal.updated_at + timedelta(seconds=1))
    if note:
        history.record(ActivityType.NOTE, note)
    return deal


def _assign(deal: Deal, fields: Mapping[str, Any]) -> None:
    for name, value in fields.items():
        setattr(deal, name, Stage(value) if name == "stage" else value)
    if "name" in fields:
        deal.name_norm = fold(deal.name)


def _refuse_all(*problems: dict[str, str]) -> None:
    """Raise one error naming every bad field, whichever check found it (the first finding wins)."""
    errors: dict[str, str] = {}
    for found in problems:
        errors = found | errors
    if errors:
        raise ValidationFailed(errors)


def _settle_stage(deal: Deal, previous: Stage | None, sent: Mapping[str, Any], now: datetime) -> dict[str, str]:
    """Apply what entering or leaving a closed stage implies; answer what contradicts it."""
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
    if deal.won_date is not None and deal.stage not in STAGE_BOUND_FIELDS["won_date"]:
        errors["won_date"] = "can only be set on a deal in stage closed_won."
    if deal.lost_reason is not None and deal.stage not in STAGE_BOUND_FIELDS["lost_reason"]:
        errors["lost_reason"] = "can only be set on a deal in stage closed_lost."
    return errors


def _recorded_values(deal: Deal) -> dict[str, Any]:
    return {name: getattr(deal, name) for name in RECORDED_FIELDS}


def _changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, Any]]:
    """What differs between two states of a deal, with JSON values as the API writes them: ids,
    ISO dates, exact amounts together with their currency (and the old one, if that changed too)."""
    changes = []
    for name in RECORDED_FIELDS:
        if before[name] == after[name]:
            continue
        change = {"field": name, "old": _as_json(before[name]), "new": _as_json(after[name])}
        if name == "amount":
            change["currency"] = after["currency"]
            if before["currency"] != after["currency"]:
                change["old_currency"] = before["currency"]
        changes.append(change)
    return changes


def _as_json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return jsonio.amount(value)
    if isinstance(value, datetime):
        return jsonio.timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Stage):
        return value.value
    return value


def _reference_errors(organization_id: str, fields: Mapping[str, Any]) -> dict[str, str]:
    """What is wrong with ids that do not name a record of the caller's organization."""
    errors = {}
    for field, (model, what) in REFERENCES.items():
        record_id = fields.get(field)
        if record_id is not None and not is_owned(model, organization_id, record_id):
            errors[field] = f"does not name a {what} of your organization."
    return errors


class _History:
    """Records a change's activities; each is a microsecond later, so the feed keeps their order."""

    def __init__(self, deal: Deal, actor: Member, now: datetime):
        self.deal = deal
        self.actor = actor
        self.next_at = now

    def record(
        self, kind: ActivityType, content: str, contact_id: str | None = None, changes: list[dict] | None = None
    ) -> Activity:
        activity = Activity(
            organization_id=self.deal.organization_id,
            deal=self.deal,
            type=kind,
            content=content,
            changes=changes,
            contact_id=contact_id,
            created_by=self.actor.id,
            created_at=self.next_at,
        )
        db.session.add(activity)
        self.next_at += timedelta(microseconds=1)
        return activity
