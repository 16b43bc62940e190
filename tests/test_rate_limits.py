"""Failed sign-ins are limited per account and per client address, through the API and the login
page alike; a limited attempt answers 429 with Retry-After, even with the right password."""

import uuid

import pytest
import redis

from app import create_app
from crm.extensions import db
from tests.conftest import PASSWORD, app_config
from tests.web.conftest import csrf_token_in

SIGN_IN = "/api/v1/auth/sign-in"
LIMITS = {"SIGN_IN_LIMIT_PER_ACCOUNT": "3 per 15 minutes", "SIGN_IN_LIMIT_PER_ADDRESS": "5 per 15 minutes"}


@pytest.fixture
def limited_app(database_uri):
    app = create_app(app_config(database_uri) | LIMITS)
    yield app
    with app.app_context():
        db.engine.dispose()


def make_user(app, email: str) -> None:
    from crm import accounts

    with app.app_context():
        accounts.create_user("Acme", email, "Ann Example", PASSWORD)


def api_attempt(client, email: str, password: str, address: str = "10.0.0.1"):
    return client.post(SIGN_IN, json={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address})


def page_attempt(client, email: str, password: str, address: str = "10.0.0.1"):
    token = csrf_token_in(client.get("/login").get_data(as_text=True))
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}, environ_base={"REMOTE_ADDR": address}
    )


def test_an_account_is_locked_after_its_failed_attempts_even_for_the_right_password(limited_app):
    make_user(limited_app, "ann@example.com")
    client = limited_app.test_client()
    for _ in range(3):
        assert api_attempt(client, "ann@example.com", "wrong password").status_code == 401

    refused = api_attempt(client, "ann@example.com", PASSWORD)

    assert refused.status_code == 429
    error = refused.get_json()["error"]
    assert error["code"] == "too_many_requests"
    assert "Too many failed sign-in attempts" in error["message"]
    assert int(refused.headers["Retry-After"]) > 0
    assert "Set-Cookie" not in refused.headers


def test_the_account_limit_counts_attempts_from_every_address_and_through_both_doors(limited_app):
    make_user(limited_app, "ann@example.com")
    client = limited_app.test_client()
    api_attempt(client, "ann@example.com", "wrong", address="10.0.0.1")
    page_attempt(client, "ANN@example.com ", "wrong", address="10.0.0.2")
    api_attempt(client, "ann@example.com", "wrong", address="10.0.0.3")

    assert api_attempt(client, "ann@example.com", PASSWORD, address="10.0.0.4").status_code == 429
    page = page_attempt(client, "ann@example.com", PASSWORD, address="10.0.0.5")
    assert page.status_code == 429
    assert "Too many failed sign-in attempts" in page.get_data(as_text=True)
    assert int(page.headers["Retry-After"]) > 0


def test_successful_sign_ins_do_not_count(limited_app):
    make_user(limited_app, "ann@example.com")
    client = limited_app.test_client()

    answers = [api_attempt(client, "ann@example.com", PASSWORD).status_code for _ in range(8)]

    assert answers == [200] * 8


def test_an_address_is_limited_across_accounts_while_other_addresses_go_on(limited_app):
    make_user(limited_app, "ann@example.com")
    client = limited_app.test_client()
    for number in range(5):
        assert api_attempt(client, f"guess{number}@example.com", "wrong", address="10.9.9.9").status_code == 401

    assert api_attempt(client, "ann@example.com", PASSWORD, address="10.9.9.9").status_code == 429
    assert api_attempt(client, "ann@example.com", PASSWORD, address="10.1.1.1").status_code == 200


def test_the_login_page_itself_stays_reachable_when_limited(limited_app):
    client = limited_app.test_client()
    for _ in range(5):
        page_attempt(client, "nobody@example.com", "wrong", address="10.9.9.9")

    assert client.get("/login", environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code == 200


def test_limits_are_shared_through_redis_when_it_is_configured(database_uri):
    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    shared = LIMITS | {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"}
    first, second = (create_app(app_config(database_uri) | shared) for _ in range(2))  # two workers, say
    email = f"ann-{uuid.uuid4().hex}@example.com"  # Redis outlives the test: a fresh account and address
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    make_user(first, email)

    for _ in range(3):
        assert api_attempt(first.test_client(), email, "wrong", address).status_code == 401

    assert api_attempt(second.test_client(), email, PASSWORD, address).status_code == 429
    for app in (first, second):
        with app.app_context():
            db.engine.dispose()


def test_behind_a_trusted_proxy_the_forwarded_client_address_is_limited(database_uri):
    app = create_app(app_config(database_uri) | LIMITS | {"TRUSTED_PROXIES": 1})
    client = app.test_client()

    def attempt(forwarded_for: str):
        return client.post(
            SIGN_IN, json={"email": "nobody@example.com", "password": "wrong"},
            environ_base={"REMOTE_ADDR": "192.0.2.1"}, headers={"X-Forwarded-For": forwarded_for},
        )

    for number in range(5):
        client.post(SIGN_IN, json={"email": f"guess{number}@example.com", "password": "wrong"},
                    environ_base={"REMOTE_ADDR": "192.0.2.1"}, headers={"X-Forwarded-For": "203.0.113.7"})

    assert attempt("203.0.113.7").status_code == 429
    assert attempt("203.0.113.8").status_code == 401  # another client behind the same proxy
    with app.app_context():
        db.engine.dispose()
