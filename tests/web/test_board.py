"""The board (GET /): six columns with counts and totals, the cards, "show more", search and the
assignee filter, the HTMX fragment, and what never shows (deleted deals, other organizations)."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from crm.core import clock

from ..conftest import TODAY
from .conftest import (
    DEALS_API,
    STAGES,
    card_names,
    column,
    column_count,
    page_of,
    query_of,
    total_lines,
)

PAST = (TODAY - timedelta(days=3)).isoformat()
FUTURE = (TODAY + timedelta(days=30)).isoformat()


def board(web, query: str = ""):
    response = web.get("/" + query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return page_of(response)


def test_board_shows_the_six_columns_in_pipeline_order(web):
    document = board(web)

    sections = document.by_id("board-columns").find_all("section", cls="column")
    assert [section.attrs["id"] for section in sections] == [f"col-{stage}" for stage in STAGES]
    assert [section.one(cls="stage-name").text for section in sections] == [
        "Lead", "Qualification", "Proposal", "Negotiation", "Won", "Lost",
    ]
    assert all(column_count(document, stage) == 0 for stage in STAGES)


def test_each_column_header_counts_its_deals(web, make_deal):
    for stage, how_many in [("lead", 3), ("proposal", 1), ("closed_won", 2)]:
        for _ in range(how_many):
            make_deal(stage=stage)

    document = board(web)

    assert {stage: column_count(document, stage) for stage in STAGES} == {
        "lead": 3, "qualification": 0, "proposal": 1, "negotiation": 0, "closed_won": 2, "closed_lost": 0,
    }
    assert len(card_names(column(document, "lead"))) == 3


@pytest.mark.parametrize(
    "deals, expected",
    [
        ([("JPY", 1200000, 60)], [("¥1,200,000", "weighted ¥720,000")]),
        ([("JPY", 1200000, 60), ("JPY", 300000, 10)], [("¥1,500,000", "weighted ¥750,000")]),
        ([("USD", Decimal("1234.5"), 100)], [("$1,234.50", "weighted $1,234.50")]),
        ([("USD", Decimal("1234.50"), 50)], [("$1,234.50", "weighted $617.25")]),
        ([("EUR", 1000, 25)], [("€1,000.00", "weighted €250.00")]),
        ([("CHF", 10, 50)], [("10.00 CHF", "weighted 5.00 CHF")]),
        ([("JPY", 1000, None)], [("¥1,000", "weighted ¥0")]),
        ([("JPY", 1000, 33)], [("¥1,000", "weighted ¥330")]),
        (
            [("USD", 100, 50), ("JPY", 1200000, 60), ("JPY", 100, 0)],
            [("¥1,200,100", "weighted ¥720,000"), ("$100.00", "weighted $50.00")],
        ),
    ],
    ids=["jpy", "jpy-two-deals", "usd-cents", "usd-half", "eur", "no-symbol", "no-probability", "jpy-33pct", "two-currencies"],
)
def test_column_header_shows_total_and_weighted_amount_per_currency(web, make_deal, deals, expected):
    for currency, amount, probability in deals:
        make_deal(stage="proposal", currency=currency, amount=amount, probability=probability)

    lines = total_lines(board(web), "proposal")

    assert sorted(lines) == sorted(expected)
    assert len(lines) == len(expected)


def test_deals_without_an_amount_count_but_add_no_total(web, make_deal):
    make_deal(stage="negotiation")
    make_deal(stage="negotiation", amount=500, probability=50)

    document = board(web)

    assert column_count(document, "negotiation") == 2
    assert total_lines(document, "negotiation") == [("¥500", "weighted ¥250")]
    assert column(document, "qualification").one(cls="no-amount").text == "No amounts"


def test_a_card_shows_name_company_amount_close_date_probability_initials_and_links_to_the_deal(
    web, make_deal, make_company
):
    company = make_company("株式会社A")
    deal = make_deal(
        name="株式会社A 年間契約", stage="proposal", amount=1200000, probability=60,
        company_id=company["id"], assigned_member_id=web.user["id"], expected_close_date=FUTURE,
    )

    card = column(board(web), "proposal").one("li", id_=f"deal-{deal['id']}")

    assert card.one("a", cls="card-title").text == "株式会社A 年間契約"
    assert card.one("a", cls="card-title").attrs["href"] == f"/deals/{deal['id']}"
    assert card.one(cls="card-company").text == "株式会社A"
    assert card.one(cls="amount").text == "¥1,200,000"
    assert card.one(cls="probability").text == "60%"
    assert card.one("time").attrs["datetime"] == FUTURE
    assert card.one(cls="avatar").text == "AE"  # Ann Example
    assert "is-overdue" not in card.classes
    assert "overdue" not in card.text


def test_a_card_without_optional_fields_shows_only_its_name(web, make_deal):
    deal = make_deal(name="Bare deal")

    card = column(board(web), "lead").one("li", id_=f"deal-{deal['id']}")

    assert card.one("a", cls="card-title").text == "Bare deal"
    for absent in ("card-company", "amount", "probability", "close-date", "avatar"):
        assert card.find(cls=absent) is None, absent


@pytest.mark.parametrize(
    "stage, close_date, overdue",
    [
        ("lead", PAST, True),
        ("qualification", PAST, True),
        ("proposal", PAST, True),
        ("negotiation", PAST, True),
        ("closed_won", PAST, False),
        ("closed_lost", PAST, False),
        ("proposal", FUTURE, False),
        ("proposal", TODAY.isoformat(), False),
    ],
    ids=["lead", "qualification", "proposal", "negotiation", "won", "lost", "future", "today"],
)
def test_only_open_deals_whose_close_date_has_passed_are_marked_overdue(web, make_deal, stopped_clock, stage, close_date, overdue):
    deal = make_deal(stage=stage, expected_close_date=close_date)

    card = column(board(web), stage).one("li", id_=f"deal-{deal['id']}")

    assert ("is-overdue" in card.classes) is overdue
    assert ("overdue" in card.one(cls="close-date").text) is overdue
    assert card.one("time").text == close_date


def test_a_column_shows_20_cards_with_show_more_while_its_header_counts_all(web, make_deal):
    made = [make_deal(name=f"Lead {number:02d}")["name"] for number in range(43)]
    make_deal(stage="proposal", name="Other column")

    document = board(web)
    lead = column(document, "lead")

    assert column_count(document, "lead") == 43
    shown = card_names(lead)
    assert len(shown) == 20
    more = lead.one("li", cls="show-more").one("a")
    assert "23 more" in more.text
    assert more.attrs["href"].startswith("/board/lead/cards?")
    assert query_of(more.attrs["href"])["offset"] == ["20"]
    assert more.attrs["hx-get"] == more.attrs["href"]
    assert column(document, "proposal").find("li", cls="show-more") is None

    for expected_cards, expected_more in [(20, "3 more"), (3, None)]:
        rest = web.get(more.attrs["href"], htmx=True)
        assert rest.status_code == 200
        rest_page = page_of(rest)
        assert "<html" not in rest.get_data(as_text=True)
        assert len(card_names(rest_page)) == expected_cards
        shown += card_names(rest_page)
        link = rest_page.find("li", cls="show-more")
        if expected_more is None:
            assert link is None
        else:
            more = link.one("a")
            assert expected_more in more.text
    assert sorted(shown) == sorted(made)


def test_show_more_keeps_the_search_and_assignee_of_the_board(web, make_deal):
    for number in range(22):
        make_deal(name=f"Match {number}", assigned_member_id=web.user["id"])
    for number in range(5):
        make_deal(name=f"Match unassigned {number}")

    document = board(web, "?search=match&assignee=me")
    more = column(document, "lead").one("li", cls="show-more").one("a")
    params = query_of(more.attrs["href"])

    assert column_count(document, "lead") == 22
    assert params["search"] == ["match"]
    assert params["assignee"] == [web.user["id"]]
    assert len(card_names(page_of(web.get(more.attrs["href"], htmx=True)))) == 2


@pytest.mark.parametrize("stage, offset", [("bogus", "0"), ("lead", "-1"), ("lead", "abc")])
def test_show_more_refuses_an_unknown_stage_or_a_bad_offset(web, stage, offset):
    response = web.get(f"/board/{stage}/cards?offset={offset}", htmx=True)

    assert response.status_code in (400, 404)


@pytest.mark.parametrize(
    "search, expected",
    [
        ("acme", ["Acme renewal", "ACME expansion"]),
        ("  renewal ", ["Acme renewal", "Globex renewal"]),
        ("globex", ["Globex renewal"]),
        ("nothing like it", []),
        ("50%", ["50% discount"]),
        ("_", []),
    ],
)
def test_search_narrows_the_columns_and_their_headers(web, make_deal, search, expected):
    make_deal(name="Acme renewal", amount=100, probability=50)
    make_deal(name="ACME expansion", stage="proposal", amount=200, probability=50)
    make_deal(name="Globex renewal", stage="proposal", amount=400, probability=50)
    make_deal(name="50% discount", stage="closed_won", amount=800)

    response = web.get("/", query_string={"search": search})
    document = page_of(response)

    shown = [name for stage in STAGES for name in card_names(column(document, stage))]
    assert sorted(shown) == sorted(expected)
    assert sum(column_count(document, stage) for stage in STAGES) == len(expected)
    assert document.one("input", id_="board-search").attrs["value"] == search.strip()


def test_search_changes_the_header_totals_too(web, make_deal):
    make_deal(name="Acme", stage="proposal", amount=1000, probability=50)
    make_deal(name="Globex", stage="proposal", amount=3000, probability=10)

    document = board(web, "?search=acme")

    assert column_count(document, "proposal") == 1
    assert total_lines(document, "proposal") == [("¥1,000", "weighted ¥500")]


@pytest.mark.parametrize("search", ["てすと", "テスト", "ﾃｽﾄ"])
def test_search_finds_a_name_in_hiragana_or_katakana_however_the_term_is_typed(web, make_deal, search):
    make_deal(name="テスト導入", amount=100)
    make_deal(name="てすと保守", stage="proposal", amount=200)
    make_deal(name="テキスト", stage="proposal", amount=400)

    document = board(web, f"?search={search}")

    assert card_names(column(document, "lead")) == ["テスト導入"]
    assert card_names(column(document, "proposal")) == ["てすと保守"]
    assert column_count(document, "proposal") == 1


@pytest.fixture
def assigned_deals(web, make_user, make_deal):
    """Deals assigned to the web's user, to a colleague, and to no one."""
    colleague = make_user("Acme", name="Bob Colleague")
    make_deal(name="Mine 1", assigned_member_id=web.user["id"], amount=100, probability=100)
    make_deal(name="Mine 2", stage="proposal", assigned_member_id=web.user["id"])
    make_deal(name="Theirs", assigned_member_id=colleague.user["id"], amount=1000, probability=100)
    make_deal(name="Nobody's", stage="proposal")
    return colleague


