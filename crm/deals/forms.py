"""The deal forms' side of HTML: reading what a form sends into the values the deal schema parses,
showing a deal's fields as a form's strings, and the one-time key with which a form that creates a
deal creates it once. The rules stay in the domain (crm/deals/rules.py, crm/deals/operations.py); this only reads what people
type, the way they type it."""

import re
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from crm.accounts.users import Member
from crm.core.currencies import CURRENCY_SYMBOLS, ISO_4217
from crm.core.locales import DEFAULT_TIME_ZONE
from crm.core.messages import Listed, Message, msg
from crm.core.validation import FieldError
from crm.deals import operations
from crm.deals.idempotency import is_valid_key
from crm.deals.rules import DEAL_FIELD_PARSERS, DEFAULT_CURRENCY, NEW_DEAL_STAGE, STAGE_BOUND_FIELDS, STAGES, version_of
from crm.models import Deal, Stage


def _takes_null(parse) -> bool:
    try:
        parse(None)
    except FieldError:
        return False
    return True


# Fields passed on even empty, for the schema to say what is wrong with that: those it does not let be null.
_ALWAYS_SENT = frozenset(name for name, parse in DEAL_FIELD_PARSERS.items() if not _takes_null(parse))
FORM_KEY_FIELD = "form_key"
# Each stage-bound field and the stages (values, in pipeline order) in which the form shows it.
STAGE_BOUND = {name: [stage.value for stage in Stage if stage in stages] for name, stages in STAGE_BOUND_FIELDS.items()}

# What people write beside an amount: the symbol each page shows for a currency, 円 for yen, and
# the currency code itself (any case). NFKC has already turned ￥ into ¥ and ＄ into $.
_MARKS_OF = {code: (symbol,) for code, symbol in CURRENCY_SYMBOLS.items()} | {"JPY": (CURRENCY_SYMBOLS["JPY"], "円")}
_CURRENCY_OF_MARK = {mark: code for code, marks in _MARKS_OF.items() for mark in marks}
_MARKED_AMOUNT = re.compile(r"(?P<before>[^\d\s.,-]*)\s*(?P<number>-?[\d.,]+)\s*(?P<after>[^\d\s.,-]*)")
# Commas only between groups of three digits, one period before the decimals: "1,20" (a decimal
# comma?) and "1.200.000" (periods between thousands?) are not guessed at.
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_NUMBER = re.compile(r"-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")


@dataclass
class FormInput:
    """What a form sent, as the domain reads it, and what could not be read (field -> message)."""

    fields: dict[str, Any] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)


def read_form(
    form: Mapping[str, str], *, stage: str | None = None, currency: str | None = None,
    shown: Mapping[str, str] | None = None, time_zone: str = DEFAULT_TIME_ZONE,
) -> FormInput:
    """Turn a deal form's strings into the values the deal schema parses, so that forms and the API
    share one set of rules. An empty optional field means null, except a field that the chosen
    stage decides (the won date of an open deal): it sends nothing. A value typed into such a field
    is passed on for the domain to refuse beside it, never dropped. stage and currency: the deal's,
    for a form without those fields (None: not known). shown: the deal's fields as its edit form
    shows them (form_values); a field sent back as shown is left alone, since a form shows some
    fields less precisely than they are kept (a won date's day, not its time). time_zone: where the
    member's days are, so that a won date typed as a day is that day where they are."""
    read = FormInput()
    stage = form.get("stage", stage)
    currency = form.get("currency", currency or "").strip().upper()
    for name in (name for name in DEAL_FIELD_PARSERS if name in form):
        value = form[name].strip()
        if shown is not None and name in shown and value == shown[name]:
            continue
        if value or name in _ALWAYS_SENT:
            _read_value(read, name, value, currency, time_zone)
        elif name != "note" and not _decided_by(stage, name):
            read.fields[name] = None
    return read


def _read_value(read: FormInput, name: str, value: str, currency: str, time_zone: str) -> None:
    if name == "won_date" and _DAY.fullmatch(value):
        read.fields[name] = _start_of_day(value, time_zone)
    elif name == "amount":
        try:
            read.fields[name] = read_amount(value, currency)
        except ValueError as problem:
            read.refused[name] = problem.args[0]  # the Message itself, which a page can translate
    elif name == "probability":
        read.fields[name] = _number_or_text(unicodedata.normalize("NFKC", value))
    else:
        read.fields[name] = value


def _start_of_day(day: str, time_zone: str) -> str:
    """The moment a day (YYYY-MM-DD) begins in the time zone, as the API writes a moment with an offset."""
    try:
        return datetime.combine(date.fromisoformat(day), time(), ZoneInfo(time_zone)).isoformat()
    except ValueError:
        return day  # not a calendar day: the domain refuses it beside the field


def _decided_by(stage: str | None, name: str) -> bool:
    """Whether the stage decides this field, so that an empty one says nothing."""
    return name in STAGE_BOUND_FIELDS and stage in STAGES and Stage(stage) not in STAGE_BOUND_FIELDS[name]


