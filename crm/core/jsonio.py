"""JSON in and out, exactly: decimals stay decimals, NaN and Infinity are refused."""

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import simplejson
from flask.json.provider import JSONProvider


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise ValueError("an object has the same key twice")
    return obj


def dumps(obj: Any, **kwargs: Any) -> str:
    """JSON text with every Decimal as an exact number."""
    return simplejson.dumps(obj, use_decimal=True, ensure_ascii=False, **kwargs)


def loads(s: str | bytes) -> Any:
    """The value of JSON text, numbers with a fraction as Decimal; NaN, Infinity, a key given twice
    and unpaired surrogates are refused (ValueError)."""
    data = json.loads(
        s,
        parse_float=Decimal,
        parse_constant=_refuse_constant,
        object_pairs_hook=_refuse_duplicate_keys,
    )
    _refuse_lone_surrogates(data)
    return data


def timestamp(moment: datetime | None) -> str | None:
    """2026-01-15T09:00:00Z: UTC, whole seconds."""
    if moment is None:
        return None
    if moment.utcoffset():
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="seconds")[:19] + "Z"


def amount(value: Decimal | None) -> int | Decimal | None:
    """Whole amounts as JSON integers; others exact, without trailing zeros."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return value.normalize()


class ExactJSONProvider(JSONProvider):
    """Serializes Decimal as an exact JSON number; parses numbers with a fraction as Decimal."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return dumps(obj, **kwargs)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return loads(s)


def _refuse_lone_surrogates(data: Any) -> None:
    """JSON may escape half of a UTF-16 pair ("\\ud800"); such a string is not text and no database
    can store it."""
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str) and _has_lone_surrogate(item):
            raise ValueError("a string contains an unpaired surrogate escape, which is not valid Unicode")


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
