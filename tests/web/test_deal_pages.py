"""One deal's page with its history, logging activities, the new and edit forms, and delete; every
change checked through the JSON API as well."""

import re
from datetime import timedelta

import pytest

from crm.core.listing import LIST_LIMIT_CAP

from ..conftest import TODAY
from .conftest import (
    DEALS_API,
    api_activities,
    api_deal,
    api_deal_names,
    card_names,
    column,
    feed_texts,
    page_of,
    path_of,
    query_of,
    table_names,
)

UNKNOWN_DEAL = "deal_" + "0" * 32


def fields_of(document) -> dict[str, str]:
    """The deal page's facts: each <dt> label and its <dd> text."""
    facts = {}
    for pair in document.one("dl", cls="deal-fields").find_all("div"):
        term, value = pair.find("dt"), pair.find("dd")
        if term is not None and value is not None:
            facts[term.text] = value.text
    return facts


# --- The deal page --------------------------------------------------------------------------------


def test_the_deal_page_shows_every_field_with_company_contact_and_assignee_names(web, make_deal, make_company, make_contact):
    company = make_company("株式会社A")
    contact = make_contact("田中 太郎", email="tanaka@example.com", company_id=company["id"])
    deal = make_deal(
        name="株式会社A 年間契約", amount=1200000, stage="proposal", probability=60, currency="JPY",
        company_id=company["id"], contact_id=contact["id"], assigned_member_id=web.user["id"],
        expected_close_date="2099-03-31",
    )

    response = web.get(f"/deals/{deal['id']}")

    assert response.status_code == 200
    document = page_of(response)
    assert document.by_id("deal-title").text == "株式会社A 年間契約"
    assert document.one(cls="stage-badge").text == "Proposal"
    facts = fields_of(document)
    assert facts["Amount"] == "¥1,200,000"
    assert facts["Currency"] == "JPY"
    assert facts["Probability"] == "60%"
    assert facts["Expected close"] == "2099-03-31"
    assert facts["Company"] == "株式会社A"
    assert facts["Contact"] == "田中 太郎 · tanaka@example.com"
    assert facts["Assignee"] == "Ann Example"
    created = document.one("dl", cls="deal-fields").find_all("time")[0].attrs["datetime"]
    assert created == deal["created_at"]
    assert document.one("a", href=f"/deals/{deal['id']}/edit")
    assert document.one("a", href=f"/deals/{deal['id']}/delete")
    assert "<title>株式会社A 年間契約 · CRM</title>" in response.get_data(as_text=True)


def test_the_deal_page_shows_dashes_for_unset_fields(web, make_deal):
    deal = make_deal(name="Bare")

    facts = fields_of(page_of(web.get(f"/deals/{deal['id']}")))

    assert facts["Amount"] == "—"
    assert facts["Probability"] == "—"
    assert facts["Expected close"] == "—"
    assert facts["Company"] == "—"
    assert facts["Contact"] == "—"
    assert facts["Assignee"] == "Unassigned"
    assert "Won" not in facts and "Lost reason" not in facts


def test_a_won_deal_shows_its_won_date_and_a_lost_one_its_reason(web, make_deal):
    won = make_deal(stage="closed_won", won_date="2026-01-15T09:00:00Z")
    lost = make_deal(stage="closed_lost", lost_reason="Budget cut\nNext year maybe")

    won_facts = fields_of(page_of(web.get(f"/deals/{won['id']}")))
    lost_facts = fields_of(page_of(web.get(f"/deals/{lost['id']}")))

    assert won_facts["Won"] == "2026-01-15 09:00 UTC"
    assert won_facts["Probability"] == "100%"
    assert lost_facts["Lost reason"] == "Budget cut Next year maybe"
    assert lost_facts["Probability"] == "0%"


@pytest.mark.parametrize("stage, overdue", [("negotiation", True), ("closed_won", False)])
def test_the_deal_page_marks_a_passed_close_date_of_an_open_deal_overdue(web, make_deal, stopped_clock, stage, overdue):
    past = (TODAY - timedelta(days=1)).isoformat()
    deal = make_deal(stage=stage, expected_close_date=past)

    facts = fields_of(page_of(web.get(f"/deals/{deal['id']}")))

    assert facts["Expected close"] == (f"{past} (overdue)" if overdue else past)


