"""Signing in and out in the browser: the same server-side session and cookie as the API."""

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from crm.accounts import sessions
from crm.accounts.credentials import clear_session_cookie, revoke_current_session, set_session_cookie
from crm.core.errors import InvalidCredentials, RetryLater
from crm.platform.extensions import login_manager
from crm.web.error_pages import status_of
from crm.web.htmx import is_htmx, safe_next

bp = Blueprint("auth_pages", __name__)


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
        page = make_response(render_template("accounts/login.html", next_page=next_page, email=email, error=str(error)))
        page.status_code = status_of(error)
        if isinstance(error, RetryLater):
            page.headers["Retry-After"] = str(error.retry_after)
        return page
    response = redirect(next_page or url_for("board.index"), code=303)
    set_session_cookie(response, issued)
    return response


@bp.post("/logout")
def logout():
    """End the session on the server and forget the cookie."""
    revoke_current_session()
    flash("You are signed out.", "info")
    response = redirect(url_for("auth_pages.login"), code=303)
    clear_session_cookie(response)
    return response
