"""Signing in and out in the browser: the same server-side session and cookie as the API."""

from collections.abc import Mapping

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from crm.accounts import sessions, users
from crm.accounts.credentials import clear_session_cookie, revoke_current_session, secure_cookie, set_session_cookie
from crm.core.errors import InvalidCredentials, RetryLater, ValidationFailed
from crm.core.locales import LANGUAGES, SUGGESTED_TIME_ZONES, default_time_zone, time_zones
from crm.platform.extensions import login_manager
from crm.platform.i18n import LANGUAGE_COOKIE
from crm.platform.i18n import gettext as _
from crm.web.error_pages import status_of
from crm.web.htmx import is_htmx, safe_next

bp = Blueprint("auth_pages", __name__)
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600


@login_manager.unauthorized_handler
def send_to_login():
    """Signed-out visitors go to the login page and come back where they were going afterwards."""
    target = url_for("auth_pages.login", next=request.full_path.rstrip("?"))
    if is_htmx():
        response = make_response("", 401)
        response.headers["HX-Redirect"] = url_for("auth_pages.login")
        return response
    return redirect(target)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the sign-in form; start a session from it."""
    next_page = safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(next_page or url_for("board.index"))
        return render_template("accounts/login.html", next_page=next_page, email="")
    email = request.form.get("email", "")
    try:
        issued = sessions.sign_in(
            email, request.form.get("password", ""), current_app.config["AUTH_SESSION_LIFETIME"], request.remote_addr
        )
    except (InvalidCredentials, RetryLater) as error:
        page = make_response(render_template("accounts/login.html", next_page=next_page, email=email, error=error.message))
        page.status_code = status_of(error)
        if isinstance(error, RetryLater):
            page.headers["Retry-After"] = str(error.retry_after)
        return page
    response = redirect(next_page or url_for("board.index"), code=303)
    set_session_cookie(response, issued)
    return response


@bp.post("/language")
def choose_language():
    """The language menu of every page: saved on the signed-in user, and remembered by the browser
    for the login page after signing out."""
    language = request.form.get("locale", "")
    if language not in LANGUAGES:
        abort(400)
    if current_user.is_authenticated:
        users.set_preferences(current_user, {"locale": language})
    response = redirect(safe_next(request.form.get("return_to")) or url_for("board.index"), code=303)
    response.set_cookie(LANGUAGE_COOKIE, language, max_age=LANGUAGE_COOKIE_AGE, httponly=True, samesite="Lax",
                        secure=secure_cookie())
    return response


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    """The member's own language and time zone; empty follows the browser and the organization."""
    if request.method == "GET":
        return render_settings(locale=current_user.locale, time_zone=current_user.own_time_zone)
    choices = {name: request.form.get(name) or None for name in ("locale", "time_zone")}
    try:
        users.set_preferences(current_user, choices)
    except ValidationFailed as error:
        return render_settings(status=422, errors=error.fields, **choices)
    # Said by the page it leads to, not flashed: a flash would be worded in the language the
    # request began with, before the new one was saved.
    return redirect(url_for("auth_pages.settings", saved=1), code=303)


def render_settings(status: int = 200, errors: Mapping[str, str] | None = None, **chosen) -> tuple[str, int]:
    return render_template(
        "accounts/settings.html", chosen=chosen, errors=errors or {}, languages=LANGUAGES,
        suggested_zones=SUGGESTED_TIME_ZONES, time_zones=[zone for zone in time_zones() if zone not in SUGGESTED_TIME_ZONES],
        saved=status == 200 and request.args.get("saved") == "1",
        organization_time_zone=current_user.organization_time_zone
        or default_time_zone(current_user.organization_locale),
    ), status


@bp.post("/logout")
def logout():
    """End the session on the server and forget the cookie."""
    revoke_current_session()
    flash(_("You are signed out."), "info")
    response = redirect(url_for("auth_pages.login"), code=303)
    clear_session_cookie(response)
    return response
