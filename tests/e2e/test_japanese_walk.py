"""A Japanese sales rep's day in a real browser: a browser that asks for Japanese, a Japanese
organization, Tokyo time. Sign in, the board, a move, a deal's page and its history, the form and
its refusals, the delete confirmation, the table; no English on any of them, then the language
menu brings English back."""

import re

import pytest
from playwright.sync_api import Page, expect

from crm.accounts import users
from tests.conftest import PASSWORD
from tests.web.test_japanese_pages import english_words_in

from .conftest import VIEWPORT
from .helpers import card_in

pytestmark = pytest.mark.e2e

EMAIL = "sato@example.jp"


@pytest.fixture
def browser_context_args(base_url):
    return {"base_url": base_url, "viewport": VIEWPORT, "locale": "ja-JP", "timezone_id": "Asia/Tokyo"}


@pytest.fixture
def sato(app) -> None:
    with app.app_context():
        users.create_user("株式会社さくら", EMAIL, "佐藤 花子", PASSWORD, "ja")


def assert_japanese(page: Page, where: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    assert english_words_in(page.content()) == [], where


def test_a_day_in_japanese(page: Page, console_problems, sato):
    page.goto("/login")
    assert_japanese(page, "login")
    page.locator("#email").fill(EMAIL)
    page.locator("#password").fill("wrong-password")
    page.locator("form[action='/login'] button[type=submit]").click()
    expect(page.get_by_role("alert")).to_contain_text("メールアドレスまたはパスワード")
    assert_japanese(page, "refused sign-in")
    page.locator("#password").fill(PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/$"))
    assert_japanese(page, "empty board")

    page.goto("/deals/new")
    assert_japanese(page, "new deal form")
    page.locator("#deal-form button[type=submit]").click()
    expect(page.locator("#deal-form .field-error").first).to_be_visible()
    assert_japanese(page, "refused new deal form")
    page.locator("#name").fill("株式会社A 年間契約")
    page.locator("#amount").fill("1,200,000")
    page.locator("#deal-form button[type=submit]").click()
    expect(page.locator(".deal-heading h1")).to_have_text("株式会社A 年間契約")
    expect(page.locator(".deal-fields")).to_contain_text("￥1,200,000")
    assert_japanese(page, "deal page")
    deal_id = page.url.rstrip("/").rsplit("/", 1)[-1]

    page.goto("/")
    page.locator(f"#move-{deal_id}").select_option("proposal")
    page.locator(f"#deal-{deal_id} .move-form button").click()
    expect(card_in(page, "proposal", deal_id)).to_be_visible()
    assert_japanese(page, "board after a move")

    page.goto(f"/deals/{deal_id}")
    expect(page.locator("#feed")).to_contain_text("リード")
    expect(page.locator("#feed")).to_contain_text("提案")
    expect(page.locator("#feed")).to_contain_text("JST")
    assert_japanese(page, "history after a move")

    page.goto("/deals")
    expect(page.locator(".table-summary")).to_contain_text("1件の商談")
    assert_japanese(page, "deals table")
    page.goto(f"/deals/{deal_id}/delete")
    assert_japanese(page, "delete confirmation")
    page.goto("/no-such-page")
    assert_japanese(page, "404 page")

    page.goto("/")
    page.locator("#language-menu").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="All deals")).to_be_visible()
    expect(card_in(page, "proposal", deal_id)).to_contain_text("¥1,200,000")
    assert console_problems == [], console_problems
