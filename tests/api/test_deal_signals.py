"""A deal's signals in the API: when it entered its stage, its last real activity, its next step,
whether it is stale; the list's filters on them; and the pipeline's stale_after_days per stage."""

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest

from crm.core import clock

DEALS = "/api/v1/crm/deals"
ACTIVITIES = "/api/v1/crm/activities"
PIPELINE = "/api/v1/crm/pipeline"
START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@contextmanager
def at(moment: datetime):
    with clock.stopped_at(moment):
        yield


def deal_now(api, deal: dict) -> dict:
    response = api.get(f"{DEALS}/{deal['id']}")
    assert response.status_code == 200
    return response.get_json()["deal"]


def add(api, deal: dict, **fields) -> dict:
    response = api.post(f"{DEALS}/{deal['id']}/activities", json=fields)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["activity"]


def change(api, activity: dict, **fields) -> dict:
    response = api.patch(f"{ACTIVITIES}/{activity['id']}", json=fields)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["activity"]


def names(api, **params) -> list[str]:
    response = api.get(DEALS, query_string={"sort": "name", "order": "asc", **params})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["total"] == len(body["items"])
    return [deal["name"] for deal in body["items"]]


def configure(api, stage: str, days, status: int = 200) -> dict:
    response = api.patch(f"{PIPELINE}/stages/{stage}", json={"stale_after_days": days})
    assert response.status_code == status, response.get_json()
    return response.get_json()


def test_a_new_deal_entered_its_stage_and_was_last_active_when_it_was_created(api, make_deal):
    with at(START):
        deal = make_deal(name="株式会社A 年間契約")
        assert deal_now(api, deal) == deal

    assert deal["stage_entered_at"] == deal["last_activity_at"] == deal["created_at"] == stamp(START)
    assert (deal["next_activity"], deal["stale"]) == (None, False)


def test_a_move_starts_the_time_in_the_stage_and_is_an_activity(api, make_deal):
    with at(START):
        deal = make_deal()
    with at(START + timedelta(days=3)):
        moved = api.post(f"{DEALS}/{deal['id']}/stage", json={"stage": "proposal"}).get_json()["deal"]

    assert moved["stage_entered_at"] == moved["last_activity_at"] == stamp(START + timedelta(days=3))


def test_editing_fields_is_no_activity_but_a_note_with_the_edit_is(api, make_deal):
    with at(START):
        deal = make_deal()
    with at(START + timedelta(days=2)):
        edited = api.patch(f"{DEALS}/{deal['id']}", json={"amount": 500000}).get_json()["deal"]
    assert (edited["last_activity_at"], edited["stage_entered_at"]) == (stamp(START), stamp(START))

    with at(START + timedelta(days=4)):
        noted = api.patch(f"{DEALS}/{deal['id']}", json={"amount": 600000, "note": "予算確定"}).get_json()["deal"]
    assert noted["last_activity_at"] == stamp(START + timedelta(days=4))
    assert noted["stage_entered_at"] == stamp(START)


def test_an_activity_logged_done_is_the_last_activity_and_a_planned_one_is_the_next_step(api, make_deal):
    with at(START):
        deal = make_deal()
    with at(START + timedelta(days=1)):
        add(api, deal, type="call", content="Called the buyer")
        later = add(api, deal, type="meeting", content="Demo", due_date="2026-03-20")
        sooner = add(api, deal, type="email", content="Send the quote", due_date="2026-03-10", due_time="15:00")
        add(api, deal, type="task", content="Someday", done=False)
        add(api, deal, type="call", content="Same day, earlier", due_date="2026-03-10", due_time="09:00", done=True)

    shown = deal_now(api, deal)
    assert shown["last_activity_at"] == stamp(START + timedelta(days=1))
    assert shown["next_activity"] == {
        "id": sooner["id"], "type": "email", "content": "Send the quote", "due_date": "2026-03-10", "due_time": "15:00",
    }
    assert later["id"] != sooner["id"]