@pytest.mark.parametrize("whose", ["deleted", "other-organization", "unknown", "malformed"])
@pytest.mark.parametrize("suffix", ["", "/edit", "/delete", "/activities"])
def test_a_deal_that_is_not_there_answers_a_404_page(web, rival, make_deal, whose, suffix):
    if whose == "deleted":
        deal_id = make_deal()["id"]
        web.api.delete(f"{DEALS_API}/{deal_id}")
    elif whose == "other-organization":
        deal_id = make_deal(client=rival, name="Rival secret")["id"]
    else:
        deal_id = UNKNOWN_DEAL if whose == "unknown" else "nope"

    response = web.get(f"/deals/{deal_id}{suffix}")

    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "<html" in html
    assert "This deal does not exist, or it has been deleted." in html
    assert "Rival secret" not in html


# --- The activity feed ----------------------------------------------------------------------------


def log(web, deal_id, content, kind="note", htmx=True):
    return web.post(f"/deals/{deal_id}/activities", {"type": kind, "content": content}, htmx=htmx)


@pytest.mark.parametrize("notes, older", [(18, False), (19, False), (20, True), (30, True)])
def test_the_feed_shows_the_newest_20_first_with_an_older_link_when_there_are_more(web, make_deal, notes, older):
    deal = make_deal()
    for number in range(1, notes + 1):
        assert log(web, deal["id"], f"Note {number}").status_code == 200
    total = notes + 1  # and "Deal created."

    document = page_of(web.get(f"/deals/{deal['id']}"))

    shown = feed_texts(document.by_id("feed"))
    expected = [f"Note {number}" for number in range(notes, 0, -1)] + ["Deal created."]
    assert shown == expected[:20]
    assert document.by_id("feed").one(cls="feed-total").text == f"{total} entries"
    more = document.by_id("feed").find("li", cls="feed-more")
    assert (more is not None) is older
    if older:
        link = more.one("a")
        assert link.text == "Older"
        assert path_of(link.attrs["hx-get"]).startswith(f"/deals/{deal['id']}/activities?")
        assert query_of(link.attrs["hx-get"])["page"] == ["2"]

        response = web.get(link.attrs["hx-get"], htmx=True)

        assert response.status_code == 200
        assert "<html" not in response.get_data(as_text=True)
        assert feed_texts(page_of(response)) == expected[20:40]


def test_older_pages_of_the_feed_chain_until_the_first_entry(web, make_deal):
    deal = make_deal()
    for number in range(1, 45):
        log(web, deal["id"], f"Note {number}")
    seen = feed_texts(page_of(web.get(f"/deals/{deal['id']}")).by_id("feed"))

    url = f"/deals/{deal['id']}/activities?page=2"
    while url:
        fragment = page_of(web.get(url, htmx=True))
        seen += feed_texts(fragment)
        more = fragment.find("li", cls="feed-more")
        url = more.one("a").attrs["hx-get"] if more else None

    assert seen == [f"Note {number}" for number in range(44, 0, -1)] + ["Deal created."]


def test_the_older_link_works_without_htmx_as_a_whole_page(web, make_deal):
    deal = make_deal()
    for number in range(1, 22):
        log(web, deal["id"], f"Note {number}")
    link = page_of(web.get(f"/deals/{deal['id']}")).by_id("feed").one("li", cls="feed-more").one("a")

    response = web.get(link.attrs["href"])

    assert response.status_code == 200
    document = page_of(response)
    assert document.by_id("deal-title")
    assert feed_texts(document.by_id("feed")) == ["Note 1", "Deal created."]


def test_the_feed_reads_stage_changes_and_updates_as_words_with_their_author(web, make_deal):
    deal = make_deal()
    web.api.post(f"{DEALS_API}/{deal['id']}/stage", json={"stage": "proposal"})

    document = page_of(web.get(f"/deals/{deal['id']}"))

    items = document.by_id("feed").find_all("li", cls="feed-item")
    assert items[0].one(cls="feed-content").text == "Stage Lead → Proposal"
    assert items[0].one(cls="feed-type").text == "Stage change"
    assert "Ann Example" in items[0].one(cls="feed-meta").text


