"""The seven deals endpoints, as the contract and a sales team expect them to behave."""

import re
from decimal import Decimal

import pytest

DEALS = "/api/v1/crm/deals"
DEAL_FIELDS = [
    "id", "name", "amount", "stage", "company_id", "contact_id", "assigned_member_id",
    "expected_close_date", "probability", "lost_reason", "won_date", "currency", "created_at", "updated_at",
    # The signals, after the contract's own fields.
    "stage_entered_at", "last_activity_at", "next_activity", "stale",
]
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


def deal_url(deal: dict, suffix: str = "") -> str:
    return f"{DEALS}/{deal['id']}{suffix}"


def activities_of(api, deal: dict, **params) -> dict:
    response = api.get(deal_url(deal, "/activities"), query_string=params)
    assert response.status_code == 200
    return response.get_json()


def test_create_answers_201_with_every_field_and_defaults(api):
    response = api.post(DEALS, json={"name": "株式会社A 年間契約"})

    assert response.status_code == 201
    deal = response.get_json()["deal"]
    assert list(deal) == DEAL_FIELDS
    assert re.fullmatch(r"deal_[0-9a-f]{32}", deal["id"])
    assert deal["stage"] == "lead"
    assert deal["currency"] == "JPY"
    for unset in ["amount", "company_id", "contact_id", "assigned_member_id", "expected_close_date",
                  "probability", "lost_reason", "won_date"]:
        assert deal[unset] is None
    assert TIMESTAMP.fullmatch(deal["created_at"])
    assert deal["updated_at"] == deal["created_at"]


def test_create_with_the_spec_example_fields(api):
    company = api.post("/api/v1/crm/companies", json={"name": "株式会社A"}).get_json()["company"]
    contact = api.post("/api/v1/crm/contacts", json={"name": "田中 太郎", "company_id": company["id"]}).get_json()["contact"]
    body = {
        "name": "株式会社A 年間契約",
        "amount": 1200000,
        "stage": "proposal",
        "company_id": company["id"],
        "contact_id": contact["id"],
        "assigned_member_id": api.user["id"],
        "expected_close_date": "2026-03-31",
        "probability": 60,
        "currency": "jpy",
    }

    deal = api.post(DEALS, json=body).get_json()["deal"]

    assert {key: deal[key] for key in body} == body | {"currency": "JPY"}
    assert api.get(deal_url(deal)).get_json() == {"deal": deal}


@pytest.mark.parametrize(
    ("sent", "shown"),
    [("1200000", "1200000"), ("1234567.89", "1234567.89"), ("1200000.00", "1200000"), ("0.5", "0.5"),
     ("9999999999999.99", "9999999999999.99"), ("0", "0")],
)
def test_amounts_are_exact_and_whole_ones_are_integers(api, sent, shown):
    response = api.post(DEALS, data=f'{{"name": "Exact", "amount": {sent}}}', headers={"Content-Type": "application/json"})

    assert response.status_code == 201
    raw = response.get_data(as_text=True)
    assert f'"amount": {shown},' in raw
    deal_id = response.get_json()["deal"]["id"]
    assert f'"amount": {shown},' in api.get(f"{DEALS}/{deal_id}").get_data(as_text=True)


def test_get_unknown_deal_answers_404(api):
    response = api.get(f"{DEALS}/deal_{'0' * 32}")

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_another_organizations_deal_answers_404_like_a_missing_one(api, rival, make_deal):
    theirs = make_deal(rival, name="Their secret deal")
    missing = f"{DEALS}/deal_{'0' * 32}"

    for method, suffix, body in [("get", "", None), ("patch", "", {"name": "mine"}), ("delete", "", None),
                                 ("post", "/stage", {"stage": "proposal"}), ("get", "/activities", None)]:
        kwargs = {} if body is None else {"json": body}
        response = getattr(api, method)(deal_url(theirs, suffix), **kwargs)
        baseline = getattr(api, method)(missing + suffix, **kwargs)
        assert response.status_code == 404
        assert response.get_json() == baseline.get_json()
    assert rival.get(deal_url(theirs)).get_json()["deal"]["name"] == "Their secret deal"
    assert api.get(DEALS).get_json()["total"] == 0


def test_list_envelope_and_defaults(api, make_deal):
    for _ in range(3):
        make_deal()

    body = api.get(DEALS).get_json()

    assert list(body) == ["items", "total", "limit", "offset"]
    assert (body["total"], body["limit"], body["offset"]) == (3, 50, 0)
    assert all(list(item) == DEAL_FIELDS for item in body["items"])


