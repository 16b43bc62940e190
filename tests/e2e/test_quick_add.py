"""Quick add in a real browser: where the new deal went under a filter, and the focus after a
refusal and after an add."""

import re

import pytest
from playwright.sync_api import Page, expect

from .helpers import DEALS_API, card_in, column, drag_card

pytestmark = pytest.mark.e2e


def quick_add(page: Page, name: str, amount: str = "") -> int:
    lead = column(page, "lead")
    lead.get_by_label("New deal name").fill(name)
    lead.get_by_label("Amount").fill(amount)
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/board/quick-add")) as answer:
        lead.get_by_role("button", name="Add").click()
    return answer.value.status


def test_a_quick_add_under_my_deals_shows_the_deal_assigned_to_me(board: Page, console_problems, api):
    board.get_by_label("Assignee").select_option("me")
    expect(board).to_have_url(re.compile(r"assignee=me"))
    expect(column(board, "lead").get_by_label("Assign to").locator("option:checked")).to_have_text("Me (Bea Browser)")

    assert quick_add(board, "Mine from the board", "¥500,000") == 200

    expect(board.locator("#quick-add-status")).to_have_text("Added “Mine from the board” to Lead.")
    [deal] = api.get(DEALS_API).get_json()["items"]
    expect(card_in(board, "lead", deal["id"])).to_be_visible()
    assert deal["amount"] == 500000
    expect(board.get_by_label("New deal name")).to_be_focused()  # ready for the next one
    assert console_problems == [], console_problems


def test_a_quick_add_that_the_filter_hides_says_so_and_links_to_every_deal(board: Page, console_problems, api):
    board.get_by_label("Assignee").select_option("none")
    expect(board).to_have_url(re.compile(r"assignee=none"))

    assert quick_add(board, "Hidden by the filter") == 200

    status = board.locator("#quick-add-status")
    expect(status).to_have_text("Added “Hidden by the filter” to Lead — hidden by the current filter; show all.")
    [deal] = api.get(DEALS_API).get_json()["items"]
    expect(card_in(board, "lead", deal["id"])).to_have_count(0)
    status.get_by_role("link", name="show all").click()
    expect(card_in(board, "lead", deal["id"])).to_be_visible()
    assert console_problems == [], console_problems


def test_after_a_refused_quick_add_the_focus_is_on_the_refused_field(board: Page, console_problems, api):
    assert quick_add(board, "Dollars?", "$500") == 422

    expect(board.locator("#quick-add-amount-error")).to_have_text("Amount is in USD ($), but the deal's currency is JPY.")
    expect(board.get_by_label("Amount", exact=True)).to_be_focused()
    assert board.evaluate("document.activeElement.id") == "quick-add-amount"
    assert api.get(DEALS_API).get_json()["items"] == []
    assert console_problems == [], console_problems


def test_a_double_clicked_quick_add_adds_one_deal(board: Page, console_problems, api):
    lead = column(board, "lead")
    lead.get_by_label("New deal name").fill("Clicked twice")
    lead.get_by_role("button", name="Add").dblclick()

    expect(board.locator("#quick-add-status")).to_have_text("Added “Clicked twice” to Lead.")
    board.wait_for_load_state("networkidle")
    assert [deal["name"] for deal in api.get(DEALS_API).get_json()["items"]] == ["Clicked twice"]
    assert console_problems == [], console_problems


def test_a_move_that_redraws_the_lead_column_keeps_what_was_typed_in_quick_add(board: Page, console_problems, make_deal):
    deal = make_deal(name="Moving on")
    board.reload()
    lead = column(board, "lead")
    lead.get_by_label("New deal name").fill("Half typed 株式会社")
    lead.get_by_label("Amount").fill("￥120万")

    assert drag_card(board, deal["id"], "qualification").status == 200

    expect(card_in(board, "qualification", deal["id"])).to_be_visible()
    expect(lead.get_by_label("New deal name")).to_have_value("Half typed 株式会社")
    expect(lead.get_by_label("Amount")).to_have_value("￥120万")
    assert console_problems == [], console_problems


def test_a_deal_quick_added_for_a_colleague_is_theirs_and_the_choice_survives_a_move(
    board: Page, console_problems, api, make_deal
):
    deal = make_deal(name="Moving on")
    board.reload()
    lead = column(board, "lead")
    lead.get_by_label("Assign to").select_option(label="Ann Example")
    lead.get_by_label("New deal name").fill("For Ann")

    assert drag_card(board, deal["id"], "qualification").status == 200
    expect(card_in(board, "qualification", deal["id"])).to_be_visible()
    expect(lead.get_by_label("Assign to").locator("option:checked")).to_have_text("Ann Example")

    with board.expect_response(lambda r: r.url.endswith("/board/quick-add")) as answer:
        lead.get_by_role("button", name="Add").click()
    assert answer.value.status == 200
    expect(board.locator("#quick-add-status")).to_have_text("Added “For Ann” to Lead for Ann Example.")
    assigned = {item["name"]: item["assigned_member_id"] for item in api.get(DEALS_API).get_json()["items"]}
    assert assigned["For Ann"] == api.user["id"]
    expect(lead.get_by_label("Assign to").locator("option:checked")).to_have_text("Me (Bea Browser)")  # ready for the next
    assert console_problems == [], console_problems
