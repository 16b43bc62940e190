"""The board's period for Won and Lost in a browser: this month by default, another period from
the toolbar, in the URL and through Back."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from crm.core import clock

from .helpers import card_in, count_badge

pytestmark = pytest.mark.e2e


def test_the_won_column_shows_this_months_deals_until_another_period_is_chosen(board: Page, api, make_deal):
    with clock.stopped_at(clock.now_utc() - timedelta(days=400)):
        old = make_deal(name="Won long ago", stage="closed_won")
    recent = make_deal(name="Won today", stage="closed_won")
    board.reload()

    expect(card_in(board, "closed_won", recent["id"])).to_be_visible()
    expect(card_in(board, "closed_won", old["id"])).to_have_count(0)
    expect(count_badge(board, "closed_won")).to_have_text("1")

    board.get_by_label("Won and lost").select_option("all")
    expect(board).to_have_url(re.compile(r"closed=all"))
    expect(card_in(board, "closed_won", old["id"])).to_be_visible()
    expect(count_badge(board, "closed_won")).to_have_text("2")

    board.go_back()
    expect(board).not_to_have_url(re.compile(r"closed=all"))
    expect(card_in(board, "closed_won", old["id"])).to_have_count(0)
    expect(board.get_by_label("Won and lost")).to_have_value("month")
