"""List totals come from per-stage counters kept in the same transaction as every change; they must
always equal a real count of the rows, whatever happens, concurrently too."""

import random
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from crm.extensions import db
from crm.models import Deal, Stage
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


def listed_counts(api) -> dict[str, int]:
    counts = {stage: api.get(DEALS, query_string={"stage": stage}).get_json()["total"] for stage in STAGES}
    return {stage: count for stage, count in counts.items() if count}


def random_operation(api: ApiClient, rng: random.Random, deal_ids: list[str]) -> None:
    roll = rng.random()
    if roll < 0.35 or not deal_ids:
        response = api.post(DEALS, json={"name": f"Deal {rng.random()}", "stage": rng.choice(STAGES)})
        if response.status_code == 201:
            deal_ids.append(response.get_json()["deal"]["id"])
    elif roll < 0.75:
        api.post(f"{DEALS}/{rng.choice(deal_ids)}/stage", json={"stage": rng.choice(STAGES)})
    elif roll < 0.85:
        api.patch(f"{DEALS}/{rng.choice(deal_ids)}", json={"stage": rng.choice(STAGES), "probability": 101})
    elif roll < 0.95:
        api.delete(f"{DEALS}/{rng.choice(deal_ids)}")
    else:
        api.post(DEALS, json={"name": "", "stage": "closed_won"})  # refused: must not count


def test_totals_match_real_counts_after_a_mixed_workload(app, api, rival):
    rng = random.Random(7)
    ours, theirs = [], []
    for _ in range(120):
        random_operation(api, rng, ours)
        random_operation(rival, rng, theirs)

    assert listed_counts(api) == real_counts(app, api.user["organization_id"])
    assert listed_counts(rival) == real_counts(app, rival.user["organization_id"])
    assert api.get(DEALS).get_json()["total"] == sum(real_counts(app, api.user["organization_id"]).values())


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
