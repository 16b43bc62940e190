"""Companies, contacts and members: creating, reading and listing them within one organization."""

import re

import pytest

COMPANIES = "/api/v1/crm/companies"
CONTACTS = "/api/v1/crm/contacts"
MEMBERS = "/api/v1/crm/members"
DEALS = "/api/v1/crm/deals"
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")

# Each collection: its path, the key its single record answers under, and its id prefix.
RESOURCES = {
    "companies": (COMPANIES, "company", "comp_"),
    "contacts": (CONTACTS, "contact", "cont_"),
}
RESOURCE_NAMES = list(RESOURCES)


def create(client, resource, **fields):
    path, key, _ = RESOURCES[resource]
    response = client.post(path, json=fields)
    assert response.status_code == 201, response.get_json()
    return response.get_json()[key]


def names(response):
    assert response.status_code == 200, response.get_json()
    return [item["name"] for item in response.get_json()["items"]]


def assert_error(response, status, code=None):
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    if code is not None:
        assert body["error"]["code"] == code


# --- companies ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected_domain"),
    [({"name": "Globex", "domain": "globex.example"}, "globex.example"), ({"name": "Globex"}, None)],
    ids=["with-domain", "without-domain"],
)
def test_create_company_answers_201_with_the_company(api, body, expected_domain):
    response = api.post(COMPANIES, json=body)

    assert response.status_code == 201
    company = response.get_json()["company"]
    assert set(company) == {"id", "name", "domain", "created_at", "updated_at"}
    assert re.fullmatch(r"comp_[0-9a-f]{32}", company["id"])
    assert company["name"] == "Globex"
    assert company["domain"] == expected_domain
    assert TIMESTAMP.fullmatch(company["created_at"])
    assert TIMESTAMP.fullmatch(company["updated_at"])


def test_created_company_can_be_fetched_by_id(api):
    company = create(api, "companies", name="株式会社さくら商事", domain="sakura.example.jp")

    response = api.get(f"{COMPANIES}/{company['id']}")

    assert response.status_code == 200
    assert response.get_json() == {"company": company}


# --- contacts -----------------------------------------------------------------------------------


def test_create_contact_answers_201_with_the_contact(api):
    company = create(api, "companies", name="Globex")

    response = api.post(
        CONTACTS,
        json={"name": "Hank Scorpio", "email": "hank@globex.example", "phone": "+1 555 0100", "company_id": company["id"]},
    )

    assert response.status_code == 201
    contact = response.get_json()["contact"]
    assert set(contact) == {"id", "name", "email", "phone", "company_id", "created_at", "updated_at"}
    assert re.fullmatch(r"cont_[0-9a-f]{32}", contact["id"])
    assert contact["name"] == "Hank Scorpio"
    assert contact["email"] == "hank@globex.example"
    assert contact["phone"] == "+1 555 0100"
    assert contact["company_id"] == company["id"]
    assert TIMESTAMP.fullmatch(contact["created_at"])
    assert TIMESTAMP.fullmatch(contact["updated_at"])


def test_contact_needs_only_a_name(api):
    response = api.post(CONTACTS, json={"name": "田中 太郎"})

    assert response.status_code == 201
    contact = response.get_json()["contact"]
    assert contact["name"] == "田中 太郎"
    assert contact["email"] is None
    assert contact["phone"] is None
    assert contact["company_id"] is None


def test_created_contact_can_be_fetched_by_id(api):
    company = create(api, "companies", name="Globex")
    contact = create(api, "contacts", name="Hank Scorpio", email="hank@globex.example", company_id=company["id"])

    response = api.get(f"{CONTACTS}/{contact['id']}")

    assert response.status_code == 200
    assert response.get_json() == {"contact": contact}


def test_contact_company_must_belong_to_the_callers_organization(api, rival):
    rivals_company = create(rival, "companies", name="Rival Holdings")
    missing_company = "comp_" + "0" * 32

    other_org = api.post(CONTACTS, json={"name": "Hank Scorpio", "company_id": rivals_company["id"]})
    missing = api.post(CONTACTS, json={"name": "Hank Scorpio", "company_id": missing_company})

    assert_error(other_org, 422)
    assert "company_id" in other_org.get_json()["error"]["fields"]
    assert other_org.get_json() == missing.get_json()
    assert api.get(CONTACTS).get_json()["total"] == 0


@pytest.mark.parametrize("company_id", ["not-an-id", "deal_" + "0" * 32, 42, ""], ids=["text", "deal-id", "number", "empty"])
def test_contact_company_id_that_is_not_a_company_id_is_a_422(api, company_id):
    response = api.post(CONTACTS, json={"name": "Hank Scorpio", "company_id": company_id})

    assert_error(response, 422)
    assert "company_id" in response.get_json()["error"]["fields"]
    assert api.get(CONTACTS).get_json()["total"] == 0