@pytest.mark.parametrize("kind", ["note", "call", "email", "meeting"])
def test_logging_an_activity_adds_it_to_the_feed_and_answers_the_history_panel(web, make_deal, kind):
    deal = make_deal()
    content = f"Talked about the {kind}.\nFollow up next week."

    response = log(web, deal["id"], content, kind)

    assert response.status_code == 200
    document = page_of(response)
    history = document.one("section", id_="history")
    assert "<html" not in response.get_data(as_text=True)
    first = history.by_id("feed").find("li", cls="feed-item")
    assert "type-" + kind in first.classes
    assert first.one(cls="feed-content").text == f"Talked about the {kind}. Follow up next week."
    assert history.by_id("activity-content").text == ""
    activities = api_activities(web.api, deal["id"])
    assert (activities[0]["type"], activities[0]["content"]) == (kind, content)
    assert activities[0]["created_by"] == web.user["id"]
    assert len(activities) == 2


def test_logging_an_activity_with_a_plain_form_redirects_303_to_the_deal_page(web, make_deal):
    deal = make_deal()

    response = log(web, deal["id"], "Plain note", htmx=False)

    assert response.status_code == 303
    assert path_of(response.headers["Location"]) == f"/deals/{deal['id']}"
    assert feed_texts(page_of(web.get(f"/deals/{deal['id']}")).by_id("feed"))[0] == "Plain note"


@pytest.mark.parametrize("content", ["", "   ", "\n\n"])
def test_logging_empty_content_answers_422_with_a_message_and_keeps_the_type(web, make_deal, content):
    deal = make_deal()

    response = log(web, deal["id"], content, "call")

    assert response.status_code == 422
    history = page_of(response).one("section", id_="history")
    assert history.by_id("activity-content-error").text == "must not be empty."
    assert history.by_id("activity-content").attrs["aria-invalid"] == "true"
    assert focused(history) == ["activity-content"]
    assert "selected" in history.by_id("activity-type").one("option", value="call").attrs
    assert [a["type"] for a in api_activities(web.api, deal["id"])] == ["created"]


@pytest.mark.parametrize("kind", ["stage_change", "created", "sms", ""])
def test_logging_an_activity_of_another_type_answers_422_and_keeps_the_text(web, make_deal, kind):
    deal = make_deal()

    response = log(web, deal["id"], "Keep this text", kind)

    assert response.status_code == 422
    history = page_of(response).one("section", id_="history")
    assert history.by_id("activity-type-error").text == "Type must be one of: note, call, email, meeting."
    assert history.by_id("activity-type").attrs["aria-invalid"] == "true"
    assert focused(history) == ["activity-type"]
    assert history.by_id("activity-content").text == "Keep this text"
    assert len(api_activities(web.api, deal["id"])) == 1


def test_logging_empty_content_with_a_plain_form_answers_the_page_with_the_message_beside_the_field(web, make_deal):
    deal = make_deal(name="Plain")

    response = web.post(f"/deals/{deal['id']}/activities", {"type": "meeting", "content": "  "})

    assert response.status_code == 422
    page = page_of(response)
    assert page.by_id("deal-title").text == "Plain"
    history = page.one("section", id_="history")
    assert history.by_id("activity-content-error").text == "must not be empty."
    assert "selected" in history.by_id("activity-type").one("option", value="meeting").attrs
    assert focused(page) == ["activity-content"]
    assert len(api_activities(web.api, deal["id"])) == 1


def test_the_deal_page_focuses_nothing_until_a_refusal(web, make_deal):
    deal = make_deal()

    assert focused(page_of(web.get(f"/deals/{deal['id']}"))) == []


@pytest.mark.parametrize("whose", ["deleted", "other-organization"])
def test_logging_on_a_deal_that_is_not_there_answers_404_and_adds_nothing(web, rival, make_deal, whose):
    if whose == "deleted":
        deal = make_deal()
        web.api.delete(f"{DEALS_API}/{deal['id']}")
    else:
        deal = make_deal(client=rival)

    response = log(web, deal["id"], "Sneaky")

    assert response.status_code == 404
    if whose == "other-organization":
        assert len(api_activities(rival, deal["id"])) == 1


# --- New and edit forms ---------------------------------------------------------------------------

# What the new-deal form sends for an open deal (a won date and a lost reason are disabled then).
VALID_FORM = {
    "name": "Form deal",
    "amount": "1,200,000",
    "currency": "JPY",
    "stage": "proposal",
    "probability": "60",
    "company_id": "",
    "contact_id": "",
    "assigned_member_id": "",
    "expected_close_date": "2026-03-31",
    "note": "",
}
AMOUNT_ACCEPTED = ("must be a number such as 1,200,000 or 1234.50 (commas between thousands, a period before the "
                   "decimals), with or without ¥, 円 or JPY.")

