"""What several browser tests do: find a column or card, drag a card the way a person does."""

import re

from playwright.sync_api import Error, Locator, Page, Response

DEALS_API = "/api/v1/crm/deals"


def column(page: Page, stage: str) -> Locator:
    return page.locator(f"section#col-{stage}")


def cards_list(page: Page, stage: str) -> Locator:
    return page.locator(f"ol.cards[data-stage={stage}]")


def card(page: Page, deal_id: str) -> Locator:
    return page.locator(f"li.card#deal-{deal_id}")


def card_in(page: Page, stage: str, deal_id: str) -> Locator:
    """The card, only when it sits in that stage's list."""
    return page.locator(f"section#col-{stage} ol.cards > li.card#deal-{deal_id}")


def count_badge(page: Page, stage: str) -> Locator:
    return page.locator(f"#col-{stage} .column-header .count")


def total_amount(page: Page, stage: str) -> Locator:
    return page.locator(f"#col-{stage} .column-header .total-amount")


def is_stage_post(deal_id: str):
    path = f"/deals/{deal_id}/stage"

    def matches(response: Response) -> bool:
        return response.request.method == "POST" and response.url.endswith(path)

    return matches


def drag_card(page: Page, deal_id: str, stage: str, *, expect_post: bool = True) -> Response | None:
    """Drag a card onto a stage's list with the mouse, like a person would; return the server's
    answer to the move (or None with expect_post=False, e.g. when a dialog comes first).

    Sortable (native HTML5 mode) samples the pointer on timers, so: press on the card, nudge, move
    to the target list in steps, then jiggle by a pixel until Sortable has put the card inside the
    target list in the DOM, and only then release.
    """
    source = card(page, deal_id)
    target = cards_list(page, stage)
    source.scroll_into_view_if_needed()
    box = source.bounding_box()
    goal = target.bounding_box()
    assert box and goal, "card or target list is not laid out"
    # Press on the card's padding (top right corner), away from its link, select and button.
    x, y = box["x"] + box["width"] - 5, box["y"] + 4
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 10, y + 10, steps=2)
    # Near the top of the list, or, when the page is scrolled past its top, amid its visible part.
    if goal["y"] >= 0:
        ty = goal["y"] + min(40, goal["height"] / 2)
    else:
        ty = min(goal["y"] + goal["height"], page.viewport_size["height"]) / 2
    tx = goal["x"] + goal["width"] / 2
    page.mouse.move(tx, ty, steps=10)
    inside = f"document.getElementById('deal-{deal_id}')?.parentElement?.dataset.stage === '{stage}'"
    for attempt in range(40):
        if page.evaluate(inside):
            break
        page.wait_for_timeout(60)
        page.mouse.move(tx + (1 if attempt % 2 else -1), ty)
    else:
        page.mouse.up()
        raise AssertionError(f"Sortable never moved the card into the {stage} list")
    if not expect_post:
        page.mouse.up()
        return None
    with page.expect_response(is_stage_post(deal_id)) as answer:
        page.mouse.up()
    return answer.value


def history_move(page: Page, direction: str) -> None:
    """Press Back or Forward ("back", "forward") and wait until the page it returns to has loaded:
    htmx reloads it from the server after the history move itself has finished, so Playwright's
    go_back alone returns too early."""
    page.evaluate("window.leftBehind = true")
    getattr(page, f"go_{direction}")(wait_until="commit")
    for _ in range(200):
        try:
            if page.evaluate("window.leftBehind !== true && document.readyState === 'complete'"):
                return
        except Error:  # the old document went away in the middle of the question
            pass
        page.wait_for_timeout(25)
    raise AssertionError(f"the page did not load again after going {direction}")


def get_deal(api, deal_id: str) -> dict:
    response = api.get(f"{DEALS_API}/{deal_id}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["deal"]


DEAL_PAGE_URL = re.compile(r"/deals/deal_[0-9A-Za-z]+$")
