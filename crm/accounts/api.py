"""Sign-in and sign-out for API clients and browsers alike."""

from flask import Blueprint, current_app, jsonify, request

from crm.accounts import sessions
from crm.accounts.credentials import clear_session_cookie, revoke_current_session, set_session_cookie
from crm.api.inputs import json_object
from crm.api.serialize import timestamp

bp = Blueprint("auth_api", __name__, url_prefix="/auth")


@bp.post("/sign-in")
def sign_in():
    """Start a session from an email and password; answer its token and set the cookie."""
    body = json_object()
    issued = sessions.sign_in(
        body.get("email"), body.get("password"), current_app.config["AUTH_SESSION_LIFETIME"], request.remote_addr
    )
    user = issued.record.user
    response = jsonify(
        {
            "token": issued.secret,
            "user": {"id": user.id, "email": user.email, "name": user.name, "organization_id": user.organization_id},
            "expires_at": timestamp(issued.record.expires_at),
        }
    )
    set_session_cookie(response, issued)
    return response


@bp.post("/sign-out")
def sign_out():
    """End the presented session at once and clear the cookie."""
    revoke_current_session()
    response = jsonify({"success": True})
    clear_session_cookie(response)
    return response
