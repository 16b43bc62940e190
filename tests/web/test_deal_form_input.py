"""What the deal forms do with what people type: money as people write it, fields that only some
stages have, who a new deal is assigned to, and a form sent twice; each checked through the API."""

from decimal import Decimal

import pytest

from .conftest import DEALS_API, api_activities, api_deal, api_deal_names, page_of, path_of, sign_in_through_form
from .test_deal_pages import VALID_FORM, assert_field_message, focused, form_state

# --- Money as people write it ---------------------------------------------------------------------

ACCEPTED_AMOUNTS = [
    ("500000", "JPY", 500000),
    ("1,200,000", "JPY", 1200000),
    ("¥500000", "JPY", 500000),
    ("¥500,000", "JPY", 500000),
    ("¥ 500,000", "JPY", 500000),
    ("￥500,000", "JPY", 500000),
    ("500,000円", "JPY", 500000),
    ("500000 円", "JPY", 500000),
    ("JPY 500000", "JPY", 500000),
    ("JPY500000", "JPY", 500000),
    ("500000 JPY", "JPY", 500000),
    ("500000jpy", "JPY", 500000),
    ("５００，０００", "JPY", 500000),
    ("￥１，２００，０００", "JPY", 1200000),
    ("１２３４．５", "JPY", 1234.5),
    ("ＪＰＹ　５００", "JPY", 500),
    ("  1,234.50  ", "JPY", 1234.5),
    ("\u3000500000\u3000", "JPY", 500000),
    ("$1,234.50", "USD", 1234.5),
    ("＄99", "USD", 99),
    ("USD 99.99", "USD", Decimal("99.99")),
    ("99 usd", "USD", 99),
    ("€1,000", "EUR", 1000),
    ("1000 EUR", "EUR", 1000),
    ("CHF 250", "CHF", 250),
    ("0", "JPY", 0),
    ("", "JPY", None),
]


@pytest.mark.parametrize("typed, currency, stored", ACCEPTED_AMOUNTS)
def test_the_deal_form_reads_amounts_as_people_write_them(web, typed, currency, stored):
    response = web.post("/deals", VALID_FORM | {"amount": typed, "currency": currency})

    assert response.status_code == 303, page_of(response).by_id("deal-form").text
    [deal] = web.api.get(DEALS_API).get_json()["items"]
    assert (deal["amount"], deal["currency"]) == (stored, currency)


JPY_ACCEPTED = ("must be a number such as 1,200,000 or 1234.50 (commas between thousands, a period before the "
                "decimals), with or without ¥, 円 or JPY.")
REFUSED_AMOUNTS = [
    ("1.200.000", "JPY", JPY_ACCEPTED),  # periods between thousands?
    ("1,20", "JPY", JPY_ACCEPTED),  # a decimal comma?
    ("1,2345", "JPY", JPY_ACCEPTED),
    ("12,34,567", "JPY", JPY_ACCEPTED),
    ("500 600", "JPY", JPY_ACCEPTED),  # two numbers
    ("500-600", "JPY", JPY_ACCEPTED),
    ("1 200 000", "JPY", JPY_ACCEPTED),
    ("¥500円", "JPY", JPY_ACCEPTED),  # marked twice
    ("¥", "JPY", JPY_ACCEPTED),
    ("abc", "JPY", JPY_ACCEPTED),
    ("1e6", "JPY", JPY_ACCEPTED),
    ("Infinity", "JPY", JPY_ACCEPTED),
    ("NaN", "JPY", JPY_ACCEPTED),
    ("0x10", "JPY", JPY_ACCEPTED),
    ("500 yen", "JPY", JPY_ACCEPTED),
    ("$500", "JPY", "is in USD ($), but the deal's currency is JPY."),
    ("＄500", "JPY", "is in USD ($), but the deal's currency is JPY."),
    ("500 USD", "JPY", "is in USD, but the deal's currency is JPY."),
    ("€500", "JPY", "is in EUR (€), but the deal's currency is JPY."),
    ("¥500", "USD", "is in JPY (¥), but the deal's currency is USD."),
    ("500円", "EUR", "is in JPY (円), but the deal's currency is EUR."),
    ("$5", "CHF", "is in USD ($), but the deal's currency is CHF."),
    ("5 CHF", "USD", "is in CHF, but the deal's currency is USD."),
    ("5.5.5", "USD", "must be a number such as 1,200,000 or 1234.50 (commas between thousands, a period before the "
                     "decimals), with or without $ or USD."),
    ("five", "CHF", "must be a number such as 1,200,000 or 1234.50 (commas between thousands, a period before the "
                    "decimals), with or without CHF."),
    ("-5", "JPY", "must not be negative."),
    ("¥1.234", "JPY", "must have at most two decimal places."),
    ("99,999,999,999,999", "JPY", "must be at most 9,999,999,999,999.99."),
]


