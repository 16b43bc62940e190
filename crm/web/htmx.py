"""What a page view needs to answer browsers and HTMX alike."""

from urllib.parse import urlsplit

from flask import Response, make_response, redirect, render_template, request, url_for


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def wants_fragment() -> bool:
    """An HTMX request for a part of the page; restoring a page from history asks for all of it."""
    return is_htmx() and request.headers.get("HX-History-Restore-Request") != "true"


def page_or_fragment(page_template: str, fragment_template: str, /, status: int = 200, **context) -> Response:
    """The whole page for a browser, only the fragment for HTMX; the page includes the fragment."""
    response = make_response(render_template(fragment_template if wants_fragment() else page_template, **context), status)
    response.headers["Vary"] = "HX-Request"
    return response


def form_version() -> set[str] | None:
    """The deal version a form was filled from (a hidden field), so that saving it does not
    overwrite someone else's change made meanwhile; None for a form without one."""
    version = request.form.get("version", "").strip()
    return {version} if version else None


def redirect_to(endpoint: str, **values) -> Response:
    """Go to another page after a change: HTMX follows HX-Redirect, a plain form a 303."""
    url = url_for(endpoint, **values)
    if is_htmx():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, code=303)


def safe_next(target: str | None) -> str | None:
    """A path on this site to return to after signing in; anything else (another host) is dropped."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(character) < 32 or ord(character) == 127 for character in target):
        return None  # urlsplit would quietly drop CR/LF and tabs; a header could not carry them anyway
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None