BAD_FIELDS = [
    ("name", "", "must not be empty."),
    ("name", "   ", "must not be empty."),
    ("name", "x" * 256, "must be at most 255 characters long."),
    ("amount", "abc", AMOUNT_ACCEPTED),
    ("amount", "-1", "must not be negative."),
    ("amount", "1.234", "must have at most two decimal places."),
    ("probability", "150", "must be a whole number from 0 to 100."),
    ("probability", "abc", "must be a whole number from 0 to 100."),
    ("probability", "12.5", "must be a whole number from 0 to 100."),
    ("expected_close_date", "2026-02-30", "is not a real calendar date."),
    ("expected_close_date", "31/03/2026", "must be a date written YYYY-MM-DD."),
    ("currency", "XYZ", "must be a three-letter ISO 4217 currency code, such as JPY or USD."),
    ("currency", "", "must be a three-letter ISO 4217 currency code, such as JPY or USD."),
    ("stage", "won", "must be one of: lead, qualification, proposal, negotiation, closed_won, closed_lost."),
]
BAD_IDS = [f"{field}-{value[:10] or 'empty'}" for field, value, _ in BAD_FIELDS]


def form_state(form, *, with_key: bool = False) -> dict[str, str]:
    """What a form would send now: each enabled input's value, each select's selected option, each
    textarea's text; with_key: the new-deal form's one-time key too."""
    state = {}
    enabled = [node for node in form.iter() if "disabled" not in node.attrs and node.attrs.get("name")]
    for node in enabled:
        if node.tag == "input" and node.attrs["name"] not in ("csrf_token", "form_key"):
            state[node.attrs["name"]] = node.attrs.get("value") or ""
        elif node.tag == "select":
            options = node.find_all("option")
            chosen = [o for o in options if "selected" in o.attrs] or options[:1]  # a browser's default
            state[node.attrs["name"]] = chosen[0].attrs.get("value", "")
        elif node.tag == "textarea":
            state[node.attrs["name"]] = "".join(child for child in node.children if isinstance(child, str)).strip("\n")
    if with_key:
        state["form_key"] = form.one("input", name="form_key").attrs["value"]
    return state


def focused(node) -> list[str]:
    """The ids of the elements that take the focus when the page or fragment arrives."""
    return [element.attrs.get("id") for element in node.iter() if "autofocus" in element.attrs]


def assert_field_message(form, field: str, message: str) -> None:
    control = form.by_id(field)
    assert control.attrs["aria-invalid"] == "true"
    assert f"{field}-error" in control.attrs["aria-describedby"].split()
    error = form.by_id(f"{field}-error")
    assert error.text == message
    # The message sits beside its field: in the same field wrapper.
    assert error.parent is control.parent


def test_the_new_deal_form_starts_as_a_lead_in_jpy(web):
    response = web.get("/deals/new")

    assert response.status_code == 200
    form = page_of(response).by_id("deal-form")
    assert form.attrs["action"] == "/deals" and form.attrs["method"] == "post"
    state = form_state(form)
    assert state["stage"] == "lead"
    assert state["currency"] == "JPY"
    assert state["name"] == "" and state["amount"] == ""


def test_the_new_deal_form_offers_the_organizations_companies_contacts_and_members(web, rival, make_company, make_contact, make_user):
    make_company("Ours Inc")
    make_contact("Our Contact")
    make_user("Acme", name="Bob Colleague")
    make_company("Theirs Inc", client=rival)

    form = page_of(web.get("/deals/new")).by_id("deal-form")

    companies = [o.text for o in form.by_id("company_id").find_all("option")]
    assert companies == ["—", "Ours Inc"]
    assert [o.text for o in form.by_id("contact_id").find_all("option")] == ["—", "Our Contact"]
    members = [o.text for o in form.by_id("assigned_member_id").find_all("option")]
    assert members[0] == "Unassigned"
    assert sorted(members[1:]) == ["Ann Example", "Bob Colleague"]


