"""Signing in and out, and how every /api/v1/crm request proves who it comes from."""

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from crm import create_app
from crm.core.database import db
from crm.models import AuthToken, User
from tests.conftest import PASSWORD

SIGN_IN = "/api/v1/auth/sign-in"
SIGN_OUT = "/api/v1/auth/sign-out"
DEALS = "/api/v1/crm/deals"
COOKIE = "better-auth.session_token"
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
MISSING_DEAL = "deal_" + "0" * 32


def sign_in(client, email, password=PASSWORD):
    return client.post(SIGN_IN, json={"email": email, "password": password})


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def get_deals_with_bearer(app, token):
    return app.test_client().get(DEALS, headers=bearer(token))


def get_deals_with_cookie(app, token, cookie_name=COOKIE):
    client = app.test_client()
    client.set_cookie(cookie_name, token)
    return client.get(DEALS)


def set_cookie_headers(response, name):
    """The Set-Cookie headers of a response for the cookie of that name, each split into its parts."""
    cookies = []
    for header in response.headers.getlist("Set-Cookie"):
        parts = [part.strip() for part in header.split(";")]
        key, _, value = parts[0].partition("=")
        if key == name:
            cookies.append((value, parts[1:]))
    return cookies


def assert_unauthorized(response):
    assert response.status_code == 401, response.get_json()
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert isinstance(body["error"]["code"], str) and body["error"]["code"]
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert response.headers.get("WWW-Authenticate")


def set_in_database(app, model, key, **values):
    with app.app_context():
        record = db.session.get(model, key)
        for name, value in values.items():
            setattr(record, name, value)
        db.session.commit()


def token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


# --- sign-in ------------------------------------------------------------------------------------


def test_sign_in_answers_a_token_the_user_and_a_future_expiry(client, make_user):
    member = make_user("Acme", email="ann@example.com", name="Ann Example")

    response = sign_in(client, "ann@example.com")

    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"token", "user", "expires_at"}
    assert isinstance(body["token"], str) and len(body["token"]) >= 32
    assert body["token"] != member.token
    assert body["user"] == {
        "id": member.user["id"],
        "email": "ann@example.com",
        "name": "Ann Example",
        "organization_id": member.user["organization_id"],
    }
    assert re.fullmatch(r"usr_[0-9a-f]{32}", body["user"]["id"])
    assert TIMESTAMP.fullmatch(body["expires_at"])
    expires_at = datetime.strptime(body["expires_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert expires_at > datetime.now(UTC)


def test_sign_in_sets_an_httponly_samesite_lax_session_cookie_for_the_whole_site(client, make_user):
    make_user("Acme", email="ann@example.com")

    response = sign_in(client, "ann@example.com")

    cookies = set_cookie_headers(response, COOKIE)
    assert len(cookies) == 1
    value, attributes = cookies[0]
    assert value == response.get_json()["token"]
    lowered = [attribute.lower() for attribute in attributes]
    assert "httponly" in lowered
    assert "samesite=lax" in lowered
    assert "path=/" in lowered


def cookie_is_secure(response) -> bool:
    (_, attributes), = set_cookie_headers(response, COOKIE)
    return "secure" in [attribute.lower() for attribute in attributes]


def test_the_session_cookie_is_secure_over_https_and_not_over_plain_http(client, make_user):
    make_user("Acme", email="ann@example.com")
    body = {"email": "ann@example.com", "password": PASSWORD}

    assert not cookie_is_secure(client.post(SIGN_IN, json=body))
    assert cookie_is_secure(client.post(SIGN_IN, json=body, base_url="https://crm.example.com"))
    assert cookie_is_secure(client.post("/api/v1/auth/sign-out", base_url="https://crm.example.com"))


def test_behind_a_trusted_proxy_x_forwarded_proto_https_makes_the_cookie_secure(database_uri, make_user):
    from tests.conftest import app_config

    proxied = create_app(app_config(database_uri) | {"TRUSTED_PROXIES": 1})
    make_user("Acme", email="ann@example.com")
    body = {"email": "ann@example.com", "password": PASSWORD}

    response = proxied.test_client().post(SIGN_IN, json=body, headers={"X-Forwarded-Proto": "https"})

    assert cookie_is_secure(response)
    with proxied.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("typed", ["ANN@EXAMPLE.COM", "Ann@Example.com", "ann@EXAMPLE.com"])
def test_sign_in_email_is_case_insensitive(client, make_user, typed):
    member = make_user("Acme", email="ann@example.com")

    response = sign_in(client, typed)

    assert response.status_code == 200
    assert response.get_json()["user"]["id"] == member.user["id"]


def test_wrong_password_and_unknown_email_get_the_same_401(client, make_user):
    make_user("Acme", email="ann@example.com")

    wrong_password = sign_in(client, "ann@example.com", "not the password")
    unknown_email = sign_in(client, "nobody@example.com", PASSWORD)

    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.get_json() == unknown_email.get_json()
    assert set(wrong_password.get_json()["error"]) == {"code", "message", "fields"}
    assert not set_cookie_headers(wrong_password, COOKIE)
    assert not set_cookie_headers(unknown_email, COOKIE)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"email": "ann@example.com"},
        {"password": PASSWORD},
        {"email": None, "password": PASSWORD},
        {"email": "ann@example.com", "password": None},
        {"email": 42, "password": PASSWORD},
        {"email": "ann@example.com", "password": 12345678},
        {"email": ["ann@example.com"], "password": PASSWORD},
        {"email": "ann@example.com", "password": [PASSWORD]},
        {"email": {"address": "ann@example.com"}, "password": PASSWORD},
    ],
    ids=[
        "empty-object",
        "no-password",
        "no-email",
        "null-email",
        "null-password",
        "number-email",
        "number-password",
        "list-email",
        "list-password",
        "object-email",
    ],
)
def test_sign_in_with_missing_or_non_string_credentials_gets_the_same_401_as_a_wrong_password(
    client, make_user, body
):
    make_user("Acme", email="ann@example.com")
    wrong_password = sign_in(client, "ann@example.com", "not the password")

    response = client.post(SIGN_IN, json=body)

    assert response.status_code == 401
    assert response.get_json() == wrong_password.get_json()
    assert not set_cookie_headers(response, COOKIE)


