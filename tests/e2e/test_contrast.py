"""Every text a person sees, on every page and in every message, meets WCAG AA contrast against
what is behind it (4.5:1, or 3:1 for large text), and so does the focus ring (3:1)."""

from pathlib import Path
from pprint import pformat

import pytest
from playwright.sync_api import Page, expect

from .conftest import sign_in
from .long_content import fill_board, tour

pytestmark = pytest.mark.e2e

CONTRAST = (Path(__file__).parent / "contrast.js").read_text()
FOCUS_RING_CONTRAST = 3
TABS_PER_PAGE = 40


def _board_states(page: Page):
    """What the board shows only for a while: buttons under the pointer; and, set the way app.js
    sets them, a card waiting for the server's answer to a move, the toast with a message or an
    error, the dialog asking why a deal was lost."""
    page.goto("/")
    for button in ("New deal", "Filter"):
        page.get_by_role("link", name=button).or_(page.get_by_role("button", name=button)).first.hover()
        yield f"board hovering {button}"
    page.locator("li.card").first.evaluate("node => node.classList.add('is-moving')")
    yield "board with a card moving"
    page.evaluate("() => { const t = document.getElementById('toast'); t.textContent = 'Moved.'; t.hidden = false; }")
    yield "board with a toast"
    page.evaluate("() => document.getElementById('toast').classList.add('error')")
    yield "board with an error toast"
    page.evaluate("() => document.getElementById('lost-reason-dialog').showModal()")
    yield "board asking why a deal was lost"


@pytest.mark.parametrize("width", [390, 1440])
def test_every_text_is_readable_against_its_background(
    page: Page, console_problems, browser_user, api, make_deal, width
):
    page.set_viewport_size({"width": width, "height": 900})
    sample = fill_board(api, make_deal)
    faint = {name: page.evaluate(CONTRAST, "texts") for name in tour(page, browser_user, sample, api)}
    sign_in(page, browser_user["email"], browser_user["password"])
    faint.update({name: page.evaluate(CONTRAST, "texts") for name in _board_states(page)})
    faint = {name: texts for name, texts in faint.items() if texts}
    assert not faint, pformat(faint, width=140)
    assert console_problems == [], console_problems


@pytest.mark.parametrize("page_name", ["board", "deals table", "deal page", "edit form"])
def test_the_focus_ring_stands_out_wherever_it_goes(board: Page, console_problems, make_deal, page_name):
    deal = make_deal(name="Initech renewal", amount=5000, expected_close_date="2020-01-31")
    deal_url = f"/deals/{deal['id']}"
    paths = {"board": "/", "deals table": "/deals", "deal page": deal_url, "edit form": f"{deal_url}/edit"}
    board.goto(paths[page_name])
    expect(board.locator("main")).to_be_visible()
    faint = []
    for _ in range(TABS_PER_PAGE):
        board.keyboard.press("Tab")
        ring = board.evaluate(CONTRAST, "ring")
        if ring and (ring["style"] == "none" or ring["width"] < 2 or ring["ratio"] < FOCUS_RING_CONTRAST):
            faint.append(ring)
    assert not faint, pformat(faint, width=140)
    assert console_problems == [], console_problems
