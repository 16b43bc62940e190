"""Reading what an API request sends: a JSON object body and its query parameters."""

from typing import Any

from flask import current_app, request

from crm.api.errors import ApiError
from crm.core.listing import Params
from crm.deals import idempotency


def json_object() -> dict[str, Any]:
    """The request body as a JSON object, or a 4xx ApiError saying what is wrong with it."""
    if not request.is_json:
        raise not_json()
    raw = request.get_data(cache=False)
    try:
        data = current_app.json.loads(raw)
    except (ValueError, RecursionError) as error:
        raise ApiError(400, "invalid_json", f"The body is not valid JSON: {error}.") from None
    if not isinstance(data, dict):
        raise not_an_object()
    return data


# What a body or a header is refused with, worded once for the answer and the document's example.
def not_json() -> ApiError:
    return ApiError(415, "unsupported_media_type", "Send the body as JSON with Content-Type: application/json.")


def not_an_object() -> ApiError:
    return ApiError(400, "invalid_json", "The body must be a JSON object.")


def bad_idempotency_key() -> ApiError:
    rule = f"must be {idempotency.KEY_RULE}."
    return ApiError(400, "invalid_header", f"Idempotency-Key {rule}", {"Idempotency-Key": rule})


def idempotency_key() -> str | None:
    """The Idempotency-Key a create request sends, or None; a malformed one is a 400."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not idempotency.is_valid_key(key):
        raise bad_idempotency_key()
    return key


def if_match_versions() -> frozenset[str] | None:
    """The deal versions an If-Match header accepts: None without the header or with "*" (any
    version will do); weak tags never match, as If-Match compares strongly."""
    if "If-Match" not in request.headers or request.if_match.star_tag:
        return None
    return frozenset(request.if_match.as_set())


def query_params() -> Params:
    return Params(request.args.to_dict(flat=False))
