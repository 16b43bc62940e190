"""Field parsers shared by every input schema: each takes a decoded JSON value and returns the
clean value or raises FieldError with a message meant for the person who sent it."""

import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from crm.core.currencies import ISO_4217
from crm.core.errors import ValidationFailed

MAX_AMOUNT = Decimal("9999999999999.99")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Line breaks and tabs are allowed in multi-line text (notes); no other control character anywhere.
_LINE_BREAKS = frozenset("\n\r\t")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class FieldError(ValueError):
    pass


Parser = Callable[[Any], Any]


def parse_fields(
    data: Mapping[str, Any],
    parsers: Mapping[str, Parser],
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
    parsers: Mapping[str, Parser],
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
            errors[name] = "is read-only and cannot be set."
        elif name not in parsers:
            errors[name] = "is not a known field."
        else:
            try:
                clean[name] = parsers[name](value)
            except FieldError as error:
                errors[name] = str(error)
    for name in required - data.keys():
        errors[name] = "is required."
    return clean, errors


def optional(parser: Parser) -> Parser:
    """Let null through (it clears the field) and parse anything else."""

    def parse(value: Any) -> Any:
        return None if value is None else parser(value)

    return parse


def text(max_length: int, *, multiline: bool = False) -> Parser:
    """A non-blank string of at most max_length characters, trimmed of surrounding spaces."""

    def parse(value: Any) -> str:
        if not isinstance(value, str):
            raise FieldError("must be a string.")
        value = value.strip()
        if not value:
            raise FieldError("must not be empty.")
        if len(value) > max_length:
            raise FieldError(f"must be at most {max_length} characters long.")
        if has_control_characters(value, allowed=_LINE_BREAKS if multiline else frozenset()):
            raise FieldError("must not contain control characters.")
        return value

    return parse


def whole_number(low: int, high: int) -> Parser:
    """An integer between low and high inclusive (1.0 counts as 1; true and false do not)."""

    def parse(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            raise FieldError(f"must be a whole number from {low} to {high}.")
        if isinstance(value, Decimal) and (not value.is_finite() or value != value.to_integral_value()):
            raise FieldError(f"must be a whole number from {low} to {high}.")
        if not low <= value <= high:
            raise FieldError(f"must be a whole number from {low} to {high}.")
        return int(value)

    return parse


def money(value: Any) -> Decimal:
    """A non-negative amount with at most two decimal places."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise FieldError("must be a number.")
    amount = Decimal(value)
    if not amount.is_finite():
        raise FieldError("must be a finite number.")
    if amount < 0:
        raise FieldError("must not be negative.")
    if amount > MAX_AMOUNT:
        raise FieldError(f"must be at most {MAX_AMOUNT:,}.")
    if amount != amount.quantize(Decimal("0.01")):
        raise FieldError("must have at most two decimal places.")
    return amount.quantize(Decimal("0.01"))


def currency(value: Any) -> str:
    """An ISO 4217 currency code; lower case is accepted and stored upper case."""
    if not isinstance(value, str) or value.upper() not in ISO_4217:
        raise FieldError("must be a three-letter ISO 4217 currency code, such as JPY or USD.")
    return value.upper()


def calendar_date(value: Any) -> date:
    """A real calendar date written YYYY-MM-DD."""
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise FieldError("must be a date written YYYY-MM-DD.")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FieldError("is not a real calendar date.") from None


def moment(value: Any) -> datetime:
    """An ISO 8601 date or date-time; without an offset it is taken as UTC."""
    if not isinstance(value, str) or len(value) > 40:
        raise FieldError("must be an ISO 8601 date-time such as 2026-01-15T09:00:00Z.")
    try:
        parsed = datetime.fromisoformat(value)
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):
        raise FieldError("must be an ISO 8601 date-time such as 2026-01-15T09:00:00Z.") from None


def choice(values: list[str]) -> Parser:
    """One of the given strings."""

    def parse(value: Any) -> str:
        if not isinstance(value, str) or value not in values:
            raise FieldError(f"must be one of: {', '.join(values)}.")
        return value

    return parse


def record_id(shape_check: Callable[[Any], bool], what: str) -> Parser:
    """A string shaped like an id of the given kind; whether it exists is the domain's question."""

    def parse(value: Any) -> str:
        if not shape_check(value):
            raise FieldError(f"must be a {what} id.")
        return value

    return parse


def has_control_characters(value: str, allowed: frozenset[str] = frozenset()) -> bool:
    """Control characters (NUL, escape, ...) and lone surrogates: never part of text a user means."""
    return any(unicodedata.category(char) in ("Cc", "Cs") and char not in allowed for char in value)


def email(value: Any) -> str:
    """An email address, stored lower case."""
    if (not isinstance(value, str) or len(value) > 320 or not _EMAIL.fullmatch(value.strip())
            or has_control_characters(value)):
        raise FieldError("must be an email address.")
    return value.strip().lower()
