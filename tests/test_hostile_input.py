"""Hostile and odd input, beyond what tests/api/test_bad_input.py and tests/web/test_safety.py
already cover. Each case answers a 4xx with a clear message (the API's {"error": {"code", "message",
"fields"}} shape, or a message beside the field of a form) and changes nothing: the deal list, the
deal, its activities, the companies and the contacts read the same before and after. Valid but
unusual text (emoji, right-to-left scripts, combining marks) is stored and answered exactly.

Already covered elsewhere, and so not repeated here:
- tests/api/test_bad_input.py: malformed JSON, non-object bodies, duplicate keys, NaN/Infinity for
  amount and note, 100,000-deep nesting, non-JSON content types and bodies over 1 MiB for the three
  deal write routes; control characters (NUL included) and 256/10,000 characters in `name`; amounts
  such as 1e309, 99999999999999999999 and 1.005; dates 2026-02-30, 2026-13-01 and 2026-3-31 for
  expected_close_date; ids of the wrong kind, case or length in bodies and deal paths; unknown and
  read-only fields; bad and repeated list parameters of the deals list and the activities.
- tests/web/test_safety.py: CSRF on every form, escaping of hostile text on every page, security
  headers, cross-site API writes with the cookie.
- tests/web/test_auth_pages.py: `next` pointing to another host.

What this module adds:
1. size and shape of bodies on the other routes (companies, contacts, sign-in, page forms), a body
   streamed without Content-Length, and the exact 1 MiB boundary;
2. NUL bytes in lost_reason, note, company/contact fields, search parameters, path ids, sign-in and
   every page form;
3. valid Unicode round trips, through the API and the pages, and found by search;
4. over-long text on the other fields and routes;
5. numbers (-0, 1e-400, 1e309, 20-digit, 5,000-digit, huge exponents) in JSON and in forms;
6. won_date parsing (offsets, dates, out-of-range moments) and more date shapes;
7. ids of odd shapes (too long, SQL-looking, other digits, percent-encoded slashes) in paths and bodies;
8. repeated and unknown query parameters on the other lists and the pages, unknown form fields;
9. header injection: CR/LF in `next`, in names and in HTMX headers, and odd Host headers.

The contract says nothing about unknown query parameters; they are ignored (asserted below), as
unknown fields of a form are (they cannot set the organization or the id).
"""

import io
import json
import re
from decimal import Decimal
from urllib.parse import quote, urlsplit

import pytest

from tests.conftest import PASSWORD
from tests.web.conftest import Browser, card_names, column, page_of, query_of, sign_in_through_form

API = "/api/v1/crm"
DEALS = f"{API}/deals"
COMPANIES = f"{API}/companies"
CONTACTS = f"{API}/contacts"
ONE_MIB = 1024 * 1024
NUL = "\x00"
STAGES = ["lead", "qualification", "proposal", "negotiation", "closed_won", "closed_lost"]


# --- Helpers --------------------------------------------------------------------------------------


