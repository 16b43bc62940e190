"""POST /deals with an Idempotency-Key creates at most one deal per key: a retry or a concurrent
duplicate gets the same answer as the first request."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import ApiClient

DEALS = "/api/v1/crm/deals"


def create(api, body: dict, key: str | None):
    return api.post(DEALS, json=body, headers={"Idempotency-Key": key} if key is not None else {})


def total(api) -> int:
    return api.get(DEALS).get_json()["total"]


def test_a_retry_with_the_same_key_gets_the_same_deal_and_creates_no_second_one(api):
    body = {"name": "Once only", "amount": 1200000}

    first = create(api, body, "retry-1")
    second = create(api, body, "retry-1")

    assert first.status_code == second.status_code == 201
    assert second.get_json() == first.get_json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert total(api) == 1
    deal_id = first.get_json()["deal"]["id"]
    assert [a["type"] for a in api.get(f"{DEALS}/{deal_id}/activities").get_json()["activities"]] == ["created"]


def test_without_a_key_every_request_creates_a_deal(api):
    create(api, {"name": "Twice"}, None)
    create(api, {"name": "Twice"}, None)

    assert total(api) == 2


def test_the_same_key_with_another_body_is_refused_with_409_and_creates_nothing(api):
    create(api, {"name": "First body"}, "reused")

    response = create(api, {"name": "Another body"}, "reused")

    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "idempotency_key_reused"
    assert total(api) == 1


def test_keys_belong_to_their_user(api, make_user):
    colleague = make_user("Acme", name="Colleague")

    mine = create(api, {"name": "Same key"}, "shared-key")
    theirs = create(colleague, {"name": "Same key"}, "shared-key")

    assert mine.status_code == theirs.status_code == 201
    assert mine.get_json()["deal"]["id"] != theirs.get_json()["deal"]["id"]
    assert total(api) == 2


def test_a_refused_request_does_not_use_up_its_key(api):
    refused = create(api, {"name": ""}, "fix-and-retry")
    fixed = create(api, {"name": "Fixed"}, "fix-and-retry")

    assert refused.status_code == 422
    assert fixed.status_code == 201
    assert total(api) == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there", "ünïcode"])
def test_a_malformed_key_is_a_400_and_creates_nothing(api, key):
    response = api.post(DEALS, json={"name": "Bad key"}, headers={"Idempotency-Key": key.encode().decode("latin-1")})

    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_header"
    assert total(api) == 0


def test_concurrent_requests_with_the_same_key_make_one_deal_and_get_the_same_answer(app, api):
    body = {"name": "Raced", "amount": 500, "stage": "proposal"}

    def send(_):
        response = create(ApiClient(app.test_client(), api.token), body, "race-key")
        return response.status_code, response.get_json()

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(send, range(12)))

    assert {status for status, _ in answers} == {201}
    assert len({answer["deal"]["id"] for _, answer in answers}) == 1
    assert all(answer == answers[0][1] for _, answer in answers)
    assert total(api) == 1
    assert api.get(DEALS, query_string={"stage": "proposal"}).get_json()["total"] == 1
