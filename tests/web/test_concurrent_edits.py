"""A user who changes a deal that someone else changed meanwhile is told so instead of silently
overwriting: the edit form, the board's move form and the delete confirmation carry the version
they were filled from."""

from .conftest import api_activities, api_deal, card_names, page_of, path_of
from .test_deal_pages import form_state


def someone_else_renames(web, deal_id: str) -> None:
    assert web.api.patch(f"/api/v1/crm/deals/{deal_id}", json={"name": "Renamed by a colleague"}).status_code == 200


def card_of(document, deal_id: str):
    return document.by_id(f"deal-{deal_id}")


def move_from_the_board(web, deal_id: str, version: str):
    """What the card's move form sends when its deal is moved to Proposal."""
    return web.post(
        f"/deals/{deal_id}/stage",
        {"stage": "proposal", "from_stage": "lead", "lost_reason": "", "version": version},
        htmx=True,
        current_url="/",
    )


def test_saving_an_edit_form_after_someone_else_changed_the_deal_answers_409_and_keeps_both(web, make_deal):
    deal = make_deal(name="Original", amount=100)
    state = form_state(page_of(web.get(f"/deals/{deal['id']}/edit")).by_id("deal-form"))
    someone_else_renames(web, deal["id"])

    response = web.post(f"/deals/{deal['id']}/edit", state | {"amount": "250"})

    assert response.status_code == 409
    form = page_of(response).by_id("deal-form")
    assert "Someone else changed this deal while you were editing it" in form.text
    assert form_state(form)["amount"] == "250"  # what was typed is kept
    stored = api_deal(web.api, deal["id"])
    assert (stored["name"], stored["amount"]) == ("Renamed by a colleague", 100)
    assert [a["type"] for a in api_activities(web.api, deal["id"])].count("updated") == 1

    # The form is now based on the current version: saving it again is a deliberate overwrite.
    again = web.post(f"/deals/{deal['id']}/edit", form_state(form))

    assert again.status_code == 303
    stored = api_deal(web.api, deal["id"])
    assert (stored["name"], stored["amount"]) == ("Original", 250)


def test_a_stale_edit_sent_by_htmx_answers_the_form_with_the_message(web, make_deal):
    deal = make_deal(name="Original")
    state = form_state(page_of(web.get(f"/deals/{deal['id']}/edit")).by_id("deal-form"))
    someone_else_renames(web, deal["id"])

    response = web.post(f"/deals/{deal['id']}/edit", state, htmx=True)

    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert "Someone else changed this deal" in html


def test_a_board_move_of_a_card_that_changed_meanwhile_is_refused_with_409_and_the_reason(web, make_deal):
    deal = make_deal(name="On the board")
    card = card_of(page_of(web.get("/")), deal["id"])
    version = card.one("input", name="version").attrs["value"]
    someone_else_renames(web, deal["id"])

    response = move_from_the_board(web, deal["id"], version)

    assert response.status_code == 409
    assert "Someone else changed this deal" in response.get_data(as_text=True)
    assert api_deal(web.api, deal["id"])["stage"] == "lead"


def test_a_board_move_with_the_cards_current_version_goes_through(web, make_deal):
    deal = make_deal(name="On the board")
    document = page_of(web.get("/"))
    version = card_of(document, deal["id"]).one("input", name="version").attrs["value"]

    response = move_from_the_board(web, deal["id"], version)

    assert response.status_code == 200
    assert api_deal(web.api, deal["id"])["stage"] == "proposal"
    assert "On the board" in card_names(page_of(web.get("/")).by_id("col-proposal"))


def test_confirming_a_delete_after_someone_else_changed_the_deal_keeps_it_and_says_why(web, make_deal):
    deal = make_deal(name="Keep me")
    confirm = page_of(web.get(f"/deals/{deal['id']}/delete")).one("form", action=f"/deals/{deal['id']}/delete")
    version = confirm.one("input", name="version").attrs["value"]
    someone_else_renames(web, deal["id"])

    response = web.post(f"/deals/{deal['id']}/delete", {"version": version})

    assert response.status_code == 303
    assert path_of(response.headers["Location"]) == f"/deals/{deal['id']}"
    assert api_deal(web.api, deal["id"])["name"] == "Renamed by a colleague"
    shown = web.get(path_of(response.headers["Location"])).get_data(as_text=True)
    assert "changed after you asked to delete it" in shown
