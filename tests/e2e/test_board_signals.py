"""The board's signals in a browser: a card's next step and stale mark, and the filters that keep
only the stale deals or those whose next step is overdue, in the URL and through Back."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from crm.core import clock

from .helpers import card_in

pytestmark = pytest.mark.e2e


def plan(api, deal: dict, **fields) -> None:
    response = api.post(f"/api/v1/crm/deals/{deal['id']}/activities", json=fields)
    assert response.status_code == 201, response.get_json()


def test_cards_show_their_signals_and_the_filters_narrow_the_board(board: Page, api, make_deal):
    month_ago = clock.now_utc() - timedelta(days=30)
    with clock.stopped_at(month_ago):
        quiet = make_deal(name="Quiet proposal", stage="proposal")
        late = make_deal(name="Late call", stage="lead")
        plan(api, late, type="call", content="Call the buyer", due_date=month_ago.date().isoformat())
    busy = make_deal(name="Busy lead", stage="lead")
    plan(api, busy, type="meeting", content="Demo", due_date=(clock.now_utc() + timedelta(days=7)).date().isoformat())
    board.reload()

    expect(card_in(board, "proposal", quiet["id"]).locator(".stale-mark")).to_have_text(
        "No activity for 30 days in Proposal")
    expect(card_in(board, "proposal", quiet["id"]).locator(".next-step")).to_have_text("No next step")
    expect(card_in(board, "lead", late["id"]).locator(".next-step.due-overdue")).to_contain_text("Call")
    expect(card_in(board, "lead", busy["id"]).locator(".next-step.due-later")).to_contain_text("Meeting")
    expect(card_in(board, "lead", busy["id"]).locator(".stale-mark")).to_have_count(0)

    board.get_by_label("Stale only").check()  # with the keyboard's Space, as a click does
    expect(board).to_have_url(re.compile(r"stale=true"))
    expect(card_in(board, "lead", busy["id"])).to_have_count(0)
    expect(card_in(board, "proposal", quiet["id"])).to_be_visible()
    expect(card_in(board, "lead", late["id"])).to_be_visible()

    board.get_by_label("Next step").select_option("overdue")
    expect(board).to_have_url(re.compile(r"next_activity=overdue"))
    expect(card_in(board, "proposal", quiet["id"])).to_have_count(0)
    expect(card_in(board, "lead", late["id"])).to_be_visible()

    board.go_back()
    expect(board).not_to_have_url(re.compile(r"next_activity=overdue"))
    expect(board.get_by_label("Next step")).to_have_value("")
    expect(card_in(board, "proposal", quiet["id"])).to_be_visible()
