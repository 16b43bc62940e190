"""Flask's own session cookie (the CSRF token, flashed messages) is sent like the auth cookie:
HttpOnly and SameSite=Lax always, Secure whenever the site is served over HTTPS."""

from app import create_app
from crm.core.database import db
from tests.conftest import app_config


def session_cookie(response) -> dict[str, str | bool]:
    """The attributes of the `session` Set-Cookie header, lower-cased names."""
    (header,) = [value for value in response.headers.getlist("Set-Cookie") if value.startswith("session=")]
    attributes: dict[str, str | bool] = {}
    for part in header.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        attributes[name.lower()] = value or True
    return attributes


def test_over_https_the_session_cookie_is_secure_and_same_site_lax(anonymous):
    cookie = session_cookie(anonymous.get("/login", base_url="https://localhost"))

    assert cookie["samesite"] == "Lax"
    assert cookie["secure"] is True
    assert cookie["httponly"] is True


def test_over_plain_http_it_is_same_site_lax_but_not_secure(anonymous):
    cookie = session_cookie(anonymous.get("/login"))

    assert cookie["samesite"] == "Lax"
    assert "secure" not in cookie


def test_auth_cookie_secure_makes_it_secure_over_http_too(database_uri):
    app = create_app(app_config(database_uri) | {"AUTH_COOKIE_SECURE": True})

    cookie = session_cookie(app.test_client().get("/login"))

    assert cookie["secure"] is True
    with app.app_context():
        db.engine.dispose()
