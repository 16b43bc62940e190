"""The board in a real browser: signing in, dragging cards, the lost-reason dialog, the keyboard
move control, refused moves and the search box."""

import re

import pytest
from playwright.sync_api import Page, expect

from .helpers import (
    DEALS_API,
    card,
    card_in,
    column,
    count_badge,
    drag_card,
    get_deal,
    is_stage_post,
    total_amount,
)

pytestmark = pytest.mark.e2e


def test_sign_in_after_a_wrong_password_lands_on_the_board(page: Page, console_problems, browser_user):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=/$"))
    email = page.get_by_label("Email")
    password = page.get_by_label("Password")

    email.fill(browser_user["email"])
    password.fill("not the password")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("alert").filter(has_text="Invalid email or password.")).to_be_visible()
    expect(email).to_have_value(browser_user["email"])
    expect(password).to_have_value("")
    expect(password).to_be_focused()

    password.fill(browser_user["password"])
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(r"^http://127\.0\.0\.1:\d+/$"))
    expect(page.get_by_role("heading", name="Pipeline")).to_be_visible()
    expect(page.locator(".app-header .who")).to_have_text(browser_user["name"])
    assert console_problems == [], console_problems


def test_dragging_a_card_moves_the_deal_and_updates_the_columns(board: Page, api, make_deal):
    moving = make_deal(name="Tokyo Logistics annual plan", amount=1_000_000)
    make_deal(name="山田製作所 導入支援", amount=500_000)
    make_deal(name="Globex pilot", amount=2_000_000, stage="proposal")
    board.reload()
    expect(count_badge(board, "lead")).to_have_text("2")
    expect(total_amount(board, "lead")).to_have_text("¥1,500,000")
    expect(count_badge(board, "proposal")).to_have_text("1")
    expect(total_amount(board, "proposal")).to_have_text("¥2,000,000")

    response = drag_card(board, moving["id"], "proposal")

    assert response.status == 200
    expect(card_in(board, "proposal", moving["id"])).to_be_visible()
    expect(count_badge(board, "lead")).to_have_text("1")
    expect(total_amount(board, "lead")).to_have_text("¥500,000")
    expect(count_badge(board, "proposal")).to_have_text("2")
    expect(total_amount(board, "proposal")).to_have_text("¥3,000,000")
    latest = board.locator(".recent-activity .recent-item").first
    expect(latest).to_contain_text("Tokyo Logistics annual plan")
    expect(latest).to_contain_text("Stage Lead → Proposal")

    board.reload()
    expect(card_in(board, "proposal", moving["id"])).to_be_visible()
    expect(count_badge(board, "lead")).to_have_text("1")
    expect(count_badge(board, "proposal")).to_have_text("2")
    assert get_deal(api, moving["id"])["stage"] == "proposal"
    # The browser's own session agrees (the cookie-authenticated API).
    seen = board.request.get(f"{DEALS_API}/{moving['id']}")
    assert seen.ok and seen.json()["deal"]["stage"] == "proposal"


def test_dropping_on_lost_asks_for_the_reason(board: Page, api, make_deal):
    deal = make_deal(name="Initech renewal", amount=300_000, stage="negotiation")
    board.reload()
    dialog = board.locator("#lost-reason-dialog")
    expect(dialog).to_be_hidden()

    drag_card(board, deal["id"], "closed_lost", expect_post=False)

    expect(dialog).to_be_visible()
    reason = board.get_by_label("Why was it lost? (optional)")
    expect(reason).to_be_focused()
    reason.fill("Chose a competitor: 予算不足")
    with board.expect_response(is_stage_post(deal["id"])) as answer:
        dialog.get_by_role("button", name="Mark as lost").click()
    assert answer.value.status == 200

    expect(dialog).to_be_hidden()
    expect(card_in(board, "closed_lost", deal["id"])).to_be_visible()
    expect(count_badge(board, "closed_lost")).to_have_text("1")
    expect(count_badge(board, "negotiation")).to_have_text("0")
    stored = get_deal(api, deal["id"])
    assert stored["stage"] == "closed_lost"
    assert stored["lost_reason"] == "Chose a competitor: 予算不足"
    assert stored["probability"] == 0


