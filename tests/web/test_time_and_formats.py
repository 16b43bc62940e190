"""Times in the member's time zone and money, counts and dates as the page's language writes them;
what the machine reads (a <time>'s datetime, the API) stays UTC. Checked through classes and
values, not labels, so that the Japanese texts can change without these tests."""

import re
from datetime import UTC, datetime

import pytest

from crm.core import clock

from .conftest import DEALS_API, column, page_of, sign_in_through_form
from .test_history import change_lines

# Late afternoon in UTC, already the next day in Tokyo (2026-04-01 01:00 JST).
EVENING = datetime(2026, 3, 31, 16, 0, tzinfo=UTC)
EVENING_ISO = "2026-03-31T16:00:00Z"
ASIA_TOKYO = "Asia/Tokyo"


@pytest.fixture
def evening():
    with clock.stopped_at(EVENING):
        yield


def choose(web, locale: str, time_zone: str) -> None:
    """Save the member's language and time zone through the settings page."""
    assert web.post("/settings", {"locale": locale, "time_zone": time_zone}).status_code == 303


def deal_page(web, deal: dict):
    response = web.get(f"/deals/{deal['id']}")
    assert response.status_code == 200
    return page_of(response)


def table_row(web, deal: dict):
    """The deals table's row of the deal, as cell nodes."""
    [row] = [row for row in page_of(web.get("/deals")).by_id("deals-table").one("tbody").find_all("tr")
             if row.find("a", href=f"/deals/{deal['id']}")]
    return row.find_all("td")


def card(web, deal: dict):
    return page_of(web.get("/")).by_id(f"deal-{deal['id']}")


# --- Times ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("locale, zone, moment, day", [
    ("en", "UTC", "2026-03-31 16:00 UTC", "2026-03-31"),
    ("ja", "UTC", "2026/03/31 16:00 UTC", "2026/03/31"),
    ("en", ASIA_TOKYO, "2026-04-01 01:00 JST", "2026-04-01"),
    ("ja", ASIA_TOKYO, "2026/04/01 1:00 JST", "2026/04/01"),  # Japanese writes no leading zero for the hour
    ("en", "America/New_York", "2026-03-31 12:00 EDT", "2026-03-31"),
])
def test_a_deals_times_read_in_the_members_time_zone_and_their_datetime_stays_utc(
    web, make_deal, evening, locale, zone, moment, day
):
    deal = make_deal(stage="closed_won", won_date=EVENING_ISO)
    choose(web, locale, zone)

    page = deal_page(web, deal)

    times = page.one("dl", cls="deal-fields").find_all("time") + page.by_id("feed").find_all("time")
    assert len(times) == 4  # won, created, updated, and the creation in the history
    assert {(time.attrs["datetime"], time.text) for time in times} == {(EVENING_ISO, moment)}
    created, updated = [cell.one("time") for cell in table_row(web, deal) if cell.find("time")]
    assert (created.text, created.attrs["datetime"]) == (day, EVENING_ISO)
    assert (updated.text, updated.attrs["datetime"]) == (day, EVENING_ISO)
    assert web.api.get(f"{DEALS_API}/{deal['id']}").get_json()["deal"]["created_at"] == EVENING_ISO


# --- Today and overdue --------------------------------------------------------------------------------


@pytest.mark.parametrize("zone, close_date, overdue", [
    ("UTC", "2026-03-31", False),  # today in UTC
    (ASIA_TOKYO, "2026-03-31", True),  # yesterday in Tokyo
    (ASIA_TOKYO, "2026-04-01", False),  # today in Tokyo, tomorrow in UTC
    ("UTC", "2026-04-01", False),
    ("UTC", "2026-03-30", True),
], ids=["utc-today", "tokyo-yesterday", "tokyo-today", "utc-tomorrow", "utc-yesterday"])
def test_overdue_follows_the_date_in_the_members_time_zone(web, make_deal, evening, zone, close_date, overdue):
    deal = make_deal(stage="proposal", expected_close_date=close_date)
    choose(web, "en", zone)

    assert ("is-overdue" in card(web, deal).classes) is overdue
    close_cell = table_row(web, deal)[5]
    assert close_cell.text == close_date
    assert ("overdue" in close_cell.classes) is overdue
    shown = deal_page(web, deal).one("dl", cls="deal-fields").find("dd", cls="overdue")
    assert (shown is not None) is overdue


def test_a_close_date_reads_as_the_language_writes_dates_and_its_datetime_stays_iso(web, make_deal, evening):
    deal = make_deal(stage="proposal", expected_close_date="2026-03-31")
    choose(web, "ja", ASIA_TOKYO)

    close_date = card(web, deal).one(cls="close-date").one("time")

    assert (close_date.text, close_date.attrs["datetime"]) == ("2026/03/31", "2026-03-31")
    assert table_row(web, deal)[5].text == "2026/03/31"


# --- Money, counts and numbers ---------------------------------------------------------------------


