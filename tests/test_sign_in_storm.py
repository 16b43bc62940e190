"""A storm of sign-ins cannot stall anyone else: passwords are checked outside any transaction (on
SQLite a write request would otherwise hold the file's write lock throughout), and a process runs
only so many checks at once; beyond them an attempt answers 429 with Retry-After at once, uncounted."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, text

from app import create_app
from crm.accounts import sessions, users
from crm.core.database import db
from tests.conftest import PASSWORD, app_config
from tests.live_server import Gunicorn, call
from tests.test_rate_limits import BUSY, api_attempt, make_user, page_attempt

DEALS = "/api/v1/crm/deals"


@pytest.fixture
def checks_of_one(database_uri):
    app = create_app(app_config(database_uri) | {"SIGN_IN_CONCURRENT_CHECKS": 1,
                                                 "SIGN_IN_LIMIT_PER_ACCOUNT": "2 per 15 minutes"})
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("attempt", [api_attempt, page_attempt])
@pytest.mark.parametrize("email", ["ann@example.com", "nobody@example.com"])
def test_the_password_is_checked_while_no_transaction_is_open(app, database_uri, monkeypatch, attempt, email):
    make_user(app, "ann@example.com")
    # Another connection that does not wait: on SQLite it fails at once if the file's write lock is held.
    other = create_engine(database_uri, connect_args={"timeout": 0} if database_uri.startswith("sqlite") else {})
    seen = []
    real_check = sessions.check_password_hash

    def check(password_hash: str, password: str) -> bool:
        seen.append(db.session().in_transaction())
        with other.begin() as connection:
            connection.execute(text("UPDATE organizations SET name = name"))
        return real_check(password_hash, password)

    monkeypatch.setattr(sessions, "check_password_hash", check)

    attempt(app.test_client(), email, PASSWORD)

    assert seen == [False]
    other.dispose()


def test_beyond_the_checks_a_process_runs_at_once_sign_in_answers_429_at_once(checks_of_one, monkeypatch):
    make_user(checks_of_one, "ann@example.com")
    started, release = threading.Event(), threading.Event()
    real_check = sessions.check_password_hash

    def held_check(password_hash: str, password: str) -> bool:
        started.set()
        assert release.wait(timeout=30)
        return real_check(password_hash, password)

    monkeypatch.setattr(sessions, "check_password_hash", held_check)
    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(api_attempt, checks_of_one.test_client(), "ann@example.com", PASSWORD)
        assert started.wait(timeout=30)

        busy_api = api_attempt(checks_of_one.test_client(), "ann@example.com", "wrong")
        busy_page = page_attempt(checks_of_one.test_client(), "ann@example.com", "wrong")
        release.set()

        assert first.result().status_code == 200
    assert busy_api.status_code == 429
    assert int(busy_api.headers["Retry-After"]) > 0
    assert busy_api.get_json()["error"] == {"code": "too_many_requests", "message": BUSY, "fields": {}}
    assert busy_page.status_code == 429
    assert int(busy_page.headers["Retry-After"]) > 0
    assert BUSY in busy_page.get_data(as_text=True)
    assert 'name="password"' in busy_page.get_data(as_text=True)  # the login form, to try again
    # The busy answers were not counted: the account's two failures are still to come.
    answers = [api_attempt(checks_of_one.test_client(), "ann@example.com", "wrong").status_code for _ in range(3)]
    assert answers == [401, 401, 429]


def test_a_storm_of_failed_sign_ins_on_a_multi_worker_server_stalls_nobody(app, database_uri, tmp_path, monkeypatch):
    # Many addresses, as a botnet has: the address limit is not what protects the others here.
    monkeypatch.setenv("SIGN_IN_LIMIT_PER_ADDRESS", "100000 per 15 minutes")
    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    with app.app_context():
        token = sessions.create_api_token(users.create_user("Acme", "ann@example.com", "Ann", PASSWORD).email).secret
    storm_done = threading.Event()

    def attacker(number: int) -> list[int]:
        return [call(server.base, "POST", "/api/v1/auth/sign-in", "", {"email": f"guess{number}.{n}@example.com",
                                                                       "password": "wrong"},
                     headers={"X-Forwarded-For": f"198.51.{number}.{n}"}).status for n in range(10)]

    def signed_in_user() -> list[int]:
        deal = call(server.base, "POST", DEALS, token, {"name": "Busy week"})
        statuses = [deal.status]
        while not storm_done.is_set() or len(statuses) < 10:
            statuses.append(call(server.base, "PATCH", f"{DEALS}/{deal.body['deal']['id']}", token,
                                 {"amount": len(statuses)}).status)
            statuses.append(call(server.base, "GET", DEALS, token).status)
        return statuses

    with Gunicorn(database_uri, tmp_path / "gunicorn.log", workers=4) as server:
        with ThreadPoolExecutor(max_workers=13) as pool:
            user = pool.submit(signed_in_user)
            storm = Counter(status for statuses in pool.map(attacker, range(12)) for status in statuses)
            storm_done.set()
            theirs = Counter(user.result())

    assert set(storm) <= {401, 429} and storm[401] > 0, storm
    assert theirs == {201: 1, 200: sum(theirs.values()) - 1}
    server.assert_clean_log()
