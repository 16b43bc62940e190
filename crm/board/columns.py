"""The pipeline board: per-stage columns with their totals and the first cards of each."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import joinedload

from crm.core.database import db
from crm.deals import totals
from crm.deals.queries import CLOSED_AT, DealFilter, disjoint_matches, is_broad_search, matching_deals
from crm.deals.search import looks_up_matches
from crm.deals.signals import DealSignals
from crm.deals.totals import StageTotal
from crm.models import OPEN_STAGES, Deal, Stage

CARDS_PER_PAGE = 20
# A column redrawn after a change keeps the cards "show more" had loaded, up to this many.
MOST_CARDS_KEPT = 10 * CARDS_PER_PAGE
# What narrows the board (a DealFilter): a name search, an assignee, staleness and the next step,
# and the period its Won and Lost columns reach back; its columns are the stages.
BOARD_FILTERS = frozenset({"search", "assignee", "stale", "next_activity", "closed"})


@dataclass
class Column:
    stage: Stage
    count: int = 0
    totals: list[StageTotal] = field(default_factory=list)
    cards: list[Deal] = field(default_factory=list)
    offset: int = 0
    size: int = CARDS_PER_PAGE  # how many cards this part of the column holds at most
    signals: DealSignals | None = None  # the cards' signals, read for the whole board at once

    @property
    def next_offset(self) -> int | None:
        """Where "show more" continues, or None when every card is shown."""
        shown = self.offset + len(self.cards)
        return shown if shown < self.count else None


def columns(
    organization_id: str,
    board_filter: DealFilter,
    stages: list[Stage] | None = None,
    shown: Mapping[Stage, int] | None = None,
) -> list[Column]:
    """The given stages' columns (all six by default), each with its totals and its first cards:
    one page, or as many as the page showed (shown), at most MOST_CARDS_KEPT."""
    wanted = stages or list(Stage)
    shown = shown or {}
    by_stage = {stage: Column(stage, size=cards_kept(shown.get(stage, 0))) for stage in wanted}
    _add_totals(organization_id, board_filter, by_stage)
    sizes = _stage_sizes(organization_id, board_filter, wanted)
    for column in by_stage.values():
        if column.count:
            column.cards = _cards(organization_id, board_filter, column, sizes)
    _add_signals(organization_id, list(by_stage.values()))
    return [by_stage[stage] for stage in wanted]


def cards_kept(shown: int) -> int:
    """How many cards a redrawn column shows when the page showed `shown` of them."""
    return min(max(shown, CARDS_PER_PAGE), MOST_CARDS_KEPT)


def more_cards(organization_id: str, board_filter: DealFilter, stage: Stage, offset: int) -> Column:
    """The next page of a column's cards (its totals too, so the caller knows whether more remain)."""
    column = Column(stage, offset=offset)
    _add_totals(organization_id, board_filter, {stage: column})
    column.cards = _cards(organization_id, board_filter, column, _stage_sizes(organization_id, board_filter, [stage]))
    _add_signals(organization_id, [column])
    return column


def _add_signals(organization_id: str, shown: list[Column]) -> None:
    """The signals of every card shown, in two queries whatever the number of cards."""
    signals = DealSignals.of(organization_id, [card for column in shown for card in column.cards])
    for column in shown:
        column.signals = signals


def _add_totals(organization_id: str, board_filter: DealFilter, by_stage: dict[Stage, Column]) -> None:
    """Every header's count and amounts per currency: from the kept totals (a few rows, whatever the
    organization's size) for each stage the filter does not narrow; else summed from the matching
    deals, per disjoint part of a signal filter, each read from an index range (as the list's count
    is), and for a closed stage narrowed to a period, from that stage's own range."""
    kept = [stage for stage in by_stage if not board_filter.narrows(stage)]
    found = totals.stage_totals(organization_id, kept) if kept else []
    narrowed_open = [stage for stage in by_stage if stage not in kept and stage in OPEN_STAGES]
    groups = [(narrowed_open, board_filter.without_period())] if narrowed_open else []
    groups += [([stage], board_filter.in_stage(stage)) for stage in by_stage if stage not in kept + narrowed_open]
    for stages, group_filter in groups:
        selections = [selection.where(Deal.stage.in_(stages)) for selection in disjoint_matches(organization_id, group_filter)]
        found += totals.summed_totals(selections, from_their_ranges=group_filter.closed_since is not None)
    for total in found:
        column = by_stage[total.stage]
        column.count += total.count
        if total.amount is not None:
            column.totals.append(total)


def _stage_sizes(organization_id: str, board_filter: DealFilter, stages: list[Stage]) -> dict[Stage, int]:
    """How many deals each stage has in all, when a search needs it to pick its plan (else nothing)."""
    if not board_filter.search or not looks_up_matches(board_filter.search):
        return {}
    sizes = dict.fromkeys(stages, 0)
    for total in totals.stage_totals(organization_id, stages):
        sizes[total.stage] += total.count
    return sizes


def _card_order(board_filter: DealFilter, stage: Stage) -> tuple:
    """Most recently changed first; in a closed column scoped to a period, most recently closed
    first, read in order from that period's index range (CLOSED_AT, which holds no nulls there)."""
    if board_filter.closed_since is not None and stage in CLOSED_AT:
        return CLOSED_AT[stage].desc(), Deal.id.desc()
    return Deal.updated_at.desc(), Deal.id.desc()


def _cards(organization_id: str, board_filter: DealFilter, column: Column, sizes: dict[Stage, int]) -> list[Deal]:
    """A column's next cards (in _card_order), with company and assignee loaded in the
    same query. A search that matches much of the stage walks the stage's order (see
    deals.is_broad_search); sizes holds each stage's deal count for that choice."""
    rows_wanted = column.offset + column.size
    broad = bool(sizes) and is_broad_search(column.count, sizes[column.stage], rows_wanted)
    query = (
        matching_deals(organization_id, board_filter.in_stage(column.stage), broad_search=broad)
        .options(joinedload(Deal.company), joinedload(Deal.assignee))
        .order_by(*_card_order(board_filter, column.stage))
        .limit(column.size)
        .offset(column.offset)
    )
    return list(db.session.scalars(query).unique())
