"""The browser console stays clean: no CSP violations, no JavaScript errors, on the board and the
deal page, neither on load nor while the user works with them."""

import re

import pytest
from playwright.sync_api import Page, expect

from .helpers import DEAL_PAGE_URL, card, card_in, drag_card, is_stage_post

pytestmark = pytest.mark.e2e


def test_board_and_deal_page_log_no_errors(board: Page, console_problems, make_deal):
    first = make_deal(name="Acme Corp annual plan", amount=2_400_000, stage="proposal")
    make_deal(name="北海道フーズ 保守更新", amount=880_000)
    board.reload()
    expect(card(board, first["id"])).to_be_visible()

    # htmx swaps on the board: the search box, then a keyboard move.
    search = board.get_by_label("Search deals")
    search.press_sequentially("acme", delay=40)
    expect(board).to_have_url(re.compile(r"search=acme"))
    expect(board.locator("li.card")).to_have_count(1)
    search.fill("")
    # One debounced request; the URL changes once its answer is swapped in.
    expect(board).to_have_url(re.compile(r"search=(&|$)"))
    expect(board.locator("li.card")).to_have_count(2)
    board.get_by_label("Move “Acme Corp annual plan” to stage").select_option("negotiation")
    with board.expect_response(is_stage_post(first["id"])):
        card(board, first["id"]).get_by_role("button", name="Move").click()
    expect(card_in(board, "negotiation", first["id"])).to_be_visible()

    # The deal page, and an htmx swap on it.
    card(board, first["id"]).get_by_role("link", name="Acme Corp annual plan").click()
    expect(board).to_have_url(DEAL_PAGE_URL)
    board.get_by_label("What happened?").fill("Call scheduled for next week.")
    board.get_by_role("button", name="Add to history").click()
    expect(board.locator("#feed .feed-item").first).to_contain_text("Call scheduled for next week.")

    board.go_back()
    expect(board.get_by_role("heading", name="Pipeline")).to_be_visible()
    assert console_problems == [], console_problems


def test_dragging_a_card_logs_no_errors(board: Page, console_problems, make_deal):
    deal = make_deal(name="Globex expansion", amount=650_000)
    board.reload()

    drag_card(board, deal["id"], "qualification")

    expect(card_in(board, "qualification", deal["id"])).to_be_visible()
    expect(board.locator(".recent-activity .recent-item").first).to_contain_text("Stage Lead → Qualification")
    assert console_problems == [], console_problems
