"""The deals table in a real browser: its URL holds search, stage, sort, order and page through
every combination of changes, and paging brings the table's top into view."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

# Short enough that a page of the table is taller than the window.
SHORT_WINDOW = {"width": 1280, "height": 300}


def state(page: Page) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(page.url).query).items() if values[0]}


def names(page: Page) -> list[str]:
    return page.locator("#deals-table tbody td:first-child a").all_inner_texts()


def table_top(page: Page):
    return page.locator("#deals-table .table-summary")


@pytest.fixture
def alphas(make_deal):
    """Alpha 00–24 in proposal, Alpha 25–27 in lead, and a Beta."""
    for number in range(28):
        make_deal(name=f"Alpha {number:02d}", stage="proposal" if number < 25 else "lead")
    make_deal(name="Beta pilot", stage="proposal")


def test_search_sort_stage_and_pages_survive_each_other(board: Page, console_problems, alphas):
    board.set_viewport_size(SHORT_WINDOW)
    board.goto("/deals?limit=10")
    search = board.get_by_label("Search", exact=True)

    search.fill("alpha")
    expect(board).to_have_url(re.compile(r"search=alpha"))
    board.get_by_role("link", name="Name").click()
    expect(board).to_have_url(re.compile(r"sort=name&order=desc"))
    board.get_by_label("Stage").select_option("proposal")
    expect(board).to_have_url(re.compile(r"stage=proposal"))
    assert state(board) == {"search": "alpha", "stage": "proposal", "sort": "name", "order": "desc", "limit": "10"}
    expect(board.locator("#deals-table tbody tr").first).to_contain_text("Alpha 24")

    next_link = board.get_by_role("link", name="Next")
    next_link.scroll_into_view_if_needed()
    expect(table_top(board)).not_to_be_in_viewport()
    next_link.click()
    expect(board).to_have_url(re.compile(r"offset=10"))
    assert state(board) == {
        "search": "alpha", "stage": "proposal", "sort": "name", "order": "desc", "limit": "10", "offset": "10",
    }
    expect(board.locator("#deals-table tbody tr").first).to_contain_text("Alpha 14")
    expect(table_top(board)).to_be_in_viewport()

    # A new search starts at the first page and keeps the order and the stage.
    search.fill("alpha 0")
    expect(board).to_have_url(re.compile(r"search=alpha(\+|%20)0"))
    assert state(board) == {"search": "alpha 0", "stage": "proposal", "sort": "name", "order": "desc", "limit": "10"}
    expect(board.locator("#deals-table tbody tr")).to_have_count(10)
    assert names(board) == [f"Alpha {number:02d}" for number in range(9, -1, -1)]

    # Sorting keeps the search and stage, and starts at the first page too.
    board.get_by_role("link", name="Name").click()
    expect(board).to_have_url(re.compile(r"order=asc"))
    assert names(board)[0] == "Alpha 00"
    board.get_by_label("Stage").select_option("")
    expect(board).to_have_url(re.compile(r"stage=(&|$)"))
    assert state(board) == {"search": "alpha 0", "sort": "name", "order": "asc", "limit": "10"}
    assert console_problems == [], console_problems


def test_previous_brings_the_table_top_into_view(board: Page, console_problems, alphas):
    board.set_viewport_size(SHORT_WINDOW)
    board.goto("/deals?limit=10&offset=10&sort=name&order=asc")

    previous = board.get_by_role("link", name="Previous")
    previous.scroll_into_view_if_needed()
    expect(table_top(board)).not_to_be_in_viewport()
    previous.click()
    expect(board).to_have_url(re.compile(r"sort=name&order=asc&limit=10$"))
    expect(table_top(board)).to_be_in_viewport()
    assert console_problems == [], console_problems
