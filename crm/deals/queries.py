"""Reading deals: one deal of the organization, a page of a filtered and ordered list, and the
counts from the kept totals."""

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, tzinfo

from sqlalchemy import Select, and_, false, func, or_, select, true
from sqlalchemy.orm import joinedload

from crm.core.clock import now_utc, today_in
from crm.core.database import db
from crm.core.errors import BadParameter, NotFound
from crm.core.ids import is_id_of
from crm.core.listing import Page, Params, Window
from crm.core.messages import msg
from crm.deals import signals, totals
from crm.deals.pipeline import Pipeline
from crm.deals.rules import STAGES, UNASSIGNED
from crm.deals.search import deal_name_contains, looks_up_matches
from crm.models import CLOSED_STAGES, OPEN_STAGES, Deal, Stage, stage_table

# How far back a view of the closed stages reaches (the board's Won and Lost columns): deals closed
# since the start of the viewer's month, quarter or year, or all of them; a month unless asked.
CLOSED_PERIODS = ("month", "quarter", "year", "all")
DEFAULT_CLOSED_PERIOD = "month"
SORT_COLUMNS = {
    "created_at": Deal.created_at,
    "updated_at": Deal.updated_at,
    "name": Deal.name_norm,
    "amount": Deal.amount,
}
# What a page shows beside a deal, loaded with it in one query.
RELATIONS = (joinedload(Deal.company), joinedload(Deal.contact), joinedload(Deal.assignee))


@dataclass(frozen=True)
class DealFilter:
    """Which live deals to show: a name search, a stage, an assignee (a member id, or UNASSIGNED),
    stale or not, and the state of the next step (signals.NEXT_ACTIVITY) as seen on the day
    `today` (the viewer's). The one filter of every view of the deals (the table, the API's list,
    the board), so that an export or a report can take any page's filter as it is."""

    search: str | None = None
    stage: Stage | None = None
    assignee: str | None = None
    stale: bool | None = None
    next_activity: str | None = None
    today: date | None = None
    # How far back the closed stages reach (CLOSED_PERIODS), and the moment that is: the start of
    # the viewer's month, quarter or year; None for all time. Open stages are not narrowed by it.
    closed: str | None = None
    closed_since: datetime | None = None

    @classmethod
    def from_params(
        cls, params: Params, offered: Collection[str], me: str | None = None, time_zone: tzinfo = UTC
    ) -> "DealFilter":
        """The filter a URL asks for, read from the fields the view offers (the board has no stage
        filter, the API's list no assignee), so that a parameter a view does not offer is ignored;
        me: whom "me" names, for a view that offers the assignee; time_zone: the viewer's, whose
        date says which next steps are overdue and when their month (quarter, year) began."""
        stage = params.choice("stage", STAGES) if "stage" in offered else None
        assignee = (params.single("assignee") or None) if "assignee" in offered else None
        if assignee == "me" and me is not None:
            assignee = me
        elif assignee not in (None, UNASSIGNED) and not is_id_of("user", assignee):
            raise BadParameter("assignee", msg("must be me, none or a member id"))
        stale = params.choice("stale", ["true", "false"]) if "stale" in offered else None
        next_activity = params.choice("next_activity", signals.NEXT_ACTIVITY) if "next_activity" in offered else None
        return cls(
            search=params.search() if "search" in offered else None,
            stage=Stage(stage) if stage else None,
            assignee=assignee,
            stale=None if stale is None else stale == "true",
            next_activity=next_activity,
            today=today_in(time_zone) if next_activity else None,
            **_closed_period(params.choice("closed", CLOSED_PERIODS, default=DEFAULT_CLOSED_PERIOD), time_zone)
            if "closed" in offered else {},
        )

    @property
    def is_empty(self) -> bool:
        return not (self.search or self.stage or self.assignee or self.stale is not None or self.next_activity
                    or self.closed_since is not None)

    def without_period(self) -> "DealFilter":
        return replace(self, closed=None, closed_since=None)

    def narrows(self, stage: Stage) -> bool:
        """Whether the filter leaves out any of the stage's deals (the period only narrows the closed ones)."""
        return (self.closed_since is not None and stage in CLOSED_STAGES) or not self.without_period().is_empty

    def as_params(self) -> dict[str, str]:
        """The URL parameters that ask for this filter (from_params reads them back)."""
        params = {"search": self.search, "stage": self.stage.value if self.stage else None,
                  "assignee": self.assignee, "next_activity": self.next_activity, "closed": self.closed}
        if self.stale is not None:
            params["stale"] = "true" if self.stale else "false"
        return {name: value for name, value in params.items() if value}

    def in_stage(self, stage: Stage | None) -> "DealFilter":
        return replace(self, stage=stage)


