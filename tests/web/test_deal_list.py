"""The deals list (GET /deals): search, stage filter, sorting by header links, pages, the URL as the
list's state, and the HTMX table fragment."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from crm.core import clock

from .conftest import DEALS_API, page_of, parse, query_of, table_names


def deals_list(web, query=None, htmx=False):
    response = web.get("/deals", query_string=query or {}, htmx=htmx)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


@pytest.fixture
def five_deals(make_deal):
    """Deals created in this order (so newest first is the reverse)."""
    specs = [
        ("Charlie", "lead", 300),
        ("alpha", "proposal", 100),
        ("Echo", "proposal", None),
        ("Bravo", "closed_won", 500),
        ("Delta", "proposal", 200),
    ]
    return [make_deal(name=name, stage=stage, amount=amount) for name, stage, amount in specs]


def test_the_list_shows_every_live_deal_newest_first_with_its_columns(web, make_deal, make_company):
    company = make_company("Initech")
    make_deal(name="Older")
    make_deal(
        name="Newer", stage="negotiation", amount=1200000, probability=60, company_id=company["id"],
        assigned_member_id=web.user["id"], expected_close_date="2099-01-31",
    )

    document = page_of(deals_list(web))

    assert table_names(document) == ["Newer", "Older"]
    row = document.by_id("deals-table").one("tbody").find("tr")
    cells = [cell.text for cell in row.find_all("td")]
    assert cells[:7] == ["Newer", "Negotiation", "Initech", "¥1,200,000", "60%", "2099-01-31", "Ann Example"]
    assert "2 deals, showing 1–2" in document.one(cls="table-summary").text


def test_an_empty_list_says_so(web):
    document = page_of(deals_list(web))

    assert "No deals match." in document.one("tbody").text
    assert document.one(cls="table-summary").text == "0 deals"


@pytest.mark.parametrize(
    "search, expected",
    [("a", ["Delta", "Bravo", "alpha", "Charlie"]), ("ALPHA", ["alpha"]), (" ech ", ["Echo"]), ("zulu", [])],
)
def test_search_narrows_the_list(web, five_deals, search, expected):
    document = page_of(deals_list(web, {"search": search}))

    assert table_names(document) == expected
    assert document.one("input", id_="list-search").attrs["value"] == search.strip()


@pytest.mark.parametrize(
    "stage, expected",
    [("proposal", ["Delta", "Echo", "alpha"]), ("closed_won", ["Bravo"]), ("negotiation", []), ("", None)],
)
def test_stage_filter_narrows_the_list_and_stays_selected(web, five_deals, stage, expected):
    document = page_of(deals_list(web, {"stage": stage}))

    if expected is None:
        expected = [deal["name"] for deal in reversed(five_deals)]
    assert table_names(document) == expected
    selected = [o.attrs["value"] for o in document.one("select", id_="list-stage").find_all("option") if "selected" in o.attrs]
    assert selected == ([stage] if stage else [])


def test_search_and_stage_combine(web, five_deals):
    assert table_names(page_of(deals_list(web, {"search": "a", "stage": "proposal"}))) == ["Delta", "alpha"]


@pytest.mark.parametrize(
    "sort, order, expected",
    [
        ("name", "asc", ["alpha", "Bravo", "Charlie", "Delta", "Echo"]),
        ("name", "desc", ["Echo", "Delta", "Charlie", "Bravo", "alpha"]),
        ("amount", "asc", ["alpha", "Delta", "Charlie", "Bravo", "Echo"]),  # no amount: last either way
        ("amount", "desc", ["Bravo", "Charlie", "Delta", "alpha", "Echo"]),
        ("created_at", "asc", ["Charlie", "alpha", "Echo", "Bravo", "Delta"]),
        ("created_at", "desc", ["Delta", "Bravo", "Echo", "alpha", "Charlie"]),
    ],
)
def test_sorting_orders_the_rows(web, five_deals, sort, order, expected):
    assert table_names(page_of(deals_list(web, {"sort": sort, "order": order}))) == expected


def header_links(document) -> dict[str, dict]:
    """Each sortable header's label and the sort/order its link asks for."""
    links = {}
    for header in document.by_id("deals-table").one("thead").find_all("th"):
        link = header.find("a")
        if link is not None:
            label = re.sub(r"[▲▼]", "", link.text).strip()
            params = query_of(link.attrs["href"])
            links[label] = {"href": link.attrs["href"], "hx-get": link.attrs.get("hx-get"), "params": params,
                            "aria-sort": header.attrs.get("aria-sort")}
    return links