def test_the_deal_form_offers_as_many_companies_as_a_list_answers_and_the_one_the_deal_points_to(
    web, make_company, make_deal
):
    names = [f"Company {number:03}" for number in range(LIST_LIMIT_CAP + 1)]
    last = [make_company(name) for name in names][-1]
    deal = make_deal(company_id=last["id"])

    offered_new = page_of(web.get("/deals/new")).by_id("company_id").find_all("option")
    offered_edit = page_of(web.get(f"/deals/{deal['id']}/edit")).by_id("company_id").find_all("option")

    assert [option.text for option in offered_new] == ["—", *names[:LIST_LIMIT_CAP]]
    assert [option.text for option in offered_edit] == ["—", *names]


@pytest.mark.parametrize("field, value, message", BAD_FIELDS, ids=BAD_IDS)
def test_creating_with_a_bad_field_answers_422_with_the_typed_values_and_a_message_beside_it(web, field, value, message):
    typed = VALID_FORM | {"name": "Typed name", "note": "A typed note"} | {field: value}

    response = web.post("/deals", typed)

    assert response.status_code == 422
    document = page_of(response)
    form = document.by_id("deal-form")
    assert_field_message(form, field, message)
    assert form.one("p", cls="form-error").text == "Please correct the field marked below."
    assert focused(form) == [field]
    expected = dict(typed)
    if field == "stage":
        expected["stage"] = "lead"  # no option is named "won": the select shows its first
    assert form_state(form) == expected
    assert document.one("h1").text == "New deal"
    assert api_deal_names(web.api) == []


def test_creating_with_every_field_bad_answers_422_with_a_message_beside_each(web):
    typed = VALID_FORM | {"name": "", "amount": "abc", "probability": "150", "expected_close_date": "2026-02-30", "currency": "XYZ"}

    response = web.post("/deals", typed)

    assert response.status_code == 422
    form = page_of(response).by_id("deal-form")
    assert form.one("p", cls="form-error").text == "Please correct the 5 fields marked below."
    assert focused(form) == ["name"]  # the first refused, in the form's order
    for field, message in [
        ("name", "must not be empty."),
        ("amount", "must be a number such as 1,200,000 or 1234.50 (commas between thousands, a period before the "
                   "decimals), with or without the currency code."),
        ("probability", "must be a whole number from 0 to 100."),
        ("expected_close_date", "is not a real calendar date."),
        ("currency", "must be a three-letter ISO 4217 currency code, such as JPY or USD."),
    ]:
        assert_field_message(form, field, message)
    assert form_state(form) == typed
    assert api_deal_names(web.api) == []


def test_a_refused_form_sent_by_htmx_answers_only_the_form_fragment(web):
    response = web.post("/deals", VALID_FORM | {"amount": "abc"}, htmx=True)

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert html.strip().startswith('<form id="deal-form"')
    assert html.strip().endswith("</form>")
    assert page_of(response).by_id("amount-error").text == AMOUNT_ACCEPTED
    assert focused(page_of(response)) == ["amount"]


def created_deal(web) -> dict:
    items = web.api.get(DEALS_API).get_json()["items"]
    assert len(items) == 1
    return items[0]


def test_creating_a_valid_deal_redirects_303_to_its_page(web):
    response = web.post("/deals", VALID_FORM)

    assert response.status_code == 303
    deal = created_deal(web)
    assert path_of(response.headers["Location"]) == f"/deals/{deal['id']}"
    assert deal["name"] == "Form deal"
    assert deal["amount"] == 1200000
    assert deal["stage"] == "proposal"
    assert deal["probability"] == 60
    assert deal["expected_close_date"] == "2026-03-31"
    assert deal["currency"] == "JPY"
    assert deal["company_id"] is None and deal["assigned_member_id"] is None  # "Unassigned" was chosen
    page = page_of(web.get(response.headers["Location"]))
    assert "Created “Form deal”." in page.one(cls="flashes").text


def test_creating_a_valid_deal_through_htmx_answers_204_with_hx_redirect(web):
    response = web.post("/deals", VALID_FORM, htmx=True)

    assert response.status_code == 204
    assert response.get_data() == b""
    assert path_of(response.headers["HX-Redirect"]) == f"/deals/{created_deal(web)['id']}"


