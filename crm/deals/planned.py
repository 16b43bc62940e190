"""Planned activities: a deal's steps with a due date (and maybe a time of day), the member who is
to do them, done or not. What a plan must hold, and the organization's activities listed by when
they are due, "today" and "overdue" judged by the caller's own date."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, false, func, select
from sqlalchemy.orm import contains_eager, joinedload

from crm.accounts.users import Member
from crm.core.clock import today_in
from crm.core.database import db
from crm.core.errors import BadParameter, NotFound, ReadOnlyActivity
from crm.core.ids import is_id_of
from crm.core.listing import Page, Params, Window
from crm.core.messages import msg
from crm.models import RECORDED_ACTIVITY_TYPES, Activity, ActivityType, Deal

# The fields a plan sets on an activity as they are given; `done` also moves done_at.
PLAN_FIELDS = ("content", "due_date", "due_time", "assigned_member_id")
ME = "me"
DUE = ("overdue", "today", "upcoming", "none")
# How many of a deal's open steps its page lists (it says how many more there are).
STEPS_SHOWN = 50


def is_done_by_default(kind: ActivityType, fields: Mapping[str, Any]) -> bool:
    """A new activity without `done`: done unless it is planned for a day; a note always is."""
    return kind is ActivityType.NOTE or fields.get("due_date") is None


def plan(activity: Activity, fields: Mapping[str, Any], now: datetime) -> dict[str, str]:
    """Set the given fields on the activity (marking it done sets done_at to now, unless it was
    done already; undoing clears it); what is wrong with the result, by field."""
    for name in PLAN_FIELDS:
        if name in fields:
            setattr(activity, name, fields[name])
    if "done" in fields:
        if not fields["done"]:
            activity.done_at = None
        elif not activity.done:
            activity.done_at = now
        activity.done = fields["done"]
    errors = {}
    if activity.due_time is not None and activity.due_date is None:
        errors["due_time"] = msg("can only be given with a due date.")
    if activity.type is ActivityType.NOTE and not activity.done:
        errors["done"] = msg("must be true for a note: a note is always done.")
    return errors


def get_changeable(organization_id: str, activity_id: str) -> Activity:
    """An activity of a live deal of the organization, locked for the change (NotFound otherwise);
    ReadOnlyActivity for the entries the app records."""
    if not is_id_of("activity", activity_id):
        raise NotFound("activity")
    activity = db.session.scalar(
        _of_live_deals(organization_id).where(Activity.id == activity_id).with_for_update(of=Activity)
    )
    if activity is None:
        raise NotFound("activity")
    if activity.type in RECORDED_ACTIVITY_TYPES:
        raise ReadOnlyActivity()
    return activity


def deal_of(organization_id: str, activity_id: str) -> str:
    """The id of the live deal an activity of the organization is on; NotFound otherwise."""
    if not is_id_of("activity", activity_id):
        raise NotFound("activity")
    deal_id = db.session.scalar(_of_live_deals(organization_id).with_only_columns(Activity.deal_id)
                                .where(Activity.id == activity_id))
    if deal_id is None:
        raise NotFound("activity")
    return deal_id


@dataclass(frozen=True)
class ActivityQuery:
    """What a list of the organization's activities asks for. assigned_member_id may be ME."""

    window: Window
    assigned_member_id: str | None = None
    deal_id: str | None = None
    done: bool | None = None
    due: str | None = None

    @classmethod
    def from_params(cls, params: Params) -> "ActivityQuery":
        done = params.choice("done", ["true", "false"])
        return cls(
            window=Window.from_params(params),
            assigned_member_id=_id_or_me("assigned_member_id", params.single("assigned_member_id")),
            deal_id=_deal_id("deal_id", params.single("deal_id")),
            done=None if done is None else done == "true",
            due=params.choice("due", DUE),
        )


def _id_or_me(name: str, raw: str | None) -> str | None:
    if raw in (None, "", ME):
        return raw or None
    if not is_id_of("user", raw):
        raise BadParameter(name, msg("must be me or a member (user) id"))
    return raw


