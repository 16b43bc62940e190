"""Who is asking: the session cookie or a Bearer token, loaded for flask-login."""

from flask import Flask, Request, Response, current_app, request
from flask.sessions import SecureCookieSessionInterface

from crm.accounts import sessions
from crm.accounts.sessions import IssuedToken
from crm.models import User
from crm.platform.extensions import login_manager


def token_from_request(req: Request) -> str | None:
    """The secret a request presents: a Bearer token first, else the session cookie."""
    return bearer_token(req) or req.cookies.get(current_app.config["AUTH_COOKIE_NAME"]) or None


def bearer_token(req: Request) -> str | None:
    """The token of an `Authorization: Bearer` header, when it has one (other schemes do not count)."""
    scheme, _, credentials = req.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return credentials.strip() or None


@login_manager.request_loader
def load_user_from_request(req: Request) -> User | None:
    token = token_from_request(req)
    return sessions.user_for_token(token) if token else None


def set_session_cookie(response: Response, issued: IssuedToken) -> None:
    """Hand the browser its session: HttpOnly so scripts cannot read it, SameSite=Lax against CSRF,
    Secure whenever the site is served over HTTPS."""
    response.set_cookie(
        current_app.config["AUTH_COOKIE_NAME"],
        issued.secret,
        expires=issued.record.expires_at,
        httponly=True,
        samesite="Lax",
        secure=secure_cookie(),
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(
        current_app.config["AUTH_COOKIE_NAME"], httponly=True, samesite="Lax", secure=secure_cookie()
    )


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed session cookie (CSRF token, flashed messages), Secure exactly when the auth
    cookie is; SameSite comes from SESSION_COOKIE_SAMESITE."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return secure_cookie()


def secure_cookie() -> bool:
    """AUTH_COOKIE_SECURE forces it (say, for a proxy that does not tell); otherwise a request that
    came over HTTPS (directly, or through a TRUSTED_PROXIES proxy's X-Forwarded-Proto) gets it."""
    return current_app.config["AUTH_COOKIE_SECURE"] or request.is_secure


def revoke_current_session() -> None:
    """End the session (or token) this request presents."""
    token = token_from_request(request)
    if token:
        sessions.sign_out(token)
