"""List totals and board headers come from per-stage, per-currency totals kept in the same
transaction as every change; they must always equal a real count and sum of the rows, whatever
happens, concurrently too."""

import random
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from crm.core.database import db
from crm.deals.totals import recount
from crm.models import Deal, DealStageTotal, Stage
from tests.conftest import ApiClient

DEALS = "/api/v1/crm/deals"
STAGES = [stage.value for stage in Stage]


def real_counts(app, organization_id: str) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(
            select(Deal.stage, func.count())
            .where(Deal.organization_id == organization_id, Deal.deleted_at.is_(None))
            .group_by(Deal.stage)
        ).all()
    return {stage.value: count for stage, count in rows}


def kept_totals(app, organization_id: str) -> set[tuple]:
    with app.app_context():
        rows = db.session.scalars(
            select(DealStageTotal).where(DealStageTotal.organization_id == organization_id, DealStageTotal.deal_count > 0)
        ).all()
        return {
            (row.stage, row.currency, row.deal_count, row.priced_count, row.amount_sum, row.weighted_sum)
            for row in rows
        }


def real_totals(app, organization_id: str) -> set[tuple]:
    """The same figures, computed afresh from the rows."""
    with app.app_context():
        recount(organization_id)
        db.session.flush()
        totals = kept_totals(app, organization_id)
        db.session.rollback()
    return totals


def listed_counts(api) -> dict[str, int]:
    counts = {stage: api.get(DEALS, query_string={"stage": stage}).get_json()["total"] for stage in STAGES}
    return {stage: count for stage, count in counts.items() if count}


def random_operation(api: ApiClient, rng: random.Random, deal_ids: list[str]) -> None:
    roll = rng.random()
    if roll < 0.35 or not deal_ids:
        response = api.post(DEALS, json={"name": f"Deal {rng.random()}", "stage": rng.choice(STAGES)})
        if response.status_code == 201:
            deal_ids.append(response.get_json()["deal"]["id"])
    elif roll < 0.6:
        api.post(f"{DEALS}/{rng.choice(deal_ids)}/stage", json={"stage": rng.choice(STAGES)})
    elif roll < 0.75:
        api.patch(f"{DEALS}/{rng.choice(deal_ids)}", json=random_money(rng))
    elif roll < 0.85:
        api.patch(f"{DEALS}/{rng.choice(deal_ids)}", json={"stage": rng.choice(STAGES), "probability": 101})
    elif roll < 0.95:
        api.delete(f"{DEALS}/{rng.choice(deal_ids)}")
    else:
        api.post(DEALS, json={"name": "", "stage": "closed_won"})  # refused: must not count


def random_money(rng: random.Random) -> dict:
    """Some of amount, currency and probability: each changes what a deal adds to the sums."""
    choices = {
        "amount": rng.choice([None, 0, 1200000, "1234.56", 99]),
        "currency": rng.choice(["JPY", "USD", "EUR"]),
        "probability": rng.choice([None, 0, 35, 100]),
    }
    picked = {name: value for name, value in choices.items() if rng.random() < 0.5}
    if isinstance(picked.get("amount"), str):
        picked["amount"] = float(picked["amount"])
    return picked


def test_totals_match_real_counts_after_a_mixed_workload(app, api, rival):
    rng = random.Random(7)
    ours, theirs = [], []
    for _ in range(120):
        random_operation(api, rng, ours)
        random_operation(rival, rng, theirs)

    assert listed_counts(api) == real_counts(app, api.user["organization_id"])
    assert listed_counts(rival) == real_counts(app, rival.user["organization_id"])
    assert api.get(DEALS).get_json()["total"] == sum(real_counts(app, api.user["organization_id"]).values())
    assert kept_totals(app, api.user["organization_id"]) == real_totals(app, api.user["organization_id"])
    assert kept_totals(app, rival.user["organization_id"]) == real_totals(app, rival.user["organization_id"])


def test_totals_match_real_counts_after_concurrent_moves_creates_and_deletes(app, api):
    seed_ids = [api.post(DEALS, json={"name": f"Seed {index}"}).get_json()["deal"]["id"] for index in range(10)]

    def worker(seed: int) -> None:
        client = ApiClient(app.test_client(), api.token)
        rng = random.Random(seed)
        deal_ids = list(seed_ids)
        for _ in range(40):
            random_operation(client, rng, deal_ids)

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(worker, range(4)))

    assert listed_counts(api) == real_counts(app, api.user["organization_id"])
    assert kept_totals(app, api.user["organization_id"]) == real_totals(app, api.user["organization_id"])


def test_a_change_that_would_overflow_a_stage_sum_is_refused_and_changes_nothing(app, api):
    largest = {"amount": 9999999999999.99, "probability": 100, "stage": "negotiation", "currency": "USD"}
    created = []
    for index in range(1000):
        response = api.post(DEALS, json={"name": f"Huge {index}", **largest})
        if response.status_code != 201:
            break
        created.append(response.get_json()["deal"]["id"])
    before = kept_totals(app, api.user["organization_id"])

    assert response.status_code == 422
    assert "beyond what the pipeline can add up" in response.get_json()["error"]["fields"]["amount"]
    assert 50 < len(created) < 1000
    assert api.get(DEALS, query_string={"stage": "negotiation"}).get_json()["total"] == len(created)
    assert kept_totals(app, api.user["organization_id"]) == before == real_totals(app, api.user["organization_id"])
