"""Fixtures: an app per test on SQLite (always) and PostgreSQL (when TEST_DATABASE_URL is set),
each with a freshly migrated, empty database; API clients signed in as users of an organization."""

import os
import shutil
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, time
from itertools import count

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from crm import create_app
from crm.core import clock
from crm.core.database import db

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
DATABASES = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])
PASSWORD = "correct horse battery"

_unique = count(1)
# The day the tests were collected: what "today" is for the tests that stop the app's clock.
TODAY = datetime.now(UTC).date()
POSTGRES_SKIPPED = (
    "TEST_DATABASE_URL is not set: every database test ran on SQLite only; the PostgreSQL half was skipped "
    "(set it, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test, to run both)."
)


def pytest_terminal_summary(terminalreporter):
    """Said once, at the end where a reader of the results looks: a green run on SQLite alone must
    not pass for a run on both databases."""
    if not POSTGRES_URL:
        terminalreporter.write_sep("=", POSTGRES_SKIPPED, yellow=True)


def app_config(database_uri: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_uri,
        # A fast hash: the suite creates hundreds of users; production uses scrypt.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }


def migrate(database_uri: str, revision: str = "head") -> None:
    app = create_app(app_config(database_uri))
    with app.app_context():
        upgrade(revision=revision)
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A SQLite file migrated once; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "crm.sqlite3"
    migrate(f"sqlite:///{path}")
    return path


@contextmanager
def postgres_schema():
    """A new, empty schema of its own in the test database (its URI), dropped at the end."""
    schema = f"crm_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    # public stays on the path: extensions such as pg_trgm live there.
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}%2Cpublic"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_uri():
    """A schema of its own in the test database, migrated once and dropped at the end."""
    with postgres_schema() as uri:
        migrate(uri)
        yield uri


@pytest.fixture(params=DATABASES)
def database_uri(request, tmp_path):
    if request.param == "sqlite":
        path = tmp_path / "crm.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    uri = request.getfixturevalue("postgres_uri")
    engine = create_engine(uri)
    with engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):  # children before their parents
            connection.execute(table.delete())
    engine.dispose()
    return uri


@pytest.fixture
def app(database_uri):
    app = create_app(app_config(database_uri))
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def server(database_uri, tmp_path):
    """The app under gunicorn with 4 workers on the test's database; its log is checked afterwards."""
    from tests.live_server import Gunicorn

    with Gunicorn(database_uri, tmp_path / "gunicorn.log", workers=4) as running:
        yield running
    running.assert_clean_log()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def make_organization_with_deals(count: int):
    """A new organization with an owner and count deals over every stage (call in an app context)."""
    from crm.accounts import users
    from crm.deals import operations
    from crm.models import Stage

    owner = users.create_user(f"Org {next(_unique)}", f"owner{next(_unique)}@example.com", "Owner", PASSWORD)
    stages = list(Stage)
    for index in range(count):
        operations.create_deal(owner, {"name": f"Deal {index}", "amount": index * 100, "stage": stages[index % len(stages)]})
    return owner


class ApiClient:
    """A test client that sends a Bearer token (when it has one) and JSON bodies."""

    def __init__(self, client, token: str | None, user: dict | None = None):
        self.client = client
        self.token = token
        self.user = user

    def _headers(self, headers):
        merged = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        merged.update(headers or {})
        return merged

    def get(self, path, headers=None, **kwargs):
        return self.client.get(path, headers=self._headers(headers), **kwargs)

    def delete(self, path, headers=None, **kwargs):
        return self.client.delete(path, headers=self._headers(headers), **kwargs)

    def post(self, path, json=None, headers=None, **kwargs):
        return self.client.post(path, json=json, headers=self._headers(headers), **kwargs)

    def patch(self, path, json=None, headers=None, **kwargs):
        return self.client.patch(path, json=json, headers=self._headers(headers), **kwargs)


@pytest.fixture
def make_user(app, client):
    """Create a user (and organization) through the CLI's domain call; sign in through the API."""
    from crm.accounts import users

    def make(org: str = "Acme", email: str | None = None, name: str = "Ann Example") -> ApiClient:
        email = email or f"user{next(_unique)}@example.com"
        with app.app_context():
            users.create_user(org, email, name, PASSWORD)
        response = client.post("/api/v1/auth/sign-in", json={"email": email, "password": PASSWORD})
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        client.delete_cookie(app.config["AUTH_COOKIE_NAME"])
        return ApiClient(app.test_client(), body["token"], body["user"])

    return make


@pytest.fixture
def api(make_user) -> ApiClient:
    """A signed-in user of the organization Acme."""
    return make_user("Acme")


@pytest.fixture
def rival(make_user) -> ApiClient:
    """A signed-in user of another organization."""
    return make_user("Rival Inc")


@pytest.fixture
def make_deal(api):
    """Create a deal through the API as the Acme user and return its JSON."""

    def make(client: ApiClient | None = None, **fields) -> dict:
        fields.setdefault("name", f"Deal {next(_unique)}")
        response = (client or api).post("/api/v1/crm/deals", json=fields)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["deal"]

    return make


@pytest.fixture
def stopped_clock():
    """The app's clock stopped at noon of TODAY, so that "today" and "overdue" cannot change under a
    test that runs past midnight (or on a suite that started before it)."""
    with clock.stopped_at(datetime.combine(TODAY, time(12), UTC)):
        yield TODAY
