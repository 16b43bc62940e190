"""While the database cannot be reached (PostgreSQL restarting, say), requests answer 503 with
Retry-After in the usual shape, JSON for the API and a page for the browser, never 500; once the
database is back the app serves again by itself."""

import shutil

import pytest

from app import create_app
from crm.accounts import users
from crm.core.database import db
from crm.core.errors import DatabaseUnavailable
from tests.conftest import PASSWORD, app_config
from tests.live_server import free_port

MESSAGE = str(DatabaseUnavailable())


@pytest.fixture
def unreachable(request, tmp_path):
    """An app on a database that is not there: PostgreSQL on a closed port, or a SQLite file in a
    folder that does not exist (yet)."""
    if request.param == "postgresql":
        uri = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test"
    else:
        uri = f"sqlite:///{tmp_path / 'not-yet' / 'crm.sqlite3'}"
    app = create_app(app_config(uri))
    yield app
    with app.app_context():
        db.engine.dispose()


def assert_unavailable_json(response):
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert response.get_json() == {"error": {"code": "service_unavailable", "message": MESSAGE, "fields": {}}}


@pytest.mark.parametrize("unreachable", ["postgresql", "sqlite"], indirect=True)
def test_api_requests_answer_503_json_with_retry_after(unreachable):
    client = unreachable.test_client()

    assert_unavailable_json(client.get("/api/v1/crm/deals", headers={"Authorization": "Bearer some-token"}))
    assert_unavailable_json(client.post("/api/v1/auth/sign-in", json={"email": "ann@example.com", "password": "x"}))


@pytest.mark.parametrize("unreachable", ["postgresql", "sqlite"], indirect=True)
def test_pages_answer_a_503_page_with_retry_after(unreachable):
    client = unreachable.test_client()
    client.set_cookie("better-auth.session_token", "some-token")

    page = client.get("/deals")
    fragment = client.get("/deals", headers={"HX-Request": "true"})

    assert page.status_code == 503
    assert int(page.headers["Retry-After"]) > 0
    assert "<html" in page.get_data(as_text=True) and MESSAGE in page.get_data(as_text=True)
    assert fragment.status_code == 503
    assert fragment.get_data(as_text=True) == MESSAGE
    assert int(fragment.headers["Retry-After"]) > 0


@pytest.mark.parametrize("unreachable", ["sqlite"], indirect=True)
def test_the_app_serves_again_once_the_database_is_back(unreachable, sqlite_template, tmp_path):
    client = unreachable.test_client()
    assert client.post("/api/v1/auth/sign-in", json={"email": "ann@example.com", "password": "x"}).status_code == 503

    (tmp_path / "not-yet").mkdir()
    shutil.copy(sqlite_template, tmp_path / "not-yet" / "crm.sqlite3")
    with unreachable.app_context():
        users.create_user("Acme", "ann@example.com", "Ann", PASSWORD)

    signed_in = client.post("/api/v1/auth/sign-in", json={"email": "ann@example.com", "password": PASSWORD})
    assert signed_in.status_code == 200
    token = signed_in.get_json()["token"]
    assert client.get("/api/v1/crm/deals", headers={"Authorization": f"Bearer {token}"}).status_code == 200
