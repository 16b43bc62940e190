"""How values read on a page: field names, money in its currency, stage names, initials, times,
and the changes an activity records."""

from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache
from typing import Any, NamedTuple

from babel import Locale, dates, numbers
from babel.lists import format_list
from flask import Flask
from flask_babel import (
    format_datetime,
    format_number,
    get_locale,
    get_timezone,
    to_user_timezone,
)

from crm.core.clock import today_in
from crm.core.currencies import CURRENCY_SYMBOLS, WHOLE_CURRENCIES
from crm.core.locales import SOURCE_LANGUAGE
from crm.core.messages import Listed, Message
from crm.core.text import shortened
from crm.deals.queries import CLOSED_PERIODS
from crm.deals.rules import (
    DEFAULT_CURRENCY,
    MAX_LOST_REASON_LENGTH,
    MAX_NAME_LENGTH,
    MAX_NOTE_LENGTH,
    NEW_DEAL_STAGE,
    REFERENCES,
    STAGE_NAMES,
    STAGES,
    version_of,
)
from crm.deals.signals import due_state
from crm.models import OPEN_STAGES, Activity, ActivityType, Stage
from crm.platform.i18n import gettext, lazy_gettext, lazy_pgettext, page_language_code

# What a page calls each field of a deal: the form's labels and the history's, in the page's language.
FIELD_LABELS = {
    "name": lazy_gettext("Name"),
    "amount": lazy_gettext("Amount"),
    "currency": lazy_gettext("Currency"),
    "stage": lazy_gettext("Stage"),
    "probability": lazy_gettext("Probability"),
    "company_id": lazy_gettext("Company"),
    "contact_id": lazy_gettext("Contact"),
    "assigned_member_id": lazy_gettext("Assignee"),
    "expected_close_date": lazy_gettext("Expected close date"),
    "won_date": lazy_gettext("Won date"),
    "lost_reason": lazy_gettext("Lost reason"),
    "note": lazy_pgettext("activity type", "Note"),
}
NO_VALUE = "—"

STAGE_LABELS = {stage: lazy_gettext(name) for stage, name in STAGE_NAMES.items()}
# What the board calls each period its Won and Lost columns may reach back (in CLOSED_PERIODS' order).
CLOSED_PERIOD_LABELS = dict(zip(CLOSED_PERIODS, (lazy_gettext("This month"), lazy_gettext("This quarter"),
                                                 lazy_gettext("This year"), lazy_gettext("All time")), strict=True))
# What a history calls each kind of activity: those a person logs and those the app records.
ACTIVITY_TYPE_LABELS = {
    ActivityType.CREATED: lazy_pgettext("activity type", "Created"),
    ActivityType.UPDATED: lazy_pgettext("activity type", "Updated"),
    ActivityType.STAGE_CHANGE: lazy_pgettext("activity type", "Stage change"),
    ActivityType.NOTE: lazy_pgettext("activity type", "Note"),
    ActivityType.CALL: lazy_pgettext("activity type", "Call"),
    ActivityType.EMAIL: lazy_pgettext("activity type", "Email"),
    ActivityType.MEETING: lazy_pgettext("activity type", "Meeting"),
    ActivityType.TASK: lazy_pgettext("activity type", "Task"),
}
# The sign beside a step's type on a card (its label is read out beside it).
ACTIVITY_ICONS = {
    ActivityType.CALL: "☎", ActivityType.EMAIL: "✉", ActivityType.MEETING: "◷", ActivityType.TASK: "☑",
    ActivityType.NOTE: "✎",
}
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
    written = _money_writing(page_language_code(), currency)
    return written.prefix + _grouped(rounded, places, written) + written.suffix


def default_currency_symbol() -> str:
    """The default currency's symbol as the page's language writes it (￥ in Japanese), for a
    placeholder."""
    return numbers.get_currency_symbol(DEFAULT_CURRENCY, page_language_code())


class MoneyWriting(NamedTuple):
    """How a language writes amounts of one currency: what comes before and after the number,
    and its separators."""

    prefix: str
    suffix: str
    group: str
    decimal: str


@cache
def _money_writing(language: str, currency: str) -> MoneyWriting:
    """Read once from Babel's locale data (a board writes some hundred amounts, and Babel's own
    formatting takes some 50 µs each): the currency pattern's affixes with the language's symbol,
    or the code after a plain number for a currency without a symbol."""
    locale = Locale.parse(language)
    symbols = locale.number_symbols[locale.default_numbering_system]
    pattern = locale.currency_formats["standard"] if currency in CURRENCY_SYMBOLS else locale.decimal_formats[None]
    if pattern.grouping != (3, 3):
        raise ValueError(f"{language} groups digits otherwise than by thousands")
    symbol = numbers.get_currency_symbol(currency, locale)
    prefix, suffix = (affix.replace("¤", symbol) for affix in (pattern.prefix[0], pattern.suffix[0]))
    if currency not in CURRENCY_SYMBOLS:
        suffix += f" {currency}"
    return MoneyWriting(prefix, suffix, symbols["group"], symbols["decimal"])


