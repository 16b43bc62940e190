"""Field parsers shared by every input schema: each takes a decoded JSON value and returns the
clean value or raises FieldError with a message meant for the person who sent it. Each also says
what it accepts as a JSON Schema, from which the API's document describes every body."""

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from crm.core.currencies import ISO_4217
from crm.core.errors import ValidationFailed
from crm.core.ids import PREFIXES, id_pattern, is_id_of
from crm.core.locales import time_zones
from crm.core.messages import msg

MAX_AMOUNT = Decimal("9999999999999.99")
MAX_MOMENT_LENGTH = 40
MAX_EMAIL_LENGTH = 320
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CLOCK_TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
# Line breaks and tabs are allowed in multi-line text (notes); no other control character anywhere.
_LINE_BREAKS = frozenset("\n\r\t")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# The same rules of text as character classes of a JSON Schema pattern: control characters (category
# Cc) and the characters str.strip() removes, which alone make a text blank.
_CONTROL = r"\u0000-\u001f\u007f-\u009f"
_CONTROL_BUT_LINE_BREAKS = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f"
_SPACES = r" \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"

Schema = dict[str, Any]
# What the field tables hold: a Parser, or any function that reads a value the same way (one a
# document never describes, such as a password's).
Parse = Callable[[Any], Any]


class FieldError(ValueError):
    pass


class Parser:
    """Reads one field: called with a decoded JSON value, it answers the clean value or raises
    FieldError; its schema says in JSON Schema what it accepts (a description, if any, says the
    rule in words, for a field's own description to precede)."""

    def __init__(self, parse: Parse, schema: Schema):
        self._parse = parse
        self._schema = schema

    def __call__(self, value: Any) -> Any:
        return self._parse(value)

    @property
    def schema(self) -> Schema:
        """A copy, so that a document adding to it never changes the parser's own."""
        return dict(self._schema)


def accepting(schema: Schema) -> Callable[[Parse], Parser]:
    """Make a parse function a Parser that accepts what schema says."""
    return lambda parse: Parser(parse, schema)


@dataclass(frozen=True)
class WholeNumbers:
    """The whole numbers from low to high inclusive: the one rule behind a body's whole-number field
    and a list's whole-number query parameter, which each say in their own words what is wrong."""

    low: int
    high: int

    @property
    def schema(self) -> Schema:
        return {"type": "integer", "minimum": self.low, "maximum": self.high}

    def __contains__(self, number: int | Decimal) -> bool:
        return self.low <= number <= self.high

    def of_json(self, value: Any) -> int | None:
        """A decoded JSON number of the range as an int (1.0 counts as 1; true and false do not);
        compared before it is converted, since 1e999999999 would take all memory as an int."""
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            return None
        if isinstance(value, Decimal) and (not value.is_finite() or value != value.to_integral_value()):
            return None
        return int(value) if value in self else None

    def of_digits(self, raw: str) -> int | None:
        """The number ASCII digits write; any above high answers high + 1, compared by length
        first: Python refuses to convert strings of thousands of digits."""
        if not raw.isascii() or not raw.isdigit():
            return None
        digits = raw.lstrip("0") or "0"
        return self.high + 1 if len(digits) > len(str(self.high)) else int(digits)


