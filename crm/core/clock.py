"""The one clock every rule asks what time it is ("now", "today", "overdue"), so that tests can
stop it: a verdict never depends on when, or for how long, the suite runs."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, tzinfo

_stopped_at: datetime | None = None


def now_utc() -> datetime:
    return _stopped_at or datetime.now(UTC)


def today_in(zone: tzinfo) -> date:
    """The date it is now in a time zone: what "today" and "overdue" mean to someone living there."""
    return now_utc().astimezone(zone).date()


@contextmanager
def stopped_at(moment: datetime) -> Iterator[None]:
    """Let the clock read `moment` (an aware datetime) until the block ends."""
    global _stopped_at
    before, _stopped_at = _stopped_at, moment.astimezone(UTC)
    try:
        yield
    finally:
        _stopped_at = before
