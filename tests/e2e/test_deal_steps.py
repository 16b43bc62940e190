"""The deal page's next steps in a browser: a step planned with the keyboard, changed in place,
marked done into the history with an undo, and the offer to plan the next one, which "Not now"
puts away."""

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def settled(page: Page) -> None:
    """Wait until htmx has swapped and settled its last answer: a control pressed before that is not
    yet wired to htmx, and its form would go the no-script way (a whole page)."""
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")).to_have_count(0)


def test_a_step_is_planned_changed_and_done_in_place_with_the_keyboard(board: Page, make_deal):
    deal = make_deal(name="株式会社A 年間契約", stage="proposal")
    board.goto(f"/deals/{deal['id']}")

    board.locator("#plan-step-type").select_option("meeting")
    board.locator("#plan-step-content").fill("田中さんとデモ")
    board.locator("#plan-step-due-date").fill("2030-03-04")
    board.locator("#plan-step-due-time").fill("15:30")
    board.get_by_role("button", name="Plan step").press("Enter")

    steps = board.locator("#next-steps .step-item")
    expect(steps).to_have_count(1)
    expect(steps.first).to_contain_text("Meeting 田中さんとデモ")
    expect(steps.first).to_contain_text("2030-03-04 15:30")
    expect(board.locator("#plan-step-content")).to_be_focused()  # ready for the next one
    expect(board.locator("#plan-step-content")).to_have_value("")

    settled(board)
    steps.first.get_by_role("link", name="Edit").press("Enter")
    expect(board.locator("#edit-step-content")).to_be_focused()
    board.locator("#edit-step-content").fill("田中さんとデモ（オンライン）")
    settled(board)
    board.get_by_role("button", name="Save").press("Enter")
    expect(steps.first).to_contain_text("田中さんとデモ（オンライン）")
    settled(board)

    steps.first.get_by_role("button", name="Mark done: 田中さんとデモ（オンライン）").press("Enter")
    expect(steps).to_have_count(0)
    expect(board.locator(".step-undo")).to_contain_text("Done: “田中さんとデモ（オンライン）”")
    expect(board.locator("#feed .feed-item").first).to_contain_text("田中さんとデモ（オンライン）")  # the history redrew
    prompt = board.locator(".plan-prompt")
    expect(prompt).to_contain_text("What is the next step?")
    expect(board.locator("#plan-step-content")).to_be_focused()

    settled(board)
    board.get_by_role("button", name="Undo").click()
    expect(steps).to_have_count(1)
    expect(board.locator("#feed")).not_to_contain_text("田中さんとデモ（オンライン）")

    settled(board)
    steps.first.get_by_role("button", name="Mark done: 田中さんとデモ（オンライン）").click()
    expect(prompt).to_be_visible()
    settled(board)
    board.get_by_role("link", name="Not now").click()
    expect(prompt).to_have_count(0)
    board.reload()
    expect(board.locator(".plan-prompt")).to_have_count(0)  # offered once, not on reload