def test_marking_done_moves_the_last_activity_and_the_next_step_and_undoing_moves_them_back(api, make_deal):
    with at(START):
        deal = make_deal()
        first = add(api, deal, type="call", content="First", due_date="2026-03-03")
        second = add(api, deal, type="task", content="Second", due_date="2026-03-05", due_time="10:00")

    with at(START + timedelta(days=1, hours=2)):
        change(api, first, done=True)
    shown = deal_now(api, deal)
    assert shown["last_activity_at"] == stamp(START + timedelta(days=1, hours=2))
    assert shown["next_activity"]["id"] == second["id"]

    with at(START + timedelta(days=2)):
        change(api, first, done=False)
    shown = deal_now(api, deal)
    assert shown["last_activity_at"] == stamp(START)
    assert shown["next_activity"]["id"] == first["id"]

    change(api, first, due_date="2026-03-09")
    assert deal_now(api, deal)["next_activity"]["id"] == second["id"]
    assert api.delete(f"{ACTIVITIES}/{second['id']}").status_code == 200
    assert deal_now(api, deal)["next_activity"]["id"] == first["id"]
    assert api.delete(f"{ACTIVITIES}/{first['id']}").status_code == 200
    assert deal_now(api, deal)["next_activity"] is None


def test_a_deal_is_stale_after_more_than_its_stages_days_without_an_activity(api, make_deal):
    with at(START):
        deal = make_deal(stage="proposal")

    with at(START + timedelta(days=14)):
        assert deal_now(api, deal)["stale"] is False  # exactly 14 days: not more
    with at(START + timedelta(days=14, seconds=1)):
        assert deal_now(api, deal)["stale"] is True
        add(api, deal, type="call", content="Back in touch")
        assert deal_now(api, deal)["stale"] is False


def test_the_stage_setting_decides_and_a_closed_deal_is_never_stale(api, make_deal):
    with at(START):
        proposal = make_deal(stage="proposal")
        won = make_deal(stage="closed_won")
        lead = make_deal(stage="lead")
    configure(api, "proposal", 30)
    configure(api, "lead", None)

    with at(START + timedelta(days=100)):
        assert [deal_now(api, deal)["stale"] for deal in (proposal, won, lead)] == [True, False, False]
    with at(START + timedelta(days=29)):
        assert deal_now(api, proposal)["stale"] is False


def test_the_pipeline_lists_every_stage_in_order_with_its_default(api):
    response = api.get(PIPELINE)

    assert response.status_code == 200
    assert response.get_json() == {"stages": [
        {"stage": "lead", "label": "Lead", "stale_after_days": 14},
        {"stage": "qualification", "label": "Qualification", "stale_after_days": 14},
        {"stage": "proposal", "label": "Proposal", "stale_after_days": 14},
        {"stage": "negotiation", "label": "Negotiation", "stale_after_days": 14},
        {"stage": "closed_won", "label": "Won", "stale_after_days": None},
        {"stage": "closed_lost", "label": "Lost", "stale_after_days": None},
    ]}


def test_a_stage_setting_changes_for_the_organization_only(api, rival):
    assert configure(api, "negotiation", 7) == {"stage": {"stage": "negotiation", "label": "Negotiation",
                                                           "stale_after_days": 7}}
    assert configure(api, "negotiation", None)["stage"]["stale_after_days"] is None
    assert configure(api, "negotiation", 21)["stage"]["stale_after_days"] == 21

    ours = {item["stage"]: item["stale_after_days"] for item in api.get(PIPELINE).get_json()["stages"]}
    theirs = {item["stage"]: item["stale_after_days"] for item in rival.get(PIPELINE).get_json()["stages"]}
    assert (ours["negotiation"], theirs["negotiation"]) == (21, 14)