def assert_error(response, status: int, code: str | None = None) -> dict:
    """The status and the API's one error shape, with a message; answers the error object."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}
    assert isinstance(error["message"], str) and error["message"].strip()
    assert isinstance(error["fields"], dict)
    if code:
        assert error["code"] == code
    return error


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return response.get_json()


def send_raw(api_client, method: str, path: str, body: bytes | str, content_type: str | None = "application/json", **kwargs):
    headers = {"Authorization": f"Bearer {api_client.token}"}
    if content_type:
        headers["Content-Type"] = content_type
    return api_client.client.open(path, method=method, data=body, headers=headers, **kwargs)


def send_json(api_client, method: str, path: str, body: dict):
    return api_client.client.open(path, method=method, json=body, headers={"Authorization": f"Bearer {api_client.token}"})


def on_postgresql(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")




class Pipeline:
    """An organization with a deal (with a note) a company and a contact, and a record of what its
    API shows, so that a refused request can be checked to have changed nothing."""

    def __init__(self, api_client):
        self.api = api_client
        self.company = ok(api_client.post(COMPANIES, json={"name": "Existing Co"}), 201)["company"]
        self.contact = ok(api_client.post(CONTACTS, json={"name": "Existing Contact"}), 201)["contact"]
        self.deal = ok(
            api_client.post(DEALS, json={"name": "Existing deal", "amount": 1000, "stage": "closed_lost",
                                         "lost_reason": "Existing reason", "note": "First note"}),
            201,
        )["deal"]
        self.open_deal = ok(api_client.post(DEALS, json={"name": "Open deal", "amount": 500}), 201)["deal"]
        self.before = self.state()

    @property
    def deal_path(self) -> str:
        return f"{DEALS}/{self.deal['id']}"

    def state(self) -> tuple:
        paths = [
            f"{DEALS}?limit=200",
            self.deal_path,
            f"{self.deal_path}/activities?limit=100",
            f"{DEALS}/{self.open_deal['id']}/activities?limit=100",
            f"{COMPANIES}?limit=200",
            f"{CONTACTS}?limit=200",
        ]
        return tuple(self.api.get(path).get_data() for path in paths)

    def assert_unchanged(self) -> None:
        assert self.state() == self.before, "a refused request changed something"


@pytest.fixture
def pipeline(api) -> Pipeline:
    return Pipeline(api)


@pytest.fixture
def web_browser(app, api) -> Browser:
    client = app.test_client()
    response = sign_in_through_form(client, api.user["email"])
    assert response.status_code == 303
    return Browser(client, api.user, api)


DEAL_FORM = {"name": "Form deal", "stage": "lead", "currency": "JPY", "amount": "", "probability": ""}


def form_error(response, field: str) -> str:
    """The message a refused form shows beside the field (deal form, quick add or activity form)."""
    assert response.status_code == 422, response.get_data(as_text=True)[:500]
    document = page_of(response)
    for element_id in (f"{field}-error", f"quick-add-{field}-error", f"activity-{field}-error"):
        found = document.find(id_=element_id)
        if found is not None:
            return found.text
    raise AssertionError(f"no message beside {field}")


def exact_json(response):
    """The body with its numbers exactly as sent (no float rounding)."""
    return json.loads(response.get_data(), parse_float=Decimal)


def header_lines(response) -> list[tuple[str, str]]:
    return list(response.headers.items())


def assert_clean_headers(response, *forbidden: str) -> None:
    for name, value in header_lines(response):
        assert "\r" not in value and "\n" not in value, (name, value)
        for text in forbidden:
            assert text not in value, (name, value)
    assert not any(name.lower() == "set-cookie" and value.startswith("x=") for name, value in header_lines(response))


# --- 1. Size and shape of bodies ------------------------------------------------------------------

OTHER_JSON_ROUTES = {
    "companies": (COMPANIES, {"name": "New Co"}),
    "contacts": (CONTACTS, {"name": "New Contact"}),
    "sign-in": ("/api/v1/auth/sign-in", {"email": "nobody@example.com", "password": "whatever"}),
}


def test_over_one_mebibyte_deeply_nested_or_not_json_is_refused_on_the_other_json_routes(pipeline):
    for path, body in OTHER_JSON_ROUTES.values():
        valid = json.dumps(body)

        too_large = send_raw(pipeline.api, "POST", path, valid[:-1] + ', "x": "' + "a" * ONE_MIB + '"}')
        assert_error(too_large, 413, "payload_too_large")
        for nested in ("[" * 100_000 + "]" * 100_000, '{"a": ' * 100_000, valid[:-1] + ', "x": ' + "[" * 50_000 + "]" * 50_000 + "}"):
            assert_error(send_raw(pipeline.api, "POST", path, nested), 400, "invalid_json")
        for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/json", None):
            assert_error(send_raw(pipeline.api, "POST", path, valid, content_type), 415, "unsupported_media_type")
    pipeline.assert_unchanged()


def test_a_body_streamed_without_content_length_is_still_limited_to_one_mebibyte(pipeline):
    body = b'{"name": "Streamed", "note": "' + b"a" * (2 * ONE_MIB) + b'"}'

    response = send_raw(pipeline.api, "POST", DEALS, b"", input_stream=io.BytesIO(body),
                        environ_overrides={"wsgi.input_terminated": True})

    assert_error(response, 413, "payload_too_large")
    pipeline.assert_unchanged()


def test_a_body_of_exactly_one_mebibyte_is_read_and_judged_on_its_fields(pipeline):
    prefix, suffix = b'{"name": "Exactly", "note": "', b'"}'
    body = prefix + b"a" * (ONE_MIB - len(prefix) - len(suffix)) + suffix
    assert len(body) == ONE_MIB

    error = assert_error(send_raw(pipeline.api, "POST", DEALS, body), 422, "validation_failed")

    assert set(error["fields"]) == {"note"}
    pipeline.assert_unchanged()


def test_an_object_with_thousands_of_unknown_fields_names_them_all(pipeline):
    body = {"name": "Wide"} | {f"field{index}": index for index in range(20_000)}

    error = assert_error(send_json(pipeline.api, "POST", DEALS, body), 422, "validation_failed")

    assert len(error["fields"]) == 20_000
    pipeline.assert_unchanged()


PAGE_FORMS = [
    ("/deals", DEAL_FORM),
    ("/deals/{id}/edit", DEAL_FORM),
    ("/deals/{id}/activities", {"type": "note", "content": "x"}),
    ("/deals/{id}/stage", {"stage": "proposal"}),
    ("/board/quick-add", {"name": "Quick"}),
]


def test_forms_over_one_mebibyte_answer_413_and_change_nothing(pipeline, web_browser):
    for htmx in (False, True):
        for path, form in PAGE_FORMS + [("/login", {"email": "a@example.com", "password": "x"})]:
            response = web_browser.post(path.format(id=pipeline.deal["id"]), form | {"note": "a" * ONE_MIB}, htmx=htmx)

            assert response.status_code == 413, (path, htmx)
            if htmx:
                assert response.mimetype == "text/plain" and response.get_data(as_text=True).strip()
            else:
                assert page_of(response).one("h1").text == "Too large"
    pipeline.assert_unchanged()


def test_a_json_or_text_body_sent_to_a_form_is_refused_with_a_message_beside_the_name(pipeline, web_browser):
    token = web_browser.csrf_token()
    body = json.dumps({"name": "Sneaky JSON deal", "stage": "lead", "currency": "JPY"})

    for content_type in ("application/json", "text/plain"):
        for path in ("/deals", "/board/quick-add"):
            response = web_browser.client.post(path, data=body, headers={"Content-Type": content_type, "X-CSRFToken": token})

            message = form_error(response, "name")
            assert message.endswith("is required.") or message.endswith("must not be empty."), (content_type, path)
    pipeline.assert_unchanged()


# --- 2. NUL bytes ---------------------------------------------------------------------------------


NUL_FIELDS = [
    ("POST", DEALS, {"name": "Lost", "stage": "closed_lost", "lost_reason": f"Too{NUL}expensive"}, "lost_reason"),
    ("PATCH", "{deal}", {"lost_reason": f"Budget{NUL}"}, "lost_reason"),
    ("POST", "{open}/stage", {"stage": "closed_lost", "lost_reason": NUL}, "lost_reason"),
    ("POST", DEALS, {"name": "Noted", "note": f"Call{NUL}back"}, "note"),
    ("PATCH", "{deal}", {"note": NUL}, "note"),
    ("POST", COMPANIES, {"name": f"Nul{NUL}Co"}, "name"),
    ("POST", COMPANIES, {"name": "Co", "domain": f"example{NUL}.com"}, "domain"),
    ("POST", CONTACTS, {"name": f"Nul{NUL}Contact"}, "name"),
    ("POST", CONTACTS, {"name": "Contact", "phone": f"555{NUL}"}, "phone"),
]


def test_nul_in_a_text_field_is_refused_naming_the_field(pipeline):
    for method, path, body, field in NUL_FIELDS:
        path = path.format(deal=pipeline.deal_path, open=f"{DEALS}/{pipeline.open_deal['id']}")

        error = assert_error(send_json(pipeline.api, method, path, body), 422, "validation_failed")

        assert error["fields"] == {field: "must not contain control characters."}, (method, path, body)
    pipeline.assert_unchanged()


def test_nul_in_a_contacts_email_is_refused_naming_it(pipeline):
    for email in (f"a{NUL}@example.com", "a\x1b@example.com", "a@exam\x7fple.com"):
        error = assert_error(send_json(pipeline.api, "POST", CONTACTS, {"name": "Contact", "email": email}), 422)
        assert set(error["fields"]) == {"email"}
    pipeline.assert_unchanged()


def test_nul_in_a_search_parameter_is_refused_with_400_naming_it(pipeline, web_browser):
    for path in (DEALS, COMPANIES, CONTACTS, f"{API}/members"):
        for term in (NUL, f"Exist{NUL}", f"{NUL}%"):
            error = assert_error(pipeline.api.get(path, query_string={"search": term}), 400, "invalid_parameter")
            assert set(error["fields"]) == {"search"}, (path, term)
    for path in ("/", "/deals", "/board/lead/cards"):
        response = web_browser.get(path, query_string={"search": f"a{NUL}b"})
        assert response.status_code == 400, path
        assert "Query parameter 'search' must not contain NUL characters." in page_of(response).text


def test_a_nul_inside_the_sign_in_password_does_not_cut_it_short(client, api):
    for password in (PASSWORD[:7] + NUL + PASSWORD[7:], PASSWORD[:7] + NUL, NUL + PASSWORD):
        response = client.post("/api/v1/auth/sign-in", json={"email": api.user["email"], "password": password})
        assert_error(response, 401, "invalid_credentials")


def test_nul_in_the_sign_in_email_is_an_invalid_credential(request, app, client, api):

    response = client.post("/api/v1/auth/sign-in", json={"email": api.user["email"] + NUL, "password": PASSWORD})

    assert_error(response, 401, "invalid_credentials")


def test_nul_in_the_login_forms_email_answers_401_with_the_message(request, app, anonymous_with_token):
    client, token = anonymous_with_token

    response = client.post("/login", data={"email": f"a{NUL}@example.com", "password": "x", "csrf_token": token})

    assert response.status_code == 401
    assert "Invalid email or password." in page_of(response).text


@pytest.fixture
def anonymous_with_token(app):
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    return client, token


FORM_NUL_CASES = [
    ("/deals", DEAL_FORM | {"name": f"Form{NUL}deal"}, "name"),
    ("/deals", DEAL_FORM | {"note": f"Form{NUL}note"}, "note"),
    ("/deals/{id}/edit", {"name": "Existing deal", "stage": "closed_lost", "currency": "JPY", "lost_reason": f"Why{NUL}"}, "lost_reason"),
    ("/deals/{id}/edit", {"name": f"Existing{NUL}deal", "stage": "closed_lost", "currency": "JPY"}, "name"),
    ("/board/quick-add", {"name": f"Quick{NUL}", "amount": ""}, "name"),
    ("/deals/{id}/activities", {"type": "note", "content": f"Said{NUL}this"}, "content"),
]


def test_nul_in_a_form_field_is_refused_with_a_message_beside_it(pipeline, web_browser):
    for path, form, field in FORM_NUL_CASES:
        response = web_browser.post(path.format(id=pipeline.deal["id"]), form, htmx=True)

        assert "control characters" in form_error(response, field), (path, field)
    pipeline.assert_unchanged()


# --- 3. Valid Unicode is stored exactly and found -------------------------------------------------

UNICODE_TEXTS = {
    # (text, a part of it typed the way a person might search for it)
    "emoji": ("Deal 🦄 with 👩🏽‍💻 and 🇯🇵 flags", "🦄 with 👩🏽‍💻"),
    "right-to-left": ("صفقة سنوية עסקה שנתית", "سنوية"),
    "combining": ("Cafe\u0301 Zu\u0308rich Z\u0335a\u0334l\u0336g\u0337o", "café zürich"),  # precomposed finds decomposed
    "cjk-full-width": ("株式会社Ａ　年間契約", "ａ　年間"),
}


@pytest.mark.parametrize("case", list(UNICODE_TEXTS))
def test_unusual_but_valid_text_round_trips_through_the_api_and_is_found_by_search(api, case):
    text, term = UNICODE_TEXTS[case]
    company = ok(api.post(COMPANIES, json={"name": text}), 201)["company"]
    contact = ok(api.post(CONTACTS, json={"name": text, "company_id": company["id"]}), 201)["contact"]
    deal = ok(api.post(DEALS, json={"name": text, "note": text, "company_id": company["id"]}), 201)["deal"]
    ok(api.post(DEALS, json={"name": "Plain other deal"}), 201)
    lost = ok(send_json(api, "POST", f"{DEALS}/{deal['id']}/stage", {"stage": "closed_lost", "lost_reason": text}))["deal"]

    assert deal["name"] == text and lost["lost_reason"] == text
    fetched = ok(api.get(f"{DEALS}/{deal['id']}"))["deal"]
    assert (fetched["name"], fetched["lost_reason"]) == (text, text)
    notes = [a["content"] for a in ok(api.get(f"{DEALS}/{deal['id']}/activities"))["activities"] if a["type"] == "note"]
    assert notes == [text]
    assert ok(api.get(f"{COMPANIES}/{company['id']}"))["company"]["name"] == text
    assert ok(api.get(f"{CONTACTS}/{contact['id']}"))["contact"]["name"] == text
    for search in (text, term, term.upper()):
        found = ok(api.get(DEALS, query_string={"search": search}))
        assert [item["name"] for item in found["items"]] == [text], search
        assert found["total"] == 1
        assert [item["id"] for item in ok(api.get(COMPANIES, query_string={"search": search}))["items"]] == [company["id"]]
    renamed = ok(send_json(api, "PATCH", f"{DEALS}/{deal['id']}", {"name": f"{text} v2"}))["deal"]
    assert renamed["name"] == f"{text} v2"


@pytest.mark.parametrize("case", list(UNICODE_TEXTS))
def test_unusual_but_valid_text_round_trips_through_the_pages(web_browser, case):
    text, term = UNICODE_TEXTS[case]

    created = web_browser.post("/deals", DEAL_FORM | {"name": text, "note": text})

    assert created.status_code == 303, created.get_data(as_text=True)[:500]
    deal_id = urlsplit(created.headers["Location"]).path.rsplit("/", 1)[1]
    assert ok(web_browser.api.get(f"{DEALS}/{deal_id}"))["deal"]["name"] == text
    notes = [a["content"] for a in ok(web_browser.api.get(f"{DEALS}/{deal_id}/activities"))["activities"] if a["type"] == "note"]
    assert notes == [text]
    shown = " ".join(text.split())  # as a reader sees it: runs of white space collapsed
    assert page_of(web_browser.get(f"/deals/{deal_id}")).one("h1").text == shown
    board = page_of(web_browser.get("/", query_string={"search": term}))
    assert card_names(column(board, "lead")) == [shown]
    assert shown in page_of(web_browser.get("/deals", query_string={"search": term})).by_id("deals-table").text


def test_names_are_counted_in_characters_not_bytes_or_code_units(api):
    for name in ("🦄" * 255, "e\u0301" * 127 + "e", "👩🏽‍💻" * 63 + "abc"):
        assert len(name) == 255
        created = ok(api.post(DEALS, json={"name": name}), 201)["deal"]
        assert ok(api.get(f"{DEALS}/{created['id']}"))["deal"]["name"] == name

    error = assert_error(api.post(DEALS, json={"name": "🦄" * 256}), 422, "validation_failed")
    assert error["fields"] == {"name": "must be at most 255 characters long."}
    assert ok(api.get(DEALS))["total"] == 3


@pytest.mark.parametrize("resource", ["deals", "companies"])
def test_a_255_character_name_that_folds_longer_is_stored(request, app, api, resource):
    """ß folds to ss, ﬁ to fi, ㍿ to 株式会社: a valid name's folded search key can be longer than it."""
    prefix = "Straße ﬁnance ㍿ "
    name = prefix + "ß" * (255 - len(prefix))

    response = api.post(f"{API}/{resource}", json={"name": name})

    assert response.status_code == 201, response.get_data(as_text=True)[:300]
    assert ok(api.get(f"{API}/{resource}", query_string={"search": "strasse finance 株式会社"}))["total"] == 1


