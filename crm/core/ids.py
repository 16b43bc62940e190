"""Prefixed random identifiers: a prefix naming the kind of record, then 32 lowercase hex digits."""

import re
import uuid

PREFIXES = {
    "organization": "org_",
    "user": "usr_",
    "company": "comp_",
    "contact": "cont_",
    "deal": "deal_",
    "activity": "act_",
}


def new_id(kind: str) -> str:
    """Make a fresh id for a record of the given kind."""
    return PREFIXES[kind] + uuid.uuid4().hex


def id_pattern(kind: str) -> str:
    """The regular expression an id of that kind matches, whole."""
    return re.escape(PREFIXES[kind]) + "[0-9a-f]{32}"


def is_id_of(kind: str, value: object) -> bool:
    """Tell whether value has the shape of an id of that kind (it may still not exist)."""
    return isinstance(value, str) and re.fullmatch(id_pattern(kind), value) is not None