def test_header_links_carry_sort_and_order_and_clicking_twice_reverses(web, five_deals):
    links = header_links(page_of(deals_list(web)))

    assert set(links) == {"Name", "Amount", "Created", "Updated"}
    assert links["Created"]["aria-sort"] == "descending"
    assert links["Created"]["params"]["sort"] == ["created_at"] and links["Created"]["params"]["order"] == ["asc"]
    name_link = links["Name"]
    assert name_link["params"]["sort"] == ["name"] and name_link["params"]["order"] == ["desc"]
    assert name_link["hx-get"] == name_link["href"]

    first_click = page_of(web.get(name_link["href"]))
    assert table_names(first_click) == ["Echo", "Delta", "Charlie", "Bravo", "alpha"]
    again = header_links(first_click)["Name"]
    assert again["aria-sort"] == "descending"
    assert again["params"]["order"] == ["asc"]
    second_click = page_of(web.get(again["href"]))
    assert table_names(second_click) == ["alpha", "Bravo", "Charlie", "Delta", "Echo"]
    assert header_links(second_click)["Name"]["aria-sort"] == "ascending"


def test_sort_links_keep_the_search_and_stage(web, five_deals):
    links = header_links(page_of(deals_list(web, {"search": "a", "stage": "proposal"})))

    for link in links.values():
        assert link["params"]["search"] == ["a"]
        assert link["params"]["stage"] == ["proposal"]
        assert "offset" not in link["params"]


def test_pages_follow_next_and_previous_links_keeping_the_url_state(web, make_deal):
    for number in range(7):
        make_deal(name=f"Deal {number}", stage="proposal")
    make_deal(name="Deal lead", stage="lead")
    query = {"search": "deal", "stage": "proposal", "sort": "name", "order": "asc", "limit": "3"}

    first = page_of(deals_list(web, query))
    assert table_names(first) == ["Deal 0", "Deal 1", "Deal 2"]
    assert "7 deals, showing 1–3" in first.one(cls="table-summary").text
    assert first.find("a", rel="prev") is None
    next_href = first.one("a", rel="next").attrs["href"]
    params = query_of(next_href)
    assert params["offset"] == ["3"]
    assert {key: params[key] for key in ("search", "stage", "sort", "order", "limit")} == {
        key: [value] for key, value in query.items()
    }

    second = page_of(web.get(next_href))
    assert table_names(second) == ["Deal 3", "Deal 4", "Deal 5"]
    third = page_of(web.get(second.one("a", rel="next").attrs["href"]))
    assert table_names(third) == ["Deal 6"]
    assert third.find("a", rel="next") is None
    back = third.one("a", rel="prev").attrs["href"]
    assert query_of(back)["offset"] == ["3"]
    assert table_names(page_of(web.get(back))) == ["Deal 3", "Deal 4", "Deal 5"]


def test_a_page_past_the_end_says_so_and_steps_back_to_the_last_page(web, make_deal):
    """An old bookmark or history entry, after the list shrank."""
    for number in range(7):
        make_deal(name=f"Deal {number}")
    query = {"sort": "name", "order": "asc", "limit": "3", "offset": "99999"}

    past = page_of(deals_list(web, query))

    assert past.one(cls="table-summary").text == "7 deals"
    empty = past.one("td", cls="empty")
    assert "past the last" in empty.text
    assert query_of(empty.one("a").attrs["href"])["offset"] == ["6"]
    assert query_of(past.one("a", rel="prev").attrs["href"])["offset"] == ["6"]
    assert past.find("a", rel="next") is None
    assert table_names(page_of(web.get(empty.one("a").attrs["href"]))) == ["Deal 6"]