@pytest.mark.parametrize(
    "amount, stored",
    [("1,200,000", 1200000), ("1200000", 1200000), (" 1,234.50 ", 1234.5), ("", None), ("0", 0)],
)
def test_amounts_are_read_with_thousands_separators(web, amount, stored):
    response = web.post("/deals", VALID_FORM | {"amount": amount})

    assert response.status_code == 303
    assert created_deal(web)["amount"] == stored


def test_creating_with_company_contact_assignee_and_note_links_them(web, make_company, make_contact):
    company = make_company("Initech")
    contact = make_contact("Peter Gibbons", company_id=company["id"])

    response = web.post(
        "/deals",
        VALID_FORM | {"company_id": company["id"], "contact_id": contact["id"],
                      "assigned_member_id": web.user["id"], "currency": "usd", "note": "First call went well."},
    )

    assert response.status_code == 303
    deal = created_deal(web)
    assert (deal["company_id"], deal["contact_id"], deal["assigned_member_id"]) == (company["id"], contact["id"], web.user["id"])
    assert deal["currency"] == "USD"
    assert [(a["type"], a["content"]) for a in api_activities(web.api, deal["id"])] == [
        ("note", "First call went well."), ("created", "Deal created."),
    ]


def test_creating_with_another_organizations_company_is_refused(web, rival, make_company):
    theirs = make_company("Theirs", client=rival)

    response = web.post("/deals", VALID_FORM | {"company_id": theirs["id"]})

    assert response.status_code == 422
    assert page_of(response).by_id("company_id-error").text == "does not name a company of your organization."
    assert api_deal_names(web.api) == []


@pytest.mark.parametrize("stage, probability", [("closed_won", None), ("closed_lost", None), ("closed_won", ""),
                                                ("closed_won", "100"), ("closed_lost", "0")])
def test_creating_a_closed_deal_sets_its_probability(web, stage, probability):
    form = {name: value for name, value in VALID_FORM.items() if name != "probability"}
    if probability is not None:
        form["probability"] = probability

    response = web.post("/deals", form | {"stage": stage})

    assert response.status_code == 303
    assert created_deal(web)["probability"] == (100 if stage == "closed_won" else 0)


@pytest.fixture
def linked_deal(web, make_deal, make_company, make_contact, make_user):
    company = make_company("Initech")
    make_company("Another Co")
    contact = make_contact("Peter Gibbons", company_id=company["id"])
    make_contact("Someone Else")
    colleague = make_user("Acme", name="Bob Colleague")
    return make_deal(
        name="Linked deal", amount=1200000, stage="negotiation", probability=70, currency="JPY",
        company_id=company["id"], contact_id=contact["id"], assigned_member_id=colleague.user["id"],
        expected_close_date="2026-03-31",
    )


def test_the_edit_form_is_filled_in_with_the_deal_and_keeps_its_choices_selected(web, linked_deal):
    response = web.get(f"/deals/{linked_deal['id']}/edit")

    assert response.status_code == 200
    form = page_of(response).by_id("deal-form")
    assert form.attrs["action"] == f"/deals/{linked_deal['id']}/edit"
    state = form_state(form)
    assert state.pop("version")  # the version it was filled from: saving it cannot overwrite a newer one
    assert state == {
        "name": "Linked deal", "amount": "1200000", "currency": "JPY", "stage": "negotiation", "probability": "70",
        "company_id": linked_deal["company_id"], "contact_id": linked_deal["contact_id"],
        "assigned_member_id": linked_deal["assigned_member_id"], "expected_close_date": "2026-03-31", "note": "",
    }  # no won date or lost reason: an open deal has neither (those fields are hidden and disabled)


def test_saving_the_edit_form_unchanged_changes_nothing(web, linked_deal):
    state = form_state(page_of(web.get(f"/deals/{linked_deal['id']}/edit")).by_id("deal-form"))

    response = web.post(f"/deals/{linked_deal['id']}/edit", state)

    assert response.status_code == 303
    assert api_deal(web.api, linked_deal["id"]) == linked_deal
    assert [a["type"] for a in api_activities(web.api, linked_deal["id"])] == ["created"]