# --- 4. Over-long text elsewhere ------------------------------------------------------------------

LONG = "a" * 10_000

LONG_JSON_CASES = [
    ("POST", DEALS, {"name": "Lost", "stage": "closed_lost", "lost_reason": "a" * 2001}, "lost_reason",
     "must be at most 2000 characters long."),
    ("POST", DEALS, {"name": "Noted", "note": "a" * 10_001}, "note", "must be at most 10000 characters long."),
    ("POST", "{open}/stage", {"stage": "proposal", "note": "a" * 10_001}, "note", "must be at most 10000 characters long."),
    ("POST", COMPANIES, {"name": LONG}, "name", "must be at most 255 characters long."),
    ("POST", COMPANIES, {"name": "Co", "domain": LONG}, "domain", "must be at most 255 characters long."),
    ("POST", CONTACTS, {"name": LONG}, "name", "must be at most 255 characters long."),
    ("POST", CONTACTS, {"name": "C", "phone": "1" * 51}, "phone", "must be at most 50 characters long."),
    ("POST", CONTACTS, {"name": "C", "email": "a" * 10_000 + "@example.com"}, "email", "must be an email address."),
]


def test_over_long_text_is_refused_naming_the_field(pipeline):
    for method, path, body, field, message in LONG_JSON_CASES:
        path = path.format(open=f"{DEALS}/{pipeline.open_deal['id']}")

        error = assert_error(send_json(pipeline.api, method, path, body), 422, "validation_failed")

        assert error["fields"] == {field: message}, (path, field)
    pipeline.assert_unchanged()