@pytest.mark.parametrize(
    "assignee, expected",
    [
        ("", ["Mine 1", "Mine 2", "Theirs", "Nobody's"]),
        ("me", ["Mine 1", "Mine 2"]),
        ("none", ["Nobody's"]),
        ("colleague", ["Theirs"]),
        ("me-by-id", ["Mine 1", "Mine 2"]),
    ],
)
def test_assignee_filter_narrows_the_columns_and_headers(web, assigned_deals, assignee, expected):
    value = {"colleague": assigned_deals.user["id"], "me-by-id": web.user["id"]}.get(assignee, assignee)

    document = page_of(web.get("/", query_string={"assignee": value}))

    shown = [name for stage in STAGES for name in card_names(column(document, stage))]
    assert sorted(shown) == sorted(expected)
    assert sum(column_count(document, stage) for stage in STAGES) == len(expected)
    lead_totals = total_lines(document, "lead")
    if assignee in ("me", "me-by-id"):
        assert lead_totals == [("¥100", "weighted ¥100")]
    elif assignee == "colleague":
        assert lead_totals == [("¥1,000", "weighted ¥1,000")]


def test_the_assignee_filter_offers_me_none_and_each_colleague_and_keeps_the_choice(web, assigned_deals):
    document = page_of(web.get("/", query_string={"assignee": assigned_deals.user["id"]}))

    select = document.one("select", id_="board-assignee")
    options = {option.attrs["value"]: option for option in select.find_all("option")}
    assert {"", "me", "none", assigned_deals.user["id"]} <= set(options)
    assert options[assigned_deals.user["id"]].text == "Bob Colleague"
    assert [value for value, option in options.items() if "selected" in option.attrs] == [assigned_deals.user["id"]]