def test_list_is_newest_first_by_default(api, make_deal):
    created = [make_deal(name=f"Deal {index}")["id"] for index in range(5)]

    items = api.get(DEALS).get_json()["items"]

    assert [item["id"] for item in items] == list(reversed(created))


def test_limit_above_200_is_capped(api, make_deal):
    make_deal()

    body = api.get(DEALS, query_string={"limit": 500}).get_json()

    assert body["limit"] == 200


@pytest.mark.parametrize("sort", ["created_at", "updated_at", "name", "amount"])
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_paging_through_any_sort_never_repeats_or_skips(api, make_deal, sort, order):
    # Ties on purpose: equal names and amounts, several deals created within one second.
    expected = {make_deal(name=f"Same {index % 3}", amount=[100, 100, None, 5][index % 4])["id"] for index in range(11)}

    seen = []
    for offset in range(0, 12, 4):
        body = api.get(DEALS, query_string={"sort": sort, "order": order, "limit": 4, "offset": offset}).get_json()
        assert body["total"] == 11
        seen += [item["id"] for item in body["items"]]

    assert len(seen) == 11
    assert set(seen) == expected


def test_sort_by_name_ignores_case(api, make_deal):
    for name in ["banana", "Apple", "cherry"]:
        make_deal(name=name)

    names = [item["name"] for item in api.get(DEALS, query_string={"sort": "name", "order": "asc"}).get_json()["items"]]

    assert names == ["Apple", "banana", "cherry"]


def test_sort_by_name_orders_katakana_as_the_same_kana_in_hiragana(api, make_deal):
    for name in ["さくら", "カメラ", "あおば", "ソファ"]:
        make_deal(name=name)

    names = [item["name"] for item in api.get(DEALS, query_string={"sort": "name", "order": "asc"}).get_json()["items"]]

    assert names == ["あおば", "カメラ", "さくら", "ソファ"]


@pytest.mark.parametrize("stage", [None, "proposal"])
def test_sort_by_amount_puts_missing_amounts_last_in_both_orders_across_pages(api, make_deal, stage):
    amounts = [("mid", 500), ("none", None), ("high", 1000.5), ("low", 1), ("none", None), ("low", 1), ("none", None)]
    made = [make_deal(name=name, amount=amount, stage=stage or "lead") for name, amount in amounts]
    priced = sorted((deal for deal in made if deal["amount"] is not None), key=lambda deal: (deal["amount"], deal["id"]))
    unpriced = sorted(deal["id"] for deal in made if deal["amount"] is None)

    def listed(order: str) -> list[str]:
        ids = []
        for offset in range(0, 9, 3):
            page = api.get(DEALS, query_string={"sort": "amount", "order": order, "stage": stage, "limit": 3,
                                                "offset": offset}).get_json()
            ids += [item["id"] for item in page["items"]]
        return ids

    ascending, descending = listed("asc"), listed("desc")

    # Ties (equal amounts, and no amount) in id order, in the same direction as the amounts.
    assert ascending == [deal["id"] for deal in priced] + unpriced
    assert descending == [deal["id"] for deal in reversed(priced)] + unpriced[::-1]
    names = {deal["id"]: deal["name"] for deal in made}
    assert [names[deal_id] for deal_id in ascending] == ["low", "low", "mid", "high", "none", "none", "none"]


def test_sort_by_updated_at_follows_the_latest_change(api, make_deal):
    first = make_deal(name="first")
    make_deal(name="second")
    api.patch(deal_url(first), json={"amount": 10})

    items = api.get(DEALS, query_string={"sort": "updated_at"}).get_json()["items"]

    assert [item["name"] for item in items] == ["first", "second"]


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("年間", {"株式会社A 年間契約"}),
        ("acme", {"ACME renewal", "Ａｃｍｅ full-width"}),
        ("RENEW", {"ACME renewal"}),
        ("100%", {"100% discount"}),
        ("a_b", {"a_b literal"}),
        ("%", {"100% discount"}),
        ("_", {"a_b literal"}),
        ("straße", {"Straße GmbH"}),
        ("nothing like it", set()),
    ],
)
def test_search_is_case_insensitive_partial_and_literal(api, make_deal, term, expected):
    for name in ["株式会社A 年間契約", "ACME renewal", "Ａｃｍｅ full-width", "100% discount", "a_b literal",
                 "axb not literal", "1000 discount", "Straße GmbH"]:
        make_deal(name=name)

    body = api.get(DEALS, query_string={"search": term}).get_json()

    assert {item["name"] for item in body["items"]} == expected
    assert body["total"] == len(expected)