def test_over_long_text_in_forms_is_refused_with_a_message_beside_it(pipeline, web_browser):
    cases = [
        ("/deals", DEAL_FORM | {"name": LONG}, "name", "must be at most 255 characters long."),
        ("/deals/{id}/edit", {"name": LONG, "stage": "closed_lost", "currency": "JPY"}, "name", "must be at most 255 characters long."),
        ("/deals/{id}/edit", {"name": "Existing deal", "stage": "closed_lost", "currency": "JPY", "lost_reason": "a" * 2001},
         "lost_reason", "must be at most 2000 characters long."),
        ("/board/quick-add", {"name": LONG, "amount": ""}, "name", "Name must be at most 255 characters long."),
        ("/deals/{id}/activities", {"type": "note", "content": "a" * 10_001}, "content", "must be at most 10000 characters long."),
    ]
    for path, form, field, message in cases:
        response = web_browser.post(path.format(id=pipeline.deal["id"]), form, htmx=True)
        assert form_error(response, field) == message, path
    pipeline.assert_unchanged()


def test_an_over_long_search_is_refused_with_400_naming_it(pipeline, web_browser):
    for path in (DEALS, COMPANIES, CONTACTS, f"{API}/members"):
        error = assert_error(pipeline.api.get(path, query_string={"search": LONG}), 400, "invalid_parameter")
        assert set(error["fields"]) == {"search"}
    for path in ("/", "/deals"):
        response = web_browser.get(path, query_string={"search": LONG})
        assert response.status_code == 400
        assert "search" in page_of(response).text