@pytest.mark.parametrize(
    "email",
    ["not-an-email", "hank@", "@globex.example", "hank@globex", "hank scorpio@globex.example", "", 42, ["hank@globex.example"]],
    ids=["no-at", "no-domain", "no-local-part", "no-dot", "space", "empty", "number", "list"],
)
def test_contact_with_a_bad_email_is_a_422(api, email):
    response = api.post(CONTACTS, json={"name": "Hank Scorpio", "email": email})

    assert_error(response, 422)
    assert "email" in response.get_json()["error"]["fields"]
    assert api.get(CONTACTS).get_json()["total"] == 0


# --- validation shared by companies and contacts ------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [{}, {"name": ""}, {"name": "   "}, {"name": None}, {"name": 42}],
    ids=["missing", "empty", "blank", "null", "number"],
)
@pytest.mark.parametrize("resource", RESOURCE_NAMES)
def test_create_without_a_usable_name_is_a_422(api, resource, body):
    path, _, _ = RESOURCES[resource]

    response = api.post(path, json=body)

    assert_error(response, 422, "validation_failed")
    assert "name" in response.get_json()["error"]["fields"]
    assert api.get(path).get_json()["total"] == 0


@pytest.mark.parametrize("field", ["website", "organization_id", "id"])
@pytest.mark.parametrize("resource", RESOURCE_NAMES)
def test_create_with_an_unknown_or_read_only_field_is_a_422(api, resource, field):
    path, _, prefix = RESOURCES[resource]

    response = api.post(path, json={"name": "Globex", field: prefix + "0" * 32})

    assert_error(response, 422, "validation_failed")
    assert field in response.get_json()["error"]["fields"]
    assert api.get(path).get_json()["total"] == 0


# --- lists --------------------------------------------------------------------------------------


@pytest.mark.parametrize("resource", RESOURCE_NAMES)
def test_list_answers_items_total_limit_and_offset_sorted_by_name(api, resource):
    path, _, _ = RESOURCES[resource]
    for name in ["Charlie Trading", "Alpha Foods", "Bravo Systems"]:
        create(api, resource, name=name)

    response = api.get(path)

    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"items", "total", "limit", "offset"}
    assert [item["name"] for item in body["items"]] == ["Alpha Foods", "Bravo Systems", "Charlie Trading"]
    assert body["total"] == 3
    assert body["limit"] == 50
    assert body["offset"] == 0


@pytest.mark.parametrize("resource", RESOURCE_NAMES)
def test_list_items_show_the_same_fields_as_the_record(api, resource):
    path, _, _ = RESOURCES[resource]
    record = create(api, resource, name="Globex")

    assert api.get(path).get_json()["items"] == [record]


SEARCH_NAMES = [
    "Acme Widgets",
    "ACME Trading",
    "Globex",
    "株式会社さくら商事",
    "サクラ電機",
    "山田製作所",
    "100% Juice",
    "1000 Juice",
    "snake_case Labs",
    "snakeXcase Labs",
]


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("acme", {"Acme Widgets", "ACME Trading"}),
        ("ACME", {"Acme Widgets", "ACME Trading"}),
        ("widg", {"Acme Widgets"}),
        ("さくら", {"株式会社さくら商事", "サクラ電機"}),
        ("サクラ", {"株式会社さくら商事", "サクラ電機"}),
        ("ｻｸﾗ", {"株式会社さくら商事", "サクラ電機"}),
        ("製作", {"山田製作所"}),
        ("%", {"100% Juice"}),
        ("0%", {"100% Juice"}),
        ("_", {"snake_case Labs"}),
        ("e_c", {"snake_case Labs"}),
        ("nothing like this", set()),
    ],
    ids=["lower", "upper", "partial", "hiragana", "katakana", "half-width-katakana", "kanji", "percent",
         "percent-in-word", "underscore", "underscore-in-word", "no-match"],
)
@pytest.mark.parametrize("resource", RESOURCE_NAMES)
def test_list_search_matches_part_of_the_name_ignoring_case_with_wildcards_literal(api, resource, term, expected):
    path, _, _ = RESOURCES[resource]
    for name in SEARCH_NAMES:
        create(api, resource, name=name)

    response = api.get(path, query_string={"search": term})

    assert set(names(response)) == expected
    assert response.get_json()["total"] == len(expected)


@pytest.mark.parametrize("resource", RESOURCE_NAMES)
def test_list_pages_with_limit_and_offset(api, resource):
    path, _, _ = RESOURCES[resource]
    everyone = [f"Name {letter}" for letter in "ABCDE"]
    for name in reversed(everyone):
        create(api, resource, name=name)

    pages = [api.get(path, query_string={"limit": 2, "offset": offset}) for offset in (0, 2, 4)]

    assert [names(page) for page in pages] == [everyone[0:2], everyone[2:4], everyone[4:5]]
    assert [(p.get_json()["total"], p.get_json()["limit"], p.get_json()["offset"]) for p in pages] == [
        (5, 2, 0),
        (5, 2, 2),
        (5, 2, 4),
    ]
    beyond = api.get(path, query_string={"limit": 2, "offset": 10})
    assert names(beyond) == []
    assert beyond.get_json()["total"] == 5


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("limit", "0"),
        ("limit", "-1"),
        ("limit", "abc"),
        ("limit", "1.5"),
        ("limit", "1e3"),
        ("offset", "-1"),
        ("offset", "abc"),
        ("offset", "2.0"),
    ],
)
@pytest.mark.parametrize("path", [COMPANIES, CONTACTS, MEMBERS], ids=["companies", "contacts", "members"])
def test_bad_limit_or_offset_gets_the_same_400_as_deals(api, path, name, value):
    deals = api.get(DEALS, query_string={name: value})

    response = api.get(path, query_string={name: value})

    assert_error(response, 400)
    assert name in response.get_json()["error"]["fields"]
    assert response.get_json() == deals.get_json()


