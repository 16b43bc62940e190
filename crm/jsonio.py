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
        return json.loads(
            s,
            parse_float=Decimal,
            parse_constant=_refuse_constant,
            object_pairs_hook=_refuse_duplicate_keys,
        )
