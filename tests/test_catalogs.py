"""The translation catalogs are complete: every text the code and templates mark is in both
catalogs, translated into Japanese, with the same parameters as the English."""

import re

import pytest
from babel.messages.pofile import read_po

from crm.core.locales import LANGUAGES
from crm.platform.i18n import CATALOGS, extracted_messages

PARAMETER = re.compile(r"%\((\w+)\)[sd]")


def catalog(language: str):
    with (CATALOGS / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=language)


@pytest.fixture(scope="module")
def marked() -> set:
    return {message.id for message in extracted_messages() if message.id}


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_catalog_holds_exactly_the_marked_texts(language, marked):
    held = {message.id for message in catalog(language) if message.id}
    assert sorted(marked - held, key=str) == [], "missing: run `flask --app app crm update-catalogs`, then translate"
    assert sorted(held - marked, key=str) == [], "no longer used: run `flask --app app crm update-catalogs`"


def test_every_text_has_a_japanese_translation_with_the_same_parameters():
    untranslated, mismatched = [], []
    for message in catalog("ja"):
        if not message.id:
            continue
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(forms):
            untranslated.append(message.id)
            continue
        english = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set(PARAMETER.findall(english[-1]))
        if any(set(PARAMETER.findall(form)) != wanted for form in forms):
            mismatched.append(message.id)
    assert untranslated == []
    assert mismatched == []