KANA_NAMES = ["テスト 年間契約", "てすと 保守", "ﾃｽﾄ 半角", "テキスト", "ヴァイオリン教室", "コーヒー豆"]
TEST_IN_ANY_KANA = {"テスト 年間契約", "てすと 保守", "ﾃｽﾄ 半角"}


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("てすと", TEST_IN_ANY_KANA),
        ("テスト", TEST_IN_ANY_KANA),
        ("ﾃｽﾄ", TEST_IN_ANY_KANA),
        ("てス", TEST_IN_ANY_KANA),  # shorter than a trigram: no index, the same answer
        ("ゔぁいおりん", {"ヴァイオリン教室"}),
        ("こーひー", {"コーヒー豆"}),  # the prolonged sound mark is the same in both scripts
        ("ｺｰﾋｰ", {"コーヒー豆"}),
    ],
)
def test_search_matches_hiragana_katakana_and_half_width_kana_alike(api, make_deal, term, expected):
    for name in KANA_NAMES:
        make_deal(name=name)

    body = api.get(DEALS, query_string={"search": term}).get_json()

    assert {item["name"] for item in body["items"]} == expected
    assert body["total"] == len(expected)

def test_stage_filter_and_total_count_every_match(api, make_deal):
    for index in range(7):
        make_deal(stage="proposal" if index % 2 else "lead")

    body = api.get(DEALS, query_string={"stage": "lead", "limit": 2}).get_json()

    assert body["total"] == 4
    assert len(body["items"]) == 2
    assert {item["stage"] for item in body["items"]} == {"lead"}


def test_search_and_stage_combine(api, make_deal):
    make_deal(name="Alpha one", stage="proposal")
    make_deal(name="Alpha two", stage="lead")
    make_deal(name="Beta", stage="proposal")

    body = api.get(DEALS, query_string={"search": "alpha", "stage": "proposal"}).get_json()

    assert [item["name"] for item in body["items"]] == ["Alpha one"]
    assert body["total"] == 1


@pytest.mark.parametrize(("sort", "order"), [("created_at", "desc"), ("name", "asc"), ("amount", "desc")])
def test_a_search_most_deals_match_pages_like_one_few_match(api, make_deal, sort, order):
    """A broad term is listed by another plan (walking the sort order); the answer must not differ."""
    for number in range(24):
        make_deal(name=f"Annual plan {number:02d}", amount=number * 10 if number % 3 else None)
    for number in range(4):
        make_deal(name=f"Pilot {number}", amount=number)
    everything = api.get(DEALS, query_string={"sort": sort, "order": order, "limit": 100}).get_json()["items"]
    expected = [item["name"] for item in everything if "annual" in item["name"].lower()]

    pages = [
        api.get(DEALS, query_string={"search": "annual plan", "sort": sort, "order": order, "limit": 5, "offset": offset})
        .get_json()
        for offset in range(0, 25, 5)
    ]

    assert {page["total"] for page in pages} == {24}
    assert [item["name"] for page in pages for item in page["items"]] == expected


def test_patch_changes_only_the_sent_fields(api, make_deal):
    deal = make_deal(name="Original", amount=100, probability=30, expected_close_date="2026-03-31")

    updated = api.patch(deal_url(deal), json={"name": "株式会社A 年間契約(更新)", "amount": 1500000}).get_json()["deal"]

    assert updated["name"] == "株式会社A 年間契約(更新)"
    assert updated["amount"] == 1500000
    assert updated["probability"] == 30
    assert updated["expected_close_date"] == "2026-03-31"
    assert updated["created_at"] == deal["created_at"]
    assert updated["updated_at"] > deal["updated_at"]


def test_patch_null_clears_an_optional_field(api, make_deal):
    deal = make_deal(amount=100, probability=30, expected_close_date="2026-03-31")

    updated = api.patch(deal_url(deal), json={"amount": None, "probability": None, "expected_close_date": None})

    assert updated.status_code == 200
    assert {key: updated.get_json()["deal"][key] for key in ["amount", "probability", "expected_close_date"]} == {
        "amount": None, "probability": None, "expected_close_date": None}


