"""Brute-force protection: failed sign-ins are limited per account and per client address.

Only failed attempts count, so people who type their password right are never slowed down; once a
limit is reached every attempt answers 429 with Retry-After, even one with the right password, so
guessing cannot go on. Counters live in memory by default (per worker process) and in Redis when
RATE_LIMIT_STORAGE_URL names one, which all workers and machines then share."""

from collections.abc import Callable

from flask import current_app, request
from flask_limiter.util import get_remote_address

from .extensions import limiter
from .text import fold

TOO_MANY = "Too many failed sign-in attempts. Wait a few minutes, then try again."


def limit_sign_in(view: Callable) -> Callable:
    """Apply both sign-in limits to a view that answers 401 for wrong credentials. The scopes are
    shared by the API's and the login page's views: one account, one budget, however it is tried."""
    view = limiter.shared_limit(
        lambda: current_app.config["SIGN_IN_LIMIT_PER_ACCOUNT"], key_func=_account, scope="sign-in-account",
        methods=["POST"], deduct_when=_failed, error_message=TOO_MANY,
    )(view)
    return limiter.shared_limit(
        lambda: current_app.config["SIGN_IN_LIMIT_PER_ADDRESS"], key_func=get_remote_address,
        scope="sign-in-address", methods=["POST"], deduct_when=_failed, error_message=TOO_MANY,
    )(view)


def _account() -> str:
    """The email an attempt is for, as sign-in compares it (from a JSON body or a form)."""
    body = request.get_json(silent=True) if request.is_json else request.form
    email = body.get("email") if isinstance(body, dict) else None
    # An attempt without an email still counts, under one shared key (an empty key would skip the limit).
    return fold(email.strip()) if isinstance(email, str) and email.strip() else "(no email)"


def _failed(response) -> bool:
    return response.status_code == 401
