"""The board's script in Japanese: what it says when a move fails, and the lost-reason dialog it
opens, are in the page's language (the texts come from the page, not from the script)."""

import pytest
from playwright.sync_api import Page, expect

from .helpers import card_in

pytestmark = pytest.mark.e2e

MOVES = "**/deals/*/stage"


@pytest.fixture
def japanese_board(board: Page) -> Page:
    """The signed-in board, once its user chose Japanese in the language menu."""
    board.locator("#language-menu").select_option("ja")
    expect(board.locator("html")).to_have_attribute("lang", "ja")
    return board


def move_with_its_control(page: Page, deal_id: str, stage: str) -> None:
    """The keyboard user's way: choose the stage in the card's select, then press its button."""
    page.locator(f"#move-{deal_id}").select_option(stage)
    page.locator(f"#deal-{deal_id} .move-form button").click()


def test_a_move_the_server_never_got_says_so_in_japanese(japanese_board: Page, make_deal):
    deal = make_deal(name="届かない移動")
    japanese_board.reload()
    japanese_board.route(MOVES, lambda route: route.abort())

    move_with_its_control(japanese_board, deal["id"], "proposal")

    expect(japanese_board.locator("#toast")).to_have_text("サーバーに接続できなかったため、商談は移動されませんでした。")
    expect(card_in(japanese_board, "lead", deal["id"])).to_be_visible()


def test_a_move_refused_without_a_reason_says_so_in_japanese(japanese_board: Page, make_deal):
    deal = make_deal(name="理由なく断られる移動")
    japanese_board.reload()
    japanese_board.route(MOVES, lambda route: route.fulfill(status=500, body=""))

    move_with_its_control(japanese_board, deal["id"], "proposal")

    expect(japanese_board.locator("#toast")).to_have_text("移動できませんでした。")
    expect(card_in(japanese_board, "lead", deal["id"])).to_be_visible()


def test_the_lost_reason_dialog_asks_in_japanese(japanese_board: Page, make_deal):
    deal = make_deal(name="失注しそうな商談")
    japanese_board.reload()

    move_with_its_control(japanese_board, deal["id"], "closed_lost")

    dialog = japanese_board.get_by_role("dialog", name="商談を失注にする")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("失注理由（任意）")).to_be_focused()
    expect(dialog.get_by_role("button", name="失注にする")).to_be_visible()
    dialog.get_by_role("button", name="キャンセル").click()
    expect(card_in(japanese_board, "lead", deal["id"])).to_be_visible()
