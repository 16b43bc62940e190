"""Screenshots for the docs: a realistic demo board and one deal's page, 1440×900, in English and
in Japanese.

Runs on SQLite only (this module's own database_uri). The pictures go to a temporary folder, so a
test run leaves the checkout as it was; to refresh the ones in the docs:

    SCREENSHOTS_DIR=docs/screenshots .venv/bin/pytest tests/e2e/test_screenshots.py
"""

import os
import random
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from crm import demo
from crm.core.database import db
from crm.models import Activity, ActivityType, Deal, Stage

from .conftest import sign_in

pytestmark = pytest.mark.e2e

SIZE = {"width": 1440, "height": 900}


@pytest.fixture
def database_uri(tmp_path, sqlite_template):
    """SQLite only: one run writes the pictures once, whatever TEST_DATABASE_URL says."""
    path = tmp_path / "crm.sqlite3"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def browser_context_args(base_url):
    return {"base_url": base_url, "viewport": SIZE, "locale": "en-US", "timezone_id": "Asia/Tokyo"}


@contextmanager
def _in(app):
    with app.app_context():
        yield


def _showcase_deal(app) -> str:
    """An open deal with the longest history (with a note in it, when one has one)."""
    with _in(app):
        entries = func.count(Activity.id)
        notes = func.sum((Activity.type == ActivityType.NOTE).cast(db.Integer))
        query = (
            select(Deal.id)
            .join(Activity, Activity.deal_id == Deal.id)
            .where(Deal.stage.in_([Stage.PROPOSAL, Stage.NEGOTIATION]), Deal.amount.is_not(None))
            .group_by(Deal.id)
            .order_by(notes.desc(), entries.desc(), Deal.id)
        )
        return db.session.scalars(query).first()


def test_docs_screenshots(app, page: Page, console_problems, tmp_path):
    with _in(app):
        demo.seed(60, rng=random.Random(20260401))
    screenshots = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    screenshots.mkdir(parents=True, exist_ok=True)

    sign_in(page, demo.DEMO_EMAIL, demo.DEMO_PASSWORD)
    expect(page.locator("li.card").first).to_be_visible()
    page.evaluate("document.fonts.ready")
    page.screenshot(path=screenshots / "board.png", animations="disabled")

    deal_id = _showcase_deal(app)
    page.goto(f"/deals/{deal_id}")
    expect(page.locator("#feed .feed-item").first).to_be_visible()
    page.evaluate("document.fonts.ready")
    page.screenshot(path=screenshots / "deal.png", animations="disabled")

    # The same pages for a Japanese member in Tokyo, chosen in the settings.
    page.goto("/settings")
    page.locator("#locale").select_option("ja")
    page.locator("#time_zone").select_option("Asia/Tokyo")
    page.locator("form.deal-form button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    page.goto("/")
    expect(page.locator("li.card").first).to_be_visible()
    page.evaluate("document.fonts.ready")
    page.screenshot(path=screenshots / "board-ja.png", animations="disabled")
    page.goto(f"/deals/{deal_id}")
    expect(page.locator("#feed")).to_contain_text("JST")
    page.evaluate("document.fonts.ready")
    page.screenshot(path=screenshots / "deal-ja.png", animations="disabled")

    for name in ("board.png", "deal.png", "board-ja.png", "deal-ja.png"):
        assert (screenshots / name).stat().st_size > 10_000
    assert console_problems == [], console_problems
