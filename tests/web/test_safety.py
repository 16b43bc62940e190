"""Protection the pages need: CSRF on every form POST, escaped user text, security headers and no
inline scripts, error pages in the layout, and the API refusing cookie writes from other sites."""

import re

import pytest

from .conftest import (
    DEALS_API,
    api_activities,
    api_deal,
    api_deal_names,
    csrf_token_in,
    page_of,
    path_of,
)

XSS_NAME = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
EVIL = "https://evil.example"


# --- CSRF -----------------------------------------------------------------------------------------


def _nothing_signed_in(web, anonymous, deal):
    assert anonymous.get_cookie("better-auth.session_token") is None
    assert anonymous.get("/").status_code == 302


def _still_lead(web, anonymous, deal):
    assert api_deal(web.api, deal["id"])["stage"] == "lead"


def _no_new_deal(web, anonymous, deal):
    assert api_deal_names(web.api) == [deal["name"]]


def _unchanged(web, anonymous, deal):
    assert api_deal(web.api, deal["id"]) == deal


def _no_new_activity(web, anonymous, deal):
    assert len(api_activities(web.api, deal["id"])) == 1


def _still_signed_in(web, anonymous, deal):
    assert web.get("/").status_code == 200
    assert web.client.get(DEALS_API).status_code == 200


# (who posts, path, form fields, what must still hold afterwards)
CSRF_ACTIONS = {
    "login": ("anonymous", "/login", {"email": "{email}", "password": "correct horse battery"}, _nothing_signed_in),
    "move": ("web", "/deals/{id}/stage", {"stage": "proposal", "from_stage": "lead"}, _still_lead),
    "quick-add": ("web", "/board/quick-add", {"name": "Sneaky lead"}, _no_new_deal),
    "create": ("web", "/deals", {"name": "Sneaky deal", "stage": "lead", "currency": "JPY"}, _no_new_deal),
    "edit": ("web", "/deals/{id}/edit", {"name": "Renamed", "stage": "lead", "currency": "JPY"}, _unchanged),
    "log-activity": ("web", "/deals/{id}/activities", {"type": "note", "content": "Sneaky"}, _no_new_activity),
    "delete": ("web", "/deals/{id}/delete", {}, _unchanged),
    "logout": ("web", "/logout", {}, _still_signed_in),
}
FORGED_TOKEN = "IjFhMmIzYzRkNWU2ZjdhOGI5YzBkMWUyZjNhNGI1YzZkN2U4ZjlhMGIi.Zm9yZ2Vk.bm90LWEtcmVhbC1zaWduYXR1cmU"


def post_action(name, web, anonymous, deal, *, extra=None, headers=None):
    who, path, fields, _ = CSRF_ACTIONS[name]
    client = web.client if who == "web" else anonymous
    data = {key: value.format(email=web.user["email"]) for key, value in fields.items()} | (extra or {})
    return client.post(path.format(id=deal["id"]), data=data, headers=headers or {})


def check_nothing_changed(name, web, anonymous, deal):
    CSRF_ACTIONS[name][3](web, anonymous, deal)
    assert len(api_activities(web.api, deal["id"])) == 1


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
@pytest.mark.parametrize("action", list(CSRF_ACTIONS))
def test_a_post_without_a_csrf_token_answers_400_and_changes_nothing(web, anonymous, make_deal, action, htmx):
    deal = make_deal(name="Protected deal")

    response = post_action(action, web, anonymous, deal, headers={"HX-Request": "true"} if htmx else {})

    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "did not come from this site" in text
    assert ("<html" in text) is not htmx
    check_nothing_changed(action, web, anonymous, deal)


@pytest.mark.parametrize("where", ["form", "header"])
@pytest.mark.parametrize("action", list(CSRF_ACTIONS))
def test_a_post_with_a_forged_csrf_token_answers_400_and_changes_nothing(web, anonymous, make_deal, action, where):
    deal = make_deal(name="Protected deal")
    anonymous.get("/login")  # a session of its own, as a visitor of the login page has

    if where == "form":
        response = post_action(action, web, anonymous, deal, extra={"csrf_token": FORGED_TOKEN})
    else:
        response = post_action(action, web, anonymous, deal, headers={"HX-Request": "true", "X-CSRFToken": FORGED_TOKEN})

    assert response.status_code == 400
    check_nothing_changed(action, web, anonymous, deal)


