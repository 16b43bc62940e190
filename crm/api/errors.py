"""The API's one error shape: {"error": {"code", "message", "fields"}}."""

from flask import Flask, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from ..errors import BadParameter, InvalidCredentials, NotFound, ValidationFailed
from ..extensions import db


class ApiError(Exception):
    """An answer other than success that a view decides on by itself."""

    def __init__(self, status: int, code: str, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}


def error_response(status: int, code: str, message: str, fields: dict[str, str] | None = None):
    response = jsonify({"error": {"code": code, "message": message, "fields": fields or {}}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="crm"'
    return response


def is_api_request() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def register_api_error_handlers(app: Flask) -> None:
    """Answer every failure under /api/ in the one JSON shape, and roll back what it began."""

    @app.errorhandler(ApiError)
    def api_error(error: ApiError):
        db.session.rollback()
        return error_response(error.status, error.code, error.message, error.fields)

    @app.errorhandler(ValidationFailed)
    def validation_failed(error: ValidationFailed):
        db.session.rollback()
        return error_response(422, "validation_failed", str(error), error.fields)

    @app.errorhandler(BadParameter)
    def bad_parameter(error: BadParameter):
        db.session.rollback()
        return error_response(400, "invalid_parameter", str(error), {error.name: error.problem + "."})

    @app.errorhandler(NotFound)
    def not_found(error: NotFound):
        db.session.rollback()
        return error_response(404, "not_found", str(error))

    @app.errorhandler(InvalidCredentials)
    def invalid_credentials(error: InvalidCredentials):
        db.session.rollback()
        return error_response(401, "invalid_credentials", str(error))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if not is_api_request():
            return error
        response = error_response(error.code or 500, _code_of(error), error.description or error.name)
        if error.code == 405 and getattr(error, "valid_methods", None):
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(500)
    def internal_error(error):
        db.session.rollback()
        current_app.logger.error("Unhandled error on %s %s", request.method, request.path)
        if not is_api_request():
            return error
        return error_response(500, "internal_error", "Something went wrong on our side; nothing was saved.")


def _code_of(error: HTTPException) -> str:
    return {
        400: "bad_request",
        404: "not_found",
        405: "method_not_allowed",
        413: "payload_too_large",
        415: "unsupported_media_type",
    }.get(error.code, error.name.lower().replace(" ", "_"))