@pytest.mark.parametrize("name", [None, "", "   "])
def test_name_can_never_be_emptied(api, make_deal, name):
    deal = make_deal(name="Keep me")

    response = api.patch(deal_url(deal), json={"name": name})

    assert response.status_code == 422
    assert "name" in response.get_json()["error"]["fields"]
    assert api.get(deal_url(deal)).get_json()["deal"]["name"] == "Keep me"


def test_updated_at_advances_on_every_change_and_created_at_never_changes(api, make_deal):
    deal = make_deal()
    stamps = [deal["updated_at"]]

    for change in [("patch", "", {"amount": 1}), ("post", "/stage", {"stage": "proposal"}),
                   ("patch", "", {"amount": 2}), ("post", "/stage", {"stage": "lead"})]:
        method, suffix, body = change
        changed = getattr(api, method)(deal_url(deal, suffix), json=body).get_json()["deal"]
        assert changed["created_at"] == deal["created_at"]
        stamps.append(changed["updated_at"])

    assert stamps == sorted(set(stamps))


def test_patch_that_changes_nothing_records_nothing(api, make_deal):
    deal = make_deal(name="Same", amount=100)

    unchanged = api.patch(deal_url(deal), json={"name": "Same", "amount": 100.00}).get_json()["deal"]

    assert unchanged == deal
    assert activities_of(api, deal)["total"] == 1


def test_activities_record_creation_updates_stage_changes_and_notes(api, make_deal):
    deal = make_deal(name="History", note="初回ヒアリング実施。")
    api.patch(deal_url(deal), json={"amount": 5000, "probability": 40})
    api.post(deal_url(deal, "/stage"), json={"stage": "proposal"})
    api.patch(deal_url(deal), json={"note": "Sent the proposal."})

    body = activities_of(api, deal)

    assert body["total"] == 5
    assert list(body) == ["activities", "total"]
    kinds = [(activity["type"], activity["content"]) for activity in body["activities"]]
    assert kinds[0] == ("note", "Sent the proposal.")
    assert kinds[1] == ("stage_change", "lead → proposal")
    assert kinds[2][0] == "updated" and "amount" in kinds[2][1] and "probability" in kinds[2][1]
    assert kinds[3] == ("note", "初回ヒアリング実施。")
    assert kinds[4][0] == "created"
    for activity in body["activities"]:
        assert list(activity) == [
            "id", "type", "content", "deal_id", "contact_id", "created_by", "created_at", "changes",
            "due_date", "due_time", "done", "done_at", "assigned_member_id",
        ]
        # What happened is done when it was written, with no due date; a note is its author's.
        assert (activity["done"], activity["done_at"], activity["due_date"], activity["due_time"]) == (
            True, activity["created_at"], None, None)
        assert activity["assigned_member_id"] == (api.user["id"] if activity["type"] == "note" else None)
        assert re.fullmatch(r"act_[0-9a-f]{32}", activity["id"])
        assert activity["deal_id"] == deal["id"]
        assert activity["created_by"] == api.user["id"]
        assert TIMESTAMP.fullmatch(activity["created_at"])


def test_an_update_keeps_each_change_with_its_old_and_new_value(api, make_deal):
    company = api.post("/api/v1/crm/companies", json={"name": "株式会社A"}).get_json()["company"]
    deal = make_deal(name="Annual plan", amount=1200000, expected_close_date="2026-03-31", probability=40)

    api.patch(deal_url(deal), json={
        "name": "Annual plan 2026", "amount": 1500000.5, "expected_close_date": "2026-04-30", "probability": 60,
        "company_id": company["id"], "assigned_member_id": api.user["id"], "lost_reason": None,
    })

    updated = activities_of(api, deal)["activities"][0]
    assert updated["type"] == "updated"
    assert updated["content"] == "Updated name, amount, expected_close_date, probability, company_id, assigned_member_id."
    assert updated["changes"] == [
        {"field": "name", "old": "Annual plan", "new": "Annual plan 2026"},
        {"field": "amount", "old": 1200000, "new": Decimal("1500000.5"), "currency": "JPY"},
        {"field": "company_id", "old": None, "new": company["id"]},
        {"field": "assigned_member_id", "old": None, "new": api.user["id"]},
        {"field": "expected_close_date", "old": "2026-03-31", "new": "2026-04-30"},
        {"field": "probability", "old": 40, "new": 60},
    ]


