"""Signed in with Japanese, the pages a sales rep works in show no English: every text a reader
meets (text, titles, labels, placeholders, options) is Japanese, except the user's own data and
the proper names the allowlist holds. The same pages in English read as before."""

import re

import pytest
from babel.messages.pofile import read_po

from crm.accounts import users
from crm.core.currencies import ISO_4217
from crm.platform.i18n import CATALOGS
from tests.conftest import PASSWORD

from .conftest import page_of, parse, sign_in_through_form

JAPANESE = {"Accept-Language": "ja"}
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
EMAIL = re.compile(r"\S+@\S+")
# Proper names and codes that stay as they are in Japanese: currency codes, time zone
# abbreviations, words Japanese writes in Latin letters (URL), each language's name in its own language (the language menu), the product's mark.
ALLOWED = set(ISO_4217) | {"JST", "UTC", "English", "CRM", "ID", "API", "URL"}
READ_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt", "aria-description")
EMAIL_OF_TANAKA = "tanaka@example.jp"


def texts_a_reader_meets(node):
    """Every text of the page a person can read or hear, with the element it belongs to."""
    for child in node.children:
        if isinstance(child, str):
            if child.strip():
                yield node.tag, child.strip()
            continue
        if child.tag in ("script", "style") or child.attrs.get("translate") == "no":
            continue  # translate="no": a name that stays as it is (an IANA time zone, say)
        if child.tag != "html" and child.attrs.get("lang", "ja") != "ja":
            continue  # said in another language on purpose: "English" in the language menu
        if child.tag == "input" and child.attrs.get("type") == "hidden":
            continue
        for attribute in READ_ATTRIBUTES:
            if child.attrs.get(attribute):
                yield child.tag, child.attrs[attribute]
        if child.tag == "input" and child.attrs.get("type") in ("submit", "button") and child.attrs.get("value"):
            yield child.tag, child.attrs["value"]
        yield from texts_a_reader_meets(child)


def english_words(response, user_data=()) -> list[tuple[str, str]]:
    assert response.status_code < 500, response.status_code
    return english_words_in(response.get_data(as_text=True), user_data)


def english_words_in(html: str, user_data=()) -> list[tuple[str, str]]:
    """The texts of a page (with the element each belongs to) that hold an English word."""
    document = parse(html)
    found = []
    for tag, text in texts_a_reader_meets(document):
        for datum in user_data:
            text = text.replace(datum, " ")
        text = EMAIL.sub(" ", text)
        words = [word for word in LATIN_WORD.findall(text) if word not in ALLOWED]
        if words:
            found.append((tag, text))
    return found


@pytest.fixture
def tanaka(app, make_deal, api):
    """A member of a Japanese organization, signed in, with deals at every point of their life."""
    with app.app_context():
        users.create_user("株式会社さくら", EMAIL_OF_TANAKA, "田中 太郎", PASSWORD, "ja")
    browser = app.test_client()
    assert sign_in_through_form(browser, EMAIL_OF_TANAKA).status_code == 303
    return browser


def japanese_pages(tanaka):
    """The pages of one deal's life, made through the pages themselves, in Japanese."""
    token = re.search(r'name="csrf_token" value="([^"]+)"', tanaka.get("/").get_data(as_text=True)).group(1)
    form = {"csrf_token": token, "name": "株式会社A 年間契約", "amount": "1200000", "currency": "JPY",
            "stage": "lead", "expected_close_date": "2026-03-31", "note": "初回訪問"}
    created = tanaka.post("/deals", data=form)
    assert created.status_code == 303, created.get_data(as_text=True)
    deal = created.headers["Location"].rsplit("/", 1)[-1]
    changed = dict(form, amount="1500000", stage="proposal", note="")
    assert tanaka.post(f"/deals/{deal}/edit", data=changed).status_code == 303
    tanaka.post(f"/deals/{deal}/activities", data={"csrf_token": token, "type": "call", "content": "電話で確認"})
    tanaka.post(f"/deals/{deal}/stage", data={"csrf_token": token, "stage": "closed_lost", "lost_reason": "予算不足"})
    return {
        "board": tanaka.get("/"),
        "board searched": tanaka.get("/?search=年間"),
        "board, nothing found": tanaka.get("/?search=存在しない"),
        "deals table": tanaka.get("/deals"),
        "deals table, nothing found": tanaka.get("/deals?search=存在しない"),
        "deal page": tanaka.get(f"/deals/{deal}"),
        "new deal form": tanaka.get("/deals/new"),
        "refused form": tanaka.post("/deals", data=dict(form, name="", amount="abc", probability="101")),
        "edit form": tanaka.get(f"/deals/{deal}/edit"),
        "delete confirmation": tanaka.get(f"/deals/{deal}/delete"),
        "settings": tanaka.get("/settings"),
        "not found": tanaka.get("/deals/deal_00000000000000000000000000000000"),
        "no such page": tanaka.get("/no-such-page"),
    }


def test_a_japanese_user_meets_no_english_on_the_pages_of_a_deals_life(tanaka):
    for name, response in japanese_pages(tanaka).items():
        words = english_words(response, user_data=("Asia/Tokyo",))
        assert words == [], name


def test_the_login_page_and_its_refusal_in_japanese(anonymous):
    assert english_words(anonymous.get("/login", headers=JAPANESE)) == []
    page = anonymous.get("/login", headers=JAPANESE)
    token = page_of(page).find("input", name="csrf_token").attrs["value"]
    refused = anonymous.post("/login", headers=JAPANESE,
                             data={"email": "nobody@example.com", "password": "wrong-password", "csrf_token": token})
    assert refused.status_code == 401
    assert english_words(refused) == []


def test_the_same_pages_in_english_have_english_words(web, make_deal):
    """The check above can fail: an English page trips it."""
    assert english_words(web.get("/")) != []


def test_the_500_page_in_japanese(database_uri):
    """What a Japanese reader sees when something breaks on our side (the API keeps its English)."""
    from crm import create_app
    from tests.conftest import app_config

    app = create_app({**app_config(database_uri), "TESTING": False, "PROPAGATE_EXCEPTIONS": False})

    @app.get("/boom")
    def boom():
        raise RuntimeError("broken on purpose")

    page = app.test_client().get("/boom", headers=JAPANESE)

    assert page.status_code == 500
    main = page_of(page).one("main")
    assert main.one("h1").text == "エラーが発生しました"
    assert "変更は保存されていません" in main.text
    assert english_words_in(page.get_data(as_text=True)) == []


def test_an_english_member_meets_no_japanese_of_the_catalog(web, make_deal):
    """Switching back to English brings no mixed strings: no Japanese translation shows on the
    English pages of a deal (whose own data is English here)."""
    with (CATALOGS / "ja" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        japanese = {form for message in read_po(po, locale="ja") if message.id
                    for form in (message.string if isinstance(message.string, tuple) else (message.string,))
                    if len(form) > 1 and not re.search(r"%\(", form)}
    deal = make_deal(name="Annual plan", amount=1200000, expected_close_date="2026-03-31")
    web.api.post(f"/api/v1/crm/deals/{deal['id']}/stage", json={"stage": "proposal"})
    pages = ["/", "/deals", f"/deals/{deal['id']}", f"/deals/{deal['id']}/edit", f"/deals/{deal['id']}/delete",
             "/deals/new", "/settings", "/no-such-page"]
    for path in pages:
        texts = " ".join(text for _, text in texts_a_reader_meets(page_of(web.get(path))))
        assert [form for form in japanese if form in texts] == [], path
