"""Lost-update protection: GET deal answers an ETag; PATCH, stage and DELETE with If-Match answer
412 and change nothing when the deal changed meanwhile; without If-Match they behave as the spec says."""

import pytest

DEALS = "/api/v1/crm/deals"


def etag_of(api, deal_id: str) -> str:
    response = api.get(f"{DEALS}/{deal_id}")
    assert response.status_code == 200
    return response.headers["ETag"]


def activities_of(api, deal_id: str) -> list[dict]:
    return api.get(f"{DEALS}/{deal_id}/activities").get_json()["activities"]


CHANGES = {
    "patch": lambda api, deal_id, headers: api.patch(f"{DEALS}/{deal_id}", json={"name": "Mine"}, headers=headers),
    "stage": lambda api, deal_id, headers: api.post(
        f"{DEALS}/{deal_id}/stage", json={"stage": "proposal"}, headers=headers
    ),
    "delete": lambda api, deal_id, headers: api.delete(f"{DEALS}/{deal_id}", headers=headers),
}


def test_get_deal_answers_a_strong_etag_that_changes_with_every_change(api, make_deal):
    deal = make_deal(name="Versioned")
    first = etag_of(api, deal["id"])

    assert first.startswith('"') and first.endswith('"')
    assert etag_of(api, deal["id"]) == first  # reading does not change it
    api.patch(f"{DEALS}/{deal['id']}", json={"amount": 5})
    second = etag_of(api, deal["id"])
    api.post(f"{DEALS}/{deal['id']}/stage", json={"stage": "proposal"})
    third = etag_of(api, deal["id"])
    assert len({first, second, third}) == 3


def test_create_patch_and_stage_answer_the_new_etag(api):
    created = api.post(DEALS, json={"name": "Tagged"})
    deal_id = created.get_json()["deal"]["id"]
    assert created.headers["ETag"] == etag_of(api, deal_id)

    patched = api.patch(f"{DEALS}/{deal_id}", json={"name": "Tagged again"}, headers={"If-Match": created.headers["ETag"]})
    assert patched.status_code == 200
    assert patched.headers["ETag"] == etag_of(api, deal_id) != created.headers["ETag"]

    moved = api.post(f"{DEALS}/{deal_id}/stage", json={"stage": "proposal"}, headers={"If-Match": patched.headers["ETag"]})
    assert moved.status_code == 200
    assert moved.headers["ETag"] == etag_of(api, deal_id) != patched.headers["ETag"]


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_based_on_an_old_version_answers_412_and_changes_nothing(api, make_deal, change):
    deal = make_deal(name="Contested", amount=100)
    seen = etag_of(api, deal["id"])
    assert api.patch(f"{DEALS}/{deal['id']}", json={"amount": 200}).status_code == 200  # someone else's change
    before = api.get(f"{DEALS}/{deal['id']}").get_json()["deal"]
    history = activities_of(api, deal["id"])

    response = CHANGES[change](api, deal["id"], {"If-Match": seen})

    assert response.status_code == 412
    error = response.get_json()["error"]
    assert error["code"] == "precondition_failed"
    assert "changed since you read it" in error["message"]
    assert response.headers["ETag"] == etag_of(api, deal["id"])  # the version to read again
    assert api.get(f"{DEALS}/{deal['id']}").get_json()["deal"] == before
    assert activities_of(api, deal["id"]) == history


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_based_on_the_current_version_goes_through(api, make_deal, change):
    deal = make_deal(name="Current")

    response = CHANGES[change](api, deal["id"], {"If-Match": etag_of(api, deal["id"])})

    assert response.status_code == 200


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize("if_match", ["*", None, 'W/"{tag}"', '"nope", {etag}'])
def test_if_match_star_no_header_or_a_list_holding_the_current_version_go_through_and_weak_tags_do_not(
    api, make_deal, change, if_match
):
    deal = make_deal(name="Matching")
    etag = etag_of(api, deal["id"])
    headers = {}
    if if_match is not None:
        headers["If-Match"] = if_match.format(tag=etag.strip('"'), etag=etag)

    response = CHANGES[change](api, deal["id"], headers)

    assert response.status_code == (412 if if_match and if_match.startswith("W/") else 200)


def test_if_match_on_a_deal_that_is_not_there_answers_404(api, rival, make_deal):
    deal = make_deal(name="Ours")
    etag = etag_of(api, deal["id"])

    response = rival.patch(f"{DEALS}/{deal['id']}", json={"name": "Theirs"}, headers={"If-Match": etag})

    assert response.status_code == 404


def test_a_change_that_changed_nothing_keeps_the_version(api, make_deal):
    deal = make_deal(name="Same", amount=100)
    etag = etag_of(api, deal["id"])

    response = api.patch(f"{DEALS}/{deal['id']}", json={"amount": 100}, headers={"If-Match": etag})

    assert response.status_code == 200
    assert response.headers["ETag"] == etag
