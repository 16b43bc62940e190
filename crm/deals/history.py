"""A deal's history: the activities every change records (with what changed, as the API writes
it), and reading them back with the names they refer to."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload

from crm.accounts.users import Member
from crm.core import jsonio
from crm.core.database import db
from crm.core.listing import Params
from crm.deals import signals
from crm.deals.queries import get_deal
from crm.deals.rules import RECORDED_FIELDS, REFERENCES, STAGES
from crm.models import RECORDED_ACTIVITY_TYPES, Activity, ActivityType, Deal, Stage

# How many of a deal's activities a page holds when the request names no limit, and the most it
# holds whatever the limit asked for (a larger one is lowered to this).
ACTIVITY_LIMIT_DEFAULT = 20
ACTIVITY_LIMIT_CAP = 100
# How many of the organization's latest activities the board shows.
RECENT_ACTIVITIES_SHOWN = 10


@dataclass(frozen=True)
class ActivityWindow:
    """Which page of a deal's history to answer: pages numbered from 1, as the contract's
    activities list is (not an offset like the other lists)."""

    page: int = 1
    limit: int = ACTIVITY_LIMIT_DEFAULT

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit

    @classmethod
    def from_params(cls, params: Params) -> "ActivityWindow":
        return cls(
            page=params.whole_number("page", default=1, minimum=1),
            limit=params.whole_number("limit", default=ACTIVITY_LIMIT_DEFAULT, minimum=1, cap=ACTIVITY_LIMIT_CAP),
        )


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


def recent_activities(organization_id: str) -> "Activities":
    """What happened last in the organization: its latest done activities on live deals, by when
    each was done (a step still planned has not happened), with each deal, author and assignee loaded."""
    query = (
        select(Activity)
        .join(Activity.deal)
        .where(Activity.organization_id == organization_id, Activity.done.is_(True), Deal.deleted_at.is_(None))
        .options(contains_eager(Activity.deal), joinedload(Activity.author), joinedload(Activity.assignee))
        .order_by(Activity.done_at.desc(), Activity.id.desc())
        .limit(RECENT_ACTIVITIES_SHOWN)
    )
    items = list(db.session.scalars(query).unique())
    return Activities(items, names_referred_to(organization_id, items))


def list_activities(organization_id: str, deal_id: str, window: ActivityWindow, *, done_only: bool = False) -> ActivityPage:
    """One page of a deal's activities, newest first (authors and assignees loaded), and how many there are.
    done_only: its history of what happened, by when each entry was done (a step planned long ago
    and done today is today's), without the steps still open."""
    deal = get_deal(organization_id, deal_id)
    if done_only:
        matching = select(Activity).where(Activity.deal_id == deal.id, Activity.done.is_(True))
        listed = matching.order_by(Activity.done_at.desc(), Activity.id.desc())
    else:
        matching = listed = deal.activities.select()
    total = db.session.scalar(select(func.count()).select_from(matching.order_by(None).subquery()))
    listed = listed.options(joinedload(Activity.author), joinedload(Activity.assignee))
    listed = listed.limit(window.limit).offset(window.offset)
    items = list(db.session.scalars(listed))
    return ActivityPage(items, names_referred_to(organization_id, items), total, window.page, window.limit)


def days_in_stages(deal: Deal, now: datetime) -> dict[Stage, int]:
    """How many whole days the deal has spent in each stage it has been in, from its moves (each
    stage_change entry says "old → new"); its current stage counts until now."""
    moves = db.session.execute(
        select(Activity.created_at, Activity.content)
        .where(Activity.deal_id == deal.id, Activity.type == ActivityType.STAGE_CHANGE)
        .order_by(Activity.created_at, Activity.id)
    ).all()
    steps = [(moved_at, content.partition(" → ")) for moved_at, content in moves]
    steps = [(moved_at, Stage(old), Stage(new)) for moved_at, (old, _, new) in steps if {old, new} <= set(STAGES)]
    spent: dict[Stage, timedelta] = {}
    entered, stage = deal.created_at, steps[0][1] if steps else deal.stage
    for moved_at, _, new in steps:
        spent[stage] = spent.get(stage, timedelta()) + (moved_at - entered)
        entered, stage = moved_at, new
    spent[deal.stage] = spent.get(deal.stage, timedelta()) + max(now - entered, timedelta())
    return {stage: duration.days for stage, duration in spent.items()}


def names_referred_to(organization_id: str, activities: list[Activity]) -> dict[str, str]:
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


def recorded_values(deal: Deal) -> dict[str, Any]:
    return {name: getattr(deal, name) for name in RECORDED_FIELDS}


def changes_between(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, Any]]:
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


def assignee_of(kind: ActivityType, author: str) -> str | None:
    """Whose an activity is when it is written: what a person logged is theirs; the entries the app
    records are no one's."""
    return None if kind in RECORDED_ACTIVITY_TYPES else author


class History:
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
            # What happened is done when it is written; a plan (crm.deals.planned) may say otherwise.
            done=True,
            done_at=self.next_at,
            assigned_member_id=assignee_of(kind, self.actor.id),
        )
        db.session.add(activity)
        signals.recorded(self.deal, kind, self.next_at)
        self.next_at += timedelta(microseconds=1)
        return activity