def test_saving_the_edit_form_updates_the_deal_and_records_it(web, linked_deal):
    state = form_state(page_of(web.get(f"/deals/{linked_deal['id']}/edit")).by_id("deal-form"))

    response = web.post(f"/deals/{linked_deal['id']}/edit", state | {"name": "Renamed", "amount": "2,000,000", "contact_id": ""})

    assert response.status_code == 303
    assert path_of(response.headers["Location"]) == f"/deals/{linked_deal['id']}"
    stored = api_deal(web.api, linked_deal["id"])
    assert (stored["name"], stored["amount"], stored["contact_id"]) == ("Renamed", 2000000, None)
    assert stored["company_id"] == linked_deal["company_id"]
    updates = [a["content"] for a in api_activities(web.api, linked_deal["id"]) if a["type"] == "updated"]
    assert len(updates) == 1
    assert all(name in updates[0] for name in ("name", "amount", "contact_id"))


def test_saving_the_edit_form_through_htmx_answers_204_with_hx_redirect(web, linked_deal):
    state = form_state(page_of(web.get(f"/deals/{linked_deal['id']}/edit")).by_id("deal-form"))

    response = web.post(f"/deals/{linked_deal['id']}/edit", state | {"probability": "80"}, htmx=True)

    assert response.status_code == 204
    assert path_of(response.headers["HX-Redirect"]) == f"/deals/{linked_deal['id']}"
    assert api_deal(web.api, linked_deal["id"])["probability"] == 80


@pytest.mark.parametrize("field, value, message", BAD_FIELDS, ids=BAD_IDS)
def test_a_refused_edit_answers_422_with_the_typed_values_and_changes_nothing(web, linked_deal, field, value, message):
    state = form_state(page_of(web.get(f"/deals/{linked_deal['id']}/edit")).by_id("deal-form"))
    typed = state | {"name": "Typed rename", "note": "typed note"} | {field: value}

    response = web.post(f"/deals/{linked_deal['id']}/edit", typed)

    assert response.status_code == 422
    document = page_of(response)
    form = document.by_id("deal-form")
    assert form.attrs["action"] == f"/deals/{linked_deal['id']}/edit"
    assert_field_message(form, field, message)
    assert focused(form) == [field]
    expected = dict(typed)
    if field == "stage":
        expected["stage"] = "lead"
    assert form_state(form) == expected
    assert document.one("h1").text == "Edit deal"
    assert api_deal(web.api, linked_deal["id"]) == linked_deal
    assert len(api_activities(web.api, linked_deal["id"])) == 1


def test_a_refused_edit_sent_by_htmx_answers_only_the_form(web, linked_deal):
    state = form_state(page_of(web.get(f"/deals/{linked_deal['id']}/edit")).by_id("deal-form"))

    response = web.post(f"/deals/{linked_deal['id']}/edit", state | {"currency": "XYZ"}, htmx=True)

    assert response.status_code == 422
    html = response.get_data(as_text=True).strip()
    assert "<html" not in html and html.startswith('<form id="deal-form"')
    assert "selected" in page_of(response).by_id("company_id").one("option", value=linked_deal["company_id"]).attrs


@pytest.mark.parametrize("stage, probability, stage_field, typed", [
    ("closed_won", 100, "won_date", ""), ("closed_lost", 0, "lost_reason", "Went with a competitor"),
    ("closed_lost", 0, "lost_reason", ""),
])
def test_closing_in_the_edit_form_lets_the_stage_set_the_probability(
    web, linked_deal, stage, probability, stage_field, typed
):
    state = form_state(page_of(web.get(f"/deals/{linked_deal['id']}/edit")).by_id("deal-form"))
    assert state["probability"] == "70"
    # What the page sends once the stage select says closed: the probability field is disabled
    # (the stage decides it) and the won date or lost reason field enabled.
    del state["probability"]

    response = web.post(f"/deals/{linked_deal['id']}/edit", state | {"stage": stage, stage_field: typed})

    assert response.status_code == 303, page_of(response).by_id("deal-form").text
    stored = api_deal(web.api, linked_deal["id"])
    assert stored["stage"] == stage
    assert stored["probability"] == probability
    assert (stored["won_date"] is not None) is (stage == "closed_won")
    assert stored["lost_reason"] == ((typed or None) if stage == "closed_lost" else None)
    changes = [a["content"] for a in api_activities(web.api, linked_deal["id"]) if a["type"] == "stage_change"]
    assert changes == [f"negotiation → {stage}"]


