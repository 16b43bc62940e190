"""Changing the board: moving a card to another stage (HTMX and plain form) and quick add; each
goes through the same domain call as the API, so the API shows the result."""

import pytest

from crm.board.columns import CARDS_PER_PAGE, MOST_CARDS_KEPT
from crm.core.database import db
from crm.deals import operations
from crm.models import User

from .conftest import (
    DEALS_API,
    api_activities,
    api_deal,
    api_deal_names,
    card_names,
    column_count,
    hx_trigger,
    page_of,
    path_of,
)
from .test_deal_pages import focused


def move(web, deal_id, stage, from_stage="lead", lost_reason="", htmx=True, current_url="/", data_shown=None, **kwargs):
    return web.post(
        f"/deals/{deal_id}/stage",
        {"stage": stage, "from_stage": from_stage, "lost_reason": lost_reason, **(data_shown or {})},
        htmx=htmx,
        current_url=current_url if htmx else None,
        **kwargs,
    )


# --- Moves ----------------------------------------------------------------------------------------


def test_an_htmx_move_answers_both_columns_out_of_band_with_updated_counts(web, make_deal):
    deal = make_deal(name="Moving deal", amount=1000, probability=50)
    make_deal(name="Staying lead")
    make_deal(name="Already there", stage="proposal", amount=500, probability=20)

    response = move(web, deal["id"], "proposal")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html
    document = page_of(response)
    sections = document.find_all("section", cls="column")
    assert [section.attrs["id"] for section in sections] == ["col-lead", "col-proposal"]
    assert all(section.attrs.get("hx-swap-oob") == "true" for section in sections)
    assert column_count(document, "lead") == 1
    assert column_count(document, "proposal") == 2
    assert card_names(document.by_id("col-lead")) == ["Staying lead"]
    assert sorted(card_names(document.by_id("col-proposal"))) == ["Already there", "Moving deal"]
    moved_card = document.by_id(f"deal-{deal['id']}")
    assert moved_card.attrs["data-stage"] == "proposal"
    proposal_totals = document.by_id("col-proposal").one(cls="total-line").text
    assert "¥1,500" in proposal_totals and "¥600" in proposal_totals


def test_an_htmx_move_triggers_activity_changed_and_deal_moved(web, make_deal):
    deal = make_deal()

    response = move(web, deal["id"], "qualification")

    events = hx_trigger(response)
    assert "activity-changed" in events
    assert events["deal-moved"] == {"id": deal["id"]}


@pytest.mark.parametrize("target", ["qualification", "proposal", "negotiation", "closed_won", "closed_lost"])
def test_a_move_shows_in_the_api_and_in_the_deals_history(web, make_deal, target):
    deal = make_deal()

    assert move(web, deal["id"], target).status_code == 200

    assert api_deal(web.api, deal["id"])["stage"] == target
    changes = [a for a in api_activities(web.api, deal["id"]) if a["type"] == "stage_change"]
    assert [change["content"] for change in changes] == [f"lead → {target}"]
    assert changes[0]["created_by"] == web.user["id"]


def test_moving_to_won_sets_probability_100_and_the_won_date(web, make_deal):
    deal = make_deal(stage="negotiation", probability=70)

    move(web, deal["id"], "closed_won", from_stage="negotiation")

    stored = api_deal(web.api, deal["id"])
    assert stored["probability"] == 100
    assert stored["won_date"] is not None


def test_moving_to_lost_stores_the_lost_reason(web, make_deal):
    deal = make_deal(stage="proposal", probability=40)

    response = move(web, deal["id"], "closed_lost", from_stage="proposal", lost_reason="Chose a competitor")

    assert response.status_code == 200
    stored = api_deal(web.api, deal["id"])
    assert stored["stage"] == "closed_lost"
    assert stored["lost_reason"] == "Chose a competitor"
    assert stored["probability"] == 0
    assert [a["content"] for a in api_activities(web.api, deal["id"]) if a["type"] == "stage_change"] == [
        "proposal → closed_lost"
    ]


