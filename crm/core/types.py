"""Column types that keep money exact and time in UTC on every database."""

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, DateTime, Text
from sqlalchemy.types import TypeDecorator

from crm.core import jsonio

MONEY_PLACES = 2
_MONEY_SCALE = 10**MONEY_PLACES


class Money(TypeDecorator):
    """An exact amount with two decimal places, stored as a whole number of hundredths.

    SQLite has no exact decimal type (NUMERIC columns hold floats), so both databases store the
    same scaled integer: exact, summable and indexable everywhere.
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect) -> int | None:
        return None if value is None else hundredths(value)

    def process_result_value(self, value: int | None, dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-MONEY_PLACES)


class UTCDateTime(TypeDecorator):
    """A moment in time, stored as naive UTC and read back as an aware UTC datetime."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class ExactJSON(TypeDecorator):
    """A JSON value stored as text on both databases, its numbers exact (Decimal, never float)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect) -> str | None:
        return None if value is None else jsonio.dumps(value)

    def process_result_value(self, value: str | None, dialect):
        return None if value is None else jsonio.loads(value)


def hundredths(amount: Decimal) -> int:
    """An amount as the whole number of hundredths that Money stores."""
    scaled = Decimal(amount) * _MONEY_SCALE
    if scaled != scaled.to_integral_value():
        raise ValueError(f"amount {amount} has more than {MONEY_PLACES} decimal places")
    return int(scaled)

