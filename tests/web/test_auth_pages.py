"""Signing in and out in the web: the login form, the session cookie it shares with the JSON
API, coming back to the page that asked for a sign-in, and sign-out that ends the session."""

import pytest

from tests.conftest import PASSWORD

from .conftest import (
    DEALS_API,
    Browser,
    api_deal_names,
    csrf_token_in,
    page_of,
    path_of,
    query_of,
    sign_in_through_form,
)

COOKIE = "better-auth.session_token"


def test_login_page_shows_the_sign_in_form_with_a_csrf_token(anonymous):
    response = anonymous.get("/login")

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    form = page_of(response).one("form", action="/login")
    assert form.attrs["method"] == "post"
    assert form.one("input", name="email").attrs["type"] == "email"
    assert form.one("input", name="password").attrs["type"] == "password"
    assert form.one("input", name="csrf_token").attrs["value"]


@pytest.mark.parametrize(
    "email, password",
    [
        ("known", "wrong password"),
        ("nobody@example.com", PASSWORD),
        ("known", ""),
    ],
    ids=["wrong-password", "unknown-email", "empty-password"],
)
def test_wrong_credentials_answer_401_with_a_message_and_keep_the_typed_email(anonymous, make_user, email, password):
    user = make_user("Acme")
    typed = user.user["email"] if email == "known" else email
    token = csrf_token_in(anonymous.get("/login").get_data(as_text=True))

    response = anonymous.post("/login", data={"email": typed, "password": password, "csrf_token": token})

    assert response.status_code == 401
    document = page_of(response)
    assert document.by_id("sign-in-error").text == "Invalid email or password."
    assert document.one("input", name="email").attrs["value"] == typed
    assert anonymous.get_cookie(COOKIE) is None
    assert anonymous.get("/").status_code == 302


def test_correct_credentials_redirect_303_to_the_board_and_set_the_session_cookie(anonymous, api):
    response = sign_in_through_form(anonymous, api.user["email"])

    assert response.status_code == 303
    assert path_of(response.headers["Location"]) == "/"
    set_cookie = response.headers["Set-Cookie"]
    assert set_cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in set_cookie
    assert "SameSite=Lax" in set_cookie
    board = anonymous.get("/")
    assert board.status_code == 200
    assert page_of(board).by_id("board-columns")


def test_the_email_is_matched_without_regard_to_case_and_spaces(anonymous, make_user):
    user = make_user("Acme", email="mixed.case@example.com")

    response = sign_in_through_form(anonymous, "  Mixed.Case@Example.com ")

    assert response.status_code == 303
    assert anonymous.get("/").status_code == 200
    assert user.user["email"] == "mixed.case@example.com"


def test_the_browser_session_cookie_also_signs_in_the_json_api(anonymous, api, make_deal):
    make_deal(name="Shared session deal")

    assert sign_in_through_form(anonymous, api.user["email"]).status_code == 303
    response = anonymous.get(DEALS_API)

    assert response.status_code == 200
    assert [deal["name"] for deal in response.get_json()["items"]] == ["Shared session deal"]


def test_signed_in_visitor_of_the_login_page_goes_to_the_board(web):
    response = web.get("/login")

    assert response.status_code == 302
    assert path_of(response.headers["Location"]) == "/"


SIGNED_OUT_TARGETS = ["/", "/deals", "/deals/{deal}", "/deals/{deal}/edit", "/deals/new", "/deals?stage=proposal&sort=name"]


@pytest.mark.parametrize("target", SIGNED_OUT_TARGETS)
def test_signed_out_visitor_is_sent_to_login_with_next_pointing_back(anonymous, make_deal, target):
    path = target.format(deal=make_deal()["id"])

    response = anonymous.get(path)

    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.split("?")[0].endswith("/login")
    assert query_of(location)["next"] == [path]


@pytest.mark.parametrize("target", SIGNED_OUT_TARGETS)
def test_signing_in_with_next_comes_back_to_that_page(anonymous, api, make_deal, target):
    path = target.format(deal=make_deal()["id"])
    login_url = path_of(anonymous.get(path).headers["Location"])
    login_page = anonymous.get(login_url)
    assert page_of(login_page).one("input", name="next").attrs["value"] == path

    response = anonymous.post(
        "/login",
        data={
            "email": api.user["email"],
            "password": PASSWORD,
            "next": path,
            "csrf_token": csrf_token_in(login_page.get_data(as_text=True)),
        },
    )

    assert response.status_code == 303
    assert path_of(response.headers["Location"]) == path
    assert anonymous.get(path).status_code == 200


