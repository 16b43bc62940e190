"""Failed sign-ins are limited per account and per client address, through the API and the login
page alike; a limited attempt answers 429 with Retry-After, even with the right password. The
counters live in the database: parallel attempts, several app instances and several gunicorn
workers never get more than the limit's failures."""

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app import create_app
from crm.accounts.limits import Limit
from crm.core.database import db
from crm.core.errors import SignInBusy
from crm.models import SignInAttempts
from tests.conftest import PASSWORD, app_config
from tests.live_server import Gunicorn, call
from tests.web.conftest import csrf_token_in

SIGN_IN = "/api/v1/auth/sign-in"
LIMITS = {"SIGN_IN_LIMIT_PER_ACCOUNT": "3 per 15 minutes", "SIGN_IN_LIMIT_PER_ADDRESS": "5 per 15 minutes"}
BUSY = str(SignInBusy())


@pytest.fixture
def limited_app(database_uri):
    app = create_app(app_config(database_uri) | LIMITS)
    yield app
    with app.app_context():
        db.engine.dispose()


def make_user(app, email: str) -> None:
    from crm.accounts import users

    with app.app_context():
        users.create_user("Acme", email, "Ann Example", PASSWORD)


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


def test_limits_are_shared_by_every_app_instance_on_the_database(database_uri):
    first, second = (create_app(app_config(database_uri) | LIMITS) for _ in range(2))  # two workers, say
    make_user(first, "ann@example.com")

    for _ in range(3):
        assert api_attempt(first.test_client(), "ann@example.com", "wrong").status_code == 401

    assert api_attempt(second.test_client(), "ann@example.com", PASSWORD).status_code == 429
    for app in (first, second):
        with app.app_context():
            db.engine.dispose()


def test_parallel_attempts_never_get_more_failures_than_the_limit(database_uri):
    # Every attempt may reach the password check at once: the bound on checks is not what is tested.
    app = create_app(app_config(database_uri) | LIMITS | {"SIGN_IN_CONCURRENT_CHECKS": 24})
    make_user(app, "ann@example.com")

    def attempt(number: int) -> int:
        return api_attempt(app.test_client(), "ann@example.com", "wrong", address=f"10.0.1.{number}").status_code

    with ThreadPoolExecutor(max_workers=24) as pool:
        statuses = Counter(pool.map(attempt, range(24)))

    assert statuses == {401: 3, 429: 21}
    assert api_attempt(app.test_client(), "ann@example.com", PASSWORD, address="10.0.2.1").status_code == 429
    with app.app_context():
        db.engine.dispose()


def test_a_multi_worker_server_allows_no_more_failures_than_the_limit(app, database_uri, tmp_path):
    make_user(app, "ann@example.com")  # the server's own limits: 10 per 15 minutes per account

    def attempt(password: str):
        # A busy answer (every check of a worker taken) was not counted: try again, after a pause
        # that lets a check finish, for as long as a loaded machine may need (the count of tries
        # would make the verdict depend on the machine's speed).
        give_up = time.monotonic() + 300
        while time.monotonic() < give_up:
            answer = call(server.base, "POST", SIGN_IN, "", {"email": "ann@example.com", "password": password})
            if answer.status != 429 or answer.body["error"]["message"] != BUSY:
                return answer.status
            time.sleep(0.05)
        raise AssertionError("the server stayed busy for five minutes")

    with Gunicorn(database_uri, tmp_path / "gunicorn.log", workers=4) as server:
        with ThreadPoolExecutor(max_workers=24) as pool:
            statuses = Counter(pool.map(attempt, ["wrong"] * 24))
        right = attempt(PASSWORD)

    assert statuses == {401: 10, 429: 14}
    assert right == 429
    server.assert_clean_log()


def test_a_window_ends_and_its_counter_row_is_cleaned_up(limited_app, monkeypatch):
    now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    monkeypatch.setattr("crm.accounts.limits.now_utc", lambda: now)
    make_user(limited_app, "ann@example.com")
    client = limited_app.test_client()
    for number in range(3):
        api_attempt(client, f"guess{number}@example.com", "wrong", address="10.9.9.9")
    assert api_attempt(client, "ann@example.com", PASSWORD, address="10.9.9.9").status_code == 200
    for _ in range(3):
        api_attempt(client, "ann@example.com", "wrong", address="10.1.1.1")
    locked = api_attempt(client, "ann@example.com", PASSWORD, address="10.1.1.2")
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) == 15 * 60

    now += timedelta(minutes=15)

    assert api_attempt(client, "ann@example.com", PASSWORD, address="10.1.1.3").status_code == 200
    with limited_app.app_context():
        # The windows of the three guessed emails and of the first addresses ended unused since: gone.
        assert db.session.scalar(select(func.count()).select_from(SignInAttempts)) == 2


@pytest.mark.parametrize("text, limit", [
    ("10 per 15 minutes", Limit(10, timedelta(minutes=15))),
    ("50 per hour", Limit(50, timedelta(hours=1))),
    ("3/minute", Limit(3, timedelta(minutes=1))),
    (" 5 per 2 Days ", Limit(5, timedelta(days=2))),
])
def test_limits_read_as_before(text, limit):
    assert Limit.parse(text) == limit


@pytest.mark.parametrize("text", ["ten per minute", "0 per minute", "10 per fortnight", "10"])
def test_a_misspelt_limit_stops_the_app_from_starting(database_uri, text):
    with pytest.raises(ValueError, match="10 per 15 minutes"):
        create_app(app_config(database_uri) | {"SIGN_IN_LIMIT_PER_ACCOUNT": text})


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