@pytest.mark.parametrize(
    "raw",
    ["", "{", "not json", '{"email": "ann@example.com", "password": }', "{'email': 'ann@example.com'}"],
    ids=["empty", "unclosed", "bare-word", "missing-value", "single-quotes"],
)
def test_sign_in_with_malformed_json_is_a_400(client, make_user, raw):
    make_user("Acme", email="ann@example.com")

    response = client.post(SIGN_IN, data=raw, content_type="application/json")

    assert response.status_code == 400
    assert set(response.get_json()["error"]) == {"code", "message", "fields"}
    assert not set_cookie_headers(response, COOKIE)


# --- presenting the token -----------------------------------------------------------------------


@pytest.mark.parametrize("present", [get_deals_with_cookie, get_deals_with_bearer], ids=["cookie", "bearer"])
def test_session_token_authenticates_as_the_cookie_and_as_a_bearer_token(app, client, make_user, present):
    member = make_user("Acme", email="ann@example.com")
    deal = member.post(DEALS, json={"name": "Ann's deal"}).get_json()["deal"]
    token = sign_in(client, "ann@example.com").get_json()["token"]

    response = present(app, token)

    assert response.status_code == 200
    assert [item["id"] for item in response.get_json()["items"]] == [deal["id"]]


def test_session_cookie_set_by_sign_in_keeps_the_browser_signed_in(client, make_user):
    make_user("Acme", email="ann@example.com")
    assert sign_in(client, "ann@example.com").status_code == 200

    response = client.get(DEALS)

    assert response.status_code == 200