def test_the_default_page_holds_fifty_deals(web, make_deal):
    for number in range(51):
        make_deal(name=f"Deal {number:02d}")

    document = page_of(deals_list(web, {"sort": "name", "order": "asc"}))

    assert len(table_names(document)) == 50
    next_href = document.one("a", rel="next").attrs["href"]
    assert query_of(next_href)["offset"] == ["50"]
    assert table_names(page_of(web.get(next_href))) == ["Deal 50"]


def filter_form_fields(document) -> dict[str, str]:
    """What submitting the list's filter form sends, as a browser builds it: the form's own fields
    and those elsewhere on the page that belong to it (form="list-filter")."""
    form = document.one("form", cls="list-filter")
    owned = [node for node in document.find_all("input") if node.attrs.get("form") == form.attrs["id"]]
    return {node.attrs["name"]: node.attrs.get("value", "") for node in form.find_all("input") + owned
            if node.attrs.get("name") and (node.attrs.get("type") != "checkbox" or "checked" in node.attrs)}


def test_the_url_state_round_trips_into_the_filter_form(web, five_deals):
    document = page_of(deals_list(web, {"search": "ech", "stage": "proposal", "sort": "amount", "order": "asc"}))

    form = document.one("form", cls="list-filter")
    assert filter_form_fields(document) == {"search": "ech", "sort": "amount", "order": "asc"}
    assert "selected" in form.one("option", value="proposal").attrs
    assert form.attrs["method"] == "get" and form.attrs["action"] == "/deals"
    assert table_names(document) == ["Echo"]


def test_searching_keeps_the_sort_and_page_size_and_starts_at_the_first_page(web, five_deals):
    document = page_of(deals_list(web, {"sort": "name", "order": "asc", "limit": "2", "offset": "2"}))

    fields = filter_form_fields(document)

    assert {key: fields[key] for key in ("sort", "order", "limit")} == {"sort": "name", "order": "asc", "limit": "2"}
    assert "offset" not in fields


def test_each_table_fragment_brings_the_filter_form_the_order_it_shows(web, five_deals):
    """The sort lives in the swapped fragment: after a header click swaps in a new table, a search
    or stage change asks for the new order, not the one the page was first loaded with."""
    sorted_by_name = parse(deals_list(web, {"sort": "name", "order": "asc"}, htmx=True).get_data(as_text=True))
    hidden = {node.attrs["name"]: node.attrs["value"] for node in sorted_by_name.find_all("input", form="list-filter")}
    assert hidden == {"sort": "name", "order": "asc"}

    searched = page_of(web.get("/deals", query_string={"search": "a", "stage": "proposal", **hidden}, htmx=True))
    assert table_names(searched) == ["alpha", "Delta"]
    assert {node.attrs["name"]: node.attrs["value"] for node in searched.find_all("input", form="list-filter")} == hidden
    for link in header_links(searched).values():
        assert link["params"]["search"] == ["a"] and link["params"]["stage"] == ["proposal"]
    assert header_links(searched)["Name"]["aria-sort"] == "ascending"


def test_typing_replaces_the_history_entry_and_a_deliberate_change_adds_one(web):
    document = page_of(deals_list(web))

    form = document.one("form", cls="list-filter")
    box = form.one("input", name="search")
    assert form.attrs["hx-push-url"] == "true" and "input" not in form.attrs["hx-trigger"]
    assert box.attrs["hx-replace-url"] == "true" and box.attrs["hx-trigger"].startswith("input changed")
    assert "hx-push-url" in form.attrs["hx-disinherit"].split()


