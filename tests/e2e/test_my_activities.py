"""My activities in a browser: a step checked done with the keyboard is struck through in place
and announced, and unchecking it opens it again."""

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from crm.core import clock
from crm.core.database import db
from crm.models import User

pytestmark = pytest.mark.e2e


def test_a_step_is_checked_done_with_the_keyboard_and_opened_again(board: Page, app, make_deal, api, browser_user):
    deal = make_deal(name="株式会社A 年間契約")
    with app.app_context():
        assignee = db.session.scalar(select(User.id).where(User.email == browser_user["email"]))
    yesterday = (clock.now_utc() - timedelta(days=2)).date().isoformat()
    response = api.post(f"/api/v1/crm/deals/{deal['id']}/activities",
                        json={"type": "call", "content": "Call the buyer", "due_date": yesterday,
                              "assigned_member_id": assignee})
    assert response.status_code == 201, response.get_json()
    board.reload()
    expect(board.locator(".app-nav .nav-badge")).to_have_text("1")

    board.get_by_role("link", name="My activities").click()
    checkbox = board.get_by_label("Call: Call the buyer")
    checkbox.focus()
    board.keyboard.press("Space")

    item = board.locator(".planned-item", has_text="Call the buyer")
    expect(item).to_have_class("planned-item is-done")
    expect(item.get_by_role("status")).to_have_text("Marked done.")
    expect(board.get_by_label("Call: Call the buyer")).to_be_checked()
    expect(board.locator("#count-overdue")).to_have_text("0")  # the numbers follow in place
    expect(board.locator(".app-nav .nav-badge")).to_have_count(0)

    board.get_by_label("Call: Call the buyer").focus()
    board.keyboard.press("Space")
    expect(board.locator(".planned-item", has_text="Call the buyer")).to_have_class("planned-item")
    expect(board.get_by_label("Call: Call the buyer")).not_to_be_checked()
    expect(board.locator(".app-nav .nav-badge")).to_have_text("1")