@pytest.mark.parametrize("typed, currency, message", REFUSED_AMOUNTS)
def test_the_deal_form_refuses_an_ambiguous_amount_saying_what_is_accepted(web, typed, currency, message):
    response = web.post("/deals", VALID_FORM | {"amount": typed, "currency": currency, "probability": "150"})

    assert response.status_code == 422
    form = page_of(response).by_id("deal-form")
    assert_field_message(form, "amount", message)
    assert_field_message(form, "probability", "must be a whole number from 0 to 100.")  # reported together
    assert form_state(form)["amount"] == typed.strip()
    assert api_deal_names(web.api) == []


def test_the_edit_form_reads_the_amount_in_the_currency_it_sends(web, make_deal):
    deal = make_deal(name="Dollars", currency="USD", amount=10)
    state = form_state(page_of(web.get(f"/deals/{deal['id']}/edit")).by_id("deal-form"))

    refused = web.post(f"/deals/{deal['id']}/edit", state | {"amount": "¥500"})
    saved = web.post(f"/deals/{deal['id']}/edit", state | {"amount": "$1,500.25"})

    assert refused.status_code == 422
    assert page_of(refused).by_id("amount-error").text == "is in JPY (¥), but the deal's currency is USD."
    assert saved.status_code == 303
    assert api_deal(web.api, deal["id"])["amount"] == 1500.25


@pytest.mark.parametrize("typed, stored", [("¥500000", 500000), ("500,000円", 500000), ("ＪＰＹ ５００", 500), (" 1,200,000 ", 1200000)])
def test_quick_add_reads_amounts_the_way_its_placeholder_invites(web, typed, stored):
    response = web.post("/board/quick-add", {"name": "Yen", "amount": typed}, htmx=True, current_url="/")

    assert response.status_code == 200
    assert web.api.get(DEALS_API).get_json()["items"][0]["amount"] == stored


@pytest.mark.parametrize("typed, message", [("$500", "Amount is in USD ($), but the deal's currency is JPY."),
                                            ("1.200.000", "Amount " + JPY_ACCEPTED)])
def test_quick_add_refuses_an_ambiguous_amount_beside_it(web, typed, message):
    response = web.post("/board/quick-add", {"name": "Yen", "amount": typed}, htmx=True, current_url="/")

    assert response.status_code == 422
    assert page_of(response).by_id("quick-add-amount-error").text == message
    assert api_deal_names(web.api) == []


@pytest.mark.parametrize("amount", ["500000", "¥500000", "1,200,000"])
def test_the_api_stays_strict_about_amounts(api, amount):
    response = api.post(DEALS_API, json={"name": "Strict", "amount": amount})

    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["amount"] == "must be a number."


# --- Fields that only some stages have ------------------------------------------------------------


def stage_part(form, name):
    """The wrapper of a stage-bound field."""
    return form.by_id(name).parent


@pytest.mark.parametrize("stage, shown, hidden", [
    ("lead", ["probability"], ["won_date", "lost_reason"]),
    ("negotiation", ["probability"], ["won_date", "lost_reason"]),
    ("closed_won", ["won_date"], ["probability", "lost_reason"]),
    ("closed_lost", ["lost_reason"], ["probability", "won_date"]),
])
def test_the_edit_form_shows_only_the_fields_of_the_deals_stage(web, make_deal, stage, shown, hidden):
    deal = make_deal(stage=stage)

    form = page_of(web.get(f"/deals/{deal['id']}/edit")).by_id("deal-form")

    for name in shown:
        assert "hidden" not in stage_part(form, name).attrs and "disabled" not in form.by_id(name).attrs
    for name in hidden:
        assert "hidden" in stage_part(form, name).attrs and "disabled" in form.by_id(name).attrs
    notes = {note.text for note in form.find_all("p", cls="hint") if note.attrs.get("data-stages") and "hidden" not in note.attrs}
    expected = {"closed_won": {"Won deals have a probability of 100%."},
                "closed_lost": {"Lost deals have a probability of 0%."}}.get(stage, set())
    assert notes == expected