def _grouped(amount: Decimal, places: int, written: MoneyWriting) -> str:
    return f"{amount:,.{places}f}".translate({ord(","): written.group, ord("."): written.decimal})


def number(value: int) -> str:
    """A count as the page's language writes it: 30,021."""
    return format_number(value)


def percent(value: int) -> str:
    """A probability (0 to 100) as the page's language writes a percentage: 60%."""
    return _percent(page_language_code(), value)


@lru_cache(maxsize=1024)
def _percent(language: str, value: int) -> str:
    return numbers.format_percent(Decimal(value) / 100, locale=language)


def day(value: date | datetime | None) -> str:
    """A date as the page's language writes it (2026-03-31; 2026/03/31); of a moment, the date it
    was in the member's time zone."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_user_timezone(value).date()
    return _day(page_language_code(), value)


@lru_cache(maxsize=4096)
def _day(language: str, value: date) -> str:
    """Cached: a board writes a date on every card, and Babel takes some 20 µs for each."""
    return dates.format_date(value, DAY_FORMATS[Locale.parse(language).language], locale=language)


def page_today() -> date:
    """Today in the member's time zone: what "overdue" means on their pages (the API keeps UTC)."""
    return today_in(get_timezone())


def _language() -> str:
    return get_locale().language


def say(message: str) -> str:
    """A message of the domain in the page's language: a Message through the catalog with its
    parameters said as that language says them, any other text (a user's own words) as it is."""
    if isinstance(message, Message):
        return gettext(message.template, **{name: _said(value) for name, value in message.params.items()})
    return message


def _said(value: Any) -> Any:
    """A message's parameter as the page says it: a stage by its name, a list joined its way."""
    if isinstance(value, Stage):
        return stage_label(value)
    if isinstance(value, Listed):
        return gettext(", ").join(value)
    return value


def stage_labels_now() -> dict[Stage, str]:
    """Every stage's name in the page's language, looked up once for a list that names them often."""
    return {stage: str(label) for stage, label in STAGE_LABELS.items()}


def stage_label(stage: Stage | str) -> str:
    return str(STAGE_LABELS[Stage(stage)])


def activity_type_label(kind: ActivityType | str) -> str:
    return str(ACTIVITY_TYPE_LABELS[ActivityType(kind)])


def activity_icon(kind: ActivityType | str) -> str:
    return ACTIVITY_ICONS.get(ActivityType(kind), "•")


def or_list(items) -> str:
    """Choices as the page's language lists them: "won or lost", "受注または失注"."""
    return format_list([str(item) for item in items], style="or", locale=get_locale())


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
    """An entry without recorded changes in the page's language: what the app recorded, said from
    its kind (a stage change from its stages; the API keeps the exact `from → to` form); a person's
    entry, and an older update that kept only its English content, as written."""
    if activity.type == ActivityType.CREATED:
        return gettext("Deal created.")
    if activity.type == ActivityType.STAGE_CHANGE and " → " in activity.content:
        before, after = activity.content.split(" → ", 1)
        if before in STAGES and after in STAGES:
            return gettext("Moved from %(old)s to %(new)s", old=stage_label(before), new=stage_label(after))
    if activity.type == ActivityType.UPDATED and page_language_code() != SOURCE_LANGUAGE:
        fields = _fields_of_an_older_update(activity.content)
        if fields:
            labels = format_list([str(FIELD_LABELS[field]) for field in fields], locale=get_locale())
            return gettext("Updated %(fields)s.", fields=labels)
    return activity.content


def _fields_of_an_older_update(content: str) -> list[str] | None:
    """The fields an update recorded before changes were kept names in its English content
    ("Updated name, amount."), which reads right as it is in English and is said from these
    names in any other language."""
    named = content.removeprefix("Updated ").removesuffix(".").split(", ")
    if content.startswith("Updated ") and all(field in FIELD_LABELS for field in named):
        return named
    return None


class ChangeInWords(NamedTuple):
    label: str
    old: str
    new: str


def changes_in_words(activity: Activity, names: Mapping[str, str]) -> list[ChangeInWords]:
    """An activity's recorded changes as a page says them ("Amount", "¥1,200,000", "¥1,500,000"),
    with records by name (names: id → name); empty for an activity that kept none."""
    return [
        ChangeInWords(
            str(FIELD_LABELS[change["field"]]),
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
        activity_type_label=activity_type_label, or_list=or_list, activity_icon=activity_icon, due_state=due_state,
        shortened=shortened,
    )
    app.jinja_env.globals.update(version_of=version_of, stages=list(Stage), stage_labels=STAGE_LABELS,
                                 field_labels=FIELD_LABELS, today=page_today, stage_labels_now=stage_labels_now,
                                 max_lengths=MAX_LENGTHS, default_currency_symbol=default_currency_symbol,
                                 new_deal_stage=NEW_DEAL_STAGE, open_stages=OPEN_STAGES,
                                 closed_periods=CLOSED_PERIOD_LABELS)
