"""Typing in the search boxes in a real browser: one history entry for a search, not one per
keystroke, and nothing sent while an input method (a Japanese IME) is still composing the text."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from .helpers import history_move

pytestmark = pytest.mark.e2e

# Where each page's search box sends its requests, and what it swaps.
SEARCHES = [
    pytest.param("/", "Search deals", "#board-columns li.card", id="board"),
    pytest.param("/deals", "Search", "#deals-table tbody a", id="deals-table"),
]
# Longer than the boxes' 300 ms delay, so every step would be a request of its own.
PAUSE_MS = 450


def searches_sent(page: Page, path: str) -> list[str]:
    """The search term of every request to path from now on, in order."""
    sent: list[str] = []

    def on_request(request):
        parts = urlsplit(request.url)
        if parts.path == path and request.headers.get("hx-request") == "true":
            sent.append(parse_qs(parts.query).get("search", [""])[0])

    page.on("request", on_request)
    return sent


def compose(page: Page, steps: list[str], committed: str) -> None:
    """Type through the browser's input method machinery, as an IME does: each step shows the
    text being composed (input events with isComposing), then the text is committed."""
    session = page.context.new_cdp_session(page)
    for text in steps:
        session.send("Input.imeSetComposition", {"text": text, "selectionStart": len(text), "selectionEnd": len(text)})
        page.wait_for_timeout(PAUSE_MS)
    session.send("Input.insertText", {"text": committed})


@pytest.mark.parametrize("path, label, results", SEARCHES)
def test_nothing_is_sent_while_an_ime_composes_and_the_committed_text_is_searched_once(
    board: Page, console_problems, make_deal, path, label, results
):
    make_deal(name="ねんかん契約 更新")
    make_deal(name="Globex pilot")
    board.goto(path)
    expect(board.locator(results)).to_have_count(2)
    before = board.evaluate("history.length")
    sent = searches_sent(board, path)
    search = board.get_by_label(label, exact=True)
    search.focus()

    compose(board, ["n", "ね", "ねn", "ねん", "ねんk", "ねんか", "ねんかn", "ねんかん"], "ねんかん")

    expect(board).to_have_url(re.compile(r"search=%E3%81%AD%E3%82%93%E3%81%8B%E3%82%93"))
    expect(board.locator(results)).to_have_count(1)
    board.wait_for_timeout(PAUSE_MS)
    assert sent == ["ねんかん"]
    assert board.evaluate("history.length") == before
    expect(search).to_have_value("ねんかん")
    assert console_problems == [], console_problems


@pytest.mark.parametrize("path, label, results", SEARCHES)
def test_typing_replaces_the_history_entry_and_enter_adds_one(board: Page, console_problems, make_deal, path, label, results):
    make_deal(name="Acme annual plan")
    make_deal(name="Globex pilot")
    board.goto(path)
    expect(board.locator(results)).to_have_count(2)
    before = board.evaluate("history.length")
    sent = searches_sent(board, path)
    search = board.get_by_label(label, exact=True)

    search.press_sequentially("acme", delay=PAUSE_MS)

    expect(board).to_have_url(re.compile(r"search=acme"))
    expect(board.locator(results)).to_have_count(1)
    assert len(sent) >= 2  # slow typing searched along the way...
    assert board.evaluate("history.length") == before  # ...without a history entry per keystroke

    board.evaluate("""document.body.addEventListener("htmx:pushedIntoHistory",
                      () => { document.body.dataset.pushed = "yes"; }, { once: true })""")
    search.press("Enter")
    expect(board.locator("body")).to_have_attribute("data-pushed", "yes")
    assert board.evaluate("history.length") == before + 1
    history_move(board, "back")
    expect(board).to_have_url(re.compile(r"search=acme"))
    expect(search).to_have_value("acme")
    assert console_problems == [], console_problems


@pytest.mark.parametrize("path, label, results", SEARCHES)
def test_enter_right_after_typing_searches_once(board: Page, console_problems, make_deal, path, label, results):
    """The search the typing had scheduled would only draw the same results again, under the
    user's hands (a card's move control, say), so it is not sent."""
    make_deal(name="Acme annual plan")
    make_deal(name="Globex pilot")
    board.goto(path)
    sent = searches_sent(board, path)
    search = board.get_by_label(label, exact=True)

    search.fill("acme")
    search.press("Enter")

    expect(board).to_have_url(re.compile(r"search=acme"))
    expect(board.locator(results)).to_have_count(1)
    board.wait_for_timeout(PAUSE_MS)
    assert sent == ["acme"]
    assert console_problems == [], console_problems