@pytest.mark.parametrize(("body", "fields"), [
    ({"stale_after_days": 0}, {"stale_after_days": "must be a whole number from 1 to 3650."}),
    ({"stale_after_days": 1.5}, {"stale_after_days": "must be a whole number from 1 to 3650."}),
    ({"stale_after_days": "14"}, {"stale_after_days": "must be a whole number from 1 to 3650."}),
    ({}, {"stale_after_days": "is required."}),
    ({"stale_after_days": 3, "label": "x"}, {"label": "is not a known field."}),
])
def test_a_bad_setting_is_refused_and_changes_nothing(api, body, fields):
    response = api.patch(f"{PIPELINE}/stages/lead", json=body)

    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "validation_failed"
    assert response.get_json()["error"]["fields"] == fields
    assert api.get(PIPELINE).get_json()["stages"][0]["stale_after_days"] == 14


def test_a_closed_stage_has_no_setting_and_an_unknown_one_is_not_found(api):
    closed = configure(api, "closed_won", 5, status=422)
    assert closed["error"]["fields"] == {"stage": "is closed: a closed deal is never stale."}
    assert configure(api, "won", 5, status=404)["error"]["code"] == "not_found"


def test_the_list_filters_on_staleness_with_every_other_parameter(api, make_deal):
    with at(START):
        make_deal(name="old lead", stage="lead")
        make_deal(name="old proposal", stage="proposal")
        make_deal(name="old won", stage="closed_won")
    with at(START + timedelta(days=10)):
        make_deal(name="fresh lead", stage="lead")
    configure(api, "proposal", 60)

    with at(START + timedelta(days=20)):
        assert names(api, stale="true") == ["old lead"]
        assert names(api, stale="false") == ["fresh lead", "old proposal", "old won"]
        assert names(api, stale="false", stage="lead") == ["fresh lead"]
        assert names(api, stale="true", search="LEAD") == ["old lead"]
        assert names(api, stale="true", stage="closed_won") == []


def test_the_list_filters_on_the_next_step_by_the_callers_date(api, make_deal, runner):
    with at(START):
        nothing = make_deal(name="a nothing planned")
        overdue = make_deal(name="b overdue")
        today = make_deal(name="c today")
        later = make_deal(name="d later")
        undated = make_deal(name="e undated")
        add(api, nothing, type="call", content="Done already")
        add(api, overdue, type="call", content="Late", due_date="2026-03-01")
        add(api, today, type="call", content="Now", due_date="2026-03-02", due_time="18:00")
        add(api, later, type="call", content="Soon", due_date="2026-03-03")
        add(api, undated, type="task", content="Some time", done=False)

        assert names(api, next_activity="none") == ["a nothing planned"]
        assert names(api, next_activity="overdue") == ["b overdue"]
        assert names(api, next_activity="today") == ["c today"]
        assert names(api, next_activity="upcoming") == ["d later", "e undated"]
        assert names(api, next_activity="overdue", stale="false", stage="lead") == ["b overdue"]

        # Noon in UTC is already tomorrow in Kiritimati (UTC+14): today's step is overdue there.
        result = runner.invoke(args=["crm", "configure-organization", "--org", "Acme", "--locale", "en",
                                     "--time-zone", "Pacific/Kiritimati"])
        assert result.exit_code == 0, result.output
        assert names(api, next_activity="overdue") == ["b overdue", "c today"]
        assert names(api, next_activity="today") == ["d later"]


@pytest.mark.parametrize(("params", "parameter"), [
    ({"stale": "yes"}, "stale"), ({"next_activity": "late"}, "next_activity"), ({"stale": ["true", "false"]}, "stale"),
])
def test_a_bad_filter_is_refused(api, params, parameter):
    response = api.get(DEALS, query_string=params)

    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_parameter"
    assert parameter in response.get_json()["error"]["fields"]


def test_another_organizations_steps_and_settings_never_reach_our_deals(api, rival, make_deal):
    with at(START):
        ours = make_deal()
        theirs = make_deal(rival)
        add(rival, theirs, type="call", content="Theirs", due_date="2026-03-01")
    configure(rival, "lead", 1)

    with at(START + timedelta(days=5)):
        shown = deal_now(api, ours)
        assert (shown["next_activity"], shown["stale"]) == (None, False)
        assert names(api, next_activity="overdue") == []
        assert names(api, stale="true") == []
