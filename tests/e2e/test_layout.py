"""Long names and narrow screens: cards stay a few lines tall, and no page scrolls sideways into
empty space (only the board's columns do, inside their own container)."""

from pprint import pformat

import pytest
from playwright.sync_api import Page, expect

from .conftest import sign_in
from .helpers import card
from .long_content import LONG_JAPANESE, LONG_UNBROKEN, LONG_WORDS, fill_board, tour

pytestmark = pytest.mark.e2e

WIDTHS = [320, 390, 768, 1024, 1440, 1920]
MOST_TITLE_LINES = 3

# The elements reaching past the right edge of the page, outside any container that scrolls or
# clips them: what makes the page itself scroll sideways.
STICKING_OUT = """() => {
  const edge = document.documentElement.clientWidth;
  const clipped = (node) => {
    let position = getComputedStyle(node).position;
    if (position === "fixed") return true;
    for (let up = node.parentElement; up && up !== document.body; up = up.parentElement) {
      const style = getComputedStyle(up);
      // An absolutely positioned box escapes its ancestors up to the first positioned one.
      if (position === "absolute" && style.position === "static") continue;
      if (style.overflowX !== "visible") return true;
      position = style.position;
    }
    return false;
  };
  return [...document.body.querySelectorAll("*")]
    .filter((node) => node.getBoundingClientRect().right > edge + 0.5 && !clipped(node))
    .slice(0, 5)
    .map((node) => `${node.tagName.toLowerCase()}${node.id ? "#" + node.id : ""}.${[...node.classList].join(".")}`);
}"""


def _page_overflow(page: Page) -> dict:
    return page.evaluate(
        "() => ({scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth})"
    )


@pytest.mark.parametrize("name", [LONG_WORDS, LONG_UNBROKEN, LONG_JAPANESE], ids=["words", "unbroken", "japanese"])
def test_a_long_name_takes_a_few_lines_on_its_card_and_shows_whole_elsewhere(
    board: Page, console_problems, make_deal, name
):
    board.set_viewport_size({"width": 1440, "height": 900})
    deal = make_deal(name=name, amount=1000)
    board.reload()
    title = card(board, deal["id"]).locator(".card-title")
    expect(title).to_be_visible()

    height = title.evaluate("node => node.getBoundingClientRect().height")
    line_height = title.evaluate("node => parseFloat(getComputedStyle(node).lineHeight)")
    most = MOST_TITLE_LINES * line_height
    assert height <= most + 1, f"{height}px is more than {MOST_TITLE_LINES} lines of {line_height}px"
    expect(title).to_have_attribute("title", name)
    # The card and its column stay as wide as the column: the name wraps instead of pushing out.
    card_box, column_box = card(board, deal["id"]).bounding_box(), board.locator("#col-lead").bounding_box()
    assert card_box["x"] + card_box["width"] <= column_box["x"] + column_box["width"] + 0.5

    title.click()
    heading = board.get_by_role("heading", level=1)
    expect(heading).to_have_text(name)
    heading_box, panel_box = heading.bounding_box(), board.locator(".deal-summary").bounding_box()
    assert heading_box["x"] + heading_box["width"] <= panel_box["x"] + panel_box["width"] + 0.5
    assert console_problems == [], console_problems


def _lines(locator) -> float:
    return locator.evaluate("node => node.getBoundingClientRect().height / parseFloat(getComputedStyle(node).lineHeight)")


@pytest.mark.parametrize("name", [LONG_UNBROKEN, LONG_JAPANESE], ids=["unbroken", "japanese"])
def test_a_long_name_takes_two_lines_in_the_deals_table_and_recent_activity_with_the_whole_as_its_title(
    board: Page, console_problems, make_deal, name
):
    board.set_viewport_size({"width": 390, "height": 900})
    make_deal(name=name, amount=1000)
    board.reload()
    recent = board.locator(".recent-item a", has_text=name[:20]).first
    expect(recent).to_have_attribute("title", name)
    assert _lines(recent) <= 2.05

    board.goto("/deals")
    in_table = board.locator("#deals-table tbody a").first
    expect(in_table).to_have_attribute("title", name)
    assert _lines(in_table) <= 2.05
    assert console_problems == [], console_problems


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_scrolls_sideways(page: Page, console_problems, browser_user, api, make_deal, width):
    page.set_viewport_size({"width": width, "height": 800})
    sample = fill_board(api, make_deal)
    overflowing = {}
    for name in tour(page, browser_user, sample, api):
        size = _page_overflow(page)
        if size["scrollWidth"] > size["clientWidth"]:
            overflowing[name] = {**size, "sticking out": page.evaluate(STICKING_OUT)}
    assert not overflowing, pformat(overflowing)
    assert console_problems == [], console_problems


def test_only_the_board_and_the_deals_table_scroll_sideways_on_a_narrow_screen(
    page: Page, console_problems, browser_user, api, make_deal
):
    page.set_viewport_size({"width": 390, "height": 800})
    fill_board(api, make_deal)
    sign_in(page, browser_user["email"], browser_user["password"])

    scrolling = [("/", "#board-columns", "#col-closed_lost"), ("/deals", "#deals-table", "th:last-child")]
    for path, container, last in scrolling:
        page.goto(path)
        scroller = page.locator(container)
        assert scroller.evaluate("node => node.scrollWidth > node.clientWidth"), f"{container} fits in 390 px?"
        scroller.evaluate("node => { node.scrollLeft = node.scrollWidth; }")
        expect(page.locator(last).first).to_be_in_viewport()
        size = _page_overflow(page)
        assert size["scrollWidth"] <= size["clientWidth"], (path, size)
    assert console_problems == [], console_problems