def test_moving_to_lost_without_a_reason_leaves_it_empty(web, make_deal):
    deal = make_deal()

    assert move(web, deal["id"], "closed_lost", lost_reason="   ").status_code == 200

    assert api_deal(web.api, deal["id"])["lost_reason"] is None


def test_a_plain_form_move_redirects_303_to_the_board_with_a_message(web, make_deal):
    deal = make_deal(name="Plain move")

    response = move(web, deal["id"], "negotiation", htmx=False)

    assert response.status_code == 303
    assert path_of(response.headers["Location"]) == "/"
    assert api_deal(web.api, deal["id"])["stage"] == "negotiation"
    board = page_of(web.get("/"))
    assert "Plain move" in board.one(cls="flashes").text
    assert card_names(board.by_id("col-negotiation")) == ["Plain move"]


def test_the_move_answers_columns_narrowed_like_the_page_that_sent_it(web, make_deal):
    deal = make_deal(name="Acme move")
    make_deal(name="Globex lead")
    make_deal(name="Globex proposal", stage="proposal")

    response = move(web, deal["id"], "proposal", current_url="/?search=acme")

    document = page_of(response)
    assert column_count(document, "lead") == 0
    assert column_count(document, "proposal") == 1
    assert card_names(document.by_id("col-proposal")) == ["Acme move"]


def test_a_move_without_a_from_stage_answers_the_new_column(web, make_deal):
    deal = make_deal()

    response = web.post(f"/deals/{deal['id']}/stage", {"stage": "proposal"}, htmx=True)

    assert response.status_code == 200
    document = page_of(response)
    assert [section.attrs["id"] for section in document.find_all("section", cls="column")] == ["col-proposal"]


@pytest.mark.parametrize("whose", ["deleted", "other-organization", "unknown", "malformed"])
def test_moving_a_deal_that_is_not_there_answers_404_text_and_changes_nothing(web, rival, make_deal, whose):
    if whose == "deleted":
        deal = make_deal()
        web.api.delete(f"{DEALS_API}/{deal['id']}")
        deal_id = deal["id"]
    elif whose == "other-organization":
        deal = make_deal(client=rival)
        deal_id = deal["id"]
    elif whose == "unknown":
        deal_id = "deal_" + "0" * 32
    else:
        deal_id = "not-a-deal-id"

    response = move(web, deal_id, "proposal")

    assert response.status_code == 404
    assert response.mimetype == "text/plain"
    message = response.get_data(as_text=True)
    assert "no longer exists" in message or "does not exist" in message
    assert "<" not in message
    assert "HX-Trigger" not in response.headers
    if whose == "other-organization":
        assert api_deal(rival, deal_id)["stage"] == "lead"
        assert [a["type"] for a in api_activities(rival, deal_id)] == ["created"]


def test_moving_a_deal_of_another_organization_with_a_plain_form_changes_nothing(web, rival, make_deal):
    deal = make_deal(client=rival)

    response = move(web, deal["id"], "closed_won", htmx=False)

    assert response.status_code in (303, 404)
    assert api_deal(rival, deal["id"])["stage"] == "lead"


@pytest.mark.parametrize("stage", ["won", "", "LEAD", "closed", "stage_change"])
def test_an_invalid_stage_answers_422_with_a_message_and_changes_nothing(web, make_deal, stage):
    deal = make_deal()

    response = move(web, deal["id"], stage)

    assert response.status_code == 422
    message = response.get_data(as_text=True)
    assert message.startswith("Stage ")
    assert "lead" in message and "closed_lost" in message
    assert api_deal(web.api, deal["id"])["stage"] == "lead"
    assert [a["type"] for a in api_activities(web.api, deal["id"])] == ["created"]


