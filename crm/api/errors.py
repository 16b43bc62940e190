"""The API's one error shape: {"error": {"code", "message", "fields"}}."""

from flask import jsonify, request
from werkzeug.exceptions import HTTPException

from crm.core.errors import (
    BadParameter,
    DomainError,
    InvalidCredentials,
    KeyReused,
    NotFound,
    RetryLater,
    SignInBusy,
    StaleVersion,
    TooManyAttempts,
    ValidationFailed,
)


class ApiError(Exception):
    """An answer other than success that an API view decides on by itself."""

    def __init__(self, status: int, code: str, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}


def is_api_request() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def error_response(status: int, code: str, message: str, fields: dict[str, str] | None = None,
                   retry_after: int | None = None):
    response = jsonify({"error": {"code": code, "message": message, "fields": fields or {}}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="crm"'
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def api_error_response(error: ApiError):
    return error_response(error.status, error.code, error.message, error.fields)


def domain_error_response(error: DomainError):
    if isinstance(error, ValidationFailed):
        return error_response(422, "validation_failed", str(error), error.fields)
    if isinstance(error, BadParameter):
        return error_response(400, "invalid_parameter", str(error), {error.name: error.problem + "."})
    if isinstance(error, NotFound):
        return error_response(404, "not_found", str(error))
    if isinstance(error, InvalidCredentials):
        return error_response(401, "invalid_credentials", str(error))
    if isinstance(error, (TooManyAttempts, SignInBusy)):
        return error_response(429, "too_many_requests", str(error), retry_after=error.retry_after)
    if isinstance(error, RetryLater):
        return error_response(503, "service_unavailable", str(error), retry_after=error.retry_after)
    if isinstance(error, KeyReused):
        return error_response(409, "idempotency_key_reused", str(error))
    if isinstance(error, StaleVersion):
        response = error_response(412, "precondition_failed", str(error))
        response.set_etag(error.current)
        return response
    return error_response(400, "bad_request", str(error))


def http_error_response(error: HTTPException):
    response = error_response(error.code or 500, _code_of(error), error.description or error.name)
    if error.code == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def _code_of(error: HTTPException) -> str:
    return {
        400: "bad_request",
        404: "not_found",
        405: "method_not_allowed",
        413: "payload_too_large",
        415: "unsupported_media_type",
        500: "internal_error",
    }.get(error.code, error.name.lower().replace(" ", "_"))