def test_paging_and_sort_links_bring_the_top_of_the_table_into_view(web, make_deal):
    for number in range(3):
        make_deal(name=f"Deal {number}")

    document = page_of(deals_list(web, {"limit": "1", "offset": "1"}))

    links = [document.one("a", rel="prev"), document.one("a", rel="next")]
    links += [document.by_id("deals-table").one("thead").find("a")]
    for link in links:
        assert link.attrs["hx-get"] == link.attrs["href"]
        assert link.attrs["hx-swap"].split()[0] == "outerHTML" and "show:window:top" in link.attrs["hx-swap"]
        assert link.attrs["hx-push-url"] == "true"


@pytest.mark.parametrize("query", [{}, {"search": "a"}, {"stage": "proposal", "sort": "name", "order": "asc"}])
def test_an_htmx_request_answers_only_the_table_fragment(web, five_deals, query):
    response = deals_list(web, query, htmx=True)

    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="deals-table"')
    assert "HX-Request" in [value.strip() for value in response.headers["Vary"].split(",")]
    assert table_names(page_of(response)) == table_names(page_of(deals_list(web, query)))


@pytest.mark.parametrize(
    "query",
    [{"stage": "won"}, {"sort": "probability"}, {"order": "up"}, {"offset": "-1"}, {"limit": "x"}],
)
def test_unreadable_list_parameters_answer_a_400_page(web, query):
    response = web.get("/deals", query_string=query)

    assert response.status_code == 400
    assert "<html" in response.get_data(as_text=True)


def test_deleted_and_other_organizations_deals_are_not_listed(web, rival, make_deal):
    make_deal(name="Visible")
    gone = make_deal(name="Gone")
    web.api.delete(f"{DEALS_API}/{gone['id']}")
    make_deal(client=rival, name="Rival's")

    document = page_of(deals_list(web))

    assert table_names(document) == ["Visible"]
    assert document.one(cls="table-summary").text.startswith("1 deal,")


def test_the_signal_filters_narrow_the_list_by_my_own_date_and_stay_in_every_link(web, make_deal):
    evening_in_utc = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)  # already 2026-03-02 in Tokyo, the member's zone
    assert web.post("/settings", {"locale": "", "time_zone": "Asia/Tokyo"}).status_code == 303
    with clock.stopped_at(evening_in_utc - timedelta(days=30)):
        quiet = make_deal(name="Quiet", stage="proposal")
    with clock.stopped_at(evening_in_utc):
        due_today = make_deal(name="Due today", stage="lead")
        web.api.post(f"{DEALS_API}/{due_today['id']}/activities", json={"type": "call", "content": "x", "due_date": "2026-03-02"})
        late = make_deal(name="Late", stage="lead")
        web.api.post(f"{DEALS_API}/{late['id']}/activities", json={"type": "call", "content": "y", "due_date": "2026-03-01"})

        assert table_names(page_of(deals_list(web, {"next_activity": "today"}))) == ["Due today"]
        assert table_names(page_of(deals_list(web, {"next_activity": "overdue"}))) == ["Late"]
        stale = page_of(deals_list(web, {"stale": "true", "next_activity": "none"}))

    assert table_names(stale) == ["Quiet"] and quiet
    assert "checked" in stale.by_id("list-stale").attrs
    assert [option.attrs["value"] for option in stale.by_id("list-next").find_all("option") if "selected" in option.attrs] == ["none"]
    for link in header_links(stale).values():
        assert link["params"]["stale"] == ["true"] and link["params"]["next_activity"] == ["none"]
    assert "change from:#list-next" in stale.one("form", cls="list-filter").attrs["hx-trigger"]


def test_a_bad_signal_filter_is_refused_with_a_message(web):
    response = web.get("/deals?next_activity=soon")

    assert response.status_code == 400
    assert "next_activity" in page_of(response).text