def _closed_period(closed: str, time_zone: tzinfo) -> dict:
    return {"closed": closed, "closed_since": period_start(closed, today_in(time_zone), time_zone)}


def period_start(period: str, today: date, time_zone: tzinfo) -> datetime | None:
    """When the month, quarter or year of the day `today` began where the viewer is; None for all."""
    if period == "all":
        return None
    month = {"month": today.month, "quarter": today.month - (today.month - 1) % 3, "year": 1}[period]
    return datetime(today.year, month, 1, tzinfo=time_zone).astimezone(UTC)


@dataclass(frozen=True)
class DealQuery:
    """What a deals list asks for: a window, a filter, and an order."""

    window: Window
    filter: DealFilter = DealFilter()
    sort: str = "created_at"
    order: str = "desc"

    @classmethod
    def from_params(cls, params: Params, time_zone: tzinfo = UTC) -> "DealQuery":
        """time_zone: the viewer's, whose date says which next steps are overdue."""
        # Read in the order their errors have always been reported in: stage, window, search, sort,
        # order; then the signals' filters, which came later.
        by_stage = DealFilter.from_params(params, {"stage"})
        window = Window.from_params(params)
        search = params.search()
        sort = params.choice("sort", list(SORT_COLUMNS), default="created_at")
        order = params.choice("order", ["asc", "desc"], default="desc")
        by_signals = DealFilter.from_params(params, {"stale", "next_activity"}, time_zone=time_zone)
        return cls(
            window=window,
            filter=replace(by_signals, stage=by_stage.stage, search=search),
            sort=sort,
            order=order,
        )


def list_deals(organization_id: str, query: DealQuery, *, with_relations: bool = False) -> Page:
    """Answer one page of the organization's live deals and how many match in all: Deal objects
    with company, contact and assignee loaded in the same query when a page shows them, otherwise
    read-only rows with the same attributes."""
    broad = False
    deal_filter = query.filter
    if deal_filter.search or deal_filter.stale is not None or deal_filter.next_activity:
        # Counted through the search index, or the signals' indexes: only the matches are read.
        total = _count(organization_id, deal_filter)
        broad = bool(deal_filter.search) and looks_up_matches(deal_filter.search) and is_broad_search(
            total, counted_deals(organization_id, deal_filter.stage), query.window.end
        )
    else:
        total = counted_deals(organization_id, deal_filter.stage)
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
    matching = matching_deals(organization_id, query.filter, broad_search=broad_search)
    return matching.order_by(*ordering).limit(query.window.limit).offset(query.window.offset)


def _amount_order(order: str) -> list:
    """Deals without an amount come last in both directions, in the same order on both databases.
    Each order has an index that yields it as it is read (see the amount indexes in crm/models.py):
    going up, SQLite would put NULLs first, so the ascending order leads with "amount IS NULL";
    going down, NULLs come last by themselves on SQLite, and on PostgreSQL from its NULLS FIRST index."""
    if order == "asc":
        return [Deal.amount.is_(None).asc(), Deal.amount.asc(), Deal.id.asc()]
    return [Deal.amount.desc().nulls_last(), Deal.id.desc()]