@pytest.mark.parametrize("path", [COMPANIES, CONTACTS, MEMBERS], ids=["companies", "contacts", "members"])
def test_limit_above_the_maximum_is_treated_as_deals_treat_it(api, path):
    deals = api.get(DEALS, query_string={"limit": 1000})

    response = api.get(path, query_string={"limit": 1000})

    assert response.status_code == deals.status_code
    if response.status_code == 200:
        assert response.get_json()["limit"] == deals.get_json()["limit"] <= 200
    else:
        assert response.get_json() == deals.get_json()


# --- members ------------------------------------------------------------------------------------


def test_members_lists_the_users_of_the_callers_organization(make_user):
    ann = make_user("Acme", email="ann@example.com", name="Ann Example")
    bob = make_user("Acme", email="bob@example.com", name="Bob Builder")
    make_user("Rival Inc", email="rita@rival.example", name="Rita Rival")

    response = ann.get(MEMBERS)

    assert response.status_code == 200
    body = response.get_json()
    assert body["items"] == [
        {"id": ann.user["id"], "email": "ann@example.com", "name": "Ann Example"},
        {"id": bob.user["id"], "email": "bob@example.com", "name": "Bob Builder"},
    ]
    assert body["total"] == 2
    assert (body["limit"], body["offset"]) == (50, 0)


@pytest.mark.parametrize(
    ("term", "expected"),
    [("ann", ["Ann Example", "Joanna Smith"]), ("SMITH", ["Joanna Smith"]), ("佐藤", ["佐藤 花子"]),
     ("たなか", ["タナカ 一郎"]), ("rita", [])],
    ids=["partial", "upper-case", "japanese", "kana", "other-organization"],
)
def test_members_search_by_name(make_user, term, expected):
    ann = make_user("Acme", name="Ann Example")
    make_user("Acme", name="Joanna Smith")
    make_user("Acme", name="佐藤 花子")
    make_user("Acme", name="タナカ 一郎")
    make_user("Acme", name="Bob Builder")
    make_user("Rival Inc", name="Rita Rival")

    response = ann.get(MEMBERS, query_string={"search": term})

    assert names(response) == expected
    assert response.get_json()["total"] == len(expected)


def test_members_pages_with_limit_and_offset(make_user):
    ann = make_user("Acme", name="Ann Example")
    for name in ["Bob Builder", "Cleo Carter"]:
        make_user("Acme", name=name)

    first = ann.get(MEMBERS, query_string={"limit": 2})
    second = ann.get(MEMBERS, query_string={"limit": 2, "offset": 2})

    assert names(first) == ["Ann Example", "Bob Builder"]
    assert names(second) == ["Cleo Carter"]
    assert first.get_json()["total"] == second.get_json()["total"] == 3


# --- tenancy ------------------------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["{prefix}" + "0" * 32, "{prefix}nope", "nope"], ids=["well-formed", "bad-hex", "no-prefix"])
@pytest.mark.parametrize("resource", RESOURCE_NAMES)
def test_another_organizations_record_answers_404_exactly_like_a_missing_one(api, rival, resource, missing):
    path, _, prefix = RESOURCES[resource]
    rivals = create(rival, resource, name="Rival record")

    other_org = api.get(f"{path}/{rivals['id']}")
    not_there = api.get(f"{path}/{missing.format(prefix=prefix)}")

    assert_error(other_org, 404)
    assert not_there.status_code == 404
    assert other_org.get_json() == not_there.get_json()
    assert rival.get(f"{path}/{rivals['id']}").status_code == 200


@pytest.mark.parametrize("search", [None, "shared"], ids=["all", "search"])
@pytest.mark.parametrize("resource", RESOURCE_NAMES)
def test_lists_never_include_another_organizations_records(api, rival, resource, search):
    path, _, _ = RESOURCES[resource]
    ours = [create(api, resource, name=f"Shared name {n}") for n in range(2)]
    theirs = [create(rival, resource, name=f"Shared name {n}") for n in range(3)]
    query = {"search": search} if search else {}

    ours_listed = api.get(path, query_string=query).get_json()
    theirs_listed = rival.get(path, query_string=query).get_json()

    assert [item["id"] for item in ours_listed["items"]] == [record["id"] for record in ours]
    assert ours_listed["total"] == 2
    assert [item["id"] for item in theirs_listed["items"]] == [record["id"] for record in theirs]
    assert theirs_listed["total"] == 3
