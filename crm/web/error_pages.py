"""Error pages in the app's layout (or a short text for HTMX to show), in the page's language."""

from flask import make_response, render_template
from werkzeug.exceptions import HTTPException

from crm.core.errors import (
    BadParameter,
    DomainError,
    InvalidCredentials,
    NotFound,
    RetryLater,
    SignInBusy,
    TooManyAttempts,
    ValidationFailed,
)
from crm.platform.i18n import gettext, lazy_gettext
from crm.web.format import FIELD_LABELS, say
from crm.web.htmx import is_htmx

TITLES = {
    400: lazy_gettext("Bad request"),
    401: lazy_gettext("Sign in needed"),
    403: lazy_gettext("Not allowed"),
    404: lazy_gettext("Page not found"),
    405: lazy_gettext("Not allowed"),
    413: lazy_gettext("Too large"),
    422: lazy_gettext("Invalid input"),
    429: lazy_gettext("Too many attempts"),
    500: lazy_gettext("Something went wrong"),
    503: lazy_gettext("Try again in a moment"),
}
# What Werkzeug says of each failure a page meets that it answers by itself (a URL no route takes,
# a method a route does not take, a body too large), word for word, so that a page can say it in
# its reader's language.
DESCRIPTIONS = {
    400: lazy_gettext("The browser (or proxy) sent a request that this server could not understand."),
    404: lazy_gettext("The requested URL was not found on the server. If you entered the URL manually please check "
                      "your spelling and try again."),
    405: lazy_gettext("The method is not allowed for the requested URL."),
    413: lazy_gettext("The data value transmitted exceeds the capacity limit."),
}
# What a page says of a record that is not there, for each kind a page looks up (companies and
# contacts are looked up by the API alone), else of any record.
GONE = {
    "deal": lazy_gettext("This deal does not exist, or it has been deleted."),
    "stage": lazy_gettext("This stage does not exist, or it has been deleted."),
    "record": lazy_gettext("This record does not exist, or it has been deleted."),
}
_STATUSES = ((NotFound, 404), (ValidationFailed, 422), (InvalidCredentials, 401), (TooManyAttempts, 429),
             (SignInBusy, 429), (RetryLater, 503))


def fields_sentence(error: ValidationFailed) -> str:
    """Field messages as one sentence for a flash or a toast: "Lost reason must be at most …"."""
    return " ".join(
        gettext("%(field)s %(problem)s", field=FIELD_LABELS.get(field) or field.replace("_", " ").capitalize(),
                problem=say(problem))
        for field, problem in error.fields.items()
    )


def status_of(error: DomainError) -> int:
    """The HTTP status a page answers for a refusal of the domain (400 for a bad parameter and the rest)."""
    return next((status for kind, status in _STATUSES if isinstance(error, kind)), 400)


def error_page(status: int, message: str, retry_after: int | None = None):
    if is_htmx():
        response = plain_error(status, message)
    else:
        page = render_template("errors/error.html", status=status, title=TITLES.get(status, lazy_gettext("Error")),
                               message=message)
        response = make_response(page, status)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def plain_error(status: int, message: str):
    """The message alone, for HTMX to show, or when no page can be built around it."""
    return make_response(message, status, {"Content-Type": "text/plain; charset=utf-8"})


def http_error_page(error: HTTPException):
    """Werkzeug's own words for a failure it answered by itself, in the page's language; a
    description given when aborting, as it is."""
    own = error.description == type(error).description and error.code in DESCRIPTIONS
    return error_page(error.code or 500, str(DESCRIPTIONS[error.code]) if own else error.description or error.name)


def domain_error_page(error: DomainError):
    if isinstance(error, NotFound):
        return error_page(404, str(GONE.get(error.what, GONE["record"])))
    return error_page(status_of(error), said(error), error.retry_after if isinstance(error, RetryLater) else None)


def said(error: DomainError) -> str:
    """The domain's message in the page's language; a bad parameter's problem is a message of its own."""
    if isinstance(error, BadParameter):
        return gettext(error.message.template, name=error.name, problem=say(error.problem))
    return say(error.message)