def test_an_invalid_stage_with_a_plain_form_goes_back_to_the_board_with_the_message(web, make_deal):
    deal = make_deal()

    response = move(web, deal["id"], "won", htmx=False)

    assert response.status_code == 303
    flashes = page_of(web.get("/")).one(cls="flashes").text
    assert flashes.startswith("Stage must be one of")
    assert api_deal(web.api, deal["id"])["stage"] == "lead"


def test_a_too_long_lost_reason_is_refused_with_422(web, make_deal):
    deal = make_deal()

    response = move(web, deal["id"], "closed_lost", lost_reason="x" * 2001)

    assert response.status_code == 422
    assert "Lost reason" in response.get_data(as_text=True)
    assert api_deal(web.api, deal["id"])["stage"] == "lead"


# --- Columns keep what "show more" loaded ---------------------------------------------------------


@pytest.fixture
def make_many(app, web):
    """count deals of the web user's organization in a stage, straight through the domain (quicker
    than the API for a column several pages long); answers their ids, newest last."""

    def make(count: int, stage: str = "lead", prefix: str = "Deal") -> list[str]:
        with app.app_context():
            user = db.session.get(User, web.user["id"])
            return [operations.create_deal(user, {"name": f"{prefix} {n:03d}", "stage": stage}).id for n in range(count)]

    return make


def shown_cards(document, stage) -> int:
    return len(document.by_id(f"col-{stage}").find_all("li", cls="card"))


def show_more_text(document, stage) -> str | None:
    more = document.by_id(f"col-{stage}").find("li", cls="show-more")
    return more.text if more else None


def test_a_move_redraws_each_column_with_as_many_cards_as_it_showed(web, make_many):
    leads = make_many(70)
    make_many(25, "proposal")

    # The lead column showed 60 (show more twice) and loses the card; proposal showed 20 and gains it.
    response = move(web, leads[0], "proposal", data_shown={"shown_lead": "59", "shown_proposal": "21"})

    assert response.status_code == 200
    document = page_of(response)
    assert shown_cards(document, "lead") == 59
    assert show_more_text(document, "lead") == "Show more (10 more)"
    assert shown_cards(document, "proposal") == 21
    assert show_more_text(document, "proposal") == "Show more (5 more)"


@pytest.mark.parametrize(
    "shown, expected",
    [({}, CARDS_PER_PAGE), ({"shown_lead": "3"}, CARDS_PER_PAGE), ({"shown_lead": "abc"}, CARDS_PER_PAGE),
     ({"shown_lead": "-4"}, CARDS_PER_PAGE), ({"shown_lead": "100000"}, MOST_CARDS_KEPT)],
)
def test_a_redrawn_column_shows_at_least_a_page_and_at_most_the_cap(web, make_many, shown, expected):
    leads = make_many(MOST_CARDS_KEPT + 5)

    response = move(web, leads[0], "qualification", data_shown=shown)

    assert response.status_code == 200
    assert shown_cards(page_of(response), "lead") == expected
    assert api_deal(web.api, leads[0])["stage"] == "qualification"


def test_quick_add_redraws_the_lead_column_with_the_cards_it_showed_and_the_new_one_on_top(web, make_many):
    make_many(50)

    response = web.post("/board/quick-add", {"name": "Quick one", "amount": "", "shown_lead": "40"},
                        htmx=True, current_url="/")

    assert response.status_code == 200
    document = page_of(response)
    assert shown_cards(document, "lead") == 41
    assert card_names(document.by_id("col-lead"))[0] == "Quick one"
    assert show_more_text(document, "lead") == "Show more (10 more)"


