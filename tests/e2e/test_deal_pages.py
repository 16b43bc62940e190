"""Deal pages in a real browser: the new-deal form's messages, adding a note, deleting."""

import re

import pytest
from playwright.sync_api import Page, expect

from .helpers import DEAL_PAGE_URL, DEALS_API, card, card_in, count_badge, get_deal

pytestmark = pytest.mark.e2e


def test_new_deal_form_shows_messages_beside_bad_fields(board: Page, console_problems, api):
    board.get_by_role("link", name="New deal").click()
    expect(board).to_have_url(re.compile(r"/deals/new$"))
    name = board.get_by_label("Name", exact=True)
    amount = board.get_by_label("Amount", exact=True)

    amount.fill("abc")
    with board.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/deals")) as answer:
        board.get_by_role("button", name="Create deal").click()
    assert answer.value.status == 422

    expect(board.get_by_role("alert")).to_have_text("Please correct the 2 fields marked below.")
    expect(amount).to_have_attribute("aria-invalid", "true")
    expect(amount).to_have_value("abc")
    amount_error = board.locator("#amount-error")
    expect(amount_error).to_have_text(re.compile(r"must be a number"))
    expect(amount).to_have_attribute("aria-describedby", "amount-error")
    # The message sits right after its field.
    expect(board.locator("#amount + #amount-error")).to_be_visible()
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(board.locator("#name + #name-error")).to_be_visible()
    expect(board).to_have_url(re.compile(r"/deals/new$"))

    name.fill("さくら商事 年間契約")
    amount.fill("1,250,000")
    board.get_by_role("button", name="Create deal").click()

    expect(board).to_have_url(DEAL_PAGE_URL)
    expect(board.get_by_role("heading", level=1)).to_have_text("さくら商事 年間契約")
    expect(board.locator(".flash.success")).to_have_text("Created “さくら商事 年間契約”.")
    expect(board.locator(".deal-fields")).to_contain_text("¥1,250,000")
    deal_id = board.url.rsplit("/", 1)[1]
    assert get_deal(api, deal_id)["amount"] == 1250000

    board.get_by_role("link", name="Board", exact=True).first.click()
    expect(card_in(board, "lead", deal_id)).to_be_visible()
    expect(card(board, deal_id).locator(".card-title")).to_have_text("さくら商事 年間契約")
    expect(count_badge(board, "lead")).to_have_text("1")
    assert console_problems == [], console_problems


def test_a_note_appears_at_the_top_of_the_feed_without_a_reload(board: Page, console_problems, api, make_deal):
    deal = make_deal(name="Umbrella Health pilot", amount=400_000, note="First call went well.")
    board.goto(f"/deals/{deal['id']}")
    feed = board.locator("#feed .feed-item")
    expect(feed).to_have_count(2)
    expect(board.locator("#feed .feed-total")).to_have_text("2 entries")
    board.evaluate("window.__sameDocument = true")

    board.get_by_label("Type").select_option("note")
    board.get_by_label("What happened?").fill("Sent the proposal deck.\n見積書を送付済み。")
    with board.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/activities")) as answer:
        board.get_by_role("button", name="Add to history").click()
    assert answer.value.status == 200

    expect(feed).to_have_count(3)
    expect(feed.first.locator(".feed-type")).to_have_text("Note")
    expect(feed.first.locator(".feed-content")).to_have_text("Sent the proposal deck.\n見積書を送付済み。")
    expect(feed.first.locator(".feed-meta")).to_contain_text("Bea Browser")
    expect(board.locator("#feed .feed-total")).to_have_text("3 entries")
    expect(board.get_by_label("What happened?")).to_have_value("")
    assert board.evaluate("window.__sameDocument") is True, "the page was reloaded"
    activities = api.get(f"{DEALS_API}/{deal['id']}/activities").get_json()["activities"]
    assert activities[0]["type"] == "note"
    assert activities[0]["content"] == "Sent the proposal deck.\n見積書を送付済み。"
    assert console_problems == [], console_problems


def test_deleting_a_deal_after_confirming(board: Page, console_problems, api, make_deal):
    doomed = make_deal(name="Soylent Foods renewal", amount=70_000, stage="qualification")
    kept = make_deal(name="Tyrell Robotics expansion", stage="qualification")
    board.reload()
    expect(count_badge(board, "qualification")).to_have_text("2")
    card(board, doomed["id"]).get_by_role("link", name="Soylent Foods renewal").click()
    expect(board).to_have_url(re.compile(rf"/deals/{doomed['id']}$"))

    board.get_by_role("link", name="Delete…").click()
    expect(board.get_by_role("heading", name="Delete “Soylent Foods renewal”?")).to_be_visible()
    board.get_by_role("button", name="Delete deal").click()

    expect(board).to_have_url(re.compile(r"^http://127\.0\.0\.1:\d+/$"))
    expect(board.locator(".flash.success")).to_have_text("Deleted “Soylent Foods renewal”.")
    expect(card(board, doomed["id"])).to_have_count(0)
    expect(card_in(board, "qualification", kept["id"])).to_be_visible()
    expect(count_badge(board, "qualification")).to_have_text("1")
    assert api.get(f"{DEALS_API}/{doomed['id']}").status_code == 404
    assert console_problems == [], console_problems