def test_the_next_page_survives_a_failed_attempt(anonymous, api):
    page = anonymous.get("/login?next=/deals")
    token = csrf_token_in(page.get_data(as_text=True))

    failed = anonymous.post("/login", data={"email": api.user["email"], "password": "nope", "next": "/deals", "csrf_token": token})
    assert failed.status_code == 401
    assert page_of(failed).one("input", name="next").attrs["value"] == "/deals"
    response = anonymous.post("/login", data={"email": api.user["email"], "password": PASSWORD, "next": "/deals", "csrf_token": token})

    assert response.status_code == 303
    assert path_of(response.headers["Location"]) == "/deals"


OFF_SITE = [
    "//evil.example",
    "//evil.example/deals",
    "https://evil.example",
    "https://evil.example/",
    "http://evil.example/login",
    "/\\evil.example",
    "\\\\evil.example",
    "https:evil.example",
    "javascript:alert(1)",
]


@pytest.mark.parametrize("next_page", OFF_SITE)
def test_next_pointing_to_another_host_is_ignored(anonymous, api, next_page):
    page = anonymous.get("/login", query_string={"next": next_page})
    assert page_of(page).find("input", name="next") is None
    token = csrf_token_in(page.get_data(as_text=True))

    response = anonymous.post(
        "/login", data={"email": api.user["email"], "password": PASSWORD, "next": next_page, "csrf_token": token}
    )

    assert response.status_code == 303
    location = response.headers["Location"]
    assert "evil.example" not in location
    assert path_of(location) == "/"


@pytest.mark.parametrize("next_page", OFF_SITE)
def test_next_pointing_to_another_host_is_ignored_when_already_signed_in(web, next_page):
    response = web.get("/login", query_string={"next": next_page})

    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]
    assert path_of(response.headers["Location"]) == "/"


def test_sign_out_ends_the_session_on_the_server(app, web, make_deal):
    make_deal()
    old_cookie = web.cookie
    assert old_cookie

    response = web.post("/logout")

    assert response.status_code == 303
    assert path_of(response.headers["Location"]) == "/login"
    assert f"{COOKIE}=;" in response.headers["Set-Cookie"]
    assert web.client.get_cookie(COOKIE) is None
    # Whoever kept the old cookie (or uses it as a token) is signed out too.
    stale = app.test_client()
    stale.set_cookie(COOKIE, old_cookie)
    assert stale.get(DEALS_API).status_code == 401
    assert app.test_client().get(DEALS_API, headers={"Authorization": f"Bearer {old_cookie}"}).status_code == 401
    assert stale.get("/").status_code == 302
    assert web.get("/").status_code == 302
    # The user's other sessions (the API token) are not touched.
    assert len(api_deal_names(web.api)) == 1


def test_sign_out_shows_the_login_page_with_a_message(web):
    response = web.post("/logout", follow_redirects=True)

    assert response.status_code == 200
    document = page_of(response)
    assert document.one("form", action="/login")
    assert "You are signed out." in document.one(cls="flashes").text


def test_sign_out_through_htmx_works_the_same(web):
    old_cookie = web.cookie

    response = web.post("/logout", htmx=True)

    assert response.status_code in (303, 204)
    client = web.client.application.test_client()
    client.set_cookie(COOKIE, old_cookie)
    assert client.get(DEALS_API).status_code == 401


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/"),
        ("GET", "/deals"),
        ("GET", "/deals/new"),
        ("GET", "/board/activity"),
        ("GET", "/board/lead/cards?offset=50"),
        ("GET", "/deals/{deal}"),
        ("GET", "/deals/{deal}/activities?page=2"),
        ("POST", "/board/quick-add"),
        ("POST", "/deals/{deal}/stage"),
        ("POST", "/deals/{deal}/activities"),
    ],
)
def test_htmx_request_without_a_session_gets_401_with_hx_redirect_to_login(anonymous, make_deal, method, path):
    path = path.format(deal=make_deal()["id"])
    token = csrf_token_in(anonymous.get("/login").get_data(as_text=True))
    headers = {"HX-Request": "true", "X-CSRFToken": token}

    if method == "GET":
        response = anonymous.get(path, headers=headers)
    else:
        response = anonymous.post(path, data={"name": "x", "stage": "proposal", "type": "note", "content": "x"}, headers=headers)

    assert response.status_code == 401
    assert path_of(response.headers["HX-Redirect"]).split("?")[0] == "/login"
    assert "<html" not in response.get_data(as_text=True)


def test_htmx_request_with_a_revoked_session_gets_401(web):
    old_cookie = web.cookie
    web.post("/logout")
    # The stale cookie is put back, as another tab or a copied cookie would still send it.
    web.client.set_cookie(COOKIE, old_cookie)
    response = web.get("/", htmx=True)

    assert response.status_code == 401
    assert "HX-Redirect" in response.headers


def test_one_user_signed_in_twice_keeps_both_sessions_until_each_signs_out(app, api, web_for):
    first: Browser = web_for(api)
    second: Browser = web_for(api)

    first.post("/logout")

    assert first.get("/").status_code == 302
    assert second.get("/").status_code == 200