# --- Quick add ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "amount, stored",
    [("", None), ("1200000", 1200000), ("1,200,000", 1200000), (" 250.5 ", 250.5), ("0", 0)],
)
def test_quick_add_creates_a_lead_deal_and_answers_the_lead_column(web, make_deal, amount, stored):
    make_deal(name="Existing lead")

    response = web.post("/board/quick-add", {"name": "  Quick one ", "amount": amount}, htmx=True, current_url="/")

    assert response.status_code == 200
    document = page_of(response)
    lead = document.one("section", cls="column")
    assert lead.attrs["id"] == "col-lead"
    assert "hx-swap-oob" not in lead.attrs
    assert column_count(document, "lead") == 2
    assert "Quick one" in card_names(lead)
    assert document.one("input", id_="quick-add-name").attrs["value"] == ""
    assert "activity-changed" in hx_trigger(response)
    deals = web.api.get(DEALS_API, query_string={"search": "quick"}).get_json()["items"]
    assert len(deals) == 1
    assert deals[0]["name"] == "Quick one"
    assert deals[0]["stage"] == "lead"
    assert deals[0]["currency"] == "JPY"
    assert deals[0]["amount"] == stored


def test_quick_add_with_a_plain_form_redirects_303_to_the_board(web):
    response = web.post("/board/quick-add", {"name": "Plain quick", "amount": "10"})

    assert response.status_code == 303
    assert path_of(response.headers["Location"]) == "/"
    assert api_deal_names(web.api) == ["Plain quick"]


@pytest.mark.parametrize("name", ["", "   ", "\t"])
def test_quick_add_with_an_empty_name_answers_422_with_the_message_beside_the_field(web, name):
    response = web.post("/board/quick-add", {"name": name, "amount": "1,500"}, htmx=True, current_url="/")

    assert response.status_code == 422
    document = page_of(response)
    form = document.one("form", cls="quick-add")
    name_input = form.one("input", id_="quick-add-name")
    assert name_input.attrs["aria-invalid"] == "true"
    assert name_input.attrs["aria-describedby"].split()[0] == "quick-add-name-error"
    assert form.by_id("quick-add-name-error").text == "Name must not be empty."
    assert form.one("input", id_="quick-add-amount").attrs["value"] == "1,500"
    assert focused(document) == ["quick-add-name"]
    assert api_deal_names(web.api) == []


@pytest.mark.parametrize("amount, message", [("abc", "must be a number such as 1,200,000"), ("-5", "must not be negative."), ("1.234", "two decimal places")])
def test_quick_add_with_a_bad_amount_answers_422_and_keeps_the_name(web, amount, message):
    response = web.post("/board/quick-add", {"name": "Keep me", "amount": amount}, htmx=True, current_url="/")

    assert response.status_code == 422
    assert focused(page_of(response)) == ["quick-add-amount"]
    form = page_of(response).one("form", cls="quick-add")
    assert form.one("input", id_="quick-add-name").attrs["value"] == "Keep me"
    assert form.one("input", id_="quick-add-amount").attrs["value"] == amount
    assert message in form.by_id("quick-add-amount-error").text
    assert api_deal_names(web.api) == []


def test_quick_add_refused_with_a_plain_form_shows_the_whole_board_with_the_message(web):
    response = web.post("/board/quick-add", {"name": "", "amount": "99"})

    assert response.status_code == 422
    document = page_of(response)
    assert document.by_id("board-columns")
    assert document.by_id("quick-add-name-error").text == "Name must not be empty."
    assert document.one("input", id_="quick-add-amount").attrs["value"] == "99"
    assert focused(document) == ["quick-add-name"]


def quick_add_form(document):
    return document.one("form", cls="quick-add")


def quick_add_key(document) -> str:
    return quick_add_form(document).one("input", name="form_key").attrs["value"]


def quick_add_assignees(document) -> list[tuple[str, str, bool]]:
    """The quick add's assignee choices: (value, text, selected)."""
    select = quick_add_form(document).one("select", id_="quick-add-assignee")
    return [(option.attrs["value"], option.text, "selected" in option.attrs) for option in select.find_all("option")]