def test_a_won_date_and_lost_reason_sent_for_a_lead_are_refused_beside_them_not_dropped(web, make_deal):
    """What a page without JavaScript (or one saved before the stage changed) can still send."""
    deal = make_deal(name="A lead", stage="lead")
    state = form_state(page_of(web.get(f"/deals/{deal['id']}/edit")).by_id("deal-form"))

    response = web.post(f"/deals/{deal['id']}/edit", state | {"won_date": "2026-01-15", "lost_reason": "Too pricey"})

    assert response.status_code == 422
    form = page_of(response).by_id("deal-form")
    assert_field_message(form, "won_date", "can only be set on a deal in stage Won.")
    assert_field_message(form, "lost_reason", "can only be set on a deal in stage Lost.")
    for name in ("won_date", "lost_reason"):  # shown with what was typed, so that it can be fixed
        assert "hidden" not in stage_part(form, name).attrs and "disabled" not in form.by_id(name).attrs
    assert form_state(form)["won_date"] == "2026-01-15"
    assert focused(form) == ["won_date"]
    assert api_deal(web.api, deal["id"]) == deal
    assert len(api_activities(web.api, deal["id"])) == 1


def test_a_probability_sent_with_a_closed_stage_is_refused_unless_it_is_the_stages(web):
    response = web.post("/deals", VALID_FORM | {"stage": "closed_won", "probability": "40"})

    assert response.status_code == 422
    form = page_of(response).by_id("deal-form")
    assert_field_message(form, "probability", "must be 100 for a deal in stage Won.")
    assert "hidden" not in stage_part(form, "probability").attrs
    assert api_deal_names(web.api) == []


def test_closing_without_javascript_with_the_old_probability_left_in_the_field_sets_the_stages(web, make_deal):
    """The probability was not typed, only shown: closing decides it, as it does with JavaScript."""
    deal = make_deal(stage="negotiation", probability=70)
    state = form_state(page_of(web.get(f"/deals/{deal['id']}/edit")).by_id("deal-form"))

    response = web.post(f"/deals/{deal['id']}/edit", state | {"stage": "closed_won"})

    assert response.status_code == 303
    assert (api_deal(web.api, deal["id"])["stage"], api_deal(web.api, deal["id"])["probability"]) == ("closed_won", 100)


def test_closing_without_javascript_with_a_probability_typed_is_refused_beside_it(web, make_deal):
    deal = make_deal(stage="negotiation", probability=70)
    state = form_state(page_of(web.get(f"/deals/{deal['id']}/edit")).by_id("deal-form"))

    response = web.post(f"/deals/{deal['id']}/edit", state | {"stage": "closed_won", "probability": "80"})

    assert response.status_code == 422
    form = page_of(response).by_id("deal-form")
    assert_field_message(form, "probability", "must be 100 for a deal in stage Won.")
    assert "hidden" not in stage_part(form, "won_date").attrs  # the won date now applies: it can be set too
    assert api_deal(web.api, deal["id"])["stage"] == "negotiation"


def test_reopening_a_won_deal_without_javascript_clears_the_won_date_left_in_the_field(web, make_deal):
    deal = make_deal(stage="closed_won", won_date="2026-01-15T00:00:00Z")
    state = form_state(page_of(web.get(f"/deals/{deal['id']}/edit")).by_id("deal-form"))

    response = web.post(f"/deals/{deal['id']}/edit", state | {"stage": "negotiation"})

    assert response.status_code == 303
    assert (api_deal(web.api, deal["id"])["stage"], api_deal(web.api, deal["id"])["won_date"]) == ("negotiation", None)


def test_reopening_a_won_deal_with_a_new_won_date_typed_is_refused_beside_it(web, make_deal):
    deal = make_deal(stage="closed_won", won_date="2026-01-15T00:00:00Z")
    state = form_state(page_of(web.get(f"/deals/{deal['id']}/edit")).by_id("deal-form"))

    response = web.post(f"/deals/{deal['id']}/edit", state | {"stage": "negotiation", "won_date": "2026-01-20"})

    assert response.status_code == 422
    assert_field_message(page_of(response).by_id("deal-form"), "won_date", "can only be set on a deal in stage Won.")
    assert api_deal(web.api, deal["id"])["stage"] == "closed_won"


def test_saving_the_form_of_a_deal_won_on_the_board_keeps_the_moment_it_was_won(web, make_deal):
    """The form shows the won date's day only; sent back unchanged, it must not become midnight."""
    deal = make_deal(stage="negotiation")
    won = web.api.post(f"{DEALS_API}/{deal['id']}/stage", json={"stage": "closed_won"}).get_json()["deal"]
    state = form_state(page_of(web.get(f"/deals/{deal['id']}/edit")).by_id("deal-form"))

    response = web.post(f"/deals/{deal['id']}/edit", state | {"note": "Signed copy received"})

    assert response.status_code == 303
    assert api_deal(web.api, deal["id"])["won_date"] == won["won_date"]
    assert [a["type"] for a in api_activities(web.api, deal["id"])][:2] == ["note", "stage_change"]