def test_cancelling_the_lost_reason_puts_the_card_back(board: Page, console_problems, api, make_deal):
    deal = make_deal(name="Hooli expansion", amount=800_000, stage="qualification")
    make_deal(name="Other qualification deal", stage="qualification")
    board.reload()
    posts = []
    board.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    dialog = board.locator("#lost-reason-dialog")

    drag_card(board, deal["id"], "closed_lost", expect_post=False)
    expect(dialog).to_be_visible()
    board.get_by_label("Why was it lost? (optional)").fill("never mind")
    dialog.get_by_role("button", name="Cancel").click()

    expect(dialog).to_be_hidden()
    expect(card_in(board, "qualification", deal["id"])).to_be_visible()
    expect(card_in(board, "closed_lost", deal["id"])).to_have_count(0)
    expect(board.locator(f"#move-{deal['id']}")).to_have_value("qualification")
    expect(card(board, deal["id"])).not_to_have_class(re.compile(r"\bis-moving\b"))
    expect(count_badge(board, "qualification")).to_have_text("2")
    expect(count_badge(board, "closed_lost")).to_have_text("0")
    assert posts == []
    stored = get_deal(api, deal["id"])
    assert stored["stage"] == "qualification"
    assert stored["lost_reason"] is None
    board.reload()
    expect(card_in(board, "qualification", deal["id"])).to_be_visible()
    assert console_problems == [], console_problems


def test_keyboard_move_control(board: Page, console_problems, api, make_deal):
    deal = make_deal(name="Stark Industries pilot", amount=120_000)
    board.reload()
    select = board.get_by_label("Move “Stark Industries pilot” to stage")

    select.focus()
    expect(select).to_be_focused()
    board.keyboard.press("ArrowDown")
    board.keyboard.press("ArrowDown")
    expect(select).to_have_value("proposal")
    board.keyboard.press("Tab")
    move_button = card(board, deal["id"]).get_by_role("button", name="Move")
    expect(move_button).to_be_focused()
    with board.expect_response(is_stage_post(deal["id"])) as answer:
        board.keyboard.press("Enter")
    assert answer.value.status == 200

    expect(card_in(board, "proposal", deal["id"])).to_be_visible()
    expect(count_badge(board, "proposal")).to_have_text("1")
    expect(count_badge(board, "lead")).to_have_text("0")
    moved_select = card_in(board, "proposal", deal["id"]).locator("select[name=stage]")
    expect(moved_select).to_be_focused()
    expect(moved_select).to_have_value("proposal")
    assert get_deal(api, deal["id"])["stage"] == "proposal"
    assert console_problems == [], console_problems


def test_a_refused_move_puts_the_card_back_and_says_why(board: Page, api, make_deal):
    gone = make_deal(name="Vandelay Imports renewal", amount=90_000)
    board.reload()
    expect(card_in(board, "lead", gone["id"])).to_be_visible()
    assert api.delete(f"{DEALS_API}/{gone['id']}").status_code == 200

    response = drag_card(board, gone["id"], "proposal")

    assert response.status == 404
    expect(card_in(board, "lead", gone["id"])).to_be_visible()
    expect(card_in(board, "proposal", gone["id"])).to_have_count(0)
    expect(card(board, gone["id"])).not_to_have_class(re.compile(r"\bis-moving\b"))
    expect(board.locator(f"#move-{gone['id']}")).to_have_value("lead")
    toast = board.locator("#toast")
    expect(toast).to_be_visible()
    expect(toast).to_have_text(re.compile(r"no longer exists"))
    expect(count_badge(board, "proposal")).to_have_text("0")