def read_amount(text: str, currency: str) -> Decimal:
    """An amount as people write it for a deal in currency: ¥1,200,000, 1200000円, JPY 500000,
    ５００，０００ (full width), with commas between thousands and a period before the decimals.
    ValueError says what is accepted when it cannot be read without guessing."""
    normal = unicodedata.normalize("NFKC", text).strip()
    parts = _MARKED_AMOUNT.fullmatch(normal)
    if parts is None or (parts["before"] and parts["after"]) or not _NUMBER.fullmatch(parts["number"]):
        raise ValueError(_accepted(currency))
    mark = parts["before"] or parts["after"]
    if mark:
        meant = mark.upper() if mark.upper() in ISO_4217 else _CURRENCY_OF_MARK.get(mark)
        if meant is None:
            raise ValueError(_accepted(currency))
        if currency in ISO_4217 and meant != currency:
            shown = meant if mark.upper() == meant else f"{meant} ({mark})"
            raise ValueError(msg("is in %(shown)s, but the deal's currency is %(currency)s.", shown=shown, currency=currency))
    return Decimal(parts["number"].replace(",", ""))


def _accepted(currency: str) -> Message:
    """What an amount may look like, with the marks the deal's currency accepts."""
    if currency not in ISO_4217:
        return msg("must be a number such as 1,200,000 or 1234.50 (commas between thousands, a period before the "
                   "decimals), with or without the currency code.")
    *others, last = [*_MARKS_OF.get(currency, ()), currency]
    if not others:
        return msg("must be a number such as 1,200,000 or 1234.50 (commas between thousands, a period before the "
                   "decimals), with or without %(mark)s.", mark=last)
    return msg("must be a number such as 1,200,000 or 1234.50 (commas between thousands, a period before the "
               "decimals), with or without %(marks)s or %(last)s.", marks=Listed(others), last=last)


def _number_or_text(value: str) -> Any:
    """A whole number as an int, another number as a Decimal, anything else as typed (for the schema
    to refuse)."""
    if not _NUMBER.fullmatch(value):
        return value
    number = Decimal(value.replace(",", ""))
    # Only numbers of a sensible size become ints: a huge Decimal is refused by the range check.
    if number.adjusted() < 30 and number == number.to_integral_value():
        return int(number)
    return number


def form_values(deal: Deal, time_zone: str = DEFAULT_TIME_ZONE) -> dict[str, str]:
    """A deal's fields as an HTML form shows them (the inverse of read_form), days where the member is."""
    return {
        "name": deal.name,
        "amount": "" if deal.amount is None else f"{deal.amount.normalize():f}",
        "stage": deal.stage.value,
        "company_id": deal.company_id or "",
        "contact_id": deal.contact_id or "",
        "assigned_member_id": deal.assigned_member_id or "",
        "expected_close_date": deal.expected_close_date.isoformat() if deal.expected_close_date else "",
        "probability": "" if deal.probability is None else str(deal.probability),
        "lost_reason": deal.lost_reason or "",
        "won_date": deal.won_date.astimezone(ZoneInfo(time_zone)).date().isoformat() if deal.won_date else "",
        "currency": deal.currency,
        "version": version_of(deal),
    }


def create_deal(actor: Member, form: Mapping[str, str]) -> Deal:
    """Create the deal a new-deal form describes, assigned to the one who sends it unless the form
    says otherwise; once per form key, so that a double click or a resubmitted page makes one deal."""
    read = read_form(form, stage=NEW_DEAL_STAGE.value, currency=DEFAULT_CURRENCY, time_zone=actor.time_zone)
    read.fields.setdefault("assigned_member_id", actor.id)
    key = form_key_of(form)
    if key is None:
        return operations.create_deal(actor, read.fields, read.refused)
    return operations.create_deal_once(actor, read.fields, key, read.refused)[0]


def shown_stage(values: Mapping[str, str]) -> Stage:
    """The stage a form shows: its value, or the select's first option when that is not a stage."""
    return Stage(values["stage"]) if values.get("stage") in STAGES else NEW_DEAL_STAGE


def off_stage(values: Mapping[str, str], errors: Mapping[str, str]) -> set[str]:
    """The stage-bound fields a form hides for the stage it shows: those the stage decides, unless a
    message beside one says why its value was refused."""
    stage = shown_stage(values)
    return {name for name, stages in STAGE_BOUND_FIELDS.items() if stage not in stages and name not in errors}


def new_form_key() -> str:
    """A one-time key for a form that creates a deal, sent back with it, so that a double click or a
    resubmitted page creates the deal once (the Idempotency-Key of the API)."""
    return secrets.token_urlsafe(24)


def form_key_of(form: Mapping[str, str]) -> str | None:
    """The form's one-time key, or None for a form without a usable one."""
    key = form.get(FORM_KEY_FIELD, "")
    return key if is_valid_key(key) else None


def read_step_form(form: Mapping[str, str], parsers: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, Any]]:
    """A step form's values as typed (to show again), and what the domain parses: the fields of
    parsers it sent, width-folded (a date or time typed in full-width digits) and trimmed, an empty
    optional field as null."""
    typed = {name: form[name] for name in parsers if name in form}
    data: dict[str, Any] = {}
    for name, value in typed.items():
        value = unicodedata.normalize("NFKC", value).strip() if name != "content" else value
        data[name] = None if not value.strip() and _takes_null(parsers[name]) else value
    return typed, data


def step_values(step) -> dict[str, str]:
    """A step's fields as its edit form shows them."""
    return {
        "content": step.content,
        "due_date": step.due_date.isoformat() if step.due_date else "",
        "due_time": step.due_time.strftime("%H:%M") if step.due_time else "",
        "assigned_member_id": step.assigned_member_id or "",
    }
