"""Protection a browser needs: CSRF tokens for pages, an origin check for cookie-authenticated API
writes, and security headers on every answer."""

from urllib.parse import urlsplit

from flask import Flask, Request
from flask_wtf.csrf import CSRFProtect

from crm.accounts.credentials import SessionInterface, bearer_token
from crm.platform.config import WRITE_METHODS

csrf = CSRFProtect()

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
        "frame-ancestors 'none'",
    ]
)


def init_security(app: Flask) -> None:
    csrf.init_app(app)
    app.session_interface = SessionInterface()

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if response.mimetype == "text/html":
            # Back and Forward must show the deals as they are now, not a page kept by the HTTP
            # cache or the back/forward cache (with move forms carrying old versions).
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def is_cross_site(req: Request) -> bool:
    """Whether a browser says this request was started by a page of another site.

    Browsers send Origin on every POST, PATCH and DELETE, and Sec-Fetch-Site on every request;
    curl and scripts send neither, which is why API clients need no CSRF token.
    """
    fetch_site = req.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site not in ("same-origin", "none")
    origin = req.headers.get("Origin")
    if origin is None:
        return False
    return origin == "null" or urlsplit(origin).netloc != req.host


def is_cross_site_cookie_write(req: Request) -> bool:
    """A write that relies on the browser's cookie, started by another site's page: refused. The
    cookie is what authenticates unless a Bearer token with a value is sent (see token_from_request);
    any other Authorization header (Basic, an empty Bearer) leaves the cookie in charge."""
    return req.method in WRITE_METHODS and bearer_token(req) is None and is_cross_site(req)
