"""The domain's refusals, the sign-in page and the error pages speak Japanese to a Japanese reader,
while the API answers the same requests with the contract's English, word for word."""

import pytest

from app import create_app
from crm.core.database import db
from tests.conftest import PASSWORD, app_config

from .conftest import DEALS_API, csrf_token_in, page_of

JAPANESE = {"Accept-Language": "ja,en;q=0.5"}
SIGN_IN = "/api/v1/auth/sign-in"


def sign_in_page_attempt(client, email: str, password: str):
    token = csrf_token_in(client.get("/login", headers=JAPANESE).get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token}, headers=JAPANESE)


def api_error(response) -> dict:
    return response.get_json()["error"]


def test_a_refused_sign_in_says_so_in_japanese_on_the_page_and_in_english_through_the_api(anonymous, api):
    page = sign_in_page_attempt(anonymous, api.user["email"], "wrong password")

    assert page.status_code == 401
    document = page_of(page)
    assert document.one("h1").text == "ログイン"
    assert document.by_id("sign-in-error").text == "メールアドレスまたはパスワードが正しくありません。"
    assert [label.text for label in document.find_all("label", for_="email")] == ["メールアドレス"]
    assert document.one("button", type="submit", cls="primary").text == "ログイン"
    answer = anonymous.post(SIGN_IN, json={"email": api.user["email"], "password": "wrong password"}, headers=JAPANESE)
    assert api_error(answer)["message"] == "Invalid email or password."


@pytest.fixture
def one_attempt_app(database_uri):
    app = create_app(app_config(database_uri) | {"SIGN_IN_LIMIT_PER_ACCOUNT": "1 per 15 minutes"})
    with app.app_context():
        from crm.accounts import users

        users.create_user("Acme", "ann@example.com", "Ann Example", PASSWORD)
    yield app
    with app.app_context():
        db.engine.dispose()


def test_too_many_attempts_are_refused_in_japanese_on_the_page_and_in_english_through_the_api(one_attempt_app):
    client = one_attempt_app.test_client()
    assert sign_in_page_attempt(client, "ann@example.com", "wrong password").status_code == 401

    page = sign_in_page_attempt(client, "ann@example.com", PASSWORD)

    assert page.status_code == 429
    assert page_of(page).by_id("sign-in-error").text == (
        "ログインの失敗が続いたため、一時的にログインできません。数分待ってから、もう一度お試しください。"
    )
    answer = client.post(SIGN_IN, json={"email": "ann@example.com", "password": PASSWORD}, headers=JAPANESE)
    assert api_error(answer)["message"] == "Too many failed sign-in attempts. Wait a few minutes, then try again."


def test_signing_out_says_so_in_japanese(web):
    response = web.post("/logout", headers=JAPANESE, follow_redirects=True)

    assert "ログアウトしました。" in [flash.text for flash in page_of(response).find_all("p", cls="flash")]


def test_a_page_that_does_not_exist_is_a_japanese_404_page(web):
    response = web.get("/no-such-page", headers=JAPANESE)

    assert response.status_code == 404
    document = page_of(response)
    assert document.one("h1").text == "ページが見つかりません"
    assert "お探しのページは見つかりませんでした。" in document.one("section", cls="error-page").text
    assert "ボードに戻る" in [link.text for link in document.find_all("a", href="/")]


def test_a_deal_that_does_not_exist_is_said_in_japanese_on_its_page_and_in_english_through_the_api(web, api):
    missing = "deal_00000000000000000000000000000000"

    page = web.get(f"/deals/{missing}", headers=JAPANESE)

    assert page.status_code == 404
    assert "この商談は存在しないか、削除されています。" in page_of(page).one("section", cls="error-page").text
    assert api_error(api.get(f"{DEALS_API}/{missing}", headers=JAPANESE))["message"] == "No such deal."


def test_a_method_a_page_does_not_take_is_refused_in_japanese(web):
    response = web.get("/logout", headers=JAPANESE)

    assert response.status_code == 405
    section = page_of(response).one("section", cls="error-page")
    assert section.one("h1").text == "許可されていません"
    assert "このURLでは、この操作は許可されていません。" in section.text


def test_a_bad_list_parameter_is_said_in_japanese_on_the_page_and_in_english_through_the_api(web, api):
    page = web.get("/deals?limit=0", headers=JAPANESE)

    assert page.status_code == 400
    assert "クエリパラメーター「limit」：1以上の整数で指定してください。" in page_of(page).one("section", cls="error-page").text
    answer = api_error(api.get(f"{DEALS_API}?limit=0", headers=JAPANESE))
    assert answer["message"] == "Query parameter 'limit' must be a whole number of at least 1."
    assert answer["fields"] == {"limit": "must be a whole number of at least 1."}


def test_an_expired_form_is_refused_in_japanese(anonymous):
    response = anonymous.post("/login", data={"email": "ann@example.com", "password": PASSWORD}, headers=JAPANESE)

    assert response.status_code == 400
    assert "このフォームは有効期限が切れているか" in page_of(response).one("section", cls="error-page").text


def test_a_refused_deal_form_says_the_domains_messages_in_japanese_and_the_api_in_english(web, api):
    too_long, too_much = "x" * 256, "99999999999999"
    page = web.post("/deals", {"name": too_long, "amount": too_much, "stage": "lead", "currency": "JPY"},
                    headers=JAPANESE)

    assert page.status_code == 422
    document = page_of(page)
    assert document.by_id("name-error").text == "255文字以内で入力してください。"
    assert document.by_id("amount-error").text == "9,999,999,999,999.99以下で入力してください。"
    answer = api_error(api.post(DEALS_API, json={"name": too_long, "amount": int(too_much)}, headers=JAPANESE))
    assert answer["fields"] == {"name": "must be at most 255 characters long.",
                                "amount": "must be at most 9,999,999,999,999.99."}
    assert answer["message"] == "Invalid fields: name, amount."


def test_the_api_reference_page_speaks_japanese_around_the_contracts_own_words(anonymous):
    document = page_of(anonymous.get("/api/docs", headers=JAPANESE))

    assert document.by_id("toc-title").text == "操作"
    assert document.by_id("authentication-title").text == "認証"
    assert document.by_id("schemas-title").text == "スキーマ"



def test_a_stage_inside_a_domain_message_is_named_in_the_page_language(web, make_deal):
    """A closed deal's probability is fixed; a form that sends another one hears the stage by name."""
    deal = make_deal(stage="closed_won")
    form = page_of(web.get(f"/deals/{deal['id']}/edit"))
    version = form.one("input", name="version").attrs["value"]

    refused = web.post(f"/deals/{deal['id']}/edit", {"version": version, "probability": "50"}, headers=JAPANESE)

    assert refused.status_code == 422
    assert "「受注」の商談では100%にしてください。" in page_of(refused).by_id("probability-error").text
    api = web.api.patch(f"/api/v1/crm/deals/{deal['id']}", json={"probability": 50})
    assert api.get_json()["error"]["fields"]["probability"] == "must be 100 for a deal in stage closed_won."
