"""The JSON API under /api/v1: /auth for sessions, /crm for the organization's records."""

from flask import Blueprint
from flask_login import current_user

from . import auth, deals, directory
from .errors import ApiError

api = Blueprint("api", __name__, url_prefix="/api/v1")
crm = Blueprint("crm_api", __name__, url_prefix="/crm")


@crm.before_request
def require_credentials():
    if not current_user.is_authenticated:
        raise ApiError(401, "unauthorized", "Sign in first: send the session cookie or an Authorization: Bearer token.")


crm.register_blueprint(deals.bp)
crm.register_blueprint(directory.bp)
api.register_blueprint(auth.bp)
api.register_blueprint(crm)
