"""Reading list parameters (paging, search, sort) the same way for every collection."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from crm.core.errors import BadParameter
from crm.core.messages import msg
from crm.core.validation import WholeNumbers

T = TypeVar("T")
MAX_SEARCH_LENGTH = 255
# How many items a Window holds when the request names no limit, and the most it holds whatever
# the limit asked for (a larger one is lowered to this).
LIST_LIMIT_DEFAULT = 50
LIST_LIMIT_CAP = 200
# The largest offset or page a list accepts: far past any collection, and small enough that an
# offset computed from a page (times its limit) still fits the databases' 64-bit integers.
MAX_POSITION = 10**12 - 1


class Params:
    """Query parameters as a mapping of name to every value given for it."""

    def __init__(self, values: Mapping[str, Sequence[str]]):
        self._values = values

    def single(self, name: str) -> str | None:
        """The parameter's one value, or None when absent; given twice is an error, not a guess."""
        given = self._values.get(name) or []
        if len(given) > 1:
            raise BadParameter(name, msg("is given more than once"))
        return given[0] if given else None

    def whole_number(self, name: str, *, default: int, minimum: int, cap: int | None = None) -> int:
        """An integer of at least minimum: values above cap are lowered to cap, however large;
        without a cap, values above MAX_POSITION are refused."""
        raw = self.single(name)
        if raw is None or raw == "":
            return default
        numbers = WholeNumbers(minimum, MAX_POSITION if cap is None else cap)
        number = numbers.of_digits(raw)
        if number is None or number < numbers.low:
            raise BadParameter(name, msg("must be a whole number of at least %(minimum)s", minimum=minimum))
        if number > numbers.high and cap is None:
            raise BadParameter(name, msg("must be at most %(max)s", max=MAX_POSITION))
        return min(number, numbers.high)

    def choice(self, name: str, choices: Sequence[str], *, default: str | None = None) -> str | None:
        """One of choices, or default when absent or empty."""
        raw = self.single(name)
        if raw is None or raw == "":
            return default
        if raw not in choices:
            raise BadParameter(name, msg("must be one of: %(choices)s", choices=", ".join(choices)))
        return raw

    def search(self, name: str = "search") -> str | None:
        """A search term, trimmed; empty means no search."""
        raw = self.single(name)
        if raw is None or not raw.strip():
            return None
        if len(raw) > MAX_SEARCH_LENGTH:
            raise BadParameter(name, msg("must be at most %(max)s characters long", max=MAX_SEARCH_LENGTH))
        if "\x00" in raw:
            raise BadParameter(name, msg("must not contain NUL characters"))
        return raw.strip()


@dataclass(frozen=True)
class Window:
    """Which slice of a collection to answer: offset-based, as the API's lists are."""

    limit: int
    offset: int

    @property
    def end(self) -> int:
        """How many rows from the start the window reaches."""
        return self.offset + self.limit

    @classmethod
    def from_params(cls, params: Params) -> "Window":
        return cls(
            limit=params.whole_number("limit", default=LIST_LIMIT_DEFAULT, minimum=1, cap=LIST_LIMIT_CAP),
            offset=params.whole_number("offset", default=0, minimum=0),
        )


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