def test_a_changed_amount_and_currency_name_both_currencies(api, make_deal):
    deal = make_deal(amount=1000)

    api.patch(deal_url(deal), json={"amount": 12.5, "currency": "usd"})

    assert activities_of(api, deal)["activities"][0]["changes"] == [
        {"field": "amount", "old": 1000, "new": Decimal("12.5"), "currency": "USD", "old_currency": "JPY"},
        {"field": "currency", "old": "JPY", "new": "USD"},
    ]


@pytest.mark.parametrize("route", ["stage", "patch"])
def test_a_stage_change_keeps_the_move_and_what_it_implied(api, make_deal, route):
    deal = make_deal(stage="negotiation", probability=70)

    if route == "stage":
        won = api.post(deal_url(deal, "/stage"), json={"stage": "closed_won"}).get_json()["deal"]
    else:
        won = api.patch(deal_url(deal), json={"stage": "closed_won"}).get_json()["deal"]

    moved = activities_of(api, deal)["activities"][0]
    assert (moved["type"], moved["content"]) == ("stage_change", "negotiation → closed_won")
    assert moved["changes"] == [
        {"field": "stage", "old": "negotiation", "new": "closed_won"},
        {"field": "probability", "old": 70, "new": 100},
        {"field": "won_date", "old": None, "new": won["won_date"]},
    ]


def test_reopening_a_lost_deal_records_its_lost_reason_cleared(api, make_deal):
    deal = make_deal(stage="proposal")
    api.post(deal_url(deal, "/stage"), json={"stage": "closed_lost", "lost_reason": "予算不足"})

    api.post(deal_url(deal, "/stage"), json={"stage": "lead"})

    reopened, reason, lost = activities_of(api, deal)["activities"][:3]
    assert reason["changes"] == [{"field": "lost_reason", "old": None, "new": "予算不足"}]
    assert lost["changes"] == [
        {"field": "stage", "old": "proposal", "new": "closed_lost"},
        {"field": "probability", "old": None, "new": 0},
    ]
    assert reopened["changes"] == [
        {"field": "stage", "old": "closed_lost", "new": "lead"},
        {"field": "lost_reason", "old": "予算不足", "new": None},
    ]


def test_a_patch_with_a_stage_and_fields_splits_the_changes_between_its_two_activities(api, make_deal):
    deal = make_deal(stage="negotiation", probability=70)

    api.patch(deal_url(deal), json={"name": "Renamed", "stage": "closed_lost", "lost_reason": "Went with a rival"})

    updated, moved = activities_of(api, deal)["activities"][:2]
    assert updated["content"] == "Updated name, lost_reason."
    assert [change["field"] for change in updated["changes"]] == ["name", "lost_reason"]
    assert moved["content"] == "negotiation → closed_lost"
    assert moved["changes"] == [
        {"field": "stage", "old": "negotiation", "new": "closed_lost"},
        {"field": "probability", "old": 70, "new": 0},
    ]


def test_creations_and_notes_keep_no_changes(api, make_deal):
    deal = make_deal(note="First call.")

    assert [activity["changes"] for activity in activities_of(api, deal)["activities"]] == [None, None]


def test_one_patch_with_stage_fields_and_note_records_each(api, make_deal):
    deal = make_deal()

    api.patch(deal_url(deal), json={"stage": "negotiation", "name": "Renamed", "note": "Big step"})

    kinds = [activity["type"] for activity in activities_of(api, deal)["activities"]]
    assert kinds == ["note", "updated", "stage_change", "created"]


def test_activities_page_and_limit(api, make_deal):
    deal = make_deal()
    for index in range(24):
        api.patch(deal_url(deal), json={"note": f"note {index}"})

    first = activities_of(api, deal)
    second = activities_of(api, deal, page=2)
    small = activities_of(api, deal, page=3, limit=10)

    assert first["total"] == second["total"] == 25
    assert len(first["activities"]) == 20
    assert [a["content"] for a in first["activities"][:2]] == ["note 23", "note 22"]
    assert len(second["activities"]) == 5
    assert second["activities"][-1]["type"] == "created"
    assert len(small["activities"]) == 5


