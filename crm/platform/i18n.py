"""The language and time zone of each page, through Flask-Babel's gettext catalogs.

The catalogs' sources (crm/translations/<language>/LC_MESSAGES/messages.po) live in the repository;
their compiled form is built at start into the instance folder, which is writable wherever the app
runs, and rebuilt whenever a source is newer. The API never asks for a translation: its messages
are the contract's English."""

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import flask_babel
from babel import support
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from flask import Flask, g, has_request_context, request
from flask_babel import Babel, get_locale
from flask_babel.speaklater import LazyString
from flask_login import current_user

from crm.core.locales import DEFAULT_LANGUAGE, DEFAULT_TIME_ZONE, LANGUAGES

CATALOGS = Path(__file__).resolve().parent.parent / "translations"
# The login page's language menu, for a visitor who is not signed in (a signed-in choice is stored
# on the user).
LANGUAGE_COOKIE = "language"

babel = Babel()


def init_i18n(app: Flask) -> None:
    compiled = compile_catalogs(Path(app.instance_path) / "translations")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(compiled)
    app.config["BABEL_DEFAULT_LOCALE"] = DEFAULT_LANGUAGE
    app.config["BABEL_DEFAULT_TIMEZONE"] = DEFAULT_TIME_ZONE
    babel.init_app(app, locale_selector=page_language, timezone_selector=page_time_zone)
    app.jinja_env.install_gettext_callables(
        gettext=lambda text: page_translations().ugettext(text),
        ngettext=lambda singular, plural, n: page_translations().ungettext(singular, plural, n),
        pgettext=lambda context, text: page_translations().upgettext(context, text),
        npgettext=lambda context, singular, plural, n: page_translations().unpgettext(context, singular, plural, n),
        newstyle=True,
    )
    app.jinja_env.globals.update(languages=LANGUAGES, current_language=page_language_code)


def page_language() -> str:
    """The signed-in user's saved choice, else the login page's, else the browser's languages, else
    the organization's default."""
    member = current_user if current_user.is_authenticated else None
    if member is not None and member.locale:
        return member.locale
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    asked = request.accept_languages.best_match(LANGUAGES)
    if asked:
        return asked
    return member.organization_locale if member is not None else DEFAULT_LANGUAGE


def page_language_code() -> str:
    """The page's language ("ja"), found once per request, like its catalog below."""
    if not has_request_context():
        return str(get_locale())
    if "language" not in g:
        g.language = str(get_locale())
    return g.language


def page_translations() -> support.Translations:
    """The page's catalog, found once per request: Flask-Babel looks it up again on every text
    (some 25 µs each), which a board of a hundred cards, each with its labels, felt."""
    if not has_request_context():
        return flask_babel.get_translations()
    if "translations" not in g:
        g.translations = flask_babel.get_translations()
    return g.translations


def gettext(text: str, **params) -> str:
    translated = page_translations().ugettext(text)
    return translated % params if params else translated


def pgettext(context: str, text: str, **params) -> str:
    translated = page_translations().upgettext(context, text)
    return translated % params if params else translated


def lazy_gettext(text: str) -> LazyString:
    """A text translated each time it is shown, for tables defined when the module loads."""
    return LazyString(gettext, text)


def lazy_pgettext(context: str, text: str) -> LazyString:
    return LazyString(pgettext, context, text)


def page_time_zone() -> str:
    return current_user.time_zone if current_user.is_authenticated else DEFAULT_TIME_ZONE


def compile_catalogs(target: Path) -> Path:
    """Compile every catalog whose compiled copy is missing or older, each written whole before it
    replaces the old one, so that several workers starting at once never read half a file."""
    for source in CATALOGS.glob("*/LC_MESSAGES/*.po"):
        compiled = target / source.relative_to(CATALOGS).with_suffix(".mo")
        if compiled.exists() and compiled.stat().st_mtime >= source.stat().st_mtime:
            continue
        compiled.parent.mkdir(parents=True, exist_ok=True)
        with source.open("rb") as po:
            catalog = read_po(po, locale=source.parts[-3])
        with tempfile.NamedTemporaryFile(dir=compiled.parent, delete=False) as mo:
            write_mo(mo, catalog)
        os.replace(mo.name, compiled)
    return target


# What the catalogs' extraction reads: the app's code and templates, with the marks it uses.
SOURCES = [("crm/**.py", "python"), ("templates/**.html", "jinja2")]
# pgettext: one English word with two meanings ("Email" the activity, "Email" the address) takes a
# context, so that each meaning has its own translation.
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "msg": None,
            "pgettext": ((1, "c"), 2), "lazy_pgettext": ((1, "c"), 2)}
ROOT = CATALOGS.parent.parent


def extracted_messages() -> Catalog:
    """Every message the code and the templates mark for translation, as a catalog template."""
    # A fixed date, so that updating a catalog changes only its messages.
    template = Catalog(project="crm-deals", creation_date=datetime(2026, 12, 1, tzinfo=UTC), fuzzy=False)
    found = extract_from_dir(ROOT, SOURCES, keywords=KEYWORDS, directory_filter=_is_searched)
    for filename, lineno, message, comments, context in found:
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def _is_searched(directory: str) -> bool:
    """Every folder but hidden ones: Babel's own filter also skips those named _…, which would leave
    out the templates' _macros/."""
    return not os.path.basename(directory).startswith(".")


def update_catalogs() -> None:
    """Bring every language's catalog up to date with the code: new messages in, gone ones out."""
    template = extracted_messages()
    for language in LANGUAGES:
        source = CATALOGS / language / "LC_MESSAGES" / "messages.po"
        if source.exists():
            with source.open("rb") as po:
                catalog = read_po(po, locale=language)
        else:
            source.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=language, fuzzy=False)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        with source.open("wb") as po:
            write_po(po, catalog, width=120, no_location=True, sort_output=True, include_previous=False)
