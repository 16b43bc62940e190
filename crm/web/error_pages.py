"""Error pages in the app's layout (or a short text for HTMX to show)."""

from flask import make_response, render_template

from crm.core.errors import (
    DomainError,
    InvalidCredentials,
    NotFound,
    RetryLater,
    SignInBusy,
    TooManyAttempts,
    ValidationFailed,
)
from crm.web.htmx import is_htmx

TITLES = {400: "Bad request", 401: "Sign in needed", 403: "Not allowed", 404: "Page not found",
          405: "Not allowed", 413: "Too large", 422: "Invalid input", 429: "Too many attempts", 500: "Something went wrong",
          503: "Try again in a moment"}
_STATUSES = ((NotFound, 404), (ValidationFailed, 422), (InvalidCredentials, 401), (TooManyAttempts, 429),
             (SignInBusy, 429), (RetryLater, 503))


def fields_sentence(error: ValidationFailed) -> str:
    """Field messages as one sentence for a flash or a toast: "Lost reason must be at most …"."""
    return " ".join(f"{field.replace('_', ' ').capitalize()} {problem}" for field, problem in error.fields.items())


def status_of(error: DomainError) -> int:
    """The HTTP status a page answers for a refusal of the domain (400 for a bad parameter and the rest)."""
    return next((status for kind, status in _STATUSES if isinstance(error, kind)), 400)


def error_page(status: int, message: str, retry_after: int | None = None):
    if is_htmx():
        response = plain_error(status, message)
    else:
        page = render_template("errors/error.html", status=status, title=TITLES.get(status, "Error"), message=message)
        response = make_response(page, status)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def plain_error(status: int, message: str):
    """The message alone, for HTMX to show, or when no page can be built around it."""
    return make_response(message, status, {"Content-Type": "text/plain; charset=utf-8"})


def domain_error_page(error: DomainError):
    if isinstance(error, NotFound):
        return error_page(404, f"This {error.what} does not exist, or it has been deleted.")
    return error_page(status_of(error), str(error), error.retry_after if isinstance(error, RetryLater) else None)
