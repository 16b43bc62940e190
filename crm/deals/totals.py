"""Per-stage, per-currency totals of an organization's live deals, kept as the deals change.

The deal operations call `retally` in the same transaction as each change, so the lists' totals
and the board's column headers read a handful of rows instead of counting and summing deals:
their cost does not grow with the organization. `recount` rebuilds them from the rows after bulk
loads that bypass the operations.
"""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import BigInteger, Select, delete, func, insert, select, type_coerce
from sqlalchemy.exc import DataError, IntegrityError

from crm.core.database import db, insert_or_merge
from crm.core.errors import ValidationFailed
from crm.core.messages import msg
from crm.core.types import MONEY_PLACES, hundredths
from crm.models import Deal, DealStageTotal, Stage

PERCENT_PLACES = 2  # the weighted sum is in hundredths times percent
# A deal's share in SQL, as Share.of computes it in Python: the stored hundredths, and times probability.
_AMOUNT = type_coerce(Deal.amount, BigInteger)
_WEIGHTED = _AMOUNT * Deal.probability


@dataclass(frozen=True)
class Share:
    """What one live deal adds to the totals of its stage and currency."""

    stage: Stage
    currency: str
    priced: int  # 1 when the deal has an amount
    amount: int  # hundredths
    weighted: int  # hundredths times percent

    @classmethod
    def of(cls, deal: Deal) -> "Share":
        amount = 0 if deal.amount is None else hundredths(deal.amount)
        return cls(
            deal.stage,
            deal.currency,
            priced=int(deal.amount is not None),
            amount=amount,
            weighted=amount * (deal.probability or 0),
        )


@dataclass(frozen=True)
class StageTotal:
    """A stage's deals in one currency, summed; amounts are None when none of them has one."""

    stage: Stage
    currency: str
    count: int
    amount: Decimal | None
    weighted: Decimal | None


def retally(organization_id: str, before: Share | None, after: Share | None) -> None:
    """Move a deal's share from what it was (None: not counted, e.g. new) to what it is now (None:
    deleted). Rows are changed in (stage, currency) order, so that two concurrent changes lock them
    in the same order and queue instead of deadlocking."""
    deltas: dict[tuple[str, str], list[int]] = {}
    for share, sign in ((before, -1), (after, +1)):
        if share is not None:
            delta = deltas.setdefault((share.stage.value, share.currency), [0, 0, 0, 0])
            for index, value in enumerate((1, share.priced, share.amount, share.weighted)):
                delta[index] += sign * value
    for (stage, currency), delta in sorted(deltas.items()):
        if any(delta):
            _add(organization_id, Stage(stage), currency, delta)


def counted_query(organization_id: str, stage: Stage | None = None) -> Select:
    """How many live deals the organization has (in a stage), without counting rows."""
    query = select(func.coalesce(func.sum(DealStageTotal.deal_count), 0)).where(
        DealStageTotal.organization_id == organization_id
    )
    return query.where(DealStageTotal.stage == stage) if stage else query


def stage_totals(organization_id: str, stages: list[Stage]) -> list[StageTotal]:
    """The kept totals of the given stages, per currency."""
    query = (
        select(DealStageTotal)
        .where(
            DealStageTotal.organization_id == organization_id,
            DealStageTotal.stage.in_(stages),
            DealStageTotal.deal_count > 0,
        )
        .order_by(DealStageTotal.stage, DealStageTotal.currency)
    )
    return [
        _stage_total(row.stage, row.currency, row.deal_count, row.amount_sum if row.priced_count else None,
                     row.weighted_sum)
        for row in db.session.scalars(query)
    ]


def summed_totals(selections: list[Select], *, from_their_ranges: bool = False) -> list[StageTotal]:
    """The totals of the deals some disjoint queries select, summed from their rows (for a filtered
    board): one grouped query each, added up per stage and currency. from_their_ranges: each query
    names an index range much smaller than its stage (a period of the closed deals); grouping by
    the currency as an expression keeps SQLite from walking the board's index, which is in the
    grouping's order, through the whole stage instead."""
    currency = (Deal.currency + "") if from_their_ranges else Deal.currency
    sums: dict[tuple[str, str], list] = {}
    for matching in selections:
        query = matching.with_only_columns(
            Deal.stage, currency, func.count(), func.sum(_AMOUNT), func.sum(_WEIGHTED)
        ).group_by(Deal.stage, currency)
        for stage, code, count, amount, weighted in db.session.execute(query):
            found = sums.setdefault((Stage(stage), code), [0, None, None])
            found[0] += count
            if amount is not None:
                found[1] = (found[1] or 0) + amount
                found[2] = (found[2] or 0) + (weighted or 0)
    return [_stage_total(stage, code, *summed) for (stage, code), summed in sorted(sums.items())]


def recount(organization_id: str) -> None:
    """Set the organization's totals from its rows."""
    db.session.execute(delete(DealStageTotal).where(DealStageTotal.organization_id == organization_id))
    sums = (
        select(
            Deal.organization_id,
            Deal.stage,
            Deal.currency,
            func.count(),
            func.count(Deal.amount),
            func.coalesce(func.sum(_AMOUNT), 0),
            func.coalesce(func.sum(_WEIGHTED), 0),
        )
        .where(Deal.organization_id == organization_id, Deal.deleted_at.is_(None))
        .group_by(Deal.organization_id, Deal.stage, Deal.currency)
    )
    columns = ["organization_id", "stage", "currency", "deal_count", "priced_count", "amount_sum", "weighted_sum"]
    db.session.execute(insert(DealStageTotal).from_select(columns, sums))


def _add(organization_id: str, stage: Stage, currency: str, delta: list[int]) -> None:
    deal_count, priced_count, amount_sum, weighted_sum = delta
    upsert = insert_or_merge(DealStageTotal).values(
        organization_id=organization_id,
        stage=stage,
        currency=currency,
        deal_count=deal_count,
        priced_count=priced_count,
        amount_sum=amount_sum,
        weighted_sum=weighted_sum,
    )
    upsert = upsert.on_conflict_do_update(
        index_elements=[DealStageTotal.organization_id, DealStageTotal.stage, DealStageTotal.currency],
        set_={
            "deal_count": DealStageTotal.deal_count + deal_count,
            "priced_count": DealStageTotal.priced_count + priced_count,
            "amount_sum": DealStageTotal.amount_sum + amount_sum,
            "weighted_sum": DealStageTotal.weighted_sum + weighted_sum,
        },
    )
    db.session.flush()  # the deal's own pending writes fail on their own, not as this sum's overflow
    try:
        db.session.execute(upsert)
    except (IntegrityError, DataError):  # the sums left the 64-bit range (see DealStageTotal)
        raise ValidationFailed(
            {"amount": msg("would take the %(stage)s %(currency)s total beyond what the pipeline can add up.",
                           stage=stage, currency=currency)}
        ) from None


def _stage_total(stage: Stage, currency: str, count: int, amount: int | None, weighted: int | None) -> StageTotal:
    if amount is None:
        return StageTotal(stage, currency, count, None, None)
    return StageTotal(
        stage,
        currency,
        count,
        Decimal(int(amount)).scaleb(-MONEY_PLACES),
        Decimal(int(weighted or 0)).scaleb(-MONEY_PLACES - PERCENT_PLACES),
    )
