"""The deal page's stage bar: the days the deal spent in each stage it has been in, and a button per
other stage that moves it (Lost with a reason), without a script; a refused move keeps what was
typed, a move based on an older version is refused."""

from datetime import UTC, datetime, timedelta

import pytest

from crm.core import clock

from .conftest import DEALS_API, page_of

START = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)


def stage_bar(web, deal: dict, **headers) -> list[str]:
    bar = page_of(web.get(f"/deals/{deal['id']}", headers=headers)).one("nav", cls="deal-stages")
    return [step.text for step in bar.find_all("li", cls="deal-stage")]


def version_of(web, deal: dict) -> str:
    form = page_of(web.get(f"/deals/{deal['id']}")).one("nav", cls="deal-stages").find("input", name="version")
    return form.attrs["value"]


def test_the_bar_says_how_many_days_the_deal_spent_in_each_stage(web, make_deal):
    with clock.stopped_at(START):
        deal = make_deal(name="Moving", stage="lead")
    with clock.stopped_at(START + timedelta(days=3, hours=5)):
        web.api.post(f"{DEALS_API}/{deal['id']}/stage", json={"stage": "proposal"})
    with clock.stopped_at(START + timedelta(days=10)):
        web.api.post(f"{DEALS_API}/{deal['id']}/stage", json={"stage": "lead"})
    with clock.stopped_at(START + timedelta(days=12)):
        shown = stage_bar(web, deal)
        japanese = stage_bar(web, deal, **{"Accept-Language": "ja"})

    assert shown == ["Lead 5 days", "Qualification", "Proposal 6 days", "Negotiation", "Won", "Lost Lost reason Mark as lost"]
    assert japanese[0] == "リード 5日" and japanese[2] == "提案 6日"


def test_a_stage_button_moves_the_deal_and_offers_to_plan_its_next_step(web, make_deal):
    deal = make_deal(name="Moving", stage="lead")

    response = web.post(f"/deals/{deal['id']}/move", {"stage": "negotiation", "version": version_of(web, deal)})

    assert response.status_code == 303 and response.headers["Location"].endswith(f"/deals/{deal['id']}")
    page = page_of(web.get(f"/deals/{deal['id']}"))
    assert "Moved “Moving” to Negotiation." in page.one("div", cls="flashes").text
    assert page.find(cls="plan-prompt") is not None
    assert web.api.get(f"{DEALS_API}/{deal['id']}").get_json()["deal"]["stage"] == "negotiation"


def test_lost_takes_a_reason_and_offers_no_next_step(web, make_deal):
    deal = make_deal(name="Losing", stage="proposal")

    web.post(f"/deals/{deal['id']}/move", {"stage": "closed_lost", "lost_reason": "予算が合わない",
                                           "version": version_of(web, deal)})

    body = web.api.get(f"{DEALS_API}/{deal['id']}").get_json()["deal"]
    assert (body["stage"], body["lost_reason"], body["probability"]) == ("closed_lost", "予算が合わない", 0)
    assert page_of(web.get(f"/deals/{deal['id']}")).find(cls="plan-prompt") is None


def test_a_refused_lost_reason_comes_back_as_typed_with_its_message(web, make_deal):
    deal = make_deal(name="Losing", stage="proposal")
    reason = "x" * 2001

    response = web.post(f"/deals/{deal['id']}/move", {"stage": "closed_lost", "lost_reason": reason,
                                                      "version": version_of(web, deal)})

    assert response.status_code == 422
    page = page_of(response)
    assert "open" in page.one("details", cls="lost-move").attrs
    assert page.by_id("move-lost-reason").text == reason
    assert page.by_id("move-lost-reason-error").text.startswith("must be at most")
    assert web.api.get(f"{DEALS_API}/{deal['id']}").get_json()["deal"]["stage"] == "proposal"


def test_a_move_from_a_page_someone_else_changed_meanwhile_is_refused(web, make_deal):
    deal = make_deal(name="Contested", stage="lead")
    shown_version = version_of(web, deal)
    with clock.stopped_at(clock.now_utc() + timedelta(seconds=5)):
        web.api.patch(f"{DEALS_API}/{deal['id']}", json={"name": "Contested (renamed)"})

    response = web.post(f"/deals/{deal['id']}/move", {"stage": "proposal", "version": shown_version})

    assert response.status_code == 409
    assert "was not moved" in page_of(response).one("div", cls="flashes").text
    assert web.api.get(f"{DEALS_API}/{deal['id']}").get_json()["deal"]["stage"] == "lead"


@pytest.mark.parametrize("stage", ["", "someday"])
def test_a_move_to_no_stage_is_refused_and_changes_nothing(web, make_deal, stage):
    deal = make_deal(name="Staying", stage="lead")

    response = web.post(f"/deals/{deal['id']}/move", {"stage": stage, "version": version_of(web, deal)})

    assert response.status_code == 422
    assert page_of(response).one("nav", cls="deal-stages").one("p", cls="form-error").text.startswith(
        "The move was refused. Stage must be one of")
    assert web.api.get(f"{DEALS_API}/{deal['id']}").get_json()["deal"]["stage"] == "lead"