# --- 5. Numbers -----------------------------------------------------------------------------------

ACCEPTED_NUMBERS = [
    ("amount", "-0", 0),
    ("amount", "-0.00", 0),
    ("amount", "0.10", Decimal("0.1")),
    ("amount", "1.000", 1),
    ("amount", "1e3", 1000),
    ("probability", "-0", 0),
    ("probability", "50.0", 50),
]


def test_numbers_equal_to_a_valid_value_are_stored_as_that_value(api):
    for field, literal, stored in ACCEPTED_NUMBERS:
        response = send_raw(api, "POST", DEALS, '{"name": "Numbers", "%s": %s}' % (field, literal))
        assert response.status_code == 201, (literal, response.get_data(as_text=True))
        created = exact_json(response)["deal"]

        fetched = api.get(f"{DEALS}/{created['id']}")
        assert created[field] == exact_json(fetched)["deal"][field] == stored, literal
        assert f'"{field}": {stored}' in fetched.get_data(as_text=True), literal


REFUSED_NUMBERS = [
    ("amount", "1e-400", 422),
    ("amount", "1e999999999999", 422),
    ("amount", "-1e999999999999", 422),
    ("amount", "1e-999999999999", 422),
    ("amount", "9" * 5000, 400),
    ("amount", "0." + "0" * 5000 + "1", 422),
    ("probability", "1e-400", 422),
    ("probability", "1e309", 422),
    ("probability", "99999999999999999999", 422),
    ("probability", "1e999999999999", 422),
    ("probability", "NaN", 400),
    ("probability", "-Infinity", 400),
]


def test_numbers_out_of_range_or_too_precise_are_refused(pipeline):
    for field, literal, status in REFUSED_NUMBERS:
        for response in (
            send_raw(pipeline.api, "POST", DEALS, '{"name": "Numbers", "%s": %s}' % (field, literal)),
            send_raw(pipeline.api, "PATCH", f"{DEALS}/{pipeline.open_deal['id']}", '{"%s": %s}' % (field, literal)),
        ):
            error = assert_error(response, status)
            if status == 422:
                assert set(error["fields"]) == {field}, literal
    pipeline.assert_unchanged()


# A form reads amounts as people write them: exponents and the words of floating point are not that.
AMOUNT_ACCEPTED = ("must be a number such as 1,200,000 or 1234.50 (commas between thousands, a period before the "
                   "decimals), with or without ¥, 円 or JPY.")
FORM_NUMBERS = [
    ("amount", "1e309", AMOUNT_ACCEPTED),
    ("amount", "99999999999999999999", "must be at most 9,999,999,999,999.99."),
    ("amount", "1e-400", AMOUNT_ACCEPTED),
    ("amount", "1.005", "must have at most two decimal places."),
    ("amount", "NaN", AMOUNT_ACCEPTED),
    ("amount", "sNaN", AMOUNT_ACCEPTED),
    ("amount", "Infinity", AMOUNT_ACCEPTED),
    ("amount", "-Infinity", AMOUNT_ACCEPTED),
    ("probability", "1e-400", "must be a whole number from 0 to 100."),
    ("probability", "1e309", "must be a whole number from 0 to 100."),
    ("probability", "NaN", "must be a whole number from 0 to 100."),
]


def check_typed_numbers(pipeline, web_browser, cases) -> None:
    for field, typed, message in cases:
        create = web_browser.post("/deals", DEAL_FORM | {field: typed}, htmx=True)
        edit = web_browser.post(f"/deals/{pipeline.open_deal['id']}/edit", DEAL_FORM | {"name": "Open deal", field: typed},
                                htmx=True)

        assert form_error(create, field) == message, typed
        assert form_error(edit, field) == message, typed
        if field == "amount":
            quick = web_browser.post("/board/quick-add", {"name": "Quick", "amount": typed}, htmx=True)
            assert form_error(quick, field) == f"Amount {message}", typed
    pipeline.assert_unchanged()


def test_numbers_typed_in_forms_are_refused_with_a_message_beside_the_field(pipeline, web_browser):
    check_typed_numbers(pipeline, web_browser, FORM_NUMBERS)


@pytest.mark.parametrize("field, message", [("amount", AMOUNT_ACCEPTED),
                                            ("probability", "must be a whole number from 0 to 100.")],
                         ids=["amount", "probability"])
def test_a_number_with_a_huge_exponent_typed_in_a_form_is_refused(pipeline, web_browser, field, message):
    check_typed_numbers(pipeline, web_browser, [(field, "1e999999999999", message)])


def test_minus_zero_typed_in_a_form_is_zero(web_browser):
    response = web_browser.post("/deals", DEAL_FORM | {"amount": "-0", "probability": "-0"})

    assert response.status_code == 303
    deal = ok(web_browser.api.get(DEALS))["items"][0]
    assert (deal["amount"], deal["probability"]) == (0, 0)


# --- 6. Dates and moments -------------------------------------------------------------------------

WON_DATES_ACCEPTED = [
    ("2026-01-15T09:00:00Z", "2026-01-15T09:00:00Z"),
    ("2026-01-15T09:00:00+09:00", "2026-01-15T00:00:00Z"),
    ("2026-01-15T09:00:00-05:30", "2026-01-15T14:30:00Z"),
    ("2025-12-31T23:30:00-01:00", "2026-01-01T00:30:00Z"),
    ("2026-01-15T09:00:00.999999Z", "2026-01-15T09:00:00Z"),
    ("2026-01-15T09:00:00", "2026-01-15T09:00:00Z"),
    ("2026-01-15", "2026-01-15T00:00:00Z"),
]


