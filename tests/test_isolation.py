"""Organizations never see or touch each other's records, and nobody signed out sees anything: a
matrix over every route of the app, read from its URL map, so that a route added later fails
`test_every_route_is_covered_or_declared_public` (and the matrix tests) until it gets a case in
ROUTE_BODIES or an entry in PUBLIC.

1. Signed out: every API route (but signing in and out, and the OpenAPI document) answers 401 in
   the JSON error shape with WWW-Authenticate; every page sends the visitor to /login with `next`
   (HTMX: 401 with HX-Redirect). Nothing changes.
2. Another organization's ids (deal, company, contact, and so the deal's activities) answer every
   route that takes an id exactly as a well-formed id of no record does: same status, same body,
   same headers. Nothing of theirs changes.
3. Lists, searches, stage filters, totals, the board (column counts and header totals), the deals
   table, the recent-activity panel and the activity feeds: what a user sees is byte for byte the
   same before and after another organization fills its pipeline with distinctive records.
4. Ids of another organization's company, contact or member are refused with 422 naming the field,
   through the API and through the page forms, and nothing changes.

Some of this is also checked route by route elsewhere (tests/api/test_auth.py, test_deals.py,
test_directory.py, tests/web/test_board*.py, test_deal_pages.py); this module is the one place that
covers every route at once.
"""

import re
import uuid
from urllib.parse import urlencode, urlsplit

import pytest

from crm import create_app
from crm.core.database import db
from tests.conftest import app_config
from tests.web.conftest import (
    STAGES,
    Browser,
    column_count,
    csrf_token_in,
    page_of,
    query_of,
    sign_in_through_form,
    table_names,
    total_lines,
)

API = "/api/v1/crm"
DEALS_API = f"{API}/deals"
PATH_PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
ID_PARAMETERS = {"deal_id", "company_id", "contact_id", "activity_id"}
# Fresh on every render: CSRF tokens and the one-time keys of forms that create a deal.
CSRF_VALUE = re.compile(r'(X-CSRFToken": "|name="csrf_token" value="|name="form_key" value=")[^"]+')
MARKER = "zyzzyva"  # in every name, note and reason of the other organization (lower-cased)
SEARCHED = "ZYZZYVA"  # how searches type it: an echo of the search box is not a leak
RIVAL_AMOUNT = 987654321
RIVAL_AMOUNT_TEXTS = ["987654321", "987,654,321"]


