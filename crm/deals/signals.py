"""A deal's signals: when it entered its stage, when it last saw a real activity, its next step,
and whether it is stale. The first three are columns the operations keep in the transaction of
the change that moves them, so that lists filter on them through an index; staleness depends on
the time and the stage's setting (crm.deals.pipeline), so it is judged when read.

A real activity is the deal's creation, a stage change, or an activity that is done (logged done,
or marked done later: its done_at). Editing fields is not one. The next step is the earliest open
activity: by due date, then time (a day's timed steps first), undated ones last."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Row, and_, func, select

from crm.core.clock import now_utc
from crm.core.database import db
from crm.deals.pipeline import Pipeline
from crm.deals.planned import BY_DUE
from crm.models import OPEN_STAGES, Activity, ActivityType, Deal

# The choices of the next_activity filter; "upcoming" is a step due after today or without a date.
NEXT_ACTIVITY = ("none", "overdue", "today", "upcoming")
# The history entries that are no activity of the deal's: a change of its fields.
NOT_AN_ACTIVITY = (ActivityType.UPDATED,)


def recorded(deal: Deal, kind: ActivityType, at: datetime) -> None:
    """An entry of the deal's history was written at `at`, done (crm.deals.history): its creation
    and a stage change are activities, so is what a person logged, a change of fields is not.
    A stage change also starts the time in the new stage."""
    if kind in (ActivityType.CREATED, ActivityType.STAGE_CHANGE):
        deal.stage_entered_at = at
    if kind not in NOT_AN_ACTIVITY:
        deal.last_activity_at = at if deal.last_activity_at is None else max(deal.last_activity_at, at)


def refresh(deal: Deal) -> None:
    """Read the deal's last activity and next step again from its activities, after one of them
    was added, changed or deleted (flushed first, so the queries see it)."""
    db.session.flush()
    last_done = db.session.scalar(
        select(func.max(Activity.done_at)).where(
            Activity.deal_id == deal.id, Activity.done.is_(True), Activity.type.not_in(NOT_AN_ACTIVITY)
        )
    )
    deal.last_activity_at = max(deal.created_at, deal.stage_entered_at, *([last_done] if last_done else []))
    upcoming = db.session.execute(
        select(Activity.id, Activity.due_date)
        .where(Activity.deal_id == deal.id, Activity.done.is_(False))
        .order_by(*BY_DUE)
        .limit(1)
    ).first()
    deal.next_activity_id, deal.next_activity_due_date = upcoming if upcoming else (None, None)


def next_activity_parts(choice: str, today: date) -> list:
    """The deals whose next step is in this state, seen on the day `today`, as disjoint
    conditions, each a range of ix_deals_org_next_due: a count adds up theirs."""
    due = Deal.next_activity_due_date
    return {
        "none": [and_(due.is_(None), Deal.next_activity_id.is_(None))],
        "overdue": [due < today],
        "today": [due == today],
        "upcoming": [due > today, and_(due.is_(None), Deal.next_activity_id.is_not(None))],
    }[choice]


@dataclass(frozen=True)
class DealSignals:
    """What is needed to show the signals of some deals: the organization's pipeline settings, the
    time they are judged at, and the deals' next steps (id, type, content, due_date, due_time)."""

    pipeline: Pipeline
    now: datetime
    next_steps: Mapping[str, Row]

    @classmethod
    def of(cls, organization_id: str, deals: Iterable[Deal | Row]) -> "DealSignals":
        """Read for these deals (ORM objects or rows): two small queries, whatever their number."""
        wanted = {deal.next_activity_id for deal in deals if deal.next_activity_id}
        next_steps = {}
        if wanted:
            rows = db.session.execute(
                select(Activity.id, Activity.type, Activity.content, Activity.due_date, Activity.due_time)
                .where(Activity.organization_id == organization_id, Activity.id.in_(wanted))
            )
            next_steps = {row.id: row for row in rows}
        return cls(Pipeline.of(organization_id), now_utc(), next_steps)

    def is_stale(self, deal: Deal | Row) -> bool:
        return deal.stage in OPEN_STAGES and self.pipeline.is_stale(deal.stage, deal.last_activity_at, self.now)

    def next_step(self, deal: Deal | Row) -> Row | None:
        return self.next_steps.get(deal.next_activity_id) if deal.next_activity_id else None

    def idle_days(self, deal: Deal | Row) -> int:
        """Whole days (24-hour periods) since the deal's last activity."""
        return (self.now - deal.last_activity_at).days


def due_state(step: Row, today: date) -> str:
    """How a next step stands on the day `today`: overdue, today, later, or undated."""
    if step.due_date is None:
        return "undated"
    if step.due_date < today:
        return "overdue"
    return "today" if step.due_date == today else "later"