def test_search_and_assignee_combine(web, assigned_deals):
    document = page_of(web.get("/", query_string={"assignee": "me", "search": "2"}))

    assert [name for stage in STAGES for name in card_names(column(document, stage))] == ["Mine 2"]


@pytest.mark.parametrize("assignee", ["somebody", "user_123", "deal_00000000000000000000000000000000"])
def test_an_unreadable_assignee_filter_answers_400(web, assignee):
    response = web.get("/", query_string={"assignee": assignee})

    assert response.status_code == 400
    assert "<html" in response.get_data(as_text=True)


def test_a_member_of_another_organization_as_assignee_filter_shows_nothing(web, rival, make_deal):
    make_deal(name="Mine", assigned_member_id=web.user["id"])

    document = page_of(web.get("/", query_string={"assignee": rival.user["id"]}))

    assert sum(column_count(document, stage) for stage in STAGES) == 0


@pytest.mark.parametrize("query", ["", "?search=deal", "?assignee=none"])
def test_an_htmx_request_answers_only_the_columns_fragment(web, make_deal, query):
    make_deal(name="A deal")

    response = web.get("/" + query, htmx=True)

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and not re.search(r"<head[\s>]", html)
    assert html.lstrip().startswith('<div id="board-columns"')
    assert "HX-Request" in [value.strip() for value in response.headers["Vary"].split(",")]
    document = page_of(response)
    assert [section.attrs["id"] for section in document.find_all("section", cls="column")] == [f"col-{s}" for s in STAGES]
    assert card_names(column(document, "lead")) == ["A deal"]


