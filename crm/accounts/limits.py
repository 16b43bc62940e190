"""Brute-force protection: failed sign-ins are limited per account and per client address, and the
password checks a process runs at once are bounded.

Only failed attempts count, so people who type their password right are never slowed down; once a
limit is reached every attempt answers 429 with Retry-After, even one with the right password, so
guessing cannot go on. Counters live in the database, which every worker and machine shares. An
attempt reserves its slot there before its password is checked, in one atomic upsert that refuses
once the limit's slots are taken, and a success gives its slot back: however many attempts arrive
at once, at most N of them can fail per window."""

import hashlib
import math
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import case, delete, literal, or_, select, tuple_, update

from crm.core.clock import now_utc
from crm.core.database import db, insert_or_merge
from crm.core.errors import SignInBusy, TooManyAttempts
from crm.core.text import fold
from crm.models import SignInAttempts

# Shared keys for attempts without an email, or from no address (a server on a Unix socket).
NO_EMAIL, NO_ADDRESS = "(no email)", "(no address)"
_LIMIT = re.compile(r"\s*(\d+)\s*(?:per|/)\s*(\d*)\s*(second|minute|hour|day)s?\s*", re.IGNORECASE)
_attempts = SignInAttempts.__table__.c


@dataclass(frozen=True)
class Limit:
    """At most count failed attempts per period."""

    count: int
    period: timedelta

    @classmethod
    def parse(cls, text: str) -> "Limit":
        """Read "10 per 15 minutes" (or "10/15 minutes", "50 per hour")."""
        found = _LIMIT.fullmatch(text)
        if found is None or int(found[1]) < 1:
            raise ValueError(f"a sign-in limit reads like '10 per 15 minutes', not {text!r}")
        return cls(int(found[1]), timedelta(**{found[3].lower() + "s": int(found[2] or 1)}))


@dataclass(frozen=True)
class Throttle:
    """A process's limits (by scope) and the bound on its running password checks."""

    limits: dict[str, Limit]
    checks: threading.BoundedSemaphore


@dataclass(frozen=True)
class Reservation:
    """The slots an attempt holds: the window each one was counted in, by (scope, key hash)."""

    windows: dict[tuple[str, str], datetime]

    def give_back(self) -> None:
        """Uncount a successful attempt, in the caller's transaction (in scope order, as reserved)."""
        for (scope, key_hash), window_ends in self.windows.items():
            db.session.execute(
                update(SignInAttempts)
                .where(_attempts.scope == scope, _attempts.key_hash == key_hash,
                       _attempts.window_ends == window_ends, _attempts.attempts > 0)
                .values(attempts=_attempts.attempts - 1)
            )


def init_throttle(app: Flask) -> None:
    """Read the limits once (a misspelt one fails at start, not at the first sign-in)."""
    app.extensions["crm.sign_in_limits"] = Throttle(
        limits={"account": Limit.parse(app.config["SIGN_IN_LIMIT_PER_ACCOUNT"]),
                "address": Limit.parse(app.config["SIGN_IN_LIMIT_PER_ADDRESS"])},
        checks=threading.BoundedSemaphore(app.config["SIGN_IN_CONCURRENT_CHECKS"]),
    )


@contextmanager
def password_check_slot() -> Iterator[None]:
    """Hold one of the process's password-check slots; SignInBusy when all are taken. A check costs
    tens of milliseconds of CPU, so without a bound a storm of attempts takes every worker thread
    and nobody else is answered."""
    checks = _throttle().checks
    if not checks.acquire(blocking=False):
        raise SignInBusy()
    try:
        yield
    finally:
        checks.release()


def reserve(account: str, address: str | None) -> Reservation:
    """Count an attempt under both limits in the caller's transaction, before its password is
    checked; TooManyAttempts (the transaction rolled back) when a limit has no slot left."""
    now = now_utc()
    windows, started = {}, False
    for scope, key in (("account", account), ("address", address or NO_ADDRESS)):  # one order everywhere: no deadlock
        limit = _throttle().limits[scope]
        key_hash = hashlib.sha256(key.encode(errors="surrogatepass")).hexdigest()
        counted = db.session.execute(_count_attempt(scope, key_hash, limit, now)).first()
        if counted is None:
            window_ends = db.session.scalar(
                select(_attempts.window_ends).where(_attempts.scope == scope, _attempts.key_hash == key_hash)
            )
            db.session.rollback()
            raise TooManyAttempts(max(1, math.ceil((window_ends - now).total_seconds())))
        windows[scope, key_hash] = counted.window_ends
        started = started or counted.attempts == 1
    if started:
        _forget_expired(now)
    return Reservation(windows)


def account_key(email: object) -> str:
    """The account an attempt is for: its email folded, so that variants of one email share a budget."""
    return fold(email.strip()) if isinstance(email, str) and email.strip() else NO_EMAIL


def _count_attempt(scope: str, key_hash: str, limit: Limit, now: datetime):
    """Add one attempt to the key's live window (starting a new one when it has ended), unless the
    window's slots are all taken: then no row is returned. One statement, so two attempts can never
    both take the last slot (SQLite writes one at a time; PostgreSQL locks the row)."""
    ended = _attempts.window_ends <= now
    new_end = literal(now + limit.period, _attempts.window_ends.type)
    return (
        insert_or_merge(SignInAttempts)
        .values(scope=scope, key_hash=key_hash, attempts=1, window_ends=new_end)
        .on_conflict_do_update(
            index_elements=["scope", "key_hash"],
            set_={"attempts": case((ended, 1), else_=_attempts.attempts + 1),
                  "window_ends": case((ended, new_end), else_=_attempts.window_ends)},
            where=or_(ended, _attempts.attempts < limit.count),
        )
        .returning(_attempts.attempts, _attempts.window_ends)
    )


def _forget_expired(now: datetime) -> None:
    """Delete the rows of ended windows (keys that are never tried again), whenever a new window
    starts, so the table holds live windows only. Rows another transaction holds are skipped
    (PostgreSQL; SQLite has no row locks), so the clean-up never waits nor deadlocks."""
    expired = (
        select(_attempts.scope, _attempts.key_hash).where(_attempts.window_ends <= now).with_for_update(skip_locked=True)
    )
    db.session.execute(delete(SignInAttempts).where(tuple_(_attempts.scope, _attempts.key_hash).in_(expired)))


def _throttle() -> Throttle:
    return current_app.extensions["crm.sign_in_limits"]