def test_a_won_date_with_an_offset_is_stored_as_the_same_moment_in_utc(api):
    for sent, shown in WON_DATES_ACCEPTED:
        created = ok(api.post(DEALS, json={"name": "Won", "stage": "closed_won", "won_date": sent}), 201)["deal"]

        assert created["won_date"] == shown, sent
        assert ok(api.get(f"{DEALS}/{created['id']}"))["deal"]["won_date"] == shown, sent


WON_DATES_REFUSED = [
    "2026-02-30T00:00:00Z",
    "2026-13-01",
    "2026-1-1",
    "2026-01-15T25:00:00Z",
    "2026-01-15T09:00:00+24:00",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
    "２０２６-０１-１５",
    "yesterday",
    "",
    "2026-01-15T09:00:00Z" + " " * 30,
]


def test_a_won_date_that_is_no_moment_is_refused_naming_it(pipeline):
    for sent in WON_DATES_REFUSED + [20260115, True, ["2026-01-15"]]:
        for method, path, body in (
            ("POST", DEALS, {"name": "Won", "stage": "closed_won", "won_date": sent}),
            ("PATCH", f"{DEALS}/{pipeline.open_deal['id']}", {"stage": "closed_won", "won_date": sent}),
        ):
            error = assert_error(send_json(pipeline.api, method, path, body), 422, "validation_failed")
            assert set(error["fields"]) == {"won_date"}, (sent, error)
    pipeline.assert_unchanged()


def test_an_expected_close_date_of_another_shape_is_refused_naming_it(pipeline):
    for sent in ("2026-1-1", "２０２６-０３-３１", "٢٠٢٦-٠٣-٣١", "2026-03-31T00:00:00Z", " 2026-03-31", "2026-02-29", "0000-01-01"):
        error = assert_error(send_json(pipeline.api, "POST", DEALS, {"name": "Dated", "expected_close_date": sent}), 422)
        assert set(error["fields"]) == {"expected_close_date"}, sent
    pipeline.assert_unchanged()


def test_dates_typed_in_forms(pipeline, web_browser):
    refused = web_browser.post("/deals", DEAL_FORM | {"expected_close_date": "2026-13-01"}, htmx=True)
    assert form_error(refused, "expected_close_date") == "is not a real calendar date."
    refused = web_browser.post("/deals", DEAL_FORM | {"stage": "closed_won", "won_date": "2026-02-30"}, htmx=True)
    assert form_error(refused, "won_date").startswith("must be an ISO 8601 date-time")
    pipeline.assert_unchanged()

    accepted = web_browser.post("/deals", DEAL_FORM | {"stage": "closed_won", "won_date": "2026-01-15T09:00:00+09:00"})

    assert accepted.status_code == 303
    won = ok(web_browser.api.get(DEALS, query_string={"stage": "closed_won"}))["items"]
    assert [deal["won_date"] for deal in won] == ["2026-01-15T00:00:00Z"]


# --- 7. Ids of odd shapes -------------------------------------------------------------------------

ODD_IDS = {
    "too-long": "{prefix}" + "0" * 1000,
    "sql": "{prefix}' OR '1'='1",
    "sql-comment": "{prefix}0000000000000000000000000000000'--",
    "other-digits": "{prefix}" + "٠" * 32,
    "full-width": "{prefix}" + "０" * 32,
    "percent-encoded-slash": "{prefix}%2F..%2F..%2Fdeals",
    "dot-dot": "..",
    "trailing-space": "{prefix}" + "0" * 32 + " ",
    "emoji": "{prefix}🦄",
    "nul": "{prefix}" + "0" * 31 + NUL,
}
PATH_ROUTES = [
    ("GET", DEALS + "/{id}", "deal_"),
    ("PATCH", DEALS + "/{id}", "deal_"),
    ("DELETE", DEALS + "/{id}", "deal_"),
    ("POST", DEALS + "/{id}/stage", "deal_"),
    ("GET", DEALS + "/{id}/activities", "deal_"),
    ("GET", COMPANIES + "/{id}", "comp_"),
    ("GET", CONTACTS + "/{id}", "cont_"),
]
PATH_BODIES = {"PATCH": {"name": "Renamed"}, "POST": {"stage": "proposal"}}


def path_with(route: str, odd: str) -> str:
    # Percent-encode the id as a client would (keeping the %2F of the percent-encoded case as sent).
    return route.format(id=quote(odd, safe="%"))


def check_odd_path_ids(pipeline, shapes) -> None:
    for shape in shapes:
        for method, route, prefix in PATH_ROUTES:
            odd = ODD_IDS[shape].format(prefix=prefix)
            response = pipeline.api.client.open(
                path_with(route, odd), method=method, json=PATH_BODIES.get(method),
                headers={"Authorization": f"Bearer {pipeline.api.token}"},
            )
            assert_error(response, 404, "not_found")
            assert odd not in response.get_data(as_text=True), (shape, route)
    pipeline.assert_unchanged()


def test_an_id_of_an_odd_shape_in_the_path_answers_404_like_any_missing_record(pipeline):
    check_odd_path_ids(pipeline, [shape for shape in ODD_IDS if shape != "nul"])


def test_an_id_with_a_nul_in_the_path_answers_404_like_any_missing_record(request, app, pipeline):
    check_odd_path_ids(pipeline, ["nul"])


