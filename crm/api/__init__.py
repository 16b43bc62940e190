"""The JSON API's root blueprints, which the features' API blueprints join (crm/routes.py):
/api/v1, with /crm for the organization's records."""

from flask import Blueprint, request
from flask_login import current_user

from crm.api.errors import cross_site, not_signed_in
from crm.platform.security import is_cross_site_cookie_write

api = Blueprint("api", __name__, url_prefix="/api/v1")
crm = Blueprint("crm_api", __name__, url_prefix="/crm")


@api.before_request
def refuse_cross_site_writes():
    if is_cross_site_cookie_write(request):
        raise cross_site()


@crm.before_request
def require_credentials():
    if not current_user.is_authenticated:
        raise not_signed_in()
