"""Folding names for case-insensitive search and sort in any script."""

import unicodedata


def fold(value: str) -> str:
    """Fold text so that case and width variants compare equal (ＡＢＣ, abc and ABC alike)."""
    return unicodedata.normalize("NFKC", value).casefold()


def contains_pattern(term: str) -> str:
    """A LIKE pattern matching names that contain term, with % _ and \\ taken literally (ESCAPE '\\')."""
    escaped = fold(term).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
