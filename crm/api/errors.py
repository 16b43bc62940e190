"""The API's one error shape: {"error": {"code", "message", "fields"}}."""

from flask import jsonify, request
from werkzeug.exceptions import HTTPException

from crm.core.errors import (
    BadParameter,
    DomainError,
    InvalidCredentials,
    KeyReused,
    NotFound,
    ReadOnlyActivity,
    RetryLater,
    SignInBusy,
    StaleVersion,
    TooManyAttempts,
    ValidationFailed,
)
from crm.core.messages import msg


class ApiError(Exception):
    """An answer other than success that an API view decides on by itself."""

    def __init__(self, status: int, code: str, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}


# The refusals every route may give, each worded once: raised by the checks and shown as the
# OpenAPI document's examples (a body's refusals are beside its reading, crm/api/inputs.py).
def not_signed_in() -> ApiError:
    return ApiError(401, "unauthorized", "Sign in first: send the session cookie or an Authorization: Bearer token.")


def cross_site() -> ApiError:
    return ApiError(403, "cross_site_request", "Requests from other sites cannot use the session cookie.")


def internal_error() -> ApiError:
    return ApiError(500, "internal_error", msg("Something went wrong on our side; nothing was saved."))


def is_api_request() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def error_body(code: str, message: str, fields: dict[str, str] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def error_response(status: int, code: str, message: str, fields: dict[str, str] | None = None,
                   retry_after: int | None = None):
    response = jsonify(error_body(code, message, fields))
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="crm"'
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def api_error_response(error: ApiError):
    return error_response(error.status, error.code, error.message, error.fields)


def domain_error_response(error: DomainError):
    refusal = domain_refusal(error)
    retry_after = error.retry_after if isinstance(error, RetryLater) else None
    response = error_response(refusal.status, refusal.code, refusal.message, refusal.fields, retry_after)
    if isinstance(error, StaleVersion):
        response.set_etag(error.current)
    return response


def domain_refusal(error: DomainError) -> ApiError:
    """What the API answers to an error of the domain (also the document's examples of it)."""
    if isinstance(error, ValidationFailed):
        return ApiError(422, "validation_failed", str(error), error.fields)
    if isinstance(error, BadParameter):
        return ApiError(400, "invalid_parameter", str(error), {error.name: error.problem + "."})
    for kind, status, code in _DOMAIN_ANSWERS:
        if isinstance(error, kind):
            return ApiError(status, code, str(error))
    return ApiError(400, "bad_request", str(error))


_DOMAIN_ANSWERS = (
    (NotFound, 404, "not_found"),
    (InvalidCredentials, 401, "invalid_credentials"),
    ((TooManyAttempts, SignInBusy), 429, "too_many_requests"),
    (RetryLater, 503, "service_unavailable"),
    (KeyReused, 409, "idempotency_key_reused"),
    (ReadOnlyActivity, 409, "read_only_activity"),
    (StaleVersion, 412, "precondition_failed"),
)


def http_error_response(error: HTTPException):
    refusal = http_refusal(error)
    response = error_response(refusal.status, refusal.code, refusal.message)
    if error.code == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def http_refusal(error: HTTPException) -> ApiError:
    """What the API answers to an HTTP error Flask raises (a wrong method, a body too large)."""
    return ApiError(error.code or 500, _code_of(error), error.description or error.name)


def _code_of(error: HTTPException) -> str:
    return {
        400: "bad_request",
        404: "not_found",
        405: "method_not_allowed",
        413: "payload_too_large",
        415: "unsupported_media_type",
        500: "internal_error",
    }.get(error.code, error.name.lower().replace(" ", "_"))