def test_an_id_of_an_odd_shape_in_a_page_path_answers_a_404_page(pipeline, web_browser):
    for shape in ODD_IDS:
        deal_path = path_with("/deals/{id}", ODD_IDS[shape].format(prefix="deal_"))
        for suffix in ("", "/edit", "/delete", "/activities"):
            response = web_browser.get(deal_path + suffix)
            assert response.status_code == 404, (shape, suffix)
            assert page_of(response).one("h1").text == "Page not found"
        for suffix, form in (("/stage", {"stage": "proposal"}), ("/edit", DEAL_FORM), ("/delete", {}),
                             ("/activities", {"type": "note", "content": "x"})):
            response = web_browser.post(deal_path + suffix, form, htmx=True)
            assert response.status_code == 404, (shape, suffix)
    pipeline.assert_unchanged()


ODD_BODY_IDS = [
    "{prefix}" + "0" * 1000,
    "{prefix}' OR '1'='1",
    "{prefix}" + "٠" * 32,
    "{prefix}" + "0" * 31 + NUL,
    "{prefix}%2F..%2F",
    "{prefix}" + "0" * 32 + "\n",
    "",
]


def test_a_reference_of_an_odd_shape_is_refused_naming_the_field(pipeline):
    for field, prefix in (("company_id", "comp_"), ("contact_id", "cont_"), ("assigned_member_id", "usr_")):
        for odd in [value.format(prefix=prefix) for value in ODD_BODY_IDS] + [{"id": prefix + "0" * 32}, [prefix + "0" * 32]]:
            for method, path, body in (("POST", DEALS, {"name": "Ref"}), ("PATCH", pipeline.deal_path, {})):
                error = assert_error(send_json(pipeline.api, method, path, body | {field: odd}), 422, "validation_failed")
                assert set(error["fields"]) == {field}, odd
    for odd in [value.format(prefix="comp_") for value in ODD_BODY_IDS]:
        error = assert_error(send_json(pipeline.api, "POST", CONTACTS, {"name": "C", "company_id": odd}), 422)
        assert set(error["fields"]) == {"company_id"}
    pipeline.assert_unchanged()


def test_a_reference_of_an_odd_shape_typed_in_a_form_is_refused_beside_the_field(pipeline, web_browser):
    for field, prefix in (("company_id", "comp_"), ("contact_id", "cont_"), ("assigned_member_id", "usr_")):
        for odd in (f"{prefix}' OR '1'='1", prefix + "0" * 1000):
            response = web_browser.post("/deals", DEAL_FORM | {field: odd}, htmx=True)
            assert form_error(response, field).startswith("must be a "), (field, odd)
    pipeline.assert_unchanged()


# --- 8. Repeated and unknown parameters, unknown form fields --------------------------------------

REPEATED_API = [
    (COMPANIES, "limit=1&limit=2", "limit"),
    (CONTACTS, "offset=0&offset=1", "offset"),
    (f"{API}/members", "search=a&search=b", "search"),
    (DEALS, "limit=5&limit=5", "limit"),
    (DEALS, "stage=lead&stage=", "stage"),
]


def test_a_parameter_given_twice_is_refused_with_400_naming_it_on_every_list(pipeline):
    for path, query, name in REPEATED_API:
        error = assert_error(pipeline.api.get(f"{path}?{query}"), 400, "invalid_parameter")
        assert set(error["fields"]) == {name}, (path, query)
        assert name in error["message"]


def test_a_parameter_given_twice_on_a_page_answers_a_400_page_naming_it(pipeline, web_browser):
    deal_page = f"/deals/{pipeline.deal['id']}"
    for path, name in (
        ("/?search=a&search=b", "search"),
        ("/?assignee=me&assignee=none", "assignee"),
        ("/board/lead/cards?offset=0&offset=20", "offset"),
        ("/deals?limit=1&limit=2", "limit"),
        ("/deals?sort=name&sort=amount", "sort"),
        (f"{deal_page}?page=1&page=2", "page"),
        (f"{deal_page}/activities?limit=5&limit=6", "limit"),
    ):
        response = web_browser.get(path)
        assert response.status_code == 400, path
        assert f"'{name}' is given more than once" in page_of(response).text, path


def test_unknown_query_parameters_are_ignored(pipeline, web_browser):
    deal_id = pipeline.deal["id"]
    unknown = "utm_source=mail&_=1700000000&organization_id=org_" + "0" * 32 + "&deleted=1&x%00y=1"
    for path in (DEALS, f"{DEALS}/{deal_id}", f"{DEALS}/{deal_id}/activities", COMPANIES, CONTACTS, f"{API}/members"):
        assert pipeline.api.get(f"{path}?{unknown}").get_data() == pipeline.api.get(path).get_data(), path
    for path in ("/deals", f"/deals/{deal_id}", "/board/activity"):
        with_unknown = web_browser.get(f"{path}?{unknown}")
        assert with_unknown.status_code == 200, path
    created = ok(send_json(pipeline.api, "POST", f"{DEALS}?name=Other&stage=closed_won", {"name": "From the body"}), 201)
    assert (created["deal"]["name"], created["deal"]["stage"]) == ("From the body", "lead")


def test_unknown_and_read_only_fields_of_a_form_are_ignored_and_cannot_set_the_owner(web_browser, make_user):
    other = make_user("Other Org")
    forced_id = "deal_" + "1" * 32
    form = DEAL_FORM | {
        "name": "Forced",
        "id": forced_id,
        "organization_id": other.user["organization_id"],
        "created_at": "2000-01-01T00:00:00Z",
        "deleted_at": "2000-01-01T00:00:00Z",
        "created_by": other.user["id"],
    }

    response = web_browser.post("/deals", form)

    assert response.status_code in (303, 422)
    assert ok(other.get(DEALS))["total"] == 0
    assert other.get(f"{DEALS}/{forced_id}").status_code == 404
    mine = ok(web_browser.api.get(DEALS))["items"]
    if response.status_code == 303:
        assert [deal["name"] for deal in mine] == ["Forced"]
        assert mine[0]["id"] != forced_id and not mine[0]["created_at"].startswith("2000")


