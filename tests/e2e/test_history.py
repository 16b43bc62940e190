"""Back and Forward in a real browser: a page the user returns to shows the deals as they are now,
and its filter controls say what its URL says."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from .helpers import DEAL_PAGE_URL, DEALS_API, card, card_in, count_badge, history_move, is_stage_post

pytestmark = pytest.mark.e2e


def move_with_keyboard_control(page: Page, deal: dict, stage: str) -> int:
    """Move a card with its select and Move button; answer the status of the server's reply."""
    page.get_by_label(f"Move “{deal['name']}” to stage").select_option(stage)
    with page.expect_response(is_stage_post(deal["id"])) as answer:
        card(page, deal["id"]).get_by_role("button", name="Move").click()
    return answer.value.status


def query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def test_back_after_a_move_shows_the_board_as_it_is_now(board: Page, console_problems, make_deal):
    globex = make_deal(name="Globex pilot")
    make_deal(name="Initech renewal")
    board.reload()
    search = board.get_by_label("Search deals")
    search.fill("Globex")
    search.press("Enter")
    expect(board).to_have_url(re.compile(r"search=Globex"))
    expect(board.locator("li.card")).to_have_count(1)

    assert move_with_keyboard_control(board, globex, "proposal") == 200
    expect(card_in(board, "proposal", globex["id"])).to_be_visible()

    history_move(board, "back")
    expect(board).to_have_url(re.compile(r"/$"))
    expect(card_in(board, "proposal", globex["id"])).to_be_visible()
    expect(count_badge(board, "lead")).to_have_text("1")
    expect(count_badge(board, "proposal")).to_have_text("1")
    # The card's move form carries the deal's current version: moving it again is not "stale".
    assert move_with_keyboard_control(board, globex, "negotiation") == 200
    expect(card_in(board, "negotiation", globex["id"])).to_be_visible()

    history_move(board, "forward")
    expect(board).to_have_url(re.compile(r"search=Globex"))
    expect(card_in(board, "negotiation", globex["id"])).to_be_visible()
    assert console_problems == [], console_problems


def test_back_to_the_deals_table_shows_the_deals_as_they_are_now(board: Page, console_problems, api, make_deal):
    deal = make_deal(name="Acme first plan", amount=100)
    make_deal(name="Zeta second plan", amount=200)
    board.goto("/deals")
    board.get_by_role("link", name="Name").click()
    expect(board).to_have_url(re.compile(r"sort=name"))
    assert api.patch(f"{DEALS_API}/{deal['id']}", json={"name": "Acme renamed plan"}).status_code == 200

    history_move(board, "back")
    expect(board).to_have_url(re.compile(r"/deals$"))
    expect(board.locator("#deals-table tbody")).to_contain_text("Acme renamed plan")
    history_move(board, "forward")
    expect(board).to_have_url(re.compile(r"sort=name"))
    expect(board.locator("#deals-table tbody tr").last).to_contain_text("Acme renamed plan")
    assert console_problems == [], console_problems


def test_back_to_a_deal_page_left_by_a_link_shows_the_deal_as_it_is_now(board: Page, console_problems, api, make_deal):
    deal = make_deal(name="Hooli expansion")
    board.reload()
    card(board, deal["id"]).get_by_role("link", name="Hooli expansion").click()
    expect(board).to_have_url(DEAL_PAGE_URL)
    board.get_by_role("link", name="All deals").click()
    expect(board).to_have_url(re.compile(r"/deals$"))
    assert api.patch(f"{DEALS_API}/{deal['id']}", json={"name": "Hooli expansion phase 2"}).status_code == 200

    history_move(board, "back")
    expect(board).to_have_url(DEAL_PAGE_URL)
    expect(board.get_by_role("heading", name="Hooli expansion phase 2")).to_be_visible()
    history_move(board, "back")
    expect(card(board, deal["id"])).to_contain_text("Hooli expansion phase 2")
    assert console_problems == [], console_problems


def test_history_moves_keep_the_board_filter_controls_in_step_with_the_url(board: Page, console_problems, make_deal):
    make_deal(name="Globex pilot")
    board.reload()
    search = board.get_by_label("Search deals")
    assignee = board.get_by_label("Assignee")
    search.fill("Globex")
    search.press("Enter")
    expect(board).to_have_url(re.compile(r"search=Globex"))
    assignee.select_option(label="My deals")
    expect(board).to_have_url(re.compile(r"assignee=me"))

    history_move(board, "back")
    expect(board).to_have_url(re.compile(r"search=Globex"))
    assert "assignee" not in query(board) or query(board)["assignee"] == [""]
    expect(search).to_have_value("Globex")
    expect(assignee).to_have_value("")
    history_move(board, "back")
    expect(board).to_have_url(re.compile(r"/$"))
    expect(search).to_have_value("")
    expect(assignee).to_have_value("")
    history_move(board, "forward")
    expect(search).to_have_value("Globex")
    expect(assignee).to_have_value("")
    history_move(board, "forward")
    expect(board).to_have_url(re.compile(r"assignee=me"))
    expect(search).to_have_value("Globex")
    expect(assignee).to_have_value("me")
    assert console_problems == [], console_problems


def test_history_moves_keep_the_deals_table_filter_controls_in_step_with_the_url(board: Page, console_problems, make_deal):
    make_deal(name="Globex pilot", stage="proposal")
    board.goto("/deals")
    search = board.get_by_label("Search")
    stage = board.get_by_label("Stage")
    search.fill("Globex")
    search.press("Enter")
    expect(board).to_have_url(re.compile(r"search=Globex"))
    stage.select_option("proposal")
    expect(board).to_have_url(re.compile(r"stage=proposal"))

    history_move(board, "back")
    expect(board).to_have_url(re.compile(r"search=Globex"))
    assert query(board).get("stage", [""]) == [""]
    expect(search).to_have_value("Globex")
    expect(stage).to_have_value("")
    history_move(board, "back")
    expect(board).to_have_url(re.compile(r"/deals$"))
    expect(search).to_have_value("")
    history_move(board, "forward")
    history_move(board, "forward")
    expect(board).to_have_url(re.compile(r"stage=proposal"))
    expect(search).to_have_value("Globex")
    expect(stage).to_have_value("proposal")
    expect(board.locator("#deals-table tbody")).to_contain_text("Globex pilot")
    assert console_problems == [], console_problems
