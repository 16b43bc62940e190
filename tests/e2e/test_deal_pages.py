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

    board.locator("#history").get_by_label("Type").select_option("note")
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


def active_id(page: Page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def test_the_fields_of_a_stage_follow_the_stage_select_and_nothing_typed_vanishes_unseen(
    board: Page, console_problems, api, make_deal
):
    deal = make_deal(name="Follow the stage", stage="negotiation", probability=70)
    board.goto(f"/deals/{deal['id']}/edit")
    stage = board.get_by_label("Stage", exact=True)
    probability = board.get_by_label("Probability (%)")
    won_date = board.get_by_label("Won date")
    lost_reason = board.get_by_label("Lost reason")
    expect(probability).to_be_visible()
    expect(won_date).to_be_hidden()
    expect(lost_reason).to_be_hidden()

    stage.select_option("closed_won")
    expect(won_date).to_be_visible()
    expect(probability).to_be_hidden()
    expect(board.get_by_text("Won deals have a probability of 100%.")).to_be_visible()
    won_date.fill("2026-02-03")

    stage.select_option("closed_lost")
    expect(won_date).to_be_hidden()
    dropped = board.locator("[data-dropped=won_date]")
    expect(dropped).to_be_visible()
    expect(dropped).to_have_text("The won date is not saved with this stage: only Won deals have one. Choose Won again to keep it.")
    expect(board.get_by_text("Lost deals have a probability of 0%.")).to_be_visible()
    stage.select_option("closed_won")
    expect(won_date).to_have_value("2026-02-03")  # kept in the page, not thrown away
    expect(dropped).to_be_hidden()
    stage.select_option("closed_lost")
    lost_reason.fill("Chose a competitor")

    board.get_by_role("button", name="Save changes").click()

    expect(board).to_have_url(re.compile(rf"/deals/{deal['id']}$"))
    stored = get_deal(api, deal["id"])
    assert (stored["stage"], stored["lost_reason"], stored["won_date"], stored["probability"]) == (
        "closed_lost", "Chose a competitor", None, 0)
    assert console_problems == [], console_problems


def test_a_field_refused_for_its_stage_stays_in_view_with_its_message(board: Page, console_problems, make_deal):
    deal = make_deal(name="Stale page", stage="closed_won", won_date="2026-01-15T00:00:00Z")
    board.goto(f"/deals/{deal['id']}/edit")
    # A page that lost its script (or was saved before a stage change) still sends a won date typed.
    board.evaluate("document.getElementById('stage').value = 'negotiation'")
    board.evaluate("document.getElementById('probability').disabled = false")
    board.get_by_label("Won date").fill("2026-01-20")

    with board.expect_response(lambda r: r.request.method == "POST") as answer:
        board.get_by_role("button", name="Save changes").click()

    assert answer.value.status == 422
    won_date = board.get_by_label("Won date")
    expect(won_date).to_be_visible()
    expect(board.locator("#won_date-error")).to_have_text("can only be set on a deal in stage Won.")
    expect(won_date).to_be_focused()
    assert console_problems == [], console_problems


@pytest.mark.parametrize("path, button", [("/deals/new", "Create deal"), ("edit", "Save changes")])
def test_after_a_refused_deal_form_the_focus_is_on_the_first_refused_field(board: Page, console_problems, make_deal, path, button):
    deal = make_deal(name="Focus me")
    board.goto(f"/deals/{deal['id']}/edit" if path == "edit" else path)
    board.get_by_label("Amount", exact=True).fill("$500")
    board.get_by_label("Probability (%)").fill("150")

    with board.expect_response(lambda r: r.request.method == "POST") as answer:
        board.get_by_role("button", name=button).click()

    assert answer.value.status == 422
    expected = "name" if path == "/deals/new" else "amount"  # the new form's name is empty too
    expect(board.locator(f"#{expected}")).to_be_focused()
    assert active_id(board) == expected
    expect(board.locator("#amount-error")).to_have_text("is in USD ($), but the deal's currency is JPY.")
    assert console_problems == [], console_problems


def test_without_javascript_a_refused_deal_form_focuses_its_first_refused_field(browser, base_url, browser_user):
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/login")
        page.get_by_label("Email").fill(browser_user["email"])
        page.get_by_label("Password").fill(browser_user["password"])
        page.get_by_role("button", name="Sign in").click()
        page.goto("/deals/new")
        page.get_by_label("Name", exact=True).fill("No script")
        page.get_by_label("Amount", exact=True).fill("1.200.000")

        page.get_by_role("button", name="Create deal").click()

        expect(page.locator("#amount-error")).to_contain_text("must be a number such as 1,200,000")
        expect(page.get_by_label("Amount", exact=True)).to_be_focused()
    finally:
        context.close()


def test_after_a_refused_activity_the_focus_is_on_the_text(board: Page, console_problems, make_deal):
    deal = make_deal(name="Notes")
    board.goto(f"/deals/{deal['id']}")
    board.get_by_label("What happened?").fill("   ")

    with board.expect_response(lambda r: r.request.method == "POST") as answer:
        board.get_by_role("button", name="Add to history").click()

    assert answer.value.status == 422
    expect(board.locator("#activity-content-error")).to_have_text("must not be empty.")
    expect(board.get_by_label("What happened?")).to_be_focused()
    assert active_id(board) == "activity-content"
    assert console_problems == [], console_problems


def test_a_refused_sign_in_focuses_the_field_to_fill_in_again(page: Page, console_problems, browser_user):
    page.goto("/login")
    page.get_by_label("Email").fill(browser_user["email"])
    page.get_by_label("Password").fill("not the password")

    page.get_by_role("button", name="Sign in").click()

    expect(page.locator("#sign-in-error")).to_have_text("Invalid email or password.")
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")
    assert active_id(page) == "password"  # the only field marked invalid: it comes back empty
    assert console_problems == [], console_problems
