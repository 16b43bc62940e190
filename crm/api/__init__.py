"""The JSON API under /api/v1: /auth for sessions, /crm for the organization's records."""

from flask import Blueprint, request
from flask_login import current_user

from ..security import csrf, is_cross_site_cookie_write
from . import auth, deals, directory, docs
from .errors import ApiError

api = Blueprint("api", __name__, url_prefix="/api/v1")
crm = Blueprint("crm_api", __name__, url_prefix="/crm")


@api.before_request
def refuse_cross_site_writes():
    if is_cross_site_cookie_write(request):
        raise ApiError(403, "cross_site_request", "Requests from other sites cannot use the session cookie.")


@crm.before_request
def require_credentials():
    if not current_user.is_authenticated:
        raise ApiError(401, "unauthorized", "Sign in first: send the session cookie or an Authorization: Bearer token.")


crm.register_blueprint(deals.bp)
crm.register_blueprint(directory.bp)
api.register_blueprint(auth.bp)
api.register_blueprint(docs.bp)
api.register_blueprint(crm)
# The API is used by scripts with the cookie or a Bearer token and no CSRF token; browsers are kept
# out by the cross-site check above and by JSON-only bodies (a form on another site cannot send
# application/json without a CORS preflight, which this app never allows).
for blueprint in (api, crm, auth.bp, deals.bp, directory.bp):
    csrf.exempt(blueprint)