def test_a_csrf_token_of_another_visitor_is_refused(web, anonymous, make_deal):
    deal = make_deal()
    someone_elses = csrf_token_in(anonymous.get("/login").get_data(as_text=True))

    response = web.client.post(f"/deals/{deal['id']}/stage", data={"stage": "proposal", "csrf_token": someone_elses})

    assert response.status_code == 400
    assert api_deal(web.api, deal["id"])["stage"] == "lead"


@pytest.mark.parametrize("where", ["form", "header"])
def test_a_post_with_the_pages_csrf_token_is_accepted(web, make_deal, where):
    deal = make_deal()
    token = web.csrf_token(f"/deals/{deal['id']}")
    if where == "form":
        response = web.client.post(f"/deals/{deal['id']}/stage", data={"stage": "proposal", "csrf_token": token})
    else:
        response = web.client.post(
            f"/deals/{deal['id']}/stage", data={"stage": "proposal"}, headers={"HX-Request": "true", "X-CSRFToken": token}
        )

    assert response.status_code in (200, 303)
    assert api_deal(web.api, deal["id"])["stage"] == "proposal"


def test_every_page_carries_the_token_for_htmx_in_hx_headers(web):
    document = page_of(web.get("/"))

    hx_headers = document.one("body").attrs["hx-headers"]
    assert re.fullmatch(r'\{"X-CSRFToken": "[^"]+"\}', hx_headers)


# --- Escaping -------------------------------------------------------------------------------------


@pytest.fixture
def hostile_deal(web, make_deal, make_company):
    company = make_company(XSS_NAME)
    deal = make_deal(name=XSS_NAME, company_id=company["id"])
    web.post(f"/deals/{deal['id']}/activities", {"type": "note", "content": XSS_NAME}, htmx=True)
    return deal


def assert_escaped(response, at_least: int = 1):
    html = response.get_data(as_text=True)
    assert response.status_code in (200, 422), response.status_code
    assert "<script>alert" not in html
    assert html.count(ESCAPED) >= at_least


@pytest.mark.parametrize(
    "path, htmx",
    [
        ("/", False),
        ("/", True),
        ("/?search=script", False),
        ("/board/activity", True),
        ("/deals", False),
        ("/deals", True),
        ("/deals/{id}", False),
        ("/deals/{id}/activities", True),
        ("/deals/{id}/edit", False),
        ("/deals/{id}/delete", False),
    ],
)
def test_a_hostile_deal_name_shows_escaped_everywhere(web, hostile_deal, path, htmx):
    response = web.get(path.format(id=hostile_deal["id"]), htmx=htmx)

    assert_escaped(response)


def test_the_hostile_name_is_escaped_on_the_card_the_feed_and_recent_activity(web, hostile_deal):
    board = page_of(web.get("/"))
    card = board.by_id(f"deal-{hostile_deal['id']}")
    assert card.one("a", cls="card-title").text == XSS_NAME
    assert card.one(cls="card-company").text == XSS_NAME
    assert board.find("script", src=None) is None
    recent = board.one("aside", cls="recent-activity")
    assert XSS_NAME in recent.text
    feed = page_of(web.get(f"/deals/{hostile_deal['id']}")).by_id("feed")
    assert feed.find("li", cls="feed-item").one(cls="feed-content").text == XSS_NAME


def test_hostile_text_is_escaped_in_answers_to_changes(web, hostile_deal):
    moved = web.post(f"/deals/{hostile_deal['id']}/stage", {"stage": "proposal", "from_stage": "lead"}, htmx=True, current_url="/")
    assert_escaped(moved)
    quick = web.post("/board/quick-add", {"name": XSS_NAME, "amount": ""}, htmx=True, current_url="/")
    assert_escaped(quick)
    refused = web.post("/deals", {"name": XSS_NAME, "amount": "abc", "stage": "lead", "currency": "JPY"})
    assert refused.status_code == 422
    assert_escaped(refused)
    history = web.post(f"/deals/{hostile_deal['id']}/activities", {"type": "bogus", "content": XSS_NAME}, htmx=True)
    assert history.status_code == 422
    assert_escaped(history, at_least=2)


@pytest.mark.parametrize(
    "typed",
    ['" autofocus onfocus="alert(1)', "' onmouseover='alert(1)", '"><img src=x onerror=alert(1)>'],
)
def test_typed_values_echoed_in_attributes_cannot_break_out(web, typed):
    response = web.post("/deals", {"name": typed, "amount": typed, "currency": "JPY", "stage": "lead"})

    assert response.status_code == 422
    form = page_of(response).by_id("deal-form")
    name_input = form.by_id("name")
    assert name_input.attrs["value"] == typed
    assert form.by_id("amount").attrs["value"] == typed
    assert not [node for node in form.iter() if any(attr.startswith("on") for attr in node.attrs)]
    assert form.find("img") is None


