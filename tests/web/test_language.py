"""Which language a page speaks and where its times are: the user's saved choice, else the login
page's, else the browser's languages, else the organization's default; `<html lang>` follows."""

import pytest

from crm.accounts import users
from tests.conftest import PASSWORD

from .conftest import page_of, sign_in_through_form

JAPANESE = {"Accept-Language": "ja,en;q=0.5"}


def language_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return page_of(response).one("html").attrs["lang"]


def chosen(page, select_id: str):
    [option] = [option for option in page.one("select", id_=select_id).find_all("option") if "selected" in option.attrs]
    return option


def settings_texts(web, **kwargs) -> str:
    return page_of(web.get("/settings", **kwargs)).one("h1").text


def test_a_page_speaks_english_unless_the_browser_asks_for_japanese(web):
    assert language_of(web.get("/")) == "en"
    assert language_of(web.get("/", headers=JAPANESE)) == "ja"
    assert settings_texts(web, headers=JAPANESE) == "設定"
    assert language_of(web.get("/", headers={"Accept-Language": "fr,de"})) == "en"


def test_the_language_menu_saves_the_choice_on_the_user_over_the_browsers(web):
    response = web.post("/language", {"locale": "ja", "return_to": "/deals?stage=lead"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/deals?stage=lead"
    assert language_of(web.get("/", headers={"Accept-Language": "en"})) == "ja"
    assert settings_texts(web) == "設定"

    web.post("/language", {"locale": "en"})
    assert language_of(web.get("/", headers=JAPANESE)) == "en"


def test_the_saved_choice_follows_the_user_to_another_browser(app, web):
    web.post("/language", {"locale": "ja"})
    other = app.test_client()
    assert sign_in_through_form(other, web.user["email"]).status_code == 303
    assert language_of(other.get("/")) == "ja"


def test_the_login_page_menu_is_remembered_by_the_browser_before_signing_in(anonymous):
    assert language_of(anonymous.get("/login")) == "en"
    page = anonymous.get("/login")
    token = page_of(page).find("input", name="csrf_token").attrs["value"]
    response = anonymous.post("/language", data={"locale": "ja", "return_to": "/login", "csrf_token": token})
    assert response.status_code == 303
    assert language_of(anonymous.get("/login")) == "ja"


def test_an_unknown_language_is_refused_and_changes_nothing(web):
    assert web.post("/language", {"locale": "xx"}).status_code == 400
    assert language_of(web.get("/")) == "en"


def test_the_menu_never_sends_the_user_to_another_site(web):
    response = web.post("/language", {"locale": "ja", "return_to": "//evil.example/"})
    assert response.headers["Location"] == "/"


def test_a_user_who_chose_nothing_and_whose_browser_asks_for_nothing_gets_the_organizations_language(
    app, client, web_for, make_user
):
    with app.app_context():
        users.create_user("株式会社A", "tanaka@example.jp", "田中 太郎", PASSWORD, "ja")
    browser = app.test_client()
    assert sign_in_through_form(browser, "tanaka@example.jp").status_code == 303
    assert language_of(browser.get("/")) == "ja"
    assert language_of(browser.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})) == "en"


def test_settings_save_a_time_zone_and_refuse_one_that_does_not_exist(web):
    page = page_of(web.get("/settings"))
    assert chosen(page, "time_zone").text == "The organization's (UTC)"

    refused = web.post("/settings", {"locale": "", "time_zone": "Mars/Olympus"})
    assert refused.status_code == 422
    form = page_of(refused)
    assert "must be a time zone" in form.one("p", cls="field-error").text
    assert form.one("select", id_="time_zone").attrs["aria-invalid"] == "true"
    assert chosen(page_of(web.get("/settings")), "time_zone").attrs["value"] == ""

    saved = web.post("/settings", {"locale": "ja", "time_zone": "Asia/Tokyo"})
    assert saved.status_code == 303
    after = page_of(web.get("/settings"))
    assert after.one("html").attrs["lang"] == "ja"
    assert chosen(after, "time_zone").attrs["value"] == "Asia/Tokyo"


@pytest.mark.parametrize("locale, zone", [("ja", "Asia/Tokyo"), ("en", "UTC")])
def test_an_organizations_default_time_zone_follows_its_language(app, locale, zone):
    with app.app_context():
        users.create_user(f"Org {locale}", f"{locale}@example.com", "Someone", PASSWORD, locale)
    browser = app.test_client()
    assert sign_in_through_form(browser, f"{locale}@example.com").status_code == 303
    page = page_of(browser.get("/settings", headers={"Accept-Language": "en"}))
    assert chosen(page, "time_zone").text == f"The organization's ({zone})"


def test_saving_a_new_language_says_so_in_the_new_language(web):
    saved = web.post("/settings", {"locale": "ja", "time_zone": ""})
    assert saved.headers["Location"] == "/settings?saved=1"
    page = page_of(web.get(saved.headers["Location"]))
    assert page.one("p", cls="flash").text == "設定を保存しました。"
