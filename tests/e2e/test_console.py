"""The browser console stays clean: no CSP violations, no JavaScript errors, on every page, neither
on load nor while the user works with them, Back and Forward included."""

import re

import pytest
from playwright.sync_api import Page, expect

from .conftest import sign_in
from .helpers import DEAL_PAGE_URL, card, card_in, drag_card, history_move, is_stage_post

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

    history_move(board, "back")
    expect(board.get_by_role("heading", name="Pipeline")).to_be_visible()
    assert console_problems == [], console_problems


def test_dragging_a_card_logs_no_errors(board: Page, console_problems, make_deal):
    deal = make_deal(name="Globex expansion", amount=650_000)
    board.reload()

    drag_card(board, deal["id"], "qualification")

    expect(card_in(board, "qualification", deal["id"])).to_be_visible()
    expect(board.locator(".recent-activity .recent-item").first).to_contain_text("Stage Lead → Qualification")
    assert console_problems == [], console_problems


def test_every_page_logs_no_errors(page: Page, console_problems, browser_user, make_deal):
    deal = make_deal(name="Globex expansion", amount=650_000)
    sign_in(page, browser_user["email"], browser_user["password"])  # the login page, then the board
    pages = [
        ("/?search=globex", "Pipeline"),
        ("/deals", "All deals"),
        ("/deals?search=globex&sort=name&order=asc", "All deals"),
        (f"/deals/{deal['id']}", "Globex expansion"),
        ("/deals/new", "New deal"),
        (f"/deals/{deal['id']}/edit", None),
        (f"/deals/{deal['id']}/delete", None),
        ("/api/docs", None),
        ("/deals/deal_00000000000000000000000000000000", "Page not found"),
        ("/no-such-page", "Page not found"),
    ]
    for path, heading in pages:
        response = page.goto(path)
        assert response is not None and response.status in (200, 404), (path, response and response.status)
        if heading:
            expect(page.get_by_role("heading", name=heading, exact=True).first).to_be_visible()
        page.wait_for_load_state("load")
    assert console_problems == [], console_problems


def test_htmx_actions_and_history_on_the_board_log_no_errors(board: Page, console_problems, make_deal):
    for number in range(22):
        make_deal(name=f"Lead deal {number:02d}")
    first = make_deal(name="Acme Corp annual plan", amount=2_400_000)
    board.reload()

    board.get_by_role("link", name=re.compile(r"^Show more")).click()
    expect(board.locator("#col-lead ol.cards > li.card")).to_have_count(23)
    drag_card(board, first["id"], "proposal")
    expect(card_in(board, "proposal", first["id"])).to_be_visible()
    board.get_by_label("New deal name").fill("Quick one")
    with board.expect_response(lambda r: r.url.endswith("/board/quick-add")):
        board.get_by_role("button", name="Add").click()
    expect(board.locator("#col-lead li.card").first).to_contain_text("Quick one")
    search = board.get_by_label("Search deals")
    search.fill("acme")
    expect(board).to_have_url(re.compile(r"search=acme"))
    search.press("Enter")
    board.get_by_label("Assignee").select_option("none")
    expect(board).to_have_url(re.compile(r"assignee=none"))
    drag_card(board, first["id"], "negotiation")

    history_move(board, "back")
    expect(board).to_have_url(re.compile(r"search=acme&assignee=&next_activity=&closed=month$"))
    expect(card_in(board, "negotiation", first["id"])).to_be_visible()
    history_move(board, "back")
    history_move(board, "forward")
    history_move(board, "forward")
    expect(board).to_have_url(re.compile(r"assignee=none"))
    expect(card_in(board, "negotiation", first["id"])).to_be_visible()
    drag_card(board, first["id"], "qualification")
    expect(card_in(board, "qualification", first["id"])).to_be_visible()
    assert console_problems == [], console_problems


def test_htmx_actions_and_history_on_the_deals_table_and_deal_page_log_no_errors(board: Page, console_problems, make_deal):
    make_deal(name="Acme Corp annual plan", amount=2_400_000, stage="proposal")
    for number in range(3):
        make_deal(name=f"Other deal {number}")
    board.goto("/deals?limit=2")

    board.get_by_role("link", name="Name").click()
    expect(board).to_have_url(re.compile(r"sort=name"))
    board.get_by_role("link", name="Next").click()
    expect(board).to_have_url(re.compile(r"offset=2"))
    board.get_by_label("Stage").select_option("proposal")
    expect(board).to_have_url(re.compile(r"stage=proposal"))
    board.get_by_label("Search", exact=True).fill("acme")
    expect(board).to_have_url(re.compile(r"search=acme"))
    # Typing replaced the stage change's entry: one step back is the second page.
    history_move(board, "back")
    expect(board).to_have_url(re.compile(r"offset=2"))
    history_move(board, "forward")
    expect(board).to_have_url(re.compile(r"search=acme"))

    board.get_by_role("link", name="Acme Corp annual plan").click()
    expect(board).to_have_url(DEAL_PAGE_URL)
    board.get_by_label("What happened?").fill("Call scheduled for next week.")
    board.get_by_role("button", name="Add to history").click()
    expect(board.locator("#feed .feed-item").first).to_contain_text("Call scheduled for next week.")
    history_move(board, "back")
    expect(board.locator("#deals-table")).to_contain_text("Acme Corp annual plan")
    history_move(board, "forward")
    expect(board.locator("#feed .feed-item").first).to_contain_text("Call scheduled for next week.")
    assert console_problems == [], console_problems