def parse_fields(
    data: Mapping[str, Any],
    parsers: Mapping[str, Parse],
    *,
    required: frozenset[str] = frozenset(),
    read_only: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Parse the fields present in data; report every bad, missing, unknown or read-only one at once."""
    clean, errors = collect_fields(data, parsers, required=required, read_only=read_only)
    if errors:
        raise ValidationFailed(errors)
    return clean


def collect_fields(
    data: Mapping[str, Any],
    parsers: Mapping[str, Parse],
    *,
    required: frozenset[str] = frozenset(),
    read_only: frozenset[str] = frozenset(),
) -> tuple[dict[str, Any], dict[str, str]]:
    """The fields that parsed, and what is wrong with each one that did not (for callers that check
    more rules before reporting every problem together)."""
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for name, value in data.items():
        if name in read_only:
            errors[name] = msg("is read-only and cannot be set.")
        elif name not in parsers:
            errors[name] = msg("is not a known field.")
        else:
            try:
                clean[name] = parsers[name](value)
            except FieldError as error:
                errors[name] = error.args[0]  # as raised: a Message keeps what a page translates
    for name in required - data.keys():
        errors[name] = msg("is required.")
    return clean, errors


def optional(parser: Parser) -> Parser:
    """Let null through (it clears the field) and parse anything else."""

    def parse(value: Any) -> Any:
        return None if value is None else parser(value)

    schema = parser.schema
    return Parser(parse, {**schema, "type": [schema["type"], "null"]})


def text(max_length: int, *, multiline: bool = False) -> Parser:
    """A non-blank string of at most max_length characters, trimmed of surrounding spaces."""
    allowed = _LINE_BREAKS if multiline else frozenset()

    def parse(value: Any) -> str:
        if not isinstance(value, str):
            raise FieldError(msg("must be a string."))
        value = value.strip()
        if not value:
            raise FieldError(msg("must not be empty."))
        if len(value) > max_length:
            raise FieldError(msg("must be at most %(max)s characters long.", max=max_length))
        if has_control_characters(value, allowed=allowed):
            raise FieldError(msg("must not contain control characters."))
        return value

    allowed_class = _CONTROL_BUT_LINE_BREAKS if multiline else _CONTROL
    return Parser(parse, {
        "type": "string",
        "minLength": 1,
        "maxLength": max_length,
        "pattern": f"^[^{allowed_class}]*[^{_SPACES}{_CONTROL}][^{allowed_class}]*$",
        "description": f"Trimmed; not blank; at most {max_length:,} characters; no control characters"
        + (" other than tabs and line breaks." if multiline else "."),
    })


def whole_number(low: int, high: int) -> Parser:
    """An integer between low and high inclusive (1.0 counts as 1; true and false do not)."""
    numbers = WholeNumbers(low, high)

    def parse(value: Any) -> int:
        number = numbers.of_json(value)
        if number is None:
            raise FieldError(msg("must be a whole number from %(low)s to %(high)s.", low=low, high=high))
        return number

    return Parser(parse, numbers.schema)


@accepting({
    "type": "number",
    "minimum": 0,
    "maximum": MAX_AMOUNT,
    "description": f"Exact, not negative, at most two decimal places, at most {MAX_AMOUNT:,}. Whole amounts are "
    "JSON integers (`1200000`), others exact (`1234567.89`).",
    "multipleOf": Decimal("0.01"),
})
def money(value: Any) -> Decimal:
    """A non-negative amount with at most two decimal places."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise FieldError(msg("must be a number."))
    amount = Decimal(value)
    if not amount.is_finite():
        raise FieldError(msg("must be a finite number."))
    if amount < 0:
        raise FieldError(msg("must not be negative."))
    if amount > MAX_AMOUNT:
        raise FieldError(msg("must be at most %(max)s.", max=format(MAX_AMOUNT, ",")))
    if amount != amount.quantize(Decimal("0.01")):
        raise FieldError(msg("must have at most two decimal places."))
    return amount.quantize(Decimal("0.01"))


@accepting({"type": "string", "pattern": "^[A-Za-z]{3}$",
            "description": "An ISO 4217 code such as JPY or USD; lower case is stored upper case."})
def currency(value: Any) -> str:
    """An ISO 4217 currency code; lower case is accepted and stored upper case."""
    if not isinstance(value, str) or value.upper() not in ISO_4217:
        raise FieldError(msg("must be a three-letter ISO 4217 currency code, such as JPY or USD."))
    return value.upper()


@accepting({"type": "string", "format": "date", "pattern": f"^{_DATE.pattern}$",
            "description": "A real calendar date, `YYYY-MM-DD`."})
def calendar_date(value: Any) -> date:
    """A real calendar date written YYYY-MM-DD."""
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise FieldError(msg("must be a date written YYYY-MM-DD."))
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FieldError(msg("is not a real calendar date.")) from None


@accepting({"type": "string", "pattern": f"^{_CLOCK_TIME.pattern}$",
            "description": "A time of day on a 24-hour clock, `HH:MM`."})
def clock_time(value: Any) -> time:
    """A time of day written HH:MM (00:00 to 23:59)."""
    if not isinstance(value, str) or not _CLOCK_TIME.fullmatch(value):
        raise FieldError(msg("must be a time of day written HH:MM, from 00:00 to 23:59."))
    return time.fromisoformat(value)


@accepting({"type": "boolean", "description": "true or false."})
def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise FieldError(msg("must be true or false."))
    return value


@accepting({"type": "string", "maxLength": MAX_MOMENT_LENGTH,
            "description": "An ISO 8601 date or date-time (UTC when it has no offset)."})
def moment(value: Any) -> datetime:
    """An ISO 8601 date or date-time; without an offset it is taken as UTC."""
    if not isinstance(value, str) or len(value) > MAX_MOMENT_LENGTH:
        raise FieldError(msg("must be an ISO 8601 date-time such as 2026-01-15T09:00:00Z."))
    try:
        parsed = datetime.fromisoformat(value)
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):
        raise FieldError(msg("must be an ISO 8601 date-time such as 2026-01-15T09:00:00Z.")) from None


def choice(values: list[str]) -> Parser:
    """One of the given strings."""

    def parse(value: Any) -> str:
        if not isinstance(value, str) or value not in values:
            raise FieldError(msg("must be one of: %(choices)s.", choices=", ".join(values)))
        return value

    return Parser(parse, {"type": "string", "enum": list(values)})


@accepting({"type": "string", "description": "An IANA time zone, such as Asia/Tokyo or UTC."})
def time_zone(value: Any) -> str:
    if not isinstance(value, str) or value not in time_zones():
        raise FieldError(msg("must be a time zone such as Asia/Tokyo or UTC."))
    return value


# What a field naming a record says of a value shaped like no id of that kind: a whole sentence
# for each kind a field names (a field naming a user names a member). The other kinds' parsers only
# describe an id in a document.
_NOT_AN_ID = {
    "company": msg("must be a company id."),
    "contact": msg("must be a contact id."),
    "user": msg("must be a member (user) id."),
}


def record_id(kind: str) -> Parser:
    """A string shaped like an id of that kind; whether it exists is the domain's question."""

    def parse(value: Any) -> str:
        if not is_id_of(kind, value):
            raise FieldError(_NOT_AN_ID[kind])
        return value

    return Parser(parse, {"type": "string", "pattern": f"^{id_pattern(kind)}$",
                          "description": f"(`{PREFIXES[kind]}` and 32 lowercase hex digits)."})


def has_control_characters(value: str, allowed: frozenset[str] = frozenset()) -> bool:
    """Control characters (NUL, escape, ...) and lone surrogates: never part of text a user means."""
    return any(unicodedata.category(char) in ("Cc", "Cs") and char not in allowed for char in value)


@accepting({"type": "string", "maxLength": MAX_EMAIL_LENGTH, "pattern": rf"^\s*{_EMAIL.pattern}\s*$",
            "description": "An email address; stored lower case."})
def email(value: Any) -> str:
    """An email address, stored lower case."""
    if (not isinstance(value, str) or len(value) > MAX_EMAIL_LENGTH or not _EMAIL.fullmatch(value.strip())
            or has_control_characters(value)):
        raise FieldError(msg("must be an email address."))
    return value.strip().lower()