def test_quick_add_assigns_the_deal_to_me_unless_i_choose_a_colleague_or_no_one(web, make_user):
    colleague = make_user("Acme", name="Bob Colleague")
    board = page_of(web.get("/"))
    me = web.user["id"]
    assert quick_add_assignees(board) == [
        (me, f"Me ({web.user['name']})", True), (colleague.user["id"], "Bob Colleague", False), ("", "Unassigned", False)
    ]

    mine = web.post("/board/quick-add", {"name": "Mine", "assigned_member_id": me, "form_key": quick_add_key(board)},
                    htmx=True, current_url="/")
    theirs = web.post("/board/quick-add", {"name": "Theirs", "assigned_member_id": colleague.user["id"]},
                      htmx=True, current_url="/")
    nobodys = web.post("/board/quick-add", {"name": "Nobody's", "assigned_member_id": ""}, htmx=True, current_url="/")
    older_page = web.post("/board/quick-add", {"name": "No choice sent"}, htmx=True, current_url="/")

    assert [r.status_code for r in (mine, theirs, nobodys, older_page)] == [200] * 4
    assigned = {deal["name"]: deal["assigned_member_id"] for deal in web.api.get(DEALS_API).get_json()["items"]}
    assert assigned == {"Mine": me, "Theirs": colleague.user["id"], "Nobody's": None, "No choice sent": me}
    assert page_of(mine).by_id("quick-add-status").text == "Added “Mine” to Lead."
    assert page_of(theirs).by_id("quick-add-status").text == "Added “Theirs” to Lead for Bob Colleague."
    assert page_of(nobodys).by_id("quick-add-status").text == "Added “Nobody's” to Lead, unassigned."
    # the form comes back ready for the next deal, assigned to me again
    assert [selected for *_, selected in quick_add_assignees(page_of(theirs))] == [True, False, False]


def test_a_deal_quick_added_for_a_colleague_under_my_deals_says_where_it_went(web, make_user):
    colleague = make_user("Acme", name="Bob Colleague")

    response = web.post("/board/quick-add", {"name": "Theirs", "assigned_member_id": colleague.user["id"]},
                        htmx=True, current_url="/?assignee=me")

    assert page_of(response).by_id("quick-add-status").text == "Added “Theirs” to Lead for Bob Colleague — hidden by the current filter; show all."
    assert api_deal_names(web.api) == ["Theirs"]


@pytest.mark.parametrize("htmx", [True, False])
def test_a_quick_add_for_someone_outside_the_organization_is_refused_beside_the_choice(web, rival, htmx):
    response = web.post("/board/quick-add", {"name": "Theirs", "assigned_member_id": rival.user["id"]},
                        htmx=htmx, current_url="/" if htmx else None)

    assert response.status_code == 422
    document = page_of(response)
    assert document.by_id("quick-add-assignee-error").text.startswith("Assignee ")
    assert document.by_id("quick-add-assignee").attrs["aria-describedby"] == "quick-add-assignee-error"
    assert focused(document) == ["quick-add-assignee"]
    assert quick_add_form(document).one("input", id_="quick-add-name").attrs["value"] == "Theirs"
    assert rival.user["id"] not in [value for value, *_ in quick_add_assignees(document)]
    assert api_deal_names(web.api) == []


def test_a_move_that_redraws_the_lead_column_offers_the_same_assignees_in_quick_add(web, make_deal, make_user):
    colleague = make_user("Acme", name="Bob Colleague")
    deal = make_deal(name="Moving on")

    moved_out = page_of(move(web, deal["id"], "qualification"))
    moved_back = page_of(move(web, deal["id"], "lead", from_stage="qualification"))

    for document in (moved_out, moved_back):
        assert [value for value, *_ in quick_add_assignees(document)] == [web.user["id"], colleague.user["id"], ""]


