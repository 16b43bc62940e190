"""No N+1: a list request, the board and the deals page run a fixed number of queries whatever
the page size or the number of deals."""

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from crm.core.database import db


@contextmanager
def counting_queries(app):
    statements = []

    def count(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def queries_for(app, client, path, **kwargs) -> int:
    with counting_queries(app) as statements:
        response = client.get(path, **kwargs)
    assert response.status_code == 200
    return len(statements)


def make_deals(app, api, count: int) -> None:
    company = api.post("/api/v1/crm/companies", json={"name": "Acme KK"}).get_json()["company"]
    for index in range(count):
        api.post("/api/v1/crm/deals", json={
            "name": f"Deal {index}", "company_id": company["id"], "assigned_member_id": api.user["id"],
            "amount": 1000 + index, "stage": ["lead", "proposal", "closed_won"][index % 3],
        })


@pytest.mark.parametrize("query", ["", "&search=deal", "&stage=proposal", "&sort=amount&order=asc"])
def test_api_list_runs_the_same_queries_for_any_page_size(app, api, query):
    make_deals(app, api, 12)

    small = queries_for(app, api.client, f"/api/v1/crm/deals?limit=2{query}", headers={"Authorization": f"Bearer {api.token}"})
    large = queries_for(app, api.client, f"/api/v1/crm/deals?limit=50{query}", headers={"Authorization": f"Bearer {api.token}"})

    assert small == large


def test_board_and_deals_page_run_the_same_queries_for_few_and_many_deals(app, api):
    cookie = app.config["AUTH_COOKIE_NAME"]
    browser = app.test_client()
    browser.set_cookie(cookie, api.token)
    make_deals(app, api, 3)
    few = [queries_for(app, browser, path) for path in ["/", "/deals"]]

    make_deals(app, api, 15)
    many = [queries_for(app, browser, path) for path in ["/", "/deals"]]

    assert few == many


def test_deal_history_names_its_records_in_the_same_queries_for_few_and_many_changes(app, api):
    """The names behind the companies, contacts and members a page of changes mentions are loaded
    once per kind, not once per entry (the deal page, and the feed's older pages)."""
    cookie = app.config["AUTH_COOKIE_NAME"]
    browser = app.test_client()
    browser.set_cookie(cookie, api.token)
    deal = api.post("/api/v1/crm/deals", json={"name": "Tracked"}).get_json()["deal"]

    def change_references(count: int) -> None:
        for index in range(count):
            company = api.post("/api/v1/crm/companies", json={"name": f"Company {index}"}).get_json()["company"]
            contact = api.post("/api/v1/crm/contacts", json={"name": f"Contact {index}"}).get_json()["contact"]
            api.patch(f"/api/v1/crm/deals/{deal['id']}", json={
                "company_id": company["id"], "contact_id": contact["id"],
                "assigned_member_id": None if index % 2 else api.user["id"],
            })

    pages = [f"/deals/{deal['id']}", f"/deals/{deal['id']}/activities?page=2&limit=2", "/board/activity"]
    change_references(3)
    few = [queries_for(app, browser, path, headers={"HX-Request": "true"}) for path in pages]

    change_references(15)
    many = [queries_for(app, browser, path, headers={"HX-Request": "true"}) for path in pages]

    assert few == many


def test_a_deals_next_steps_are_shown_in_the_same_queries_for_few_and_many_steps(app, api, make_user):
    """Each open step names its assignee: loaded with the steps, not once per step."""
    cookie = app.config["AUTH_COOKIE_NAME"]
    browser = app.test_client()
    browser.set_cookie(cookie, api.token)
    deal = api.post("/api/v1/crm/deals", json={"name": "Planned"}).get_json()["deal"]

    def plan(count: int) -> None:
        for index in range(count):
            colleague = make_user("Acme", name=f"Colleague {index}")  # the caller's organization
            api.post(f"/api/v1/crm/deals/{deal['id']}/activities", json={
                "type": "call", "content": f"Call {index}", "due_date": f"2026-03-{index + 1:02}",
                "assigned_member_id": colleague.user["id"]})

    plan(2)
    few = queries_for(app, browser, f"/deals/{deal['id']}")
    plan(12)
    many = queries_for(app, browser, f"/deals/{deal['id']}")

    assert few == many