def test_api_token_from_the_cli_works_as_a_bearer_token(app, runner, make_user):
    member = make_user("Acme", email="ann@example.com")
    deal = member.post(DEALS, json={"name": "Ann's deal"}).get_json()["deal"]
    result = runner.invoke(args=["crm", "create-token", "--email", "ann@example.com"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()

    response = get_deals_with_bearer(app, token)

    assert response.status_code == 200
    assert [item["id"] for item in response.get_json()["items"]] == [deal["id"]]


@pytest.mark.parametrize(
    ("authorization", "cookie"),
    [
        ("Bearer garbage", None),
        ("Bearer " + "x" * 43, None),
        ("Bearer " + "x" * 5000, None),
        ("Bearer crm_" + "x" * 43, None),
        ("Bearer ", None),
        ("Bearer", None),
        ("Basic YW5uQGV4YW1wbGUuY29tOmNvcnJlY3QgaG9yc2UgYmF0dGVyeQ==", None),
        ("Basic {token}", None),
        ("Token {token}", None),
        ("{token}", None),
        ("Bearer {token}x", None),
        (None, "garbage"),
        (None, "{token}x"),
    ],
    ids=[
        "garbage-bearer",
        "token-shaped-bearer",
        "huge-bearer",
        "api-token-shaped-bearer",
        "empty-bearer",
        "bearer-without-token",
        "basic-credentials",
        "basic-with-a-valid-token",
        "other-scheme-with-a-valid-token",
        "valid-token-without-scheme",
        "valid-token-with-extra-character",
        "garbage-cookie",
        "cookie-with-extra-character",
    ],
)
def test_invalid_credentials_get_401(app, make_user, authorization, cookie):
    member = make_user("Acme")
    client = app.test_client()
    headers = {}
    if authorization is not None:
        headers["Authorization"] = authorization.format(token=member.token)
    if cookie is not None:
        client.set_cookie(COOKIE, cookie.format(token=member.token))

    response = client.get(DEALS, headers=headers)

    assert_unauthorized(response)


CRM_ROUTES = [
    ("GET", "/api/v1/crm/deals"),
    ("POST", "/api/v1/crm/deals"),
    ("GET", "/api/v1/crm/deals/{deal}"),
    ("PATCH", "/api/v1/crm/deals/{deal}"),
    ("DELETE", "/api/v1/crm/deals/{deal}"),
    ("POST", "/api/v1/crm/deals/{deal}/stage"),
    ("GET", "/api/v1/crm/deals/{deal}/activities"),
    ("GET", "/api/v1/crm/companies"),
    ("POST", "/api/v1/crm/companies"),
    ("GET", "/api/v1/crm/companies/{company}"),
    ("GET", "/api/v1/crm/contacts"),
    ("POST", "/api/v1/crm/contacts"),
    ("GET", "/api/v1/crm/contacts/{contact}"),
    ("GET", "/api/v1/crm/members"),
]
VALID_BODIES = {
    "/api/v1/crm/deals": {"name": "Sneaky deal"},
    "/api/v1/crm/deals/{deal}": {"name": "Renamed"},
    "/api/v1/crm/deals/{deal}/stage": {"stage": "proposal"},
    "/api/v1/crm/companies": {"name": "Sneaky company"},
    "/api/v1/crm/contacts": {"name": "Sneaky contact"},
}


@pytest.fixture
def existing_records(api, make_deal):
    """A deal, company and contact of the Acme organization, so that routes name records that exist."""
    company = api.post("/api/v1/crm/companies", json={"name": "Globex"}).get_json()["company"]
    contact = api.post("/api/v1/crm/contacts", json={"name": "Hank Scorpio"}).get_json()["contact"]
    deal = make_deal(name="Globex renewal", company_id=company["id"], contact_id=contact["id"])
    return {"deal": deal["id"], "company": company["id"], "contact": contact["id"]}


@pytest.mark.parametrize(("method", "route"), CRM_ROUTES, ids=[f"{m} {r}" for m, r in CRM_ROUTES])
def test_every_crm_route_answers_401_without_credentials(app, existing_records, method, route):
    path = route.format(**existing_records)
    body = VALID_BODIES.get(route) if method in {"POST", "PATCH"} else None

    response = app.test_client().open(path, method=method, json=body)

    assert_unauthorized(response)


def test_requests_without_credentials_change_nothing(app, api, existing_records):
    deal_path = f"{DEALS}/{existing_records['deal']}"
    before = {path: api.get(path).get_json() for path in (DEALS, deal_path, "/api/v1/crm/companies", "/api/v1/crm/contacts")}
    anonymous = app.test_client()

    anonymous.post(DEALS, json={"name": "Sneaky deal"})
    anonymous.patch(deal_path, json={"name": "Renamed"})
    anonymous.post(f"{deal_path}/stage", json={"stage": "proposal"})
    anonymous.delete(deal_path)
    anonymous.post("/api/v1/crm/companies", json={"name": "Sneaky company"})
    anonymous.post("/api/v1/crm/contacts", json={"name": "Sneaky contact"})

    after = {path: api.get(path).get_json() for path in before}
    assert after == before


# --- sign-out -----------------------------------------------------------------------------------


def sign_out_with_cookie(app, token):
    client = app.test_client()
    client.set_cookie(COOKIE, token)
    return client.post(SIGN_OUT)


def sign_out_with_bearer(app, token):
    return app.test_client().post(SIGN_OUT, headers=bearer(token))


@pytest.mark.parametrize("sign_out", [sign_out_with_cookie, sign_out_with_bearer], ids=["cookie", "bearer"])
def test_sign_out_revokes_the_session_at_once(app, client, make_user, sign_out):
    make_user("Acme", email="ann@example.com")
    token = sign_in(client, "ann@example.com").get_json()["token"]
    assert get_deals_with_bearer(app, token).status_code == 200

    response = sign_out(app, token)

    assert response.status_code == 200
    assert_unauthorized(get_deals_with_bearer(app, token))
    assert_unauthorized(get_deals_with_cookie(app, token))


def test_sign_out_leaves_the_users_other_sessions_working(app, client, make_user):
    make_user("Acme", email="ann@example.com")
    laptop = sign_in(client, "ann@example.com").get_json()["token"]
    phone = sign_in(client, "ann@example.com").get_json()["token"]
    assert laptop != phone

    assert sign_out_with_bearer(app, laptop).status_code == 200

    assert_unauthorized(get_deals_with_bearer(app, laptop))
    assert get_deals_with_bearer(app, phone).status_code == 200
    assert get_deals_with_cookie(app, phone).status_code == 200


def test_sign_out_leaves_other_users_signed_in(app, make_user):
    ann = make_user("Acme")
    bob = make_user("Acme")

    assert sign_out_with_bearer(app, ann.token).status_code == 200

    assert_unauthorized(ann.get(DEALS))
    assert bob.get(DEALS).status_code == 200


# --- what is stored -----------------------------------------------------------------------------


def test_only_a_sha256_hash_of_each_token_is_stored(app, runner, client, make_user):
    make_user("Acme", email="ann@example.com")
    session_token = sign_in(client, "ann@example.com").get_json()["token"]
    api_token = runner.invoke(args=["crm", "create-token", "--email", "ann@example.com"]).stdout.strip()
    assert get_deals_with_bearer(app, api_token).status_code == 200

    with app.app_context():
        rows = db.session.execute(text("SELECT * FROM auth_tokens")).mappings().all()
        hashes = set(db.session.scalars(text("SELECT token_hash FROM auth_tokens")))

    for token in (session_token, api_token):
        assert token_hash(token) in hashes
        for row in rows:
            for value in row.values():
                assert token not in str(value)


def test_expired_session_gets_401(app, client, make_user):
    make_user("Acme", email="ann@example.com")
    token = sign_in(client, "ann@example.com").get_json()["token"]
    assert get_deals_with_bearer(app, token).status_code == 200

    set_in_database(app, AuthToken, token_hash(token), expires_at=datetime.now(UTC) - timedelta(minutes=1))

    assert_unauthorized(get_deals_with_bearer(app, token))
    assert_unauthorized(get_deals_with_cookie(app, token))


# --- deactivated users --------------------------------------------------------------------------


def test_deactivated_user_loses_access_at_once(app, runner, make_user):
    member = make_user("Acme", email="ann@example.com")
    api_token = runner.invoke(args=["crm", "create-token", "--email", "ann@example.com"]).stdout.strip()
    assert get_deals_with_bearer(app, member.token).status_code == 200
    assert get_deals_with_bearer(app, api_token).status_code == 200

    set_in_database(app, User, member.user["id"], active=False)

    assert_unauthorized(get_deals_with_bearer(app, member.token))
    assert_unauthorized(get_deals_with_cookie(app, member.token))
    assert_unauthorized(get_deals_with_bearer(app, api_token))


def test_deactivated_user_cannot_sign_in(app, client, make_user):
    member = make_user("Acme", email="ann@example.com")
    wrong_password = sign_in(client, "ann@example.com", "not the password")
    set_in_database(app, User, member.user["id"], active=False)

    response = sign_in(client, "ann@example.com")

    assert response.status_code == 401
    assert response.get_json() == wrong_password.get_json()
    assert not set_cookie_headers(response, COOKIE)


# --- configuration ------------------------------------------------------------------------------


@pytest.fixture
def custom_cookie_app(app):
    """A second app on the same database whose session cookie is named crm_session."""
    config = {
        "TESTING": True,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "PASSWORD_HASH_METHOD": app.config["PASSWORD_HASH_METHOD"],
        "AUTH_COOKIE_NAME": "crm_session",
    }
    custom = create_app(config)
    yield custom
    with custom.app_context():
        db.engine.dispose()


def test_session_cookie_name_is_configurable(custom_cookie_app, make_user):
    make_user("Acme", email="ann@example.com")

    response = sign_in(custom_cookie_app.test_client(), "ann@example.com")

    assert response.status_code == 200
    token = response.get_json()["token"]
    assert [value for value, _ in set_cookie_headers(response, "crm_session")] == [token]
    assert not set_cookie_headers(response, COOKIE)
    assert get_deals_with_cookie(custom_cookie_app, token, cookie_name="crm_session").status_code == 200
    assert_unauthorized(get_deals_with_cookie(custom_cookie_app, token, cookie_name=COOKIE))
