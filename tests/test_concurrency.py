"""Concurrent users on a real multi-process server (gunicorn, 4 workers) on SQLite and PostgreSQL:
no 5xx, no "database is locked", nothing lost and nothing doubled."""

import random
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from crm.core.database import db
from crm.models import Activity, ActivityType, Deal, DealStageTotal
from tests.live_server import call

DEALS = "/api/v1/crm/deals"
STAGES = ["lead", "qualification", "proposal", "negotiation", "closed_won", "closed_lost"]
CLIENTS = 8


def run_clients(work, count: int = CLIENTS) -> list:
    with ThreadPoolExecutor(max_workers=count) as pool:
        return [answer for answers in pool.map(work, range(count)) for answer in answers]


def history(app, deal_id: str) -> list[tuple]:
    """The deal's activities in the order they were made, at full precision."""
    with app.app_context():
        return db.session.execute(
            select(Activity.type, Activity.content, Activity.created_at)
            .where(Activity.deal_id == deal_id)
            .order_by(Activity.created_at, Activity.id)
        ).all()


def test_many_clients_moving_one_deal_lose_nothing_double_nothing_and_keep_the_chain(app, server, api):
    deal_id = api.post(DEALS, json={"name": "Contested"}).get_json()["deal"]["id"]
    moves_each = 25

    def client(number: int) -> list:
        rng = random.Random(number)
        answers = []
        for index in range(moves_each):
            stage = rng.choice(STAGES)
            answer = call(server.base, "POST", f"{DEALS}/{deal_id}/stage", api.token,
                          {"stage": stage, "note": f"move {number}.{index} to {stage}"})
            answers.append(answer.status)
        return answers

    statuses = run_clients(client)

    assert statuses == [200] * CLIENTS * moves_each
    # Moves are serialized, and each one records its stage change (if any) and then its note: the
    # history read in order is the sequence of moves.
    moves, pending = [], []
    for row in history(app, deal_id)[1:]:
        if row.type == ActivityType.NOTE:
            moves.append((pending, row.content))
            pending = []
        else:
            pending.append(row.content)
    assert not pending
    assert len(moves) == CLIENTS * moves_each  # every answered move is recorded, once
    stage = "lead"
    changed = 0
    for stage_changes, note in moves:
        target = note.rsplit(" to ", 1)[1]
        # A move that changed the stage says so, from the stage the previous move left (an unbroken
        # chain); a move to the stage it already had records no change.
        assert stage_changes == ([f"{stage} → {target}"] if target != stage else [])
        changed += target != stage
        stage = target
    final = api.get(f"{DEALS}/{deal_id}").get_json()["deal"]
    assert final["stage"] == stage
    kinds = [row.type for row in history(app, deal_id)]
    assert kinds.count(ActivityType.STAGE_CHANGE) == changed


def test_concurrent_creates_with_one_idempotency_key_make_one_deal_and_the_same_answer(app, server, api):
    body = {"name": "Sent by an impatient client", "amount": 990000}

    def client(_: int) -> list:
        answer = call(server.base, "POST", DEALS, api.token, body, headers={"Idempotency-Key": "order-4711"})
        return [(answer.status, answer.body)]

    answers = run_clients(client, count=12)

    assert {status for status, _ in answers} == {201}
    assert all(body == answers[0][1] for _, body in answers)
    assert api.get(DEALS).get_json()["total"] == 1


def test_a_storm_of_mixed_changes_keeps_totals_equal_to_the_rows(app, server, api):
    seed_ids = [api.post(DEALS, json={"name": f"Seed {n}", "amount": 100 * n}).get_json()["deal"]["id"]
                for n in range(12)]

    def client(number: int) -> list:
        rng = random.Random(1000 + number)
        ids = list(seed_ids)
        statuses = []
        for _ in range(30):
            roll = rng.random()
            deal_id = rng.choice(ids)
            if roll < 0.25:
                answer = call(server.base, "POST", DEALS, api.token,
                              {"name": f"New {rng.random()}", "amount": rng.randint(0, 10**6),
                               "currency": rng.choice(["JPY", "USD"]), "stage": rng.choice(STAGES)})
                if answer.status == 201:
                    ids.append(answer.body["deal"]["id"])
            elif roll < 0.55:
                answer = call(server.base, "POST", f"{DEALS}/{deal_id}/stage", api.token, {"stage": rng.choice(STAGES)})
            elif roll < 0.75:
                current = call(server.base, "GET", f"{DEALS}/{deal_id}", api.token)
                etag = current.headers.get("ETag", '"gone"')
                answer = call(server.base, "PATCH", f"{DEALS}/{deal_id}", api.token,
                              {"amount": rng.randint(0, 10**6), "probability": rng.choice([None, 10, 90])},
                              headers={"If-Match": etag})
            elif roll < 0.85:
                answer = call(server.base, "DELETE", f"{DEALS}/{deal_id}", api.token)
            else:
                answer = call(server.base, "GET", f"{DEALS}?stage={rng.choice(STAGES)}", api.token)
            statuses.append(answer.status)
        return statuses

    statuses = run_clients(client)

    assert all(status < 500 for status in statuses), sorted(set(statuses))
    assert set(statuses) <= {200, 201, 404, 412, 422}
    organization_id = api.user["organization_id"]
    with app.app_context():
        real = defaultdict(int)
        for stage, count in db.session.execute(
            select(Deal.stage, func.count()).where(Deal.organization_id == organization_id, Deal.deleted_at.is_(None))
            .group_by(Deal.stage)
        ):
            real[stage.value] = count
        kept = defaultdict(int)
        for row in db.session.scalars(select(DealStageTotal).where(DealStageTotal.organization_id == organization_id)):
            kept[row.stage.value] += row.deal_count
    assert {stage: count for stage, count in kept.items() if count} == dict(real)
    for stage in STAGES:
        assert api.get(DEALS, query_string={"stage": stage}).get_json()["total"] == real[stage]