def test_creating_a_won_deal_keeps_the_won_date_typed(web):
    response = web.post("/deals", VALID_FORM | {"stage": "closed_won", "probability": "", "won_date": "2026-02-01"})

    assert response.status_code == 303
    [deal] = web.api.get(DEALS_API).get_json()["items"]
    assert (deal["stage"], deal["won_date"], deal["probability"]) == ("closed_won", "2026-02-01T00:00:00Z", 100)


# --- Who a new deal is assigned to ----------------------------------------------------------------


def test_the_new_deal_form_preselects_me_as_the_assignee(web, make_user):
    make_user("Acme", name="Bob Colleague")

    form = page_of(web.get("/deals/new")).by_id("deal-form")

    assert form_state(form)["assigned_member_id"] == web.user["id"]
    response = web.post("/deals", form_state(form) | {"name": "Mine"})
    assert response.status_code == 303
    assert web.api.get(DEALS_API).get_json()["items"][0]["assigned_member_id"] == web.user["id"]


def test_a_new_deal_can_still_be_left_unassigned_or_given_to_a_colleague(web, make_user):
    colleague = make_user("Acme", name="Bob Colleague")

    web.post("/deals", VALID_FORM | {"name": "Nobody's", "assigned_member_id": ""})
    web.post("/deals", VALID_FORM | {"name": "Bob's", "assigned_member_id": colleague.user["id"]})

    assigned = {deal["name"]: deal["assigned_member_id"] for deal in web.api.get(DEALS_API).get_json()["items"]}
    assert assigned == {"Nobody's": None, "Bob's": colleague.user["id"]}


# --- A form sent twice ----------------------------------------------------------------------------


def new_deal_form(web) -> dict:
    return form_state(page_of(web.get("/deals/new")).by_id("deal-form"), with_key=True)


@pytest.mark.parametrize("htmx", [False, True])
def test_a_new_deal_form_sent_twice_creates_one_deal_and_both_answers_lead_to_it(web, htmx):
    sent = new_deal_form(web) | {"name": "Only once", "amount": "¥1,000"}

    answers = [web.post("/deals", sent, htmx=htmx) for _ in range(2)]

    [deal] = web.api.get(DEALS_API).get_json()["items"]
    where = [path_of(answer.headers["HX-Redirect" if htmx else "Location"]) for answer in answers]
    assert where == [f"/deals/{deal['id']}"] * 2
    assert len(api_activities(web.api, deal["id"])) == 1


def test_every_new_deal_form_has_its_own_key(web):
    keys = {new_deal_form(web)["form_key"] for _ in range(3)}

    assert len(keys) == 3


def test_a_refused_new_deal_form_keeps_its_key_so_the_corrected_form_creates_once(web):
    sent = new_deal_form(web) | {"name": ""}

    refused = web.post("/deals", sent)

    assert refused.status_code == 422
    kept = form_state(page_of(refused).by_id("deal-form"), with_key=True)
    assert kept["form_key"] == sent["form_key"]
    for _ in range(2):
        assert web.post("/deals", kept | {"name": "Fixed"}).status_code == 303
    assert api_deal_names(web.api) == ["Fixed"]


def test_a_new_deal_form_that_already_created_a_deal_and_came_back_changed_asks_again(web):
    sent = new_deal_form(web) | {"name": "First"}
    web.post("/deals", sent)

    response = web.post("/deals", sent | {"name": "Second"})

    assert response.status_code == 409
    form = page_of(response).by_id("deal-form")
    assert "This form already created a deal" in form.one("p", cls="form-error").text
    again = form_state(form, with_key=True)
    assert again["name"] == "Second" and again["form_key"] != sent["form_key"]
    assert api_deal_names(web.api) == ["First"]

    assert web.post("/deals", again).status_code == 303
    assert sorted(api_deal_names(web.api)) == ["First", "Second"]


# --- The sign-in form -----------------------------------------------------------------------------


def test_a_refused_sign_in_focuses_the_password_to_type_again(app, api):
    client = app.test_client()

    response = sign_in_through_form(client, api.user["email"], "wrong password")

    assert response.status_code == 401
    document = page_of(response)
    assert focused(document) == ["password"]
    password, email = document.by_id("password"), document.by_id("email")
    assert (password.attrs["aria-invalid"], password.attrs["aria-describedby"]) == ("true", "sign-in-error")
    assert email.attrs["aria-describedby"] == "sign-in-error"  # the message may be about it too
    assert email.attrs["value"] == api.user["email"]
    assert focused(page_of(client.get("/login"))) == ["email"]
