"""Folding names for case-insensitive search and sort in any script."""

import unicodedata

# Katakana to the hiragana of the same sound, so that a name matches however its kana were typed:
# ァ..ヶ (U+30A1..U+30F6, with ヴ ヵ ヶ) and the iteration marks ヽ ヾ are their hiragana + 0x60.
# ー is written in both scripts and stays; ヷ..ヺ have no hiragana of their own and stay.
_HIRAGANA_OF_KATAKANA = {katakana: katakana - 0x60 for katakana in [*range(0x30A1, 0x30F7), 0x30FD, 0x30FE]}


def fold(value: str) -> str:
    """Fold text so that case, width and kana variants compare equal (ＡＢＣ, abc and ABC alike;
    テスト, ﾃｽﾄ and てすと alike). NFKC first: it turns half-width katakana into full-width ones."""
    return unicodedata.normalize("NFKC", value).casefold().translate(_HIRAGANA_OF_KATAKANA)


def contains_pattern(term: str) -> str:
    """A LIKE pattern matching names that contain term, with % _ and \\ taken literally (ESCAPE '\\')."""
    escaped = fold(term).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def shortened(value: str, length: int) -> str:
    """At most `length` characters of one line: a longer text cut with an ellipsis (by character,
    not by word: Japanese has no spaces between words)."""
    line = " ".join(value.split())
    return line if len(line) <= length else line[: length - 1] + "…"
