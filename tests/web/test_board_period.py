"""The board's Won and Lost columns reach back to the start of a period of the member's own
calendar (this month unless the URL says otherwise): a won deal by its won date, a lost one by
when it was lost; the open stages are never narrowed by it."""

from contextlib import contextmanager
from datetime import UTC, datetime

import pytest

from crm.core import clock

from .conftest import DEALS_API, card_names, column, column_count, page_of, total_lines
from .test_board_changes import move

# 2026-05-31 16:00 UTC is already 2026-06-01 in Tokyo: June there, May in UTC.
JUNE_IN_TOKYO = datetime(2026, 5, 31, 16, 0, tzinfo=UTC)
NOW = datetime(2026, 6, 20, 3, 0, tzinfo=UTC)


@contextmanager
def at(moment: datetime):
    with clock.stopped_at(moment):
        yield


@pytest.fixture
def tokyo(web):
    assert web.post("/settings", {"locale": "", "time_zone": "Asia/Tokyo"}).status_code == 303
    return web


def close(web, deal: dict, stage: str) -> None:
    body = {"stage": stage, **({"lost_reason": "Budget"} if stage == "closed_lost" else {})}
    assert web.api.post(f"{DEALS_API}/{deal['id']}/stage", json=body).status_code == 200


def test_won_and_lost_show_this_months_deals_by_my_calendar_and_open_stages_everything(tokyo, make_deal):
    with at(datetime(2026, 5, 10, tzinfo=UTC)):
        old_won, old_lost = make_deal(name="May win", amount=700), make_deal(name="May loss")
        close(tokyo, old_won, "closed_won")
        close(tokyo, old_lost, "closed_lost")
        make_deal(name="Old lead")
    with at(JUNE_IN_TOKYO):
        new_won, new_lost = make_deal(name="June win", amount=300), make_deal(name="June loss")
        close(tokyo, new_won, "closed_won")
        close(tokyo, new_lost, "closed_lost")
    with at(NOW):
        document = page_of(tokyo.get("/"))
        everything = page_of(tokyo.get("/?closed=all"))
        this_year = page_of(tokyo.get("/?closed=year"))

    assert card_names(column(document, "closed_won")) == ["June win"]
    assert card_names(column(document, "closed_lost")) == ["June loss"]
    assert column_count(document, "closed_won") == 1
    assert total_lines(document, "closed_won") == [("¥300", "weighted ¥300")]
    assert column(document, "closed_won").one("p", cls="column-period").text == "This month"
    assert card_names(column(document, "lead")) == ["Old lead"]  # open stages are not narrowed
    assert [option.attrs["value"] for option in document.by_id("board-closed").find_all("option")
            if "selected" in option.attrs] == ["month"]
    assert sorted(card_names(column(everything, "closed_won"))) == ["June win", "May win"]
    assert total_lines(everything, "closed_won") == [("¥1,000", "weighted ¥1,000")]
    assert everything.by_id("col-closed_won").find("p", cls="column-period") is None
    assert column_count(this_year, "closed_lost") == 2


def test_a_won_date_set_in_the_past_puts_the_deal_in_that_period(tokyo, make_deal):
    with at(NOW):
        deal = make_deal(name="Backdated")
        tokyo.api.post(f"{DEALS_API}/{deal['id']}/stage", json={"stage": "closed_won"})
        tokyo.api.patch(f"{DEALS_API}/{deal['id']}", json={"won_date": "2026-02-10T01:00:00Z"})

        assert card_names(column(page_of(tokyo.get("/")), "closed_won")) == []
        assert card_names(column(page_of(tokyo.get("/?closed=quarter")), "closed_won")) == []
        assert card_names(column(page_of(tokyo.get("/?closed=year")), "closed_won")) == ["Backdated"]


def test_a_deal_dropped_on_won_lands_in_the_period_shown_and_show_more_keeps_it(tokyo, make_deal):
    with at(NOW):
        deal = make_deal(name="Closing")
        moved = page_of(move(tokyo, deal["id"], "closed_won", current_url="/?closed=month"))
        assert card_names(moved.by_id("col-closed_won")) == ["Closing"]
        for index in range(21):
            close(tokyo, make_deal(name=f"Win {index:02}"), "closed_won")
        more = column(page_of(tokyo.get("/?closed=month")), "closed_won").one("li", cls="show-more").one("a")
    assert "closed=month" in more.attrs["href"]


def test_a_period_combines_with_the_other_filters(tokyo, make_deal):
    with at(JUNE_IN_TOKYO):
        mine = make_deal(name="Mine", assigned_member_id=tokyo.user["id"])
        theirs = make_deal(name="Unassigned")
        close(tokyo, mine, "closed_won")
        close(tokyo, theirs, "closed_won")
    with at(NOW):
        document = page_of(tokyo.get("/?assignee=none&closed=month"))

    assert card_names(column(document, "closed_won")) == ["Unassigned"]
    assert column_count(document, "closed_won") == 1


def test_an_unknown_period_is_refused_with_a_message(web):
    response = web.get("/?closed=decade")

    assert response.status_code == 400
    assert "closed" in page_of(response).text