def counted_deals(organization_id: str, stage: Stage | None = None) -> int:
    """How many live deals the organization has (in a stage), from the kept totals."""
    return int(db.session.scalar(totals.counted_query(organization_id, stage)))  # PostgreSQL's sum is a numeric


def matching_deals(organization_id: str, deal_filter: DealFilter = DealFilter(), *, broad_search: bool = False) -> Select:
    """The organization's live deals that the filter lets through. broad_search: the search matches
    many deals (see is_broad_search), which the planner cannot know."""
    matching = select(Deal).where(Deal.organization_id == organization_id, Deal.deleted_at.is_(None))
    if deal_filter.stage:
        matching = matching.where(Deal.stage == deal_filter.stage)
    if deal_filter.search:
        matching = matching.where(deal_name_contains(deal_filter.search, broad=broad_search))
    if deal_filter.assignee == UNASSIGNED:
        matching = matching.where(Deal.assigned_member_id.is_(None))
    elif deal_filter.assignee:
        matching = matching.where(Deal.assigned_member_id == deal_filter.assignee)
    if deal_filter.closed_since is not None:
        matching = matching.where(_closed_since(deal_filter.stage, deal_filter.closed_since))
    parts = signal_parts(organization_id, deal_filter)
    if parts is not None:
        matching = matching.where(or_(*parts) if parts else false())
    return matching


# When a closed deal closed: a won deal by its won date, a lost one by when it entered Lost.
CLOSED_AT = stage_table({Stage.CLOSED_WON: Deal.won_date, Stage.CLOSED_LOST: Deal.stage_entered_at}, CLOSED_STAGES)


def _closed_since(stage: Stage | None, since: datetime):
    """Open deals, and the closed ones closed since that moment (CLOSED_AT). One stage's condition
    reads that stage's index range."""
    if stage in CLOSED_AT:
        return CLOSED_AT[stage] >= since
    if stage is not None:
        return true()
    return or_(Deal.stage.in_(OPEN_STAGES), *(and_(Deal.stage == closed, at >= since) for closed, at in CLOSED_AT.items()))


def signal_parts(organization_id: str, deal_filter: DealFilter) -> list | None:
    """What the filter's signals let through as disjoint conditions (the pairs of a stale part and
    a next-step part), each served by one index range; None when it asks for no signal."""
    if deal_filter.stale is None and not deal_filter.next_activity:
        return None
    stale = [true()]
    if deal_filter.stale is not None:
        stale = Pipeline.of(organization_id).stale_parts(now_utc(), deal_filter.stale)
    planned = signals.next_activity_parts(deal_filter.next_activity, deal_filter.today) if deal_filter.next_activity else [true()]
    return [and_(one, other) for one in stale for other in planned]


def disjoint_matches(organization_id: str, deal_filter: DealFilter) -> list[Select]:
    """The deals the filter lets through as disjoint selections whose results add up: one per part of
    its signals, each read from an index range (one OR over them makes SQLite read every deal of the
    organization), or the single selection when it asks for no signal."""
    parts = signal_parts(organization_id, deal_filter)
    others = matching_deals(organization_id, replace(deal_filter, stale=None, next_activity=None))
    return [others] if parts is None else [others.where(part) for part in parts]


def _count(organization_id: str, deal_filter: DealFilter) -> int:
    """How many deals match, added up over the disjoint selections."""
    return sum(
        db.session.scalar(select(func.count()).select_from(selection.subquery()))
        for selection in disjoint_matches(organization_id, deal_filter)
    )


def get_deal(organization_id: str, deal_id: str, *, with_relations: bool = False) -> Deal:
    """The organization's live deal with that id; NotFound for any other."""
    if not is_id_of("deal", deal_id):
        raise NotFound("deal")
    query = matching_deals(organization_id).where(Deal.id == deal_id)
    deal = db.session.scalar(query.options(*RELATIONS) if with_relations else query)
    if deal is None:
        raise NotFound("deal")
    return deal


