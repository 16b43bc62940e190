"""The deal page's stage bar in a browser: a click moves the deal and the page offers its next
step; Lost opens with the keyboard, takes a reason, and moves the deal."""

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def test_the_stage_bar_moves_the_deal_and_lost_takes_a_reason(board: Page, make_deal, api):
    deal = make_deal(name="株式会社A 年間契約", stage="lead")
    board.goto(f"/deals/{deal['id']}")
    expect(board.locator(".deal-stage.is-current")).to_contain_text("Lead")

    board.get_by_role("button", name="Move to Proposal").click()

    expect(board.locator(".flashes")).to_contain_text("Moved “株式会社A 年間契約” to Proposal.")
    expect(board.locator(".deal-stage.is-current")).to_contain_text("Proposal")
    expect(board.locator(".plan-prompt")).to_be_visible()

    board.locator(".lost-move summary").focus()
    board.keyboard.press("Enter")
    board.get_by_label("Lost reason").fill("予算が合わない")
    board.get_by_role("button", name="Mark as lost").press("Enter")

    expect(board.locator(".deal-stage.is-current")).to_contain_text("Lost")
    expect(board.locator(".plan-prompt")).to_have_count(0)
    body = api.get(f"/api/v1/crm/deals/{deal['id']}").get_json()["deal"]
    assert (body["stage"], body["lost_reason"]) == ("closed_lost", "予算が合わない")