def test_the_login_page_escapes_the_typed_email_and_next(anonymous):
    token = csrf_token_in(anonymous.get("/login").get_data(as_text=True))
    typed = '"><script>alert(1)</script>'

    response = anonymous.post("/login", data={"email": typed, "password": "x", "next": '/deals"><script>x</script>', "csrf_token": token})

    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert "<script>alert" not in html and "<script>x" not in html
    assert page_of(response).one("input", name="email").attrs["value"] == typed


# --- Headers and scripts --------------------------------------------------------------------------

PAGES = [
    ("anonymous", "/login"),
    ("anonymous", "/nope"),
    ("web", "/"),
    ("web", "/?search=x"),
    ("web", "/deals"),
    ("web", "/deals/new"),
    ("web", "/deals/{id}"),
    ("web", "/deals/{id}/edit"),
    ("web", "/deals/{id}/delete"),
    ("web", "/board/activity"),
    ("web", "/nope"),
    ("web", "/deals/deal_00000000000000000000000000000000"),
]


def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def fetch(who, path, web, anonymous, make_deal):
    path = path.format(id=make_deal()["id"]) if "{id}" in path else path
    return web.get(path) if who == "web" else anonymous.get(path)


@pytest.mark.parametrize("who, path", PAGES)
def test_every_page_has_a_strict_content_security_policy_and_security_headers(web, anonymous, make_deal, who, path):
    response = fetch(who, path, web, anonymous, make_deal)

    policy = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    directives = csp_directives(response)
    assert directives["script-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers.get("Referrer-Policy") in {"same-origin", "strict-origin-when-cross-origin", "no-referrer", "strict-origin"}


@pytest.mark.parametrize(
    "method, path",
    [("POST", "/deals/{id}/stage"), ("POST", "/board/quick-add"), ("POST", "/deals"), ("POST", "/deals/{id}/activities")],
)
def test_htmx_answers_and_error_answers_carry_the_headers_too(web, make_deal, method, path):
    path = path.format(id=make_deal()["id"])

    response = web.post(path, {"stage": "proposal", "name": "", "type": "note", "content": ""}, htmx=True, current_url="/")

    assert csp_directives(response)["script-src"] == ["'self'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("who, path", PAGES)
def test_pages_contain_no_inline_script_or_event_handler(web, anonymous, make_deal, who, path):
    response = fetch(who, path, web, anonymous, make_deal)

    document = page_of(response)
    scripts = document.find_all("script")
    assert all(script.attrs.get("src") and not script.text for script in scripts)
    if response.mimetype == "text/html" and "<html" in response.get_data(as_text=True):
        assert scripts, "the layout loads its scripts from files"
        assert all(path_of(script.attrs["src"]).startswith("/static/") for script in scripts)
    handlers = [(node.tag, attr) for node in document.iter() for attr in node.attrs if attr.startswith("on")]
    assert handlers == []
    assert "javascript:" not in response.get_data(as_text=True).lower()


def test_the_scripts_the_pages_load_are_served(web):
    document = page_of(web.get("/"))

    for script in document.find_all("script"):
        with web.get(path_of(script.attrs["src"])) as response:
            assert response.status_code == 200
            assert "javascript" in response.mimetype
            assert response.get_data()


@pytest.mark.parametrize("who", ["anonymous", "web"])
@pytest.mark.parametrize("path", ["/nope", "/deals/x/y/z", "/static/nope.js", "/board/lead/nope"])
def test_unknown_pages_answer_404_in_the_apps_layout(web, anonymous, who, path):
    response = web.get(path) if who == "web" else anonymous.get(path)

    assert response.status_code == 404
    assert response.mimetype == "text/html"
    document = page_of(response)
    assert document.one("h1").text == "Page not found"
    assert document.one("header", cls="app-header")
    assert "Back to the board" in [link.text for link in document.find_all("a", href="/")]
    assert "<title>Page not found · CRM</title>" in response.get_data(as_text=True)


def test_a_wrong_method_on_a_page_answers_405_in_the_layout(web):
    response = web.client.put("/deals")

    assert response.status_code == 405
    assert "<html" in response.get_data(as_text=True)


# --- The JSON API and the session cookie ----------------------------------------------------------

CROSS_SITE = [
    {"Origin": EVIL},
    {"Origin": "null"},
    {"Origin": "http://localhost.evil.example"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Sec-Fetch-Site": "cross-site", "Origin": "http://localhost"},
]
CROSS_SITE_IDS = ["origin-evil", "origin-null", "origin-lookalike", "fetch-cross-site", "fetch-same-site", "fetch-beats-origin"]


def api_write(client, kind, deal, headers):
    if kind == "create":
        return client.post(DEALS_API, json={"name": "Cross-site deal"}, headers=headers)
    if kind == "update":
        return client.patch(f"{DEALS_API}/{deal['id']}", json={"name": "Cross-site rename"}, headers=headers)
    if kind == "move":
        return client.post(f"{DEALS_API}/{deal['id']}/stage", json={"stage": "closed_lost"}, headers=headers)
    if kind == "delete":
        return client.delete(f"{DEALS_API}/{deal['id']}", headers=headers)
    if kind == "company":
        return client.post("/api/v1/crm/companies", json={"name": "Cross-site Co"}, headers=headers)
    if kind == "sign-out":
        return client.post("/api/v1/auth/sign-out", headers=headers)
    raise AssertionError(kind)


def assert_unchanged(web, deal):
    assert api_deal(web.api, deal["id"]) == deal
    assert api_deal_names(web.api) == [deal["name"]]
    assert web.api.get("/api/v1/crm/companies").get_json()["items"] == []
    assert web.client.get(DEALS_API).status_code == 200  # the session is still alive


WRITES = ["create", "update", "move", "delete", "company", "sign-out"]


@pytest.mark.parametrize("headers", CROSS_SITE, ids=CROSS_SITE_IDS)
@pytest.mark.parametrize("kind", WRITES)
def test_api_writes_with_the_session_cookie_from_another_site_answer_403_json_and_change_nothing(web, make_deal, kind, headers):
    deal = make_deal(name="Guarded deal")

    response = api_write(web.client, kind, deal, headers)

    assert response.status_code == 403
    assert response.is_json
    assert response.get_json()["error"]["code"] == "cross_site_request"
    assert_unchanged(web, deal)


@pytest.mark.parametrize("kind", WRITES)
def test_the_same_cross_site_write_with_a_bearer_token_works(web, make_deal, kind):
    deal = make_deal(name="Token deal")
    headers = {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"}

    response = api_write(web.api, kind, deal, headers)

    assert response.status_code in (200, 201)


@pytest.mark.parametrize("headers", [{}, {"Origin": "http://localhost"}, {"Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "none"}],
                         ids=["no-origin-like-curl", "same-origin", "fetch-same-origin", "fetch-none"])
@pytest.mark.parametrize("kind", WRITES)
def test_the_same_write_with_the_cookie_and_no_foreign_origin_works(web, make_deal, kind, headers):
    deal = make_deal(name="Cookie deal")

    response = api_write(web.client, kind, deal, headers)

    assert response.status_code in (200, 201), response.get_json()
    if kind == "update":
        assert api_deal(web.api, deal["id"])["name"] == "Cross-site rename"
    if kind == "delete":
        assert api_deal(web.api, deal["id"]) is None


@pytest.mark.parametrize("headers", CROSS_SITE, ids=CROSS_SITE_IDS)
def test_api_reads_with_the_cookie_are_not_refused_for_their_origin(web, make_deal, headers):
    make_deal(name="Readable")

    response = web.client.get(DEALS_API, headers=headers)

    assert response.status_code == 200


def test_the_cookie_of_a_signed_out_session_gets_401_from_the_api(web):
    cookie = web.cookie
    web.post("/logout")
    web.client.set_cookie("better-auth.session_token", cookie)

    response = web.client.post(DEALS_API, json={"name": "After sign-out"})

    assert response.status_code == 401
    assert api_deal_names(web.api) == []


def test_an_unexpected_error_answers_a_500_page_in_the_layout_and_json_under_the_api(database_uri):
    """What a user sees when something breaks on our side: the app's layout, nothing half-saved."""
    from crm import create_app
    from tests.conftest import app_config

    app = create_app({**app_config(database_uri), "TESTING": False, "PROPAGATE_EXCEPTIONS": False})

    @app.get("/boom")
    def boom():
        raise RuntimeError("broken on purpose")

    @app.get("/api/v1/boom")
    def api_boom():
        raise RuntimeError("broken on purpose")

    page = app.test_client().get("/boom")
    api = app.test_client().get("/api/v1/boom")

    assert page.status_code == 500
    assert "Something went wrong" in page.get_data(as_text=True)
    assert 'class="app-header"' in page.get_data(as_text=True)
    assert api.status_code == 500
    assert api.get_json()["error"]["code"] == "internal_error"
