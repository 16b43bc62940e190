"""How values read on a page: field names, money in its currency, stage names, initials, times,
and the changes an activity records."""

from collections.abc import Mapping
from copy import copy
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from babel import numbers
from flask import Flask
from flask_babel import (
    format_date,
    format_datetime,
    format_number,
    format_percent,
    get_locale,
    get_timezone,
    gettext,
    to_user_timezone,
)

from crm.core.clock import today_in
from crm.core.currencies import CURRENCY_SYMBOLS, WHOLE_CURRENCIES
from crm.core.messages import Message
from crm.deals.rules import (
    DEFAULT_CURRENCY,
    MAX_LOST_REASON_LENGTH,
    MAX_NAME_LENGTH,
    MAX_NOTE_LENGTH,
    NEW_DEAL_STAGE,
    REFERENCES,
    STAGES,
    version_of,
)
from crm.models import Activity, Stage, stage_table

# What a page calls each field of a deal: the form's labels and the history's.
FIELD_LABELS = {
    "name": "Name",
    "amount": "Amount",
    "currency": "Currency",
    "stage": "Stage",
    "probability": "Probability",
    "company_id": "Company",
    "contact_id": "Contact",
    "assigned_member_id": "Assignee",
    "expected_close_date": "Expected close date",
    "won_date": "Won date",
    "lost_reason": "Lost reason",
    "note": "Note",
}
NO_VALUE = "—"

STAGE_LABELS = stage_table({
    Stage.LEAD: "Lead",
    Stage.QUALIFICATION: "Qualification",
    Stage.PROPOSAL: "Proposal",
    Stage.NEGOTIATION: "Negotiation",
    Stage.CLOSED_WON: "Won",
    Stage.CLOSED_LOST: "Lost",
})
# The longest text each field takes (the deal rules refuse more): what the forms' inputs allow.
MAX_LENGTHS = {"name": MAX_NAME_LENGTH, "lost_reason": MAX_LOST_REASON_LENGTH, "note": MAX_NOTE_LENGTH,
               "content": MAX_NOTE_LENGTH}


# How a page writes a day and a moment in each language, as Babel patterns: English keeps the ISO
# order its pages have always shown, Japanese its own short forms (2026/03/31, 2026/03/31 18:00).
DAY_FORMATS = {"en": "yyyy-MM-dd", "ja": "short"}
MOMENT_FORMATS = {"en": "yyyy-MM-dd HH:mm", "ja": "short"}


def money(amount: Decimal | None, currency: str, *, estimate: bool = False) -> str:
    """An amount as the page's language writes it: ¥1,200,000 / $1,234.50 / 1,234.50 CHF in English,
    ￥1,200,000 in Japanese; an empty string for no amount. A currency without minor units (yen)
    shows them only when an exact amount has some, so that ¥12.50 never reads as ¥13; an estimate
    (a weighted total) is shown in whole yen. A currency without a symbol of its own is written
    with its code after the number (Babel would glue the code before it: CHF1,234.50)."""
    if amount is None:
        return ""
    whole = estimate or Decimal(amount) == Decimal(amount).to_integral_value()
    places = 0 if currency in WHOLE_CURRENCIES and whole else 2
    # Rounded here, half up, so that Babel (which rounds half to even) has nothing left to round.
    rounded = Decimal(amount).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    locale = get_locale()
    if currency in CURRENCY_SYMBOLS:
        pattern = _with_places(locale.currency_formats["standard"], places)
        return numbers.format_currency(rounded, currency, pattern, locale=locale, currency_digits=False)
    number_pattern = _with_places(locale.decimal_formats[None], places)
    return f"{numbers.format_decimal(rounded, number_pattern, locale=locale)} {currency}"


def _with_places(pattern: numbers.NumberPattern, places: int) -> numbers.NumberPattern:
    """The locale's number pattern with exactly `places` decimals, whatever the currency's own."""
    fixed = copy(pattern)
    fixed.frac_prec = (places, places)
    return fixed


def number(value: int) -> str:
    """A count as the page's language writes it: 30,021."""
    return format_number(value)