def test_the_full_board_page_also_varies_on_hx_request(web):
    response = web.get("/")

    assert "HX-Request" in [value.strip() for value in response.headers["Vary"].split(",")]
    assert "<html" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/", "/?search=deal", "/deals", "/deals?sort=name", "/deals/{id}", "/deals/{id}/edit"])
def test_pages_are_kept_by_no_cache_so_back_shows_the_deals_as_they_are_now(web, make_deal, path):
    deal = make_deal(name="A deal")

    response = web.get(path.format(id=deal["id"]))

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/?search=deal", "/deals?search=deal"])
def test_restoring_a_page_from_history_answers_the_whole_page(web, make_deal, path):
    make_deal(name="A deal")

    response = web.get(path, htmx=True, headers={"HX-History-Restore-Request": "true"})

    assert response.status_code == 200
    assert "<html" in response.get_data(as_text=True)
    assert "HX-Request" in [value.strip() for value in response.headers["Vary"].split(",")]


def test_the_board_filter_adds_history_for_a_choice_and_replaces_it_while_typing(web):
    form = board(web).one("form", cls="board-filter")

    box = form.one("input", name="search")
    assert form.attrs["hx-push-url"] == "true" and "hx-push-url" in form.attrs["hx-disinherit"].split()
    assert form.attrs["hx-trigger"] == "change from:#board-assignee, change from:#board-next, change from:#board-stale, change from:#board-closed, submit"
    assert box.attrs["hx-replace-url"] == "true" and box.attrs["hx-trigger"].startswith("input changed")
    # What the browser would put back from its form memory must not override the URL.
    assert form.attrs["autocomplete"] == "off"