def test_reopening_a_won_deal_in_the_edit_form_clears_its_won_date(web, make_deal):
    deal = make_deal(stage="closed_won")
    state = form_state(page_of(web.get(f"/deals/{deal['id']}/edit")).by_id("deal-form"))
    assert "probability" not in state and state["won_date"]
    # Once the stage select says negotiation, the won date is disabled and the probability enabled.
    del state["won_date"]

    response = web.post(f"/deals/{deal['id']}/edit", state | {"stage": "negotiation", "probability": "80"})

    assert response.status_code == 303
    stored = api_deal(web.api, deal["id"])
    assert (stored["stage"], stored["probability"], stored["won_date"]) == ("negotiation", 80, None)


@pytest.mark.parametrize("whose", ["deleted", "other-organization"])
def test_editing_a_deal_that_is_not_there_answers_404_and_changes_nothing(web, rival, make_deal, whose):
    if whose == "deleted":
        deal = make_deal()
        web.api.delete(f"{DEALS_API}/{deal['id']}")
    else:
        deal = make_deal(client=rival, name="Theirs")

    response = web.post(f"/deals/{deal['id']}/edit", VALID_FORM | {"name": "Hijacked"})

    assert response.status_code == 404
    if whose == "other-organization":
        assert api_deal(rival, deal["id"])["name"] == "Theirs"


def test_editing_another_organizations_deal_with_invalid_input_still_answers_404(web, rival, make_deal):
    deal = make_deal(client=rival, name="Theirs")

    response = web.post(f"/deals/{deal['id']}/edit", VALID_FORM | {"amount": "abc"})

    assert response.status_code == 404
    assert "Theirs" not in response.get_data(as_text=True)


# --- Delete ---------------------------------------------------------------------------------------


def test_the_delete_page_asks_for_confirmation(web, make_deal):
    deal = make_deal(name="Doomed deal")

    response = web.get(f"/deals/{deal['id']}/delete")

    assert response.status_code == 200
    document = page_of(response)
    assert document.one("h1").text == "Delete “Doomed deal”?"
    form = document.one("form", action=f"/deals/{deal['id']}/delete")
    assert form.attrs["method"] == "post"
    assert form.one("input", name="csrf_token")
    assert document.one("a", href=f"/deals/{deal['id']}").text == "Keep it"
    assert api_deal(web.api, deal["id"]) is not None


def test_deleting_removes_the_deal_from_the_board_the_list_its_page_and_the_api(web, make_deal):
    deal = make_deal(name="Doomed deal", stage="proposal", amount=100)
    make_deal(name="Survivor", stage="proposal")

    response = web.post(f"/deals/{deal['id']}/delete")

    assert response.status_code == 303
    assert path_of(response.headers["Location"]) == "/"
    board = page_of(web.get("/"))
    assert "Deleted “Doomed deal”." in board.one(cls="flashes").text
    assert card_names(column(board, "proposal")) == ["Survivor"]
    assert column(board, "proposal").one(cls="count").text == "1"
    assert table_names(page_of(web.get("/deals"))) == ["Survivor"]
    assert web.get(f"/deals/{deal['id']}").status_code == 404
    assert web.api.get(f"{DEALS_API}/{deal['id']}").status_code == 404
    assert api_deal_names(web.api) == ["Survivor"]
    recent = page_of(web.get("/board/activity", htmx=True)).text
    assert "Doomed deal" not in recent


def test_deleting_through_htmx_answers_204_with_hx_redirect_to_the_board(web, make_deal):
    deal = make_deal()

    response = web.post(f"/deals/{deal['id']}/delete", htmx=True)

    assert response.status_code == 204
    assert path_of(response.headers["HX-Redirect"]) == "/"
    assert api_deal(web.api, deal["id"]) is None


@pytest.mark.parametrize("whose", ["already-deleted", "other-organization", "unknown"])
def test_deleting_a_deal_that_is_not_there_answers_404_and_deletes_nothing(web, rival, make_deal, whose):
    if whose == "already-deleted":
        deal_id = make_deal()["id"]
        assert web.post(f"/deals/{deal_id}/delete").status_code == 303
    elif whose == "other-organization":
        deal_id = make_deal(client=rival)["id"]
    else:
        deal_id = UNKNOWN_DEAL

    response = web.post(f"/deals/{deal_id}/delete")

    assert response.status_code == 404
    assert re.search(r"<html", response.get_data(as_text=True))
    if whose == "other-organization":
        assert api_deal(rival, deal_id) is not None
