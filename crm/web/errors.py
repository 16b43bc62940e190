"""Error pages in the app's layout (or a short text for HTMX to show)."""

from flask import make_response, render_template

from ..errors import BadParameter, DomainError, InvalidCredentials, NotFound, ValidationFailed
from .htmx import is_htmx

TITLES = {400: "Bad request", 401: "Sign in needed", 403: "Not allowed", 404: "Page not found",
          405: "Not allowed", 413: "Too large", 422: "Invalid input", 429: "Too many attempts", 500: "Something went wrong"}


def fields_sentence(error: ValidationFailed) -> str:
    """Field messages as one sentence for a flash or a toast: "Lost reason must be at most …"."""
    return " ".join(f"{field.replace('_', ' ').capitalize()} {problem}" for field, problem in error.fields.items())


def error_page(status: int, message: str):
    if is_htmx():
        return plain_error(status, message)
    return render_template("errors/error.html", status=status, title=TITLES.get(status, "Error"), message=message), status


def plain_error(status: int, message: str):
    """The message alone, for HTMX to show, or when no page can be built around it."""
    return make_response(message, status, {"Content-Type": "text/plain; charset=utf-8"})


def domain_error_page(error: DomainError):
    if isinstance(error, NotFound):
        return error_page(404, f"This {error.what} does not exist, or it has been deleted.")
    if isinstance(error, BadParameter):
        return error_page(400, str(error))
    if isinstance(error, ValidationFailed):
        return error_page(422, str(error))
    if isinstance(error, InvalidCredentials):
        return error_page(401, str(error))
    return error_page(400, str(error))