def test_moving_a_card_that_someone_else_just_changed_is_refused_and_says_so(board: Page, api, make_deal):
    contested = make_deal(name="Hooli expansion", amount=50_000)
    board.reload()
    expect(card_in(board, "lead", contested["id"])).to_be_visible()
    assert api.patch(f"{DEALS_API}/{contested['id']}", json={"amount": 60_000}).status_code == 200

    response = drag_card(board, contested["id"], "proposal")

    assert response.status == 409
    expect(card_in(board, "lead", contested["id"])).to_be_visible()
    expect(card(board, contested["id"])).not_to_have_class(re.compile(r"\bis-moving\b"))
    expect(board.locator("#toast")).to_have_text(re.compile(r"Someone else changed this deal"))
    assert api.get(f"{DEALS_API}/{contested['id']}").get_json()["deal"]["stage"] == "lead"


def test_search_narrows_the_board_and_stays_in_the_url(board: Page, console_problems, make_deal):
    alpha = make_deal(name="Alpha Foods annual plan")
    alphabet = make_deal(name="Alphabet expansion", stage="negotiation")
    beta = make_deal(name="Beta Robotics pilot", stage="negotiation")
    board.reload()
    search = board.get_by_label("Search deals")

    search.press_sequentially("alpha", delay=40)

    expect(board).to_have_url(re.compile(r"[?&]search=alpha(&|$)"))
    expect(card(board, beta["id"])).to_have_count(0)
    expect(card_in(board, "lead", alpha["id"])).to_be_visible()
    expect(card_in(board, "negotiation", alphabet["id"])).to_be_visible()
    expect(count_badge(board, "negotiation")).to_have_text("1")

    board.reload()
    expect(search).to_have_value("alpha")
    expect(card(board, beta["id"])).to_have_count(0)
    expect(card_in(board, "lead", alpha["id"])).to_be_visible()
    expect(card_in(board, "negotiation", alphabet["id"])).to_be_visible()
    expect(count_badge(board, "negotiation")).to_have_text("1")
    expect(column(board, "negotiation")).to_be_visible()
    assert console_problems == [], console_problems


def test_a_move_keeps_the_cards_show_more_loaded_and_the_scroll_position(board: Page, console_problems, make_deal):
    leads = [make_deal(name=f"Lead deal {number:02d}") for number in range(70)]
    for number in range(25):
        make_deal(name=f"Qualified deal {number:02d}", stage="qualification")
    board.reload()
    lead_cards = board.locator("#col-lead ol.cards > li.card")
    more = column(board, "lead").get_by_role("link", name=re.compile(r"^Show more"))
    for loaded in (40, 60):
        more.click()
        expect(lead_cards).to_have_count(loaded)
    # Newest first: the 15th card from the top, with the qualification list beside it on screen.
    moving = leads[-15]
    card(board, moving["id"]).scroll_into_view_if_needed()
    scrolled = board.evaluate("window.scrollY")
    assert scrolled > 0

    response = drag_card(board, moving["id"], "qualification")

    assert response.status == 200
    expect(card_in(board, "qualification", moving["id"])).to_be_visible()
    expect(count_badge(board, "lead")).to_have_text("69")
    expect(lead_cards).to_have_count(59)
    expect(board.locator("#col-qualification ol.cards > li.card")).to_have_count(21)
    expect(more).to_have_text("Show more (10 more)")
    assert abs(board.evaluate("window.scrollY") - scrolled) < 5
    assert console_problems == [], console_problems


def test_quick_add_keeps_the_cards_show_more_loaded(board: Page, console_problems, make_deal):
    for number in range(30):
        make_deal(name=f"Lead deal {number:02d}")
    board.reload()
    lead_cards = board.locator("#col-lead ol.cards > li.card")
    column(board, "lead").get_by_role("link", name=re.compile(r"^Show more")).click()
    expect(lead_cards).to_have_count(30)

    board.get_by_label("New deal name").fill("Quick one")
    with board.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/board/quick-add")) as answer:
        board.get_by_label("New deal name").press("Enter")
    assert answer.value.status == 200

    expect(count_badge(board, "lead")).to_have_text("31")
    expect(lead_cards.first).to_contain_text("Quick one")
    expect(lead_cards).to_have_count(31)  # every card shown before, and the new one
    assert console_problems == [], console_problems
