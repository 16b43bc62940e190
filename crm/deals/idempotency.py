"""Idempotency keys: a client that retries a create (or sends it twice at once) with the same
Idempotency-Key gets the deal the first request made, never a second one."""

import hashlib
import json
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select

from crm.core.clock import now_utc
from crm.core.database import db, insert_or_merge
from crm.core.errors import KeyReused
from crm.models import IdempotencyKey

KEPT_FOR = timedelta(hours=24)
MAX_KEY_LENGTH = 255
# What a valid key is, in the words a refusal uses.
KEY_RULE = f"1 to {MAX_KEY_LENGTH} printable ASCII characters"


def is_valid_key(key: str) -> bool:
    """1 to MAX_KEY_LENGTH printable ASCII characters."""
    return 0 < len(key) <= MAX_KEY_LENGTH and all(" " <= character <= "~" for character in key)


def claim(user_id: str, key: str, body: Mapping[str, Any], deal_id: str) -> str | None:
    """Claim the key for a new deal with deal_id, in the caller's transaction; answer None when the
    claim is ours (go on and create it), or the id of the deal an earlier request made with it.

    Two requests with the same key cannot both win: on PostgreSQL the second INSERT waits for the
    first transaction and then finds its row; SQLite runs write transactions one at a time."""
    now = now_utc()
    db.session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.created_at < now - KEPT_FOR)
    )
    fingerprint = _fingerprint(body)
    claimed = db.session.execute(
        insert_or_merge(IdempotencyKey)
        .values(user_id=user_id, key=key, request_hash=fingerprint, deal_id=deal_id, created_at=now)
        .on_conflict_do_nothing()
        .returning(IdempotencyKey.key)
    ).first()
    if claimed is not None:
        return None
    earlier = db.session.execute(
        select(IdempotencyKey.request_hash, IdempotencyKey.deal_id).where(
            IdempotencyKey.user_id == user_id, IdempotencyKey.key == key
        )
    ).one()
    if earlier.request_hash != fingerprint:
        raise KeyReused()
    return earlier.deal_id


def _fingerprint(body: Mapping[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