@pytest.mark.parametrize("locale, yen", [("en", "¥"), ("ja", "￥")])
def test_money_reads_as_the_language_writes_it_and_keeps_the_cents_of_an_exact_yen_amount(
    web, make_deal, locale, yen
):
    amounts = {
        "proposal": ("JPY", 1200000, 60),
        "lead": ("JPY", 12.5, 30),
        "qualification": ("USD", 1234.5, 20),
        "negotiation": ("EUR", 1234.5, 50),
        "closed_lost": ("CHF", 1234.5, None),
    }
    deals = {stage: make_deal(stage=stage, currency=currency, amount=amount,
                              **({} if probability is None else {"probability": probability}))
             for stage, (currency, amount, probability) in amounts.items()}
    choose(web, locale, "UTC")

    board = page_of(web.get("/"))

    shown = {stage: board.by_id(f"deal-{deal['id']}").one(cls="amount").text for stage, deal in deals.items()}
    assert shown == {
        "proposal": f"{yen}1,200,000", "lead": f"{yen}12.50", "qualification": "$1,234.50",
        "negotiation": "€1,234.50", "closed_lost": "1,234.50 CHF",
    }
    proposal, lead = column(board, "proposal"), column(board, "lead")
    assert proposal.one(cls="total-amount").text == f"{yen}1,200,000"
    assert proposal.one(cls="weighted-amount").text.endswith(f"{yen}720,000")
    assert lead.one(cls="total-amount").text == f"{yen}12.50"
    assert lead.one(cls="weighted-amount").text.endswith(f" {yen}4")  # an estimate (3.75) in whole yen
    assert table_row(web, deals["proposal"])[3].text == f"{yen}1,200,000"


def test_the_history_writes_amounts_dates_and_probabilities_as_the_language_does(web, make_deal):
    deal = make_deal(amount=1200000, expected_close_date="2026-03-31", probability=40)
    updated = web.api.patch(f"{DEALS_API}/{deal['id']}", json={
        "amount": 1500000, "expected_close_date": "2026-04-30", "probability": 60,
    })
    assert updated.status_code == 200, updated.get_json()
    won = web.api.patch(f"{DEALS_API}/{deal['id']}", json={"stage": "closed_won", "won_date": EVENING_ISO})
    assert won.status_code == 200, won.get_json()
    choose(web, "ja", ASIA_TOKYO)

    lines = [line for entry in change_lines(deal_page(web, deal).by_id("feed")) for line in entry]

    for change in ("￥1,200,000 → ￥1,500,000", "2026/03/31 → 2026/04/30", "40% → 60%",
                   "— → 2026/04/01"):  # the day the deal was won, in Tokyo
        assert any(line.endswith(change) for line in lines), (change, lines)


def test_counts_read_with_separators_between_thousands(app, runner):
    result = runner.invoke(args=["crm", "seed-demo", "--deals", "4000"])
    assert result.exit_code == 0, result.output
    browser = app.test_client()
    assert sign_in_through_form(browser, "demo@example.com", "demo-password").status_code == 303

    for headers in ({"Accept-Language": "en"}, {"Accept-Language": "ja"}):
        summary = page_of(browser.get("/deals?offset=3990", headers=headers)).one(cls="table-summary").text
        assert re.findall(r"\d[\d,]*", summary) == ["4,000", "3,991", "4,000"], summary  # of all, from, to
        board = page_of(browser.get("/", headers=headers))
        # About 30% of the demo's deals are leads: more than a thousand of 4,000.
        leads = column(board, "lead").one("span", cls="count").text
        assert re.fullmatch(r"1,\d{3}", leads), leads


# --- The won date in the form -------------------------------------------------------------------------


def test_the_edit_form_shows_the_won_date_as_the_day_where_the_member_is_and_keeps_it_when_saved(web, make_deal):
    deal = make_deal(stage="closed_won", won_date=EVENING_ISO)
    choose(web, "en", ASIA_TOKYO)
    form = page_of(web.get(f"/deals/{deal['id']}/edit"))
    assert form.one("input", name="won_date").attrs["value"] == "2026-04-01"

    values = {node.attrs["name"]: node.attrs.get("value", "") for node in form.find_all("input") if node.attrs.get("name")}
    values.update({node.attrs["name"]: "" for node in form.find_all("select")})
    values.update(stage="closed_won", name=deal["name"], note="")
    assert web.post(f"/deals/{deal['id']}/edit", values).status_code == 303
    assert web.api.get(f"{DEALS_API}/{deal['id']}").get_json()["deal"]["won_date"] == EVENING_ISO


def test_a_won_date_typed_in_the_form_is_that_day_where_the_member_is(web, make_deal):
    deal = make_deal(stage="closed_won", won_date=EVENING_ISO)
    choose(web, "en", ASIA_TOKYO)
    form = page_of(web.get(f"/deals/{deal['id']}/edit"))
    version = form.one("input", name="version").attrs["value"]

    saved = web.post(f"/deals/{deal['id']}/edit", {"version": version, "won_date": "2026-04-10"})

    assert saved.status_code == 303, saved.get_data(as_text=True)
    assert web.api.get(f"{DEALS_API}/{deal['id']}").get_json()["deal"]["won_date"] == "2026-04-09T15:00:00Z"
    assert page_of(web.get(f"/deals/{deal['id']}/edit")).one("input", name="won_date").attrs["value"] == "2026-04-10"