def test_deleted_deals_and_other_organizations_deals_never_appear_or_count(web, rival, make_deal):
    make_deal(name="Live deal", stage="proposal", amount=100, probability=50)
    gone = make_deal(name="Deleted deal", stage="proposal", amount=10000, probability=50)
    assert web.api.delete(f"{DEALS_API}/{gone['id']}").status_code == 200
    make_deal(client=rival, name="Rival deal", stage="proposal", amount=99999, probability=50)
    make_deal(client=rival, name="Rival lead")

    for query in ("", "?search=deal", "?assignee=none"):
        document = board(web, query)
        assert [name for stage in STAGES for name in card_names(column(document, stage))] == ["Live deal"]
        assert column_count(document, "proposal") == 1
        assert column_count(document, "lead") == 0
        assert total_lines(document, "proposal") == [("¥100", "weighted ¥50")]


def test_recent_activity_lists_the_organizations_latest_changes(web, rival, make_deal):
    deal = make_deal(name="Tracked deal")
    web.api.post(f"{DEALS_API}/{deal['id']}/stage", json={"stage": "proposal"})
    make_deal(client=rival, name="Rival secret")
    gone = make_deal(name="Gone deal")
    web.api.delete(f"{DEALS_API}/{gone['id']}")

    for response in (web.get("/"), web.get("/board/activity", htmx=True)):
        items = page_of(response).find_all("li", cls="recent-item")
        texts = [item.text for item in items]
        assert "Stage Lead → Proposal" in texts[0]
        assert items[0].one("a").attrs["href"] == f"/deals/{deal['id']}"
        assert any("Deal created." in text for text in texts)
        assert not any("Rival secret" in text or "Gone deal" in text for text in texts)


def test_recent_activity_is_what_was_done_latest_done_first_not_what_is_planned(web, make_deal):
    with clock.stopped_at(clock.now_utc() - timedelta(days=7)):
        deal = make_deal(name="Planned deal")
        step = web.api.post(f"{DEALS_API}/{deal['id']}/activities", json={
            "type": "call", "content": "Call the buyer", "due_date": "2026-03-02"}).get_json()["activity"]
    later = make_deal(name="Later deal")

    before = [item.text for item in page_of(web.get("/board/activity", htmx=True)).find_all("li", cls="recent-item")]
    web.api.patch(f"/api/v1/crm/activities/{step['id']}", json={"done": True})
    after = [item.text for item in page_of(web.get("/board/activity", htmx=True)).find_all("li", cls="recent-item")]

    assert not any("Call the buyer" in text for text in before)
    assert "Call the buyer" in after[0] and "Later deal" in after[1]  # done now, though planned a week ago
    assert later


def test_recent_activity_of_an_empty_organization_says_so(web):
    response = web.get("/board/activity", htmx=True)

    assert response.status_code == 200
    assert "Nothing has happened yet." in page_of(response).text


def test_a_search_most_of_a_column_matches_shows_the_same_cards_in_the_same_order(web, make_deal):
    """A broad term is listed by walking the column's order (another plan): the cards must not differ."""
    made = [make_deal(name=f"Annual plan {number:02d}")["name"] for number in range(30)]
    make_deal(name="Pilot one")
    make_deal(name="Pilot two")

    document = board(web, "?search=annual")
    lead = column(document, "lead")
    first = card_names(lead)
    more = lead.one("li", cls="show-more").one("a")
    rest = card_names(page_of(web.get(more.attrs["href"], htmx=True)))

    assert column_count(document, "lead") == 30
    assert first == list(reversed(made))[:20]  # most recently changed first
    assert rest == list(reversed(made))[20:]
