"""JSON in and out, exactly: decimals stay decimals, NaN and Infinity are refused."""

import json
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


class ExactJSONProvider(JSONProvider):
    """Serializes Decimal as an exact JSON number; parses numbers with a fraction as Decimal."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return simplejson.dumps(obj, use_decimal=True, ensure_ascii=False, **kwargs)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        data = json.loads(
            s,
            parse_float=Decimal,
            parse_constant=_refuse_constant,
            object_pairs_hook=_refuse_duplicate_keys,
        )
        _refuse_lone_surrogates(data)
        return data


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