# --- 9. Header injection and odd Host headers -----------------------------------------------------

CRLF_NEXT = "/deals\r\nSet-Cookie: x=injected"



def test_a_next_with_cr_lf_never_reaches_a_header_when_signed_in(web_browser):
    response = web_browser.get("/login", query_string={"next": CRLF_NEXT})

    assert response.status_code == 302
    assert_clean_headers(response, "injected")
    assert web_browser.client.get_cookie("x") is None



def test_a_next_with_cr_lf_never_reaches_a_header_when_signing_in(api, anonymous_with_token):
    client, token = anonymous_with_token

    response = client.post("/login", data={"email": api.user["email"], "password": PASSWORD, "next": CRLF_NEXT,
                                           "csrf_token": token})

    assert response.status_code == 303
    assert_clean_headers(response, "injected")
    assert client.get_cookie("x") is None


def test_cr_lf_in_next_that_stays_percent_encoded_or_in_a_path_never_splits_a_header(web_browser, anonymous_with_token):
    encoded = web_browser.get("/login?next=/deals%250D%250ASet-Cookie:%2520x=injected")
    assert encoded.status_code == 302
    assert_clean_headers(encoded)
    for tab_or_newline in ("/\t/evil.example", "/\n/evil.example", "/\r/evil.example"):
        response = web_browser.get("/login", query_string={"next": tab_or_newline})
        assert response.status_code == 302
        assert "evil.example" not in response.headers["Location"]
    client, _ = anonymous_with_token
    signed_out = client.get("/deals/%0D%0ASet-Cookie:%20x=injected")
    assert signed_out.status_code == 302
    assert_clean_headers(signed_out)
    assert query_of(signed_out.headers["Location"])["next"] == ["/deals/\r\nSet-Cookie: x=injected"]
    assert client.get_cookie("x") is None


def test_a_name_with_line_separators_never_reaches_a_header(pipeline, web_browser):
    name = "Split\u2028Set-Cookie: x=injected\u2029end"
    created = ok(pipeline.api.post(DEALS, json={"name": name}), 201)["deal"]
    path = f"/deals/{created['id']}"
    responses = [
        web_browser.post(f"{path}/stage", {"stage": "proposal", "from_stage": "lead"}, htmx=True, current_url="/"),
        web_browser.post(f"{path}/stage", {"stage": "negotiation"}),
        web_browser.get("/"),
        web_browser.post(f"{path}/edit", DEAL_FORM | {"name": name, "stage": "negotiation"}),
        web_browser.post("/board/quick-add", {"name": name, "amount": ""}, htmx=True, current_url="/"),
        web_browser.post("/deals", DEAL_FORM | {"name": name}),
        web_browser.post(f"{path}/delete", {}),
        web_browser.get("/"),
    ]
    for response in responses:
        assert response.status_code in (200, 303), response.get_data(as_text=True)[:300]
        assert_clean_headers(response, "injected", "\u2028")

    crlf = "Split\r\nSet-Cookie: x=injected"
    for path, form, field in (("/deals", DEAL_FORM | {"name": crlf}, "name"), ("/board/quick-add", {"name": crlf}, "name"),
                              ("/deals", DEAL_FORM | {"name": "Plain", "stage": "closed_lost", "lost_reason": "a\rb"}, None)):
        response = web_browser.post(path, form)
        assert_clean_headers(response, "injected")
        if field:
            assert "control characters" in form_error(response, field)


def test_a_hostile_hx_current_url_is_read_safely(pipeline, web_browser):
    path = f"/deals/{pipeline.open_deal['id']}/stage"
    for current_url in ("http://localhost/?search=a%0D%0Ab", "http://localhost/?search=%00", "http://localhost/?" + "a=b&" * 5000,
                        "javascript:alert(1)", "/?assignee=usr_' OR '1'='1"):
        response = web_browser.post(path, {"stage": "proposal"}, htmx=True, headers={"HX-Current-URL": current_url})

        assert response.status_code == 200, current_url
        assert_clean_headers(response)
        assert json.loads(response.headers["HX-Trigger"])["deal-moved"] == {"id": pipeline.open_deal["id"]}


def test_an_unreadable_hx_current_url_is_ignored(pipeline, web_browser):
    response = web_browser.post(f"/deals/{pipeline.open_deal['id']}/stage", {"stage": "proposal"}, htmx=True,
                                headers={"HX-Current-URL": "http://[::1/?search=x"})

    assert response.status_code == 200


def test_redirects_never_carry_the_host_header(app, web_browser):
    anonymous = app.test_client()
    for host in ("evil.example", "evil.example:8443", "[::1]:5000", "localhost:99999"):
        responses = [
            anonymous.get("/deals", headers={"Host": host}),
            anonymous.get("/deals", headers={"X-Forwarded-Host": host, "X-Forwarded-Proto": "https"}),
            web_browser.post("/deals", DEAL_FORM, headers={"X-Forwarded-Host": host, "Forwarded": f"host={host}"}),
        ]

        for response in responses:
            assert response.status_code in (302, 303), host
            location = urlsplit(response.headers["Location"])
            assert (location.scheme, location.netloc) == ("", ""), response.headers["Location"]


BAD_HOST = "a" * 64 + ".example"  # a DNS label is at most 63 characters


def test_a_host_header_that_is_no_host_name_answers_400_json_on_the_api(app, api):
    for path in (DEALS, "/api/v1/auth/sign-in"):
        response = app.test_client().get(path, headers={"Host": BAD_HOST, "Authorization": f"Bearer {api.token}"})
        assert_error(response, 400)


@pytest.mark.parametrize("path", ["/", "/login"])
def test_a_host_header_that_is_no_host_name_answers_a_400_page(app, path):
    response = app.test_client().get(path, headers={"Host": BAD_HOST})

    assert response.status_code == 400