def percent(value: int) -> str:
    """A probability (0 to 100) as the page's language writes a percentage: 60%."""
    return format_percent(Decimal(value) / 100)


def day(value: date | datetime | None) -> str:
    """A date as the page's language writes it (2026-03-31; 2026/03/31); of a moment, the date it
    was in the member's time zone."""
    return "" if value is None else format_date(value, DAY_FORMATS[_language()])


def page_today() -> date:
    """Today in the member's time zone: what "overdue" means on their pages (the API keeps UTC)."""
    return today_in(get_timezone())


def _language() -> str:
    return get_locale().language


def say(message: str) -> str:
    """A message of the domain in the page's language: a Message through the catalog with its
    parameters, any other text (a user's own words) as it is."""
    if isinstance(message, Message):
        return gettext(message.template, **message.params)
    return message


def stage_label(stage: Stage | str) -> str:
    return STAGE_LABELS[Stage(stage)]


def initials(name: str | None) -> str:
    """AB for "Ann Brown"; the first two characters for a name without spaces (佐藤 花子 → 佐花)."""
    if not name:
        return ""
    parts = name.split()
    if len(parts) > 1:
        return (parts[0][0] + parts[-1][0]).upper()
    return name[:2].upper()


def moment(value: datetime | None) -> str:
    """A moment in the member's time zone, as the page's language writes it, with the zone's
    abbreviation: 2026-03-31 18:00 JST; 2026/03/31 18:00 JST."""
    if value is None:
        return ""
    return f"{format_datetime(value, MOMENT_FORMATS[_language()])} {to_user_timezone(value).tzname()}"


def iso(value: datetime | None) -> str:
    """A moment in UTC for machines (a <time> element's datetime), whatever the member's zone."""
    return "" if value is None else value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def activity_text(activity) -> str:
    """A stage change reads as words on a page; the API keeps the exact `from → to` form."""
    if activity.type.value == "stage_change" and " → " in activity.content:
        before, after = activity.content.split(" → ", 1)
        if before in STAGES and after in STAGES:
            return f"Moved from {stage_label(before)} to {stage_label(after)}"
    return activity.content


class ChangeInWords(NamedTuple):
    label: str
    old: str
    new: str


def changes_in_words(activity: Activity, names: Mapping[str, str]) -> list[ChangeInWords]:
    """An activity's recorded changes as a page says them ("Amount", "¥1,200,000", "¥1,500,000"),
    with records by name (names: id → name); empty for an activity that kept none."""
    return [
        ChangeInWords(
            FIELD_LABELS[change["field"]],
            _value_in_words(change["field"], change["old"], change.get("old_currency", change.get("currency")), names),
            _value_in_words(change["field"], change["new"], change.get("currency"), names),
        )
        for change in activity.changes or ()
    ]


def _value_in_words(field: str, value: Any, currency: str | None, names: Mapping[str, str]) -> str:
    if value is None:
        return NO_VALUE
    if field == "amount":
        return money(Decimal(value), currency)
    if field == "stage":
        return stage_label(value)
    if field == "probability":
        return percent(value)
    if field == "won_date":
        return day(datetime.fromisoformat(value))  # the API's UTC timestamp: the day it was where the member is
    if field == "expected_close_date":
        return day(date.fromisoformat(value))
    if field in REFERENCES:
        return names.get(value, value)
    return str(value)


def register_formatting(app: Flask) -> None:
    app.jinja_env.filters.update(
        money=money, number=number, percent=percent, day=day, stage_label=stage_label, initials=initials,
        moment=moment, iso=iso, activity_text=activity_text, changes_in_words=changes_in_words, say=say,
    )
    app.jinja_env.globals.update(version_of=version_of, stages=list(Stage), stage_labels=STAGE_LABELS,
                                 field_labels=FIELD_LABELS, today=page_today,
                                 max_lengths=MAX_LENGTHS, default_currency_symbol=CURRENCY_SYMBOLS[DEFAULT_CURRENCY],
                                 new_deal_stage=NEW_DEAL_STAGE)
