"""Bad input to the deals API: malformed bodies, invalid fields, bad query parameters, unknown routes
and ids of the wrong shape are refused in the one JSON error shape, and a refused request changes
nothing."""

import json
from decimal import Decimal

import pytest

DEALS = "/api/v1/crm/deals"
ONE_MIB = 1024 * 1024
UNKNOWN_IDS = {
    "company_id": "comp_" + "0" * 32,
    "contact_id": "cont_" + "0" * 32,
    "assigned_member_id": "usr_" + "0" * 32,
}


def assert_error(response, status: int) -> dict:
    """Check the status and the error shape {"error": {"code", "message", "fields"}}; return the error."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    return error


def raw_object(pairs: dict[str, str]) -> str:
    """A JSON object written from already-encoded values, so literals like 1e309 reach the server as sent."""
    return "{" + ", ".join(f"{json.dumps(key)}: {value}" for key, value in pairs.items()) + "}"


class Endpoint:
    """One of the routes that take a JSON body, aimed at an existing deal of the signed-in user's
    organization, with a snapshot of everything a refused request must leave as it was."""

    # A body each route accepts, as already-encoded JSON values.
    VALID_BODIES = {
        "create": {"name": '"New deal"'},
        "update": {"name": '"Renamed deal"'},
        "change_stage": {"stage": '"proposal"'},
    }

    def __init__(self, api, make_deal, route: str):
        self.api = api
        self.route = route
        self.deal = make_deal(name="Existing deal", amount=1000, currency="JPY", note="First note")
        self.path = {
            "create": DEALS,
            "update": f"{DEALS}/{self.deal['id']}",
            "change_stage": f"{DEALS}/{self.deal['id']}/stage",
        }[route]
        self.before = self.state()

    def send(self, body: str | bytes, content_type: str | None = "application/json"):
        headers = {"Content-Type": content_type} if content_type else {}
        method = self.api.patch if self.route == "update" else self.api.post
        return method(self.path, data=body, headers=headers)

    def send_pairs(self, pairs: dict[str, str]):
        return self.send(raw_object(pairs))

    def send_fields(self, pairs: dict[str, str]):
        """Send deal fields; a create also gets a valid name unless the fields bring their own."""
        base = {"name": '"Valid deal"'} if self.route == "create" else {}
        return self.send_pairs(base | pairs)

    def valid_pairs(self) -> dict[str, str]:
        return dict(self.VALID_BODIES[self.route])

    def state(self) -> tuple[int, bytes, int]:
        deals = self.api.get(DEALS)
        deal = self.api.get(f"{DEALS}/{self.deal['id']}")
        activities = self.api.get(f"{DEALS}/{self.deal['id']}/activities")
        assert deals.status_code == deal.status_code == activities.status_code == 200
        return deals.get_json()["total"], deal.get_data(), activities.get_json()["total"]

    def assert_unchanged(self) -> None:
        assert self.state() == self.before


BODY_ROUTES = ["create", "update", "change_stage"]
FIELD_ROUTES = ["create", "update"]


# 1. Request bodies


@pytest.mark.parametrize("route", BODY_ROUTES)
@pytest.mark.parametrize(
    "body",
    [
        '{"name": "Deal"',
        "{name: 'Deal'}",
        '{"name": "Deal",}',
        '{"name": "Deal"} {"name": "Again"}',
        "",
        "not json at all",
        b'{"name": "\xff"}',
    ],
    ids=["unclosed", "unquoted-keys", "trailing-comma", "two-documents", "empty", "text", "invalid-utf8"],
)
def test_malformed_json_body_is_refused_with_400(api, make_deal, route, body):
    endpoint = Endpoint(api, make_deal, route)

    assert_error(endpoint.send(body), 400)
    endpoint.assert_unchanged()


@pytest.mark.parametrize("route", BODY_ROUTES)
@pytest.mark.parametrize(
    "body",
    ["[]", '[{"name": "Deal", "stage": "proposal"}]', '"Deal"', "42", "4.2", "null", "true"],
    ids=["empty-list", "list-of-object", "string", "integer", "fraction", "null", "boolean"],
)
def test_json_body_that_is_not_an_object_is_refused_with_400(api, make_deal, route, body):
    endpoint = Endpoint(api, make_deal, route)

    assert_error(endpoint.send(body), 400)
    endpoint.assert_unchanged()


@pytest.mark.parametrize("route", BODY_ROUTES)
def test_object_with_the_same_key_twice_is_refused_with_400(api, make_deal, route):
    endpoint = Endpoint(api, make_deal, route)
    (key, value), = endpoint.valid_pairs().items()
    other = {"name": '"Other name"', "stage": '"negotiation"'}[key]

    response = endpoint.send("{" + f'"{key}": {value}, "{key}": {other}' + "}")

    assert_error(response, 400)
    endpoint.assert_unchanged()


@pytest.mark.parametrize("route", BODY_ROUTES)
@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_literals_are_refused_with_400(api, make_deal, route, literal):
    endpoint = Endpoint(api, make_deal, route)
    pairs = endpoint.valid_pairs()
    pairs["amount" if route != "change_stage" else "note"] = literal

    assert_error(endpoint.send_pairs(pairs), 400)
    endpoint.assert_unchanged()


@pytest.mark.parametrize("route", BODY_ROUTES)
@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000,
        "[" * 100_000 + "]" * 100_000,
        '{"a": ' * 100_000,
        '{"name": "Deal", "note": ' + "[" * 100_000 + "]" * 100_000 + "}",
    ],
    ids=["unclosed-lists", "closed-lists", "unclosed-objects", "inside-a-field"],
)
def test_deeply_nested_json_is_refused_with_400(api, make_deal, route, body):
    endpoint = Endpoint(api, make_deal, route)

    assert_error(endpoint.send(body), 400)
    endpoint.assert_unchanged()


@pytest.mark.parametrize("route", BODY_ROUTES)
@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml", None],
    ids=["text", "form", "multipart", "xml", "none"],
)
def test_body_that_is_not_declared_json_is_refused_with_415(api, make_deal, route, content_type):
    endpoint = Endpoint(api, make_deal, route)

    response = endpoint.send(raw_object(endpoint.valid_pairs()), content_type=content_type)

    assert_error(response, 415)
    endpoint.assert_unchanged()


@pytest.mark.parametrize("route", BODY_ROUTES)
def test_body_over_one_mebibyte_is_refused_with_413(api, make_deal, route):
    endpoint = Endpoint(api, make_deal, route)
    pairs = endpoint.valid_pairs()
    pairs["note"] = json.dumps("a" * ONE_MIB)

    assert_error(endpoint.send_pairs(pairs), 413)
    endpoint.assert_unchanged()


@pytest.mark.parametrize("route", FIELD_ROUTES)
def test_name_with_a_lone_surrogate_is_refused_not_crashed_on(api, make_deal, route):
    # A lone UTF-16 surrogate is not a character: it cannot be stored or sent back as UTF-8.
    endpoint = Endpoint(api, make_deal, route)

    response = endpoint.send_fields({"name": r'"Deal \ud800 name"'})

    assert response.status_code in (400, 422), response.get_data(as_text=True)
    assert_error(response, response.status_code)
    endpoint.assert_unchanged()


# 2. Field errors (3. and a refused request changes nothing)

NAME_CASES = [
    ('""', "empty"),
    ('"   "', "only-spaces"),
    (json.dumps("a" * 256), "256-characters"),
    (json.dumps("a" * 10_000), "10000-characters"),
    ("123", "number"),
    ("true", "boolean"),
    ("null", "null"),
    ('["Deal"]', "list"),
    (r'"Deal\u0000name"', "nul-byte"),
    (r'"Deal\u0001name"', "start-of-heading"),
    (r'"Deal\u001b[31mname"', "escape"),
    (r'"Deal\u007fname"', "delete"),
    (r'"Deal\nname"', "newline"),
    (r'"Deal\rname"', "carriage-return"),
    (r'"Deal\u0085name"', "c1-next-line"),
    (r'"Deal\u009bname"', "c1-control-sequence-introducer"),
]
AMOUNT_CASES = [
    ("-1", "negative"),
    ("-0.01", "negative-cent"),
    ('"1000"', "string"),
    ("true", "true"),
    ("false", "false"),
    ("1.005", "three-decimal-places"),
    ("1e309", "beyond-double"),
    ("99999999999999999999", "too-large"),
    ("10000000000000", "just-above-the-largest"),
    ("[1000]", "list"),
]
PROBABILITY_CASES = [
    ("101", "above-100"),
    ("-1", "negative"),
    ("50.5", "fraction"),
    ("true", "boolean"),
    ('"50"', "string"),
]
CURRENCY_CASES = [
    ('"yen"', "word"),
    ('"XYZ"', "not-iso-4217"),
    ("123", "number"),
    ('""', "empty"),
    ('"US"', "two-letters"),
    ("null", "null"),
]
DATE_CASES = [
    ('"2026-02-30"', "no-such-day"),
    ('"2026-13-01"', "no-such-month"),
    ('"2026/03/31"', "slashes"),
    ('"31-03-2026"', "day-first"),
    ("20260331", "number"),
    ('"2026-3-31"', "unpadded"),
]
STAGE_CASES = [('"won"', "won"), ('"Lead"', "capitalised"), ('""', "empty"), ("null", "null"), ("1", "number")]
ID_SHAPE_CASES = [
    ("company_id", '"comp_123"', "short"),
    ("contact_id", '"cont_123"', "short"),
    ("assigned_member_id", '"usr_123"', "short"),
    ("company_id", json.dumps("cont_" + "0" * 32), "other-kind"),
    ("contact_id", json.dumps("CONT_" + "A" * 32), "upper-case"),
    ("assigned_member_id", "123", "number"),
]

FIELD_CASES = (
    [pytest.param("name", value, id=f"name-{label}") for value, label in NAME_CASES]
    + [pytest.param("amount", value, id=f"amount-{label}") for value, label in AMOUNT_CASES]
    + [pytest.param("probability", value, id=f"probability-{label}") for value, label in PROBABILITY_CASES]
    + [pytest.param("currency", value, id=f"currency-{label}") for value, label in CURRENCY_CASES]
    + [pytest.param("expected_close_date", value, id=f"date-{label}") for value, label in DATE_CASES]
    + [pytest.param("stage", value, id=f"stage-{label}") for value, label in STAGE_CASES]
    + [pytest.param(field, value, id=f"{field}-{label}") for field, value, label in ID_SHAPE_CASES]
    + [
        pytest.param("probabilty", "50", id="unknown-typo"),
        pytest.param("owner", '"Ann"', id="unknown-field"),
        pytest.param("id", json.dumps("deal_" + "1" * 32), id="read-only-id"),
        pytest.param("created_at", '"2026-01-15T09:00:00Z"', id="read-only-created_at"),
        pytest.param("updated_at", '"2026-01-15T09:00:00Z"', id="read-only-updated_at"),
        pytest.param("organization_id", json.dumps("org_" + "1" * 32), id="read-only-organization_id"),
        pytest.param("won_date", '"2026-01-15T09:00:00Z"', id="won_date-on-open-deal"),
        pytest.param("lost_reason", '"Too expensive"', id="lost_reason-on-open-deal"),
    ]
)


@pytest.mark.parametrize("route", FIELD_ROUTES)
@pytest.mark.parametrize("field, value", FIELD_CASES)
def test_invalid_field_is_refused_with_422_naming_it(api, make_deal, route, field, value):
    endpoint = Endpoint(api, make_deal, route)
    pairs = {field: value, "note": '"Must not be recorded"'}

    error = assert_error(endpoint.send_fields(pairs), 422)

    assert set(error["fields"]) == {field}
    assert all(isinstance(problem, str) and problem for problem in error["fields"].values())
    endpoint.assert_unchanged()


@pytest.mark.parametrize("body", [{}, {"amount": 5000, "note": "No name"}], ids=["empty-object", "other-fields"])
def test_create_without_name_is_refused_naming_name(api, make_deal, body):
    endpoint = Endpoint(api, make_deal, "create")

    error = assert_error(api.post(DEALS, json=body), 422)

    assert set(error["fields"]) == {"name"}
    endpoint.assert_unchanged()


@pytest.mark.parametrize("route", FIELD_ROUTES)
def test_every_bad_field_is_reported_at_once(api, make_deal, route):
    endpoint = Endpoint(api, make_deal, route)
    pairs = {
        "name": '""',
        "amount": "true",
        "probability": "101",
        "currency": '"yen"',
        "expected_close_date": '"2026-02-30"',
        "stage": '"won"',
        "company_id": '"comp_123"',
        "contact_id": "5",
        "assigned_member_id": '"usr_123"',
        "probabilty": "50",
        "id": json.dumps("deal_" + "1" * 32),
        "created_at": '"2026-01-15T09:00:00Z"',
        "note": '"Must not be recorded"',
    }

    error = assert_error(endpoint.send_fields(pairs), 422)

    assert set(error["fields"]) == set(pairs) - {"note"}
    endpoint.assert_unchanged()


@pytest.mark.parametrize("route", FIELD_ROUTES)
def test_every_unknown_reference_is_reported_at_once(api, make_deal, route):
    endpoint = Endpoint(api, make_deal, route)
    pairs = {field: json.dumps(value) for field, value in UNKNOWN_IDS.items()}

    error = assert_error(endpoint.send_fields(pairs), 422)

    assert set(error["fields"]) == set(UNKNOWN_IDS)
    endpoint.assert_unchanged()


@pytest.mark.parametrize("route", FIELD_ROUTES)
@pytest.mark.parametrize(
    "pairs, bad_fields",
    [
        pytest.param(
            {"name": '""', "company_id": json.dumps(UNKNOWN_IDS["company_id"])},
            {"name", "company_id"},
            id="format-and-reference",
        ),
        pytest.param(
            {"amount": "-1", "stage": '"closed_won"', "probability": "50"},
            {"amount", "probability"},
            id="format-and-stage-rule",
        ),
        pytest.param(
            {"contact_id": json.dumps(UNKNOWN_IDS["contact_id"]), "stage": '"closed_won"', "probability": "50"},
            {"contact_id", "probability"},
            id="reference-and-stage-rule",
        ),
    ],
)
def test_bad_fields_of_different_kinds_are_reported_at_once(api, make_deal, route, pairs, bad_fields):
    endpoint = Endpoint(api, make_deal, route)

    error = assert_error(endpoint.send_fields(pairs), 422)

    assert bad_fields <= set(error["fields"])
    endpoint.assert_unchanged()


@pytest.mark.parametrize("route", FIELD_ROUTES)
@pytest.mark.parametrize("field", list(UNKNOWN_IDS))
def test_well_shaped_id_of_no_record_is_refused_naming_the_field(api, make_deal, route, field):
    endpoint = Endpoint(api, make_deal, route)

    error = assert_error(endpoint.send_fields({field: json.dumps(UNKNOWN_IDS[field])}), 422)

    assert set(error["fields"]) == {field}
    endpoint.assert_unchanged()


@pytest.mark.parametrize("route", FIELD_ROUTES)
@pytest.mark.parametrize("field", list(UNKNOWN_IDS))
def test_id_of_another_organizations_record_is_refused_naming_the_field(api, rival, make_deal, route, field):
    company = rival.post("/api/v1/crm/companies", json={"name": "Rival Customer"})
    assert company.status_code == 201, company.get_json()
    contact = rival.post("/api/v1/crm/contacts", json={"name": "Rita Rival"})
    assert contact.status_code == 201, contact.get_json()
    rival_ids = {
        "company_id": company.get_json()["company"]["id"],
        "contact_id": contact.get_json()["contact"]["id"],
        "assigned_member_id": rival.user["id"],
    }
    endpoint = Endpoint(api, make_deal, route)

    error = assert_error(endpoint.send_fields({field: json.dumps(rival_ids[field])}), 422)

    assert set(error["fields"]) == {field}
    endpoint.assert_unchanged()


@pytest.mark.parametrize("route", FIELD_ROUTES)
@pytest.mark.parametrize("probability", ["0", "50", "99", "null"])
def test_probability_other_than_100_with_stage_closed_won_is_refused(api, make_deal, route, probability):
    endpoint = Endpoint(api, make_deal, route)

    response = endpoint.send_fields({"stage": '"closed_won"', "probability": probability})

    error = assert_error(response, 422)
    assert "probability" in error["fields"]
    endpoint.assert_unchanged()


@pytest.mark.parametrize("route", FIELD_ROUTES)
@pytest.mark.parametrize("stage", ["lead", "proposal", "closed_won"])
def test_lost_reason_on_a_deal_not_closed_lost_is_refused(api, make_deal, route, stage):
    endpoint = Endpoint(api, make_deal, route)

    response = endpoint.send_fields({"stage": json.dumps(stage), "lost_reason": '"Too expensive"'})

    error = assert_error(response, 422)
    assert set(error["fields"]) == {"lost_reason"}
    endpoint.assert_unchanged()


@pytest.mark.parametrize("route", FIELD_ROUTES)
@pytest.mark.parametrize("stage", ["lead", "negotiation", "closed_lost"])
def test_won_date_on_a_deal_not_closed_won_is_refused(api, make_deal, route, stage):
    endpoint = Endpoint(api, make_deal, route)

    response = endpoint.send_fields({"stage": json.dumps(stage), "won_date": '"2026-01-15T09:00:00Z"'})

    error = assert_error(response, 422)
    assert set(error["fields"]) == {"won_date"}
    endpoint.assert_unchanged()


def test_won_date_on_an_existing_closed_lost_deal_is_refused(api, make_deal):
    deal = make_deal(stage="closed_lost", lost_reason="Budget cut")
    before = api.get(f"{DEALS}/{deal['id']}").get_data()

    response = api.patch(f"{DEALS}/{deal['id']}", json={"won_date": "2026-01-15T09:00:00Z"})

    error = assert_error(response, 422)
    assert set(error["fields"]) == {"won_date"}
    assert api.get(f"{DEALS}/{deal['id']}").get_data() == before


def test_lost_reason_on_an_existing_closed_won_deal_is_refused(api, make_deal):
    deal = make_deal(stage="closed_won")
    before = api.get(f"{DEALS}/{deal['id']}").get_data()

    response = api.patch(f"{DEALS}/{deal['id']}", json={"lost_reason": "Changed their mind"})

    error = assert_error(response, 422)
    assert set(error["fields"]) == {"lost_reason"}
    assert api.get(f"{DEALS}/{deal['id']}").get_data() == before


def test_lower_case_currency_is_accepted_and_stored_upper_case(api, make_deal):
    created = api.post(DEALS, json={"name": "Dollar deal", "currency": "usd"})
    assert created.status_code == 201, created.get_json()
    deal_id = created.get_json()["deal"]["id"]
    assert created.get_json()["deal"]["currency"] == "USD"
    assert api.get(f"{DEALS}/{deal_id}").get_json()["deal"]["currency"] == "USD"

    updated = api.patch(f"{DEALS}/{deal_id}", json={"currency": "eur"})

    assert updated.status_code == 200, updated.get_json()
    assert api.get(f"{DEALS}/{deal_id}").get_json()["deal"]["currency"] == "EUR"


def test_values_at_the_edge_of_the_rules_are_accepted(api):
    response = api.post(
        DEALS,
        json={
            "name": "a" * 255,
            "amount": Decimal("9999999999999.99"),
            "probability": 100,
            "stage": "closed_won",
            "expected_close_date": "2028-02-29",
        },
    )

    assert response.status_code == 201, response.get_json()
    deal = api.get(f"{DEALS}/{response.get_json()['deal']['id']}").get_json()["deal"]
    assert deal["name"] == "a" * 255
    assert deal["amount"] == Decimal("9999999999999.99")
    assert deal["probability"] == 100
    assert deal["expected_close_date"] == "2028-02-29"


# The stage route


@pytest.mark.parametrize("body", [{}, {"note": "Moved"}, {"lost_reason": "Too expensive"}], ids=["empty", "note", "lost-reason"])
def test_stage_change_without_stage_is_refused_naming_stage(api, make_deal, body):
    endpoint = Endpoint(api, make_deal, "change_stage")

    error = assert_error(api.post(endpoint.path, json=body), 422)

    assert "stage" in error["fields"]
    endpoint.assert_unchanged()


@pytest.mark.parametrize(
    "pairs, bad_field",
    [
        pytest.param({"stage": '"won"'}, "stage", id="stage-won"),
        pytest.param({"stage": '""'}, "stage", id="stage-empty"),
        pytest.param({"stage": "null"}, "stage", id="stage-null"),
        pytest.param({"stage": "3"}, "stage", id="stage-number"),
        pytest.param({"stage": '"proposal"', "lost_reason": '"Too expensive"'}, "lost_reason", id="lost_reason-not-lost"),
        pytest.param({"stage": '"proposal"', "probabilty": "50"}, "probabilty", id="unknown-typo"),
        pytest.param({"stage": '"proposal"', "name": '"Renamed"'}, "name", id="field-of-another-route"),
        pytest.param({"stage": '"proposal"', "id": json.dumps("deal_" + "1" * 32)}, "id", id="read-only-id"),
        pytest.param({"stage": '"proposal"', "updated_at": '"2026-01-15T09:00:00Z"'}, "updated_at", id="read-only-updated_at"),
        pytest.param({"stage": '"proposal"', "note": r'"Note\u0000"'}, "note", id="note-nul-byte"),
    ],
)
def test_invalid_stage_change_is_refused_with_422_naming_the_field(api, make_deal, pairs, bad_field):
    endpoint = Endpoint(api, make_deal, "change_stage")

    error = assert_error(endpoint.send_pairs(pairs | {"note": pairs.get("note", '"Must not be recorded"')}), 422)

    assert set(error["fields"]) == {bad_field}
    endpoint.assert_unchanged()


# 4. Query parameters

LIST_PARAM_CASES = [
    ("limit", "abc"),
    ("limit", "0"),
    ("limit", "-5"),
    ("limit", "1.5"),
    ("offset", "-1"),
    ("offset", "abc"),
    ("sort", "foo"),
    ("order", "up"),
    ("stage", "won"),
]


@pytest.mark.parametrize("name, value", LIST_PARAM_CASES)
def test_invalid_list_parameter_is_refused_with_400_naming_it(api, make_deal, name, value):
    make_deal()

    error = assert_error(api.get(DEALS, query_string={name: value}), 400)

    assert set(error["fields"]) == {name}
    assert name in error["message"]


@pytest.mark.parametrize(
    "name, first, second",
    [
        ("limit", "1", "2"),
        ("offset", "0", "1"),
        ("sort", "name", "amount"),
        ("order", "asc", "desc"),
        ("stage", "lead", "proposal"),
        ("search", "Acme", "Beta"),
    ],
)
def test_repeated_list_parameter_is_refused_with_400_naming_it(api, make_deal, name, first, second):
    make_deal()

    error = assert_error(api.get(f"{DEALS}?{name}={first}&{name}={second}"), 400)

    assert set(error["fields"]) == {name}
    assert name in error["message"]


def test_list_limit_above_200_is_capped_at_200(api, make_deal):
    make_deal()

    response = api.get(DEALS, query_string={"limit": "500"})

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["limit"] == 200
    assert body["total"] == 1
    assert len(body["items"]) == 1


@pytest.mark.parametrize(
    "query",
    ["page=0", "page=abc", "page=-1", "limit=0", "limit=abc", "limit=-5", "page=1&page=2", "limit=5&limit=10"],
)
def test_invalid_activities_parameter_is_refused_with_400_naming_it(api, make_deal, query):
    deal = make_deal()
    name = query.split("=")[0]

    error = assert_error(api.get(f"{DEALS}/{deal['id']}/activities?{query}"), 400)

    assert set(error["fields"]) == {name}
    assert name in error["message"]


def test_activities_limit_above_100_is_capped_at_100(api, make_deal):
    deal = make_deal()
    for number in range(100):
        response = api.patch(f"{DEALS}/{deal['id']}", json={"note": f"Note {number}"})
        assert response.status_code == 200, response.get_json()

    response = api.get(f"{DEALS}/{deal['id']}/activities", query_string={"limit": "1000"})

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["total"] == 101
    assert len(body["activities"]) == 100


# 5. Unknown routes and wrong methods


@pytest.mark.parametrize(
    "path",
    ["/api/v1/crm/nothing", "/api/v2/deals", "/api/v1/deals", "/api/nothing", "/api", "/api/v1/crm/deals/{id}/nothing"],
)
def test_unknown_api_route_answers_404_json(api, make_deal, path):
    deal = make_deal()

    assert_error(api.get(path.format(id=deal["id"])), 404)


@pytest.mark.parametrize(
    "method, path, allowed",
    [
        ("PUT", "/api/v1/crm/deals", {"GET", "POST"}),
        ("DELETE", "/api/v1/crm/deals", {"GET", "POST"}),
        ("PUT", "/api/v1/crm/deals/{id}", {"GET", "PATCH", "DELETE"}),
        ("POST", "/api/v1/crm/deals/{id}", {"GET", "PATCH", "DELETE"}),
        ("GET", "/api/v1/crm/deals/{id}/stage", {"POST"}),
        ("PUT", "/api/v1/crm/deals/{id}/activities", {"GET", "POST"}),
        ("POST", "/api/v1/crm/activities", {"GET"}),
        ("PUT", "/api/v1/crm/activities/{id}", {"PATCH", "DELETE"}),
    ],
)
def test_wrong_method_answers_405_json_with_allow_header(api, make_deal, method, path, allowed):
    deal = make_deal()

    response = api.client.open(
        path.format(id=deal["id"]),
        method=method,
        json={"name": "Deal"},
        headers={"Authorization": f"Bearer {api.token}"},
    )

    assert_error(response, 405)
    allow = {verb.strip() for verb in response.headers.get("Allow", "").split(",")}
    assert allowed <= allow
    assert method not in allow


# 6. Ids of the wrong shape in the path

BAD_PATH_IDS = [
    "123",
    "deal_XYZ",
    "deal_" + "A" * 32,
    "deal_" + "0" * 31,
    "deal_" + "0" * 33,
    "DEAL_" + "0" * 32,
    "comp_" + "0" * 32,
    "deal_" + "0" * 32,
]
OPERATIONS = [
    ("GET", "{id}", None),
    ("PATCH", "{id}", {"name": "Renamed"}),
    ("DELETE", "{id}", None),
    ("POST", "{id}/stage", {"stage": "proposal"}),
    ("GET", "{id}/activities", None),
]


@pytest.mark.parametrize("method, suffix, body", OPERATIONS, ids=[f"{m}-{s}" for m, s, _ in OPERATIONS])
@pytest.mark.parametrize("deal_id", BAD_PATH_IDS)
def test_deal_id_of_wrong_shape_or_no_deal_answers_404_json(api, make_deal, method, suffix, body, deal_id):
    endpoint = Endpoint(api, make_deal, "create")

    response = api.client.open(
        f"{DEALS}/{suffix.format(id=deal_id)}",
        method=method,
        json=body,
        headers={"Authorization": f"Bearer {api.token}"},
    )

    assert_error(response, 404)
    endpoint.assert_unchanged()


@pytest.mark.parametrize("method, suffix, body", OPERATIONS, ids=[f"{m}-{s}" for m, s, _ in OPERATIONS])
def test_deal_of_another_organization_answers_404_json(api, rival, make_deal, method, suffix, body):
    theirs = make_deal(client=rival, name="Rival deal")
    before = rival.get(f"{DEALS}/{theirs['id']}").get_data()

    response = api.client.open(
        f"{DEALS}/{suffix.format(id=theirs['id'])}",
        method=method,
        json=body,
        headers={"Authorization": f"Bearer {api.token}"},
    )

    assert_error(response, 404)
    assert rival.get(f"{DEALS}/{theirs['id']}").get_data() == before
