"""One place that turns every failure into an answer: JSON under /api/, a page elsewhere.
Whatever a failed request began in the database is rolled back first."""

from flask import Flask
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import BadHost, HTTPException

from crm.api.errors import (
    ApiError,
    api_error_response,
    domain_error_response,
    http_error_response,
    internal_error,
    is_api_request,
)
from crm.core.database import db
from crm.core.errors import DatabaseUnavailable, DomainError
from crm.platform.extensions import login_manager
from crm.platform.i18n import gettext as _
from crm.web.error_pages import domain_error_page, error_page, http_error_page, plain_error
from crm.web.format import say


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(error: ApiError):
        db.session.rollback()
        return api_error_response(error)

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        db.session.rollback()
        return domain_error_response(error) if is_api_request() else domain_error_page(error)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return error_page(400, _("This form has expired or did not come from this site. Reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        db.session.rollback()
        if is_api_request():
            return http_error_response(error)
        if isinstance(error, BadHost):  # a Host header no URL can be built for: no page around the message
            return plain_error(400, _("The Host header of this request is not a valid host name."))
        return http_error_page(error)

    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeout)
    def database_unavailable(error: Exception):
        # A passing state (a restart, say), not a fault of ours: a line in the log, no traceback;
        # pool_pre_ping replaces the dead connections once the database is back.
        app.logger.error("Database unavailable: %s", getattr(error, "orig", None) or error)
        db.session.rollback()
        if is_api_request():
            return domain_error_response(DatabaseUnavailable())
        # The page's layout asks who is signed in, which would need the database again.
        login_manager._update_request_context_with_user()
        return domain_error_page(DatabaseUnavailable())

    @app.errorhandler(500)
    def server_error(error):
        # Flask has logged the exception with its traceback before calling this.
        db.session.rollback()
        refusal = internal_error()
        if is_api_request():
            return api_error_response(refusal)
        return error_page(500, say(refusal.message))