def test_stage_route_moves_the_deal_and_records_the_move(api, make_deal):
    deal = make_deal(stage="lead")

    moved = api.post(deal_url(deal, "/stage"), json={"stage": "proposal"})

    assert moved.status_code == 200
    assert moved.get_json()["deal"]["stage"] == "proposal"
    assert activities_of(api, deal)["activities"][0]["content"] == "lead → proposal"
    assert api.get(deal_url(deal)).get_json()["deal"]["stage"] == "proposal"


def test_moving_to_the_same_stage_changes_and_records_nothing(api, make_deal):
    deal = make_deal(stage="proposal")

    same = api.post(deal_url(deal, "/stage"), json={"stage": "proposal"}).get_json()["deal"]

    assert same == deal
    assert activities_of(api, deal)["total"] == 1


@pytest.mark.parametrize("route", ["stage", "patch"])
def test_winning_sets_won_date_and_probability_100(api, make_deal, route):
    deal = make_deal(stage="negotiation", probability=70)

    if route == "stage":
        won = api.post(deal_url(deal, "/stage"), json={"stage": "closed_won"}).get_json()["deal"]
    else:
        won = api.patch(deal_url(deal), json={"stage": "closed_won"}).get_json()["deal"]

    assert won["probability"] == 100
    assert TIMESTAMP.fullmatch(won["won_date"])


def test_winning_keeps_a_won_date_that_is_given(api, make_deal):
    deal = make_deal(stage="negotiation")

    won = api.patch(deal_url(deal), json={"stage": "closed_won", "won_date": "2026-01-15T09:00:00+09:00"}).get_json()["deal"]

    assert won["won_date"] == "2026-01-15T00:00:00Z"


def test_leaving_closed_won_clears_won_date(api, make_deal):
    deal = make_deal(stage="closed_won")
    assert deal["won_date"] is not None and deal["probability"] == 100

    reopened = api.post(deal_url(deal, "/stage"), json={"stage": "negotiation"}).get_json()["deal"]

    assert reopened["won_date"] is None
    assert reopened["stage"] == "negotiation"


def test_losing_sets_probability_0_and_keeps_a_lost_reason(api, make_deal):
    deal = make_deal(stage="proposal", probability=50)

    lost = api.post(deal_url(deal, "/stage"), json={"stage": "closed_lost", "lost_reason": "予算不足"}).get_json()["deal"]

    assert lost["probability"] == 0
    assert lost["lost_reason"] == "予算不足"
    reopened = api.post(deal_url(deal, "/stage"), json={"stage": "lead"}).get_json()["deal"]
    assert reopened["lost_reason"] is None


def test_delete_is_soft_and_final(api, make_deal, app):
    kept = make_deal(name="kept")
    gone = make_deal(name="gone", stage="proposal", note="history stays")

    response = api.delete(deal_url(gone))

    assert response.status_code == 200
    assert response.get_json() == {"success": True}
    for method, suffix, body in [("get", "", None), ("patch", "", {"name": "x"}), ("delete", "", None),
                                 ("post", "/stage", {"stage": "lead"}), ("get", "/activities", None)]:
        kwargs = {} if body is None else {"json": body}
        assert getattr(api, method)(deal_url(gone, suffix), **kwargs).status_code == 404
    for query in [{}, {"stage": "proposal"}, {"search": "gone"}, {"sort": "name"}]:
        body = api.get(DEALS, query_string=query).get_json()
        assert gone["id"] not in [item["id"] for item in body["items"]]
    assert api.get(DEALS).get_json()["total"] == 1
    assert kept["id"] in [item["id"] for item in api.get(DEALS).get_json()["items"]]

    from sqlalchemy import func, select

    from crm.core.database import db
    from crm.models import Activity, Deal

    with app.app_context():
        row = db.session.get(Deal, gone["id"])
        assert row is not None and row.deleted_at is not None
        assert db.session.scalar(select(func.count()).where(Activity.deal_id == gone["id"])) == 2


def test_amount_decimal_is_stored_exactly(api, make_deal):
    deal = make_deal(amount=Decimal("1234567.89"))

    assert api.get(deal_url(deal)).get_json()["deal"]["amount"] == Decimal("1234567.89")


def test_bearer_and_cookie_see_the_same_deals(api, make_deal, app):
    make_deal(name="Visible")
    cookie_client = app.test_client()
    cookie_client.set_cookie(app.config["AUTH_COOKIE_NAME"], api.token)

    assert cookie_client.get(DEALS).get_json() == api.get(DEALS).get_json()