def _routes() -> list[tuple[str, str]]:
    app = create_app(app_config("sqlite://"))
    routes = {
        (method, rule.rule) for rule in app.url_map.iter_rules() for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    with app.app_context():
        db.engine.dispose()
    return sorted(routes, key=lambda route: (route[1], route[0]))


ROUTES = _routes()

# Routes anybody may call, and why.
PUBLIC = {
    ("GET", "/static/<path:filename>"): "the stylesheet, scripts and icon",
    ("GET", "/login"): "the sign-in form",
    ("POST", "/login"): "signing in",
    ("POST", "/logout"): "signing out (a visitor without a session has nothing to end)",
    ("POST", "/api/v1/auth/sign-in"): "signing in",
    ("POST", "/api/v1/auth/sign-out"): "signing out",
    ("GET", "/api/v1/openapi.json"): "the API's contract (OpenAPI), public like the spec it follows",
    ("GET", "/api/docs"): "the API reference page built from that contract",
    ("POST", "/language"): "the language menu, on the login page too (signed out it sets only the browser's cookie)",
}

# Every other route, with a body it would accept (JSON for the API, form fields for pages).
ROUTE_BODIES: dict[tuple[str, str], dict | None] = {
    ("GET", "/settings"): None,
    ("POST", "/settings"): {"locale": "ja", "time_zone": "Asia/Tokyo"},
    ("GET", "/api/v1/crm/deals"): None,
    ("POST", "/api/v1/crm/deals"): {"name": "Sneaky deal"},
    ("GET", "/api/v1/crm/deals/<deal_id>"): None,
    ("PATCH", "/api/v1/crm/deals/<deal_id>"): {"name": "Renamed", "note": "Sneaky note"},
    ("DELETE", "/api/v1/crm/deals/<deal_id>"): None,
    ("POST", "/api/v1/crm/deals/<deal_id>/stage"): {"stage": "closed_lost", "lost_reason": "Sneaky"},
    ("GET", "/api/v1/crm/deals/<deal_id>/activities"): None,
    ("POST", "/api/v1/crm/deals/<deal_id>/activities"): {"type": "task", "content": "Sneaky task", "due_date": "2026-03-02"},
    ("GET", "/api/v1/crm/activities"): None,
    ("PATCH", "/api/v1/crm/activities/<activity_id>"): {"content": "Sneaky", "done": True},
    ("DELETE", "/api/v1/crm/activities/<activity_id>"): None,
    ("GET", "/api/v1/crm/pipeline"): None,
    ("PATCH", "/api/v1/crm/pipeline/stages/<stage>"): {"stale_after_days": 3},
    ("GET", "/api/v1/crm/companies"): None,
    ("POST", "/api/v1/crm/companies"): {"name": "Sneaky company"},
    ("GET", "/api/v1/crm/companies/<company_id>"): None,
    ("GET", "/api/v1/crm/contacts"): None,
    ("POST", "/api/v1/crm/contacts"): {"name": "Sneaky contact"},
    ("GET", "/api/v1/crm/contacts/<contact_id>"): None,
    ("GET", "/api/v1/crm/members"): None,
    ("GET", "/"): None,
    ("GET", "/activities"): None,
    ("POST", "/activities/<activity_id>/done"): {"done": "true"},
    ("GET", "/board/<stage>/cards"): None,
    ("GET", "/board/activity"): None,
    ("POST", "/board/quick-add"): {"name": "Sneaky lead", "amount": "5"},
    ("GET", "/deals"): None,
    ("POST", "/deals"): {"name": "Sneaky deal", "stage": "lead", "currency": "JPY"},
    ("GET", "/deals/new"): None,
    ("GET", "/deals/<deal_id>"): None,
    ("GET", "/deals/<deal_id>/activities"): None,
    ("POST", "/deals/<deal_id>/activities"): {"type": "note", "content": "Sneaky note"},
    ("GET", "/deals/<deal_id>/delete"): None,
    ("POST", "/deals/<deal_id>/delete"): {},
    ("GET", "/deals/<deal_id>/edit"): None,
    ("POST", "/deals/<deal_id>/edit"): {"name": "Renamed", "stage": "closed_lost", "currency": "JPY"},
    ("POST", "/deals/<deal_id>/stage"): {"stage": "closed_lost", "from_stage": "proposal"},
    ("POST", "/deals/<deal_id>/move"): {"stage": "closed_lost", "lost_reason": "Sneaky"},
    ("POST", "/deals/<deal_id>/steps"): {"type": "call", "content": "Sneaky step", "due_date": "2026-03-02"},
    ("GET", "/deals/<deal_id>/steps/<activity_id>/edit"): None,
    ("POST", "/deals/<deal_id>/steps/<activity_id>"): {"content": "Sneaky", "due_date": "2026-03-03"},
    ("POST", "/deals/<deal_id>/steps/<activity_id>/done"): {"done": "true"},
    ("POST", "/deals/<deal_id>/steps/<activity_id>/delete"): {},
}

# What a signed-in user can look at: each GET route with the queries worth asking it.
LIST_QUERIES = {
    "/api/v1/crm/deals": [
        "",
        "search=renewal",
        "search=ZYZZYVA",
        "search=ZYZ",
        *[f"stage={stage}" for stage in STAGES],
        "search=renewal&stage=proposal",
        "sort=amount&order=desc",
        "sort=name&order=asc&limit=200",
        "sort=updated_at&offset=1&limit=1",
        "stale=true", "stale=false", "next_activity=none", "next_activity=overdue", "next_activity=upcoming",
        "stale=false&next_activity=today&stage=lead",
    ],
    "/api/v1/crm/pipeline": [""],
    "/api/v1/crm/companies": ["", "search=holdings", "search=ZYZZYVA"],
    "/api/v1/crm/contacts": ["", "search=contact", "search=ZYZZYVA"],
    "/api/v1/crm/members": ["", "search=a", "search=ZYZZYVA"],
    "/api/v1/crm/deals/<deal_id>/activities": ["", "limit=100", "page=2&limit=1"],
    "/api/v1/crm/activities": [
        "", "done=false", "done=true&limit=200", "due=upcoming", "due=none", "assigned_member_id=me",
        "assigned_member_id={rival_user}", "offset=1&limit=1",
    ],
    "/": ["", "search=renewal", "search=ZYZZYVA", "assignee=none", "assignee=me", "assignee={rival_user}", "stale=true",
          "next_activity=overdue", "stale=false&next_activity=upcoming", "closed=all", "closed=year&assignee=none"],
    "/board/<stage>/cards": ["offset=0", "offset=0&search=renewal", "offset=0&assignee=none"],
    "/deals": ["", "search=renewal", "search=ZYZZYVA", "stage=proposal", "sort=amount&order=desc", "limit=1&offset=1",
               "stale=true", "next_activity=overdue", "next_activity=none&stage=lead"],
    "/deals/<deal_id>": ["", "page=1&limit=2"],
    "/deals/<deal_id>/activities": ["", "page=2&limit=1"],
    "/activities": ["", "member=all", "member={rival_user}"],
}


def route_id(route: tuple[str, str]) -> str:
    return f"{route[0]} {route[1]}"


def parameters_of(rule: str) -> set[str]:
    return set(PATH_PARAMETER.findall(rule))


def fill(rule: str, values: dict[str, str]) -> str:
    """The rule's path with each <parameter> replaced by its value."""

    def value_of(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:
            pytest.fail(f"{rule}: this module does not know what <{name}> names; teach it (see fill)")
        return values[name]

    return PATH_PARAMETER.sub(value_of, rule)


def body_of(route: tuple[str, str]) -> dict | None:
    if route not in ROUTE_BODIES:
        pytest.fail(f"{route_id(route)} has no case here: add it to ROUTE_BODIES, or to PUBLIC with a reason")
    return ROUTE_BODIES[route]


API_ROUTES = [route for route in ROUTES if route[1].startswith("/api/") and route not in PUBLIC]
PAGE_ROUTES = [route for route in ROUTES if not route[1].startswith("/api/") and route not in PUBLIC]
API_ID_ROUTES = [route for route in API_ROUTES if parameters_of(route[1]) & ID_PARAMETERS]
PAGE_ID_ROUTES = [route for route in PAGE_ROUTES if parameters_of(route[1]) & ID_PARAMETERS]
GET_RULES = [rule for method, rule in ROUTES if method == "GET" and (method, rule) not in PUBLIC]


# --- Helpers --------------------------------------------------------------------------------------


def assert_error(response, status: int) -> dict:
    """The status and the API's one error shape; answers the error object."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["message"]
    return body["error"]


def call(api_client, method: str, path: str, body: dict | None = None, headers: dict | None = None):
    """A request of the API client, with its Bearer token."""
    merged = {"Authorization": f"Bearer {api_client.token}"} | (headers or {})
    return api_client.client.open(path, method=method, json=body, headers=merged)


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return response.get_json()


class Org:
    """One organization's records, made through the API by one of its users."""

    def __init__(self, api_client, label: str, amount: int = 1000):
        self.api = api_client
        self.label = label
        self.company = ok(api_client.post(f"{API}/companies", json={"name": f"{label} Holdings"}), 201)["company"]
        self.contact = ok(
            api_client.post(f"{API}/contacts", json={"name": f"{label} Contact", "company_id": self.company["id"]}), 201
        )["contact"]
        self.deal = self.new_deal(
            f"{label} renewal",
            amount=amount,
            stage="proposal",
            probability=50,
            company_id=self.company["id"],
            contact_id=self.contact["id"],
            assigned_member_id=api_client.user["id"],
            note=f"{label} note",
        )
        self.activity = ok(api_client.post(f"{DEALS_API}/{self.deal['id']}/activities", json={
            "type": "task", "content": f"{label} next step", "due_date": "2026-03-02"}), 201)["activity"]

    def new_deal(self, name: str, **fields) -> dict:
        return ok(self.api.post(DEALS_API, json={"name": name, **fields}), 201)["deal"]

    @property
    def ids(self) -> dict[str, str]:
        return {
            "deal_id": self.deal["id"],
            "company_id": self.company["id"],
            "contact_id": self.contact["id"],
            "activity_id": self.activity["id"],
            "stage": "proposal",
        }

    def snapshot(self) -> tuple:
        """Everything the organization's API shows, to compare before and after."""
        paths = [
            f"{DEALS_API}?limit=200",
            f"{DEALS_API}/{self.deal['id']}",
            f"{DEALS_API}/{self.deal['id']}/activities?limit=100",
            f"{API}/companies?limit=200",
            f"{API}/contacts?limit=200",
            f"{API}/activities?limit=200",
        ]
        return tuple(self.api.get(path).get_data() for path in paths)


def fill_rival_pipeline(rival_org: Org) -> list[str]:
    """Give the other organization distinctive records in every stage and currency, with history;
    answers the ids that must never show up elsewhere."""
    ids = [rival_org.deal["id"], rival_org.company["id"], rival_org.contact["id"], rival_org.api.user["id"]]
    ids.append(rival_org.api.user["organization_id"])
    for index, stage in enumerate(STAGES):
        fields = {"amount": RIVAL_AMOUNT, "stage": stage, "company_id": rival_org.company["id"]}
        if stage == "closed_lost":
            fields["lost_reason"] = f"{MARKER} reason"
        deal = rival_org.new_deal(f"Zyzzyva renewal {index}", note=f"{MARKER} note {index}", **fields)
        ids.append(deal["id"])
    dollars = rival_org.new_deal("Zyzzyva dollars renewal", amount=55555, currency="USD", stage="proposal", probability=90)
    ids.append(dollars["id"])
    ok(call(rival_org.api, "POST", f"{DEALS_API}/{dollars['id']}/stage", {"stage": "negotiation", "note": f"{MARKER} moved"}))
    ok(call(rival_org.api, "PATCH", f"{DEALS_API}/{rival_org.deal['id']}", {"amount": RIVAL_AMOUNT, "name": "Zyzzyva renewal"}))
    gone = rival_org.new_deal("Zyzzyva deleted renewal", amount=RIVAL_AMOUNT)
    ok(call(rival_org.api, "DELETE", f"{DEALS_API}/{gone['id']}"))
    ids.append(gone["id"])
    # Their settings and next steps, which would make our deals stale or planned if they leaked.
    for stage in ("lead", "proposal"):
        ok(call(rival_org.api, "PATCH", f"{API}/pipeline/stages/{stage}", {"stale_after_days": 1}))
    step = {"type": "call", "content": f"{MARKER} call", "due_date": "2026-01-05"}
    ok(call(rival_org.api, "POST", f"{DEALS_API}/{dollars['id']}/activities", step), 201)
    return ids


def assert_shows_nothing_of_theirs(text: str, their_ids: list[str]) -> None:
    lowered = text.replace(SEARCHED, "").lower()
    assert MARKER not in lowered
    leaked = [value for value in their_ids + RIVAL_AMOUNT_TEXTS if value in text]
    assert leaked == []


def browser_of(app, api_client) -> Browser:
    client = app.test_client()
    response = sign_in_through_form(client, api_client.user["email"])
    assert response.status_code == 303, response.get_data(as_text=True)
    return Browser(client, api_client.user, api_client)


RETURN_TO = re.compile(r'(name="return_to" value=")[^"]*')


def normalized(response, ids: dict[str, str] | None = None) -> str:
    """A page with its CSRF tokens and form keys (fresh on every render), the address it was asked
    for (which the language menu returns to) and the ids it was asked about blanked."""
    text = CSRF_VALUE.sub(r"\1<token>", response.get_data(as_text=True))
    text = RETURN_TO.sub(r"\1<this page>", text)
    for name, value in (ids or {}).items():
        if name in ID_PARAMETERS:
            text = text.replace(value, f"<{name}>")
    return text


def headers_of(response) -> dict[str, str]:
    return {name: value for name, value in response.headers.items() if name != "Set-Cookie"}


def flash_texts(browser: Browser) -> list[str]:
    return [node.text for node in page_of(browser.get("/")).find_all("p", cls="flash")]


@pytest.fixture
def acme(api) -> Org:
    return Org(api, "Acme")


@pytest.fixture
def rival_user(make_user):
    """A user of another organization, with names that show up if anything of theirs leaks."""
    return make_user("Zyzzyva Inc", name="Zed Zyzzyva")


@pytest.fixture
def zyzzyva(rival_user) -> Org:
    return Org(rival_user, "Zyzzyva", amount=RIVAL_AMOUNT)


# --- 0. Every route has a case --------------------------------------------------------------------


def test_every_route_is_covered_or_declared_public():
    routes = set(ROUTES)
    uncovered = sorted(routes - set(ROUTE_BODIES) - set(PUBLIC))
    stale = sorted((set(ROUTE_BODIES) | set(PUBLIC)) - routes)

    assert uncovered == [], "routes without a case here: add them to ROUTE_BODIES, or to PUBLIC with a reason"
    assert stale == [], "cases for routes the app no longer has"
    assert not set(ROUTE_BODIES) & set(PUBLIC)
    for method, rule in ROUTES:
        if method == "GET" and (method, rule) not in PUBLIC and "<" in rule:
            assert parameters_of(rule) <= ID_PARAMETERS | {"stage"}, f"{rule}: a parameter this module cannot fill"


def test_the_matrix_reaches_every_kind_of_route():
    """The lists the tests are parametrized over are not accidentally empty."""
    assert len(API_ROUTES) >= 14 and len(PAGE_ROUTES) >= 15
    assert {rule for _, rule in API_ID_ROUTES} >= {
        "/api/v1/crm/deals/<deal_id>",
        "/api/v1/crm/deals/<deal_id>/stage",
        "/api/v1/crm/deals/<deal_id>/activities",
        "/api/v1/crm/companies/<company_id>",
        "/api/v1/crm/contacts/<contact_id>",
        "/api/v1/crm/activities/<activity_id>",
    }
    assert ("POST", "/deals/<deal_id>/stage") in PAGE_ID_ROUTES


# --- 1. Signed out --------------------------------------------------------------------------------


@pytest.mark.parametrize("route", API_ROUTES, ids=route_id)
def test_signed_out_api_route_answers_401_json_with_www_authenticate_and_changes_nothing(app, acme, route):
    method, rule = route
    body = body_of(route)
    before = acme.snapshot()

    for credentials in ("none", "bad-token", "bad-cookie"):
        client = app.test_client()
        headers = {"Authorization": "Bearer not-a-token"} if credentials == "bad-token" else {}
        if credentials == "bad-cookie":
            client.set_cookie(app.config["AUTH_COOKIE_NAME"], "forged")
        response = client.open(fill(rule, acme.ids), method=method, json=body, headers=headers)

        error = assert_error(response, 401)
        assert error["code"] == "unauthorized"
        assert error["fields"] == {}
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert acme.snapshot() == before


@pytest.mark.parametrize("route", PAGE_ROUTES, ids=route_id)
def test_signed_out_page_sends_the_visitor_to_login_and_changes_nothing(app, acme, route):
    method, rule = route
    body = body_of(route)
    path = fill(rule, acme.ids)
    before = acme.snapshot()
    visitor = app.test_client()
    data = None
    if method == "POST":  # with the visitor's own valid CSRF token: the session is what is missing
        data = dict(body or {}) | {"csrf_token": csrf_token_in(visitor.get("/login").get_data(as_text=True))}

    page = visitor.open(path, method=method, data=data)
    htmx = visitor.open(path, method=method, data=data, headers={"HX-Request": "true"})

    assert page.status_code == 302
    location = page.headers["Location"]
    assert urlsplit(location).path == "/login"
    assert query_of(location)["next"] == [path]
    assert htmx.status_code == 401
    assert urlsplit(htmx.headers["HX-Redirect"]).path == "/login"
    for response in (page, htmx):
        assert "Acme" not in response.get_data(as_text=True)
    assert acme.snapshot() == before


# --- 2. Another organization's ids ----------------------------------------------------------------


def missing_ids() -> dict[str, str]:
    return {
        "deal_id": "deal_" + uuid.uuid4().hex,
        "company_id": "comp_" + uuid.uuid4().hex,
        "contact_id": "cont_" + uuid.uuid4().hex,
        "activity_id": "act_" + uuid.uuid4().hex,
        "stage": "proposal",
    }


@pytest.mark.parametrize("route", API_ID_ROUTES, ids=route_id)
def test_another_organizations_id_answers_the_api_exactly_like_an_id_of_no_record(api, acme, zyzzyva, route):
    method, rule = route
    body = body_of(route)
    theirs_before, ours_before = zyzzyva.snapshot(), acme.snapshot()

    theirs = call(api, method, fill(rule, zyzzyva.ids), body)
    missing = call(api, method, fill(rule, missing_ids()), body)

    error = assert_error(theirs, 404)
    assert error["code"] == "not_found"
    assert missing.status_code == 404
    assert theirs.get_data() == missing.get_data()
    assert headers_of(theirs) == headers_of(missing)
    assert MARKER not in theirs.get_data(as_text=True).lower()
    assert zyzzyva.snapshot() == theirs_before
    assert acme.snapshot() == ours_before


@pytest.mark.parametrize("route", PAGE_ID_ROUTES, ids=route_id)
def test_another_organizations_id_answers_pages_exactly_like_an_id_of_no_record(app, api, acme, zyzzyva, route):
    method, rule = route
    body = body_of(route)
    browser = browser_of(app, api)
    theirs_before, ours_before = zyzzyva.snapshot(), acme.snapshot()

    def send(ids, htmx):
        path = fill(rule, ids)
        if method == "GET":
            return browser.get(path, htmx=htmx)
        return browser.post(path, dict(body or {}), htmx=htmx, current_url="/" if htmx else None)

    for htmx in (False, True):
        absent = missing_ids()
        theirs = send(zyzzyva.ids, htmx)
        theirs_flashes = flash_texts(browser) if theirs.status_code == 303 else []
        missing = send(absent, htmx)
        missing_flashes = flash_texts(browser) if missing.status_code == 303 else []

        # A plain form that changes something may go back to a page with a message (303);
        # everything else answers 404.
        assert theirs.status_code == 404 or (method == "POST" and not htmx and theirs.status_code == 303), htmx
        assert theirs.status_code == missing.status_code
        assert normalized(theirs, zyzzyva.ids) == normalized(missing, absent)
        assert headers_of(theirs) == headers_of(missing)
        assert theirs_flashes == missing_flashes
        shown = theirs.get_data(as_text=True) + " ".join(theirs_flashes)
        assert MARKER not in shown.lower()
        assert "HX-Trigger" not in theirs.headers
    assert zyzzyva.snapshot() == theirs_before
    assert acme.snapshot() == ours_before


# --- 3. Lists, searches, totals, the board, feeds -------------------------------------------------


def requests_for(rule: str, ours: Org, rival_user_id: str) -> list[tuple[str, bool]]:
    """(path with query, as HTMX) for each way of asking this GET route."""
    rule_paths = [fill(rule, ours.ids | {"stage": stage}) for stage in STAGES] if "<stage>" in rule else [fill(rule, ours.ids)]
    queries = [query.format(rival_user=rival_user_id) for query in LIST_QUERIES.get(rule, [""])]
    variants = [False] if rule.startswith("/api/") else [False, True]
    return [(path + (f"?{query}" if query else ""), htmx) for path in rule_paths for query in queries for htmx in variants]


@pytest.mark.parametrize("rule", GET_RULES)
def test_what_a_route_shows_does_not_change_when_another_organization_fills_its_pipeline(
    app, api, acme, rival_user, rule
):
    acme.new_deal("Alpha renewal", amount=1000)
    won = acme.new_deal("Gamma renewal", amount=3000, stage="closed_won")
    ok(call(api, "POST", f"{DEALS_API}/{won['id']}/stage", {"stage": "negotiation", "note": "Back in play"}))
    browser = browser_of(app, api)
    requests = requests_for(rule, acme, rival_user.user["id"])

    def fetch(path, htmx):
        response = browser.get(path, htmx=htmx) if not path.startswith("/api/") else api.get(path)
        assert response.status_code == 200, (path, response.get_data(as_text=True)[:300])
        return normalized(response)

    before = {request: fetch(*request) for request in requests}
    their_ids = fill_rival_pipeline(Org(rival_user, "Zyzzyva", amount=RIVAL_AMOUNT))

    for request in requests:
        after = fetch(*request)
        assert after == before[request], f"{request} changed when another organization added records"
        assert_shows_nothing_of_theirs(after, their_ids)


def test_counts_totals_and_searches_are_the_organizations_own(app, api, acme, rival_user):
    """The numbers spelled out: the other organization has deals in the same stages and currency."""
    acme.new_deal("Alpha renewal", amount=1000)
    acme.new_deal("Gamma renewal", amount=3000, stage="closed_won")
    fill_rival_pipeline(Org(rival_user, "Zyzzyva", amount=RIVAL_AMOUNT))
    browser = browser_of(app, api)

    listed = ok(api.get(DEALS_API, query_string={"limit": 200}))
    assert sorted(deal["name"] for deal in listed["items"]) == ["Acme renewal", "Alpha renewal", "Gamma renewal"]
    assert listed["total"] == 3
    per_stage = {stage: ok(api.get(DEALS_API, query_string={"stage": stage}))["total"] for stage in STAGES}
    assert per_stage == {"lead": 1, "qualification": 0, "proposal": 1, "negotiation": 0, "closed_won": 1, "closed_lost": 0}
    assert ok(api.get(DEALS_API, query_string={"search": "renewal"}))["total"] == 3
    assert ok(api.get(DEALS_API, query_string={"search": "zyzzyva"})) == {"items": [], "total": 0, "limit": 50, "offset": 0}
    for resource in ("companies", "contacts"):
        assert ok(api.get(f"{API}/{resource}", query_string={"search": "zyzzyva"}))["total"] == 0
    assert [member["id"] for member in ok(api.get(f"{API}/members"))["items"]] == [api.user["id"]]

    for query in ("", "?search=renewal"):
        board = page_of(browser.get("/" + query))
        assert {stage: column_count(board, stage) for stage in STAGES} == per_stage
        assert total_lines(board, "lead") == [("¥1,000", "weighted ¥0")]
        assert total_lines(board, "proposal") == [("¥1,000", "weighted ¥500")]
        assert total_lines(board, "closed_won") == [("¥3,000", "weighted ¥3,000")]
        assert total_lines(board, "negotiation") == []
    searched = page_of(browser.get("/?search=zyzzyva"))
    assert sum(column_count(searched, stage) for stage in STAGES) == 0
    their_member = page_of(browser.get("/", query_string={"assignee": rival_user.user["id"]}))
    assert sum(column_count(their_member, stage) for stage in STAGES) == 0

    table = page_of(browser.get("/deals"))
    assert table.one("p", cls="table-summary").text.startswith("3 deals")
    assert sorted(table_names(table)) == ["Acme renewal", "Alpha renewal", "Gamma renewal"]
    assert page_of(browser.get("/deals?search=zyzzyva")).one("p", cls="table-summary").text == "0 deals"

    recent = page_of(browser.get("/board/activity", htmx=True)).find_all("li", cls="recent-item")
    our_ids = {deal["id"] for deal in listed["items"]}
    assert recent and {item.one("a").attrs["href"].rsplit("/", 1)[1] for item in recent} <= our_ids


# --- 4. References to another organization's records ----------------------------------------------

REFERENCE_FIELDS = ["company_id", "contact_id", "assigned_member_id"]
REFERENCE_MESSAGES = {
    "company_id": "does not name a company of your organization.",
    "contact_id": "does not name a contact of your organization.",
    "assigned_member_id": "does not name a member of your organization.",
}
WAYS = ["api-create", "api-update", "page-create", "page-edit", "page-create-htmx"]


def their_reference(zyzzyva: Org, field: str) -> str:
    return {"company_id": zyzzyva.company["id"], "contact_id": zyzzyva.contact["id"], "assigned_member_id": zyzzyva.api.user["id"]}[field]


def send_references(way: str, app, api, acme: Org, references: dict[str, str]):
    if way == "api-create":
        return call(api, "POST", DEALS_API, {"name": "Referring deal", "note": "Must not be saved"} | references)
    if way == "api-update":
        return call(api, "PATCH", f"{DEALS_API}/{acme.deal['id']}", {"note": "Must not be saved"} | references)
    browser = browser_of(app, api)
    form = {"name": "Referring deal", "stage": "lead", "currency": "JPY", "note": "Must not be saved"} | references
    if way == "page-edit":
        return browser.post(f"/deals/{acme.deal['id']}/edit", form | {"name": "Acme renewal", "stage": "proposal"})
    return browser.post("/deals", form, htmx=way.endswith("htmx"))


@pytest.mark.parametrize("way", WAYS)
def test_another_organizations_company_contact_or_member_is_refused_naming_the_field(app, api, acme, zyzzyva, way):
    theirs_before, ours_before = zyzzyva.snapshot(), acme.snapshot()

    for fields in [[field] for field in REFERENCE_FIELDS] + [REFERENCE_FIELDS]:
        references = {field: their_reference(zyzzyva, field) for field in fields}

        response = send_references(way, app, api, acme, references)

        if way.startswith("api"):
            error = assert_error(response, 422)
            assert error["code"] == "validation_failed"
            assert error["fields"] == {field: REFERENCE_MESSAGES[field] for field in fields}
        else:
            assert response.status_code == 422, fields
            form = page_of(response).by_id("deal-form")
            for field in fields:
                assert form.by_id(field).attrs["aria-invalid"] == "true"
                assert form.by_id(f"{field}-error").text == REFERENCE_MESSAGES[field]
            offered = {option.attrs.get("value") for option in form.find_all("option")}
            assert offered.isdisjoint(references.values())
        assert MARKER not in response.get_data(as_text=True).lower()
        assert zyzzyva.snapshot() == theirs_before
        assert acme.snapshot() == ours_before


def test_an_activity_naming_another_organizations_contact_or_member_is_refused_naming_them(api, acme, zyzzyva):
    theirs_before, ours_before = zyzzyva.snapshot(), acme.snapshot()
    references = {field: their_reference(zyzzyva, field) for field in ("contact_id", "assigned_member_id")}

    added = call(api, "POST", f"{DEALS_API}/{acme.deal['id']}/activities", {"type": "call", "content": "x"} | references)
    changed = call(api, "PATCH", f"{API}/activities/{acme.activity['id']}", {"assigned_member_id": zyzzyva.api.user["id"]})

    assert assert_error(added, 422)["fields"] == {field: REFERENCE_MESSAGES[field] for field in references}
    assert assert_error(changed, 422)["fields"] == {"assigned_member_id": REFERENCE_MESSAGES["assigned_member_id"]}
    assert zyzzyva.snapshot() == theirs_before
    assert acme.snapshot() == ours_before


def test_a_contact_at_another_organizations_company_is_refused_naming_company_id(api, acme, zyzzyva):
    before = acme.snapshot()

    response = api.post(f"{API}/contacts", json={"name": "Crossover", "company_id": zyzzyva.company["id"]})

    error = assert_error(response, 422)
    assert error["fields"] == {"company_id": "does not name a company of your organization."}
    assert acme.snapshot() == before


def test_the_forms_never_offer_another_organizations_records(app, api, acme, zyzzyva):
    browser = browser_of(app, api)

    for path in ("/deals/new", f"/deals/{acme.deal['id']}/edit"):
        form = page_of(browser.get(path)).by_id("deal-form")
        offered = {option.attrs.get("value") for option in form.find_all("option")}
        assert offered.isdisjoint({zyzzyva.company["id"], zyzzyva.contact["id"], zyzzyva.api.user["id"]})
        assert MARKER not in form.text.lower()


def test_a_query_string_cannot_widen_the_scope(api, acme, zyzzyva):
    """Parameters naming the other organization are not filters anybody can use."""
    their_org = zyzzyva.api.user["organization_id"]

    for query in (
        {"organization_id": their_org},
        {"org": their_org, "company_id": zyzzyva.company["id"]},
        {"assigned_member_id": zyzzyva.api.user["id"], "search": "renewal"},
    ):
        listed = ok(api.get(DEALS_API + "?" + urlencode(query)))
        assert [deal["id"] for deal in listed["items"]] == [acme.deal["id"]]
        assert listed["total"] == 1