@pytest.mark.parametrize("board_url", ["/?assignee=me", "/", "/?search=Mine"])
def test_a_quick_added_deal_shows_under_a_filter_it_matches(web, board_url):
    response = web.post("/board/quick-add", {"name": "Mine"}, htmx=True, current_url=board_url)

    document = page_of(response)
    assert card_names(document.by_id("col-lead")) == ["Mine"]
    status = document.by_id("quick-add-status")
    assert status.attrs["role"] == "status"
    assert status.text == "Added “Mine” to Lead."
    assert focused(document) == ["quick-add-name"]
    assert "quick-add-status" in document.by_id("quick-add-name").attrs["aria-describedby"].split()


@pytest.mark.parametrize("board_url", ["/?assignee=none", "/?search=unrelated"])
def test_a_quick_added_deal_that_the_filter_hides_says_where_it_went(web, board_url):
    response = web.post("/board/quick-add", {"name": "Mine"}, htmx=True, current_url=board_url)

    assert response.status_code == 200
    document = page_of(response)
    assert card_names(document.by_id("col-lead")) == []
    status = document.by_id("quick-add-status")
    assert status.text == "Added “Mine” to Lead — hidden by the current filter; show all."
    assert status.one("a").attrs["href"] == "/"
    assert api_deal_names(web.api) == ["Mine"]


def test_a_plain_form_quick_add_says_where_the_deal_went(web):
    response = web.post("/board/quick-add", {"name": "Plain quick"})

    board = page_of(web.get(path_of(response.headers["Location"])))
    assert "Added “Plain quick” to Lead." in board.one(cls="flashes").text


def test_a_quick_add_form_sent_twice_adds_one_deal_and_the_form_comes_back_with_a_new_key(web):
    key = quick_add_key(page_of(web.get("/")))
    sent = {"name": "Once", "amount": "¥500,000", "form_key": key}

    first = web.post("/board/quick-add", sent, htmx=True, current_url="/")
    again = web.post("/board/quick-add", sent, htmx=True, current_url="/")

    assert (first.status_code, again.status_code) == (200, 200)
    assert api_deal_names(web.api) == ["Once"]
    for answer in (first, again):
        document = page_of(answer)
        assert card_names(document.by_id("col-lead")) == ["Once"]
        assert quick_add_key(document) not in ("", key)
    assert quick_add_key(page_of(first)) != quick_add_key(page_of(again))
    plain = web.post("/board/quick-add", sent)  # and once more without htmx (a reloaded page)
    assert plain.status_code == 303
    assert api_deal_names(web.api) == ["Once"]


def test_a_refused_quick_add_keeps_its_key_so_the_corrected_form_adds_once(web):
    key = quick_add_key(page_of(web.get("/")))

    refused = web.post("/board/quick-add", {"name": "", "form_key": key}, htmx=True, current_url="/")

    assert refused.status_code == 422
    assert quick_add_key(page_of(refused)) == key
    for _ in range(2):
        assert web.post("/board/quick-add", {"name": "Fixed", "form_key": key}, htmx=True, current_url="/").status_code == 200
    assert api_deal_names(web.api) == ["Fixed"]


def test_a_quick_add_form_that_already_added_a_deal_and_came_back_changed_asks_again(web):
    key = quick_add_key(page_of(web.get("/")))
    web.post("/board/quick-add", {"name": "First", "form_key": key}, htmx=True, current_url="/")

    response = web.post("/board/quick-add", {"name": "Second", "form_key": key}, htmx=True, current_url="/")

    assert response.status_code == 409
    document = page_of(response)
    assert "This form already added a deal" in document.by_id("quick-add-status").text
    assert quick_add_form(document).one("input", id_="quick-add-name").attrs["value"] == "Second"
    new_key = quick_add_key(document)
    assert new_key != key
    assert api_deal_names(web.api) == ["First"]

    assert web.post("/board/quick-add", {"name": "Second", "form_key": new_key}, htmx=True, current_url="/").status_code == 200
    assert sorted(api_deal_names(web.api)) == ["First", "Second"]
