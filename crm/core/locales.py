"""The languages the app speaks and the time zones it knows, defined once for the settings, the
language menu, the catalogs and the CLI."""

from functools import cache
from zoneinfo import available_timezones

# Each language under its own name, as the language menu offers it.
LANGUAGES = {"en": "English", "ja": "日本語"}
DEFAULT_LANGUAGE = "en"
# The language the texts are written in (the catalogs' message ids, the domain's messages).
SOURCE_LANGUAGE = "en"
DEFAULT_TIME_ZONE = "UTC"
# The time zone of an organization that has not chosen one, by its language.
HOME_TIME_ZONES = {"ja": "Asia/Tokyo"}
MAX_TIME_ZONE_LENGTH = 64
# Offered first, before the whole list: the home time zones and UTC.
SUGGESTED_TIME_ZONES = (*HOME_TIME_ZONES.values(), DEFAULT_TIME_ZONE)


def default_time_zone(language: str) -> str:
    return HOME_TIME_ZONES.get(language, DEFAULT_TIME_ZONE)


@cache
def time_zones() -> tuple[str, ...]:
    """Every IANA time zone name, sorted, as a form offers them."""
    return tuple(sorted(zone for zone in available_timezones() if len(zone) <= MAX_TIME_ZONE_LENGTH))