def _deal_id(name: str, raw: str | None) -> str | None:
    if raw in (None, ""):
        return None
    if not is_id_of("deal", raw):
        raise BadParameter(name, msg("must be a deal id"))
    return raw


def list_planned(actor: Member, query: ActivityQuery) -> Page:
    """A page of the organization's activities on live deals, by due date then time (a day's
    untimed ones after its timed ones, undated ones last), ties broken by id; and how many match."""
    listed = _filtered(actor, query).order_by(*BY_DUE).limit(query.window.limit).offset(query.window.offset)
    return Page(list(db.session.scalars(listed)), count_planned(actor, query), query.window.limit, query.window.offset)


# The order of planned activities: by due date, then time (a day's timed ones first), undated last.
BY_DUE = (Activity.due_date.is_(None), Activity.due_date, Activity.due_time.is_(None), Activity.due_time, Activity.id)


def _filtered(actor: Member, query: ActivityQuery) -> Select:
    matching = _of_live_deals(actor.organization_id)
    if query.assigned_member_id:
        assignee = actor.id if query.assigned_member_id == ME else query.assigned_member_id
        matching = matching.where(Activity.assigned_member_id == assignee)
    if query.deal_id:
        matching = matching.where(Activity.deal_id == query.deal_id)
    if query.done is not None:
        matching = matching.where(Activity.done == query.done)
    if query.due:
        matching = matching.where(*_due_on(query.due, today_in(ZoneInfo(actor.time_zone))))
    return matching


def _due_on(due: str, today: date) -> list:
    """When an activity is due, as seen on the day `today`: overdue is open and due before it."""
    return {
        "overdue": [Activity.done == false(), Activity.due_date < today],
        "today": [Activity.due_date == today],
        "upcoming": [Activity.due_date > today],
        "none": [Activity.due_date.is_(None)],
    }[due]


def _of_live_deals(organization_id: str) -> Select:
    return (
        select(Activity)
        .join(Deal, Deal.id == Activity.deal_id)
        .where(Activity.organization_id == organization_id, Deal.deleted_at.is_(None))
    )


def list_planned_with_deals(actor: Member, query: ActivityQuery) -> Page:
    """list_planned with each activity's deal loaded in the same query (a page shows its name)."""
    matching = _filtered(actor, query).options(contains_eager(Activity.deal))
    listed = matching.order_by(*BY_DUE).limit(query.window.limit).offset(query.window.offset)
    return Page(list(db.session.scalars(listed)), count_planned(actor, query), query.window.limit, query.window.offset)


def count_planned(actor: Member, query: ActivityQuery) -> int:
    """How many of the organization's activities the query matches."""
    return db.session.scalar(select(func.count()).select_from(_filtered(actor, query).subquery()))


def open_steps(organization_id: str, deal_id: str) -> Page:
    """The deal's open steps by when they are due (assignees loaded): the first STEPS_SHOWN, and how many."""
    matching = select(Activity).where(Activity.organization_id == organization_id, Activity.deal_id == deal_id,
                                      Activity.done.is_(False))
    total = db.session.scalar(select(func.count()).select_from(matching.subquery()))
    listed = matching.options(joinedload(Activity.assignee)).order_by(*BY_DUE).limit(STEPS_SHOWN)
    return Page(list(db.session.scalars(listed)), total, STEPS_SHOWN, 0)


def step_of(organization_id: str, deal_id: str, activity_id: str, *, open_only: bool = True) -> Activity | None:
    """The deal's activity with that id, if it is one of its (open) steps: not an entry the app records."""
    if not is_id_of("activity", activity_id):
        return None
    found = select(Activity).where(
        Activity.organization_id == organization_id, Activity.deal_id == deal_id, Activity.id == activity_id,
        Activity.type.not_in(RECORDED_ACTIVITY_TYPES))
    return db.session.scalar(found.where(Activity.done.is_(False)) if open_only else found)


def count_overdue(actor: Member) -> int:
    """How many open activities assigned to the member are due before their today."""
    return count_planned(actor, ActivityQuery(window=Window(limit=1, offset=0), assigned_member_id=ME, done=False,
                                              due="overdue"))
