"""The deal page's next steps: the open steps above the history (which holds what was done),
planning one, marking one done (and undoing it), changing and deleting one, in place and without a
script; and the offer to plan the next step after a move or once the last step is done."""

from datetime import UTC, datetime

import pytest

from crm.core import clock

from .conftest import DEALS_API, hx_trigger, page_of

NOON_TOKYO = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
MORNING_TOKYO = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def stopped():
    with clock.stopped_at(NOON_TOKYO):
        yield


@pytest.fixture
def make_deal(make_deal):
    """Deals made in the morning: what is done at noon comes after their creation in the history."""
    def make(*args, **fields):
        with clock.stopped_at(MORNING_TOKYO):
            return make_deal(*args, **fields)
    return make


def plan(api, deal: dict, **fields) -> dict:
    response = api.post(f"{DEALS_API}/{deal['id']}/activities", json=fields)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["activity"]


def steps_of(document) -> list[str]:
    return [item.one("p", cls="step-text").text for item in document.by_id("next-steps").find_all("li", cls="step-item")]


def history_of(document) -> list[str]:
    return [entry.one(cls="feed-content").text for entry in document.by_id("feed").find_all("li", cls="feed-item")]


def activities(web, deal: dict) -> list[dict]:
    return web.api.get(f"{DEALS_API}/{deal['id']}/activities").get_json()["activities"]


def step_url(deal: dict, step: dict, action: str = "") -> str:
    return f"/deals/{deal['id']}/steps/{step['id']}" + (f"/{action}" if action else "")


def test_the_open_steps_are_listed_above_the_history_by_when_they_are_due(web, make_deal):
    deal = make_deal(name="株式会社A 年間契約")
    plan(web.api, deal, type="email", content="Send the quote", due_date="2026-03-09")
    plan(web.api, deal, type="call", content="Call back", due_date="2026-03-01", due_time="10:00")
    plan(web.api, deal, type="task", content="Someday", done=False)
    plan(web.api, deal, type="call", content="Called", due_date="2026-03-01", done=True)

    document = page_of(web.get(f"/deals/{deal['id']}"))

    assert steps_of(document) == ["☎ Call Call back", "✉ Email Send the quote", "☑ Task Someday"]
    assert document.by_id("next-steps").one("h2").text == "Next steps 3"
    overdue = document.by_id("next-steps").find_all("li", cls="step-item")[0]
    assert overdue.one("span", cls="next-step").classes == ["next-step", "due-overdue"]
    assert "2026-03-01 10:00 · overdue" in overdue.text and "Ann Example" in overdue.text
    assert history_of(document)[:1] == ["Called"]  # what was done, not what is planned
    assert "Send the quote" not in history_of(document)
    assert document.text.index("Next steps") < document.text.index("What happened?")
    feed = page_of(web.get(f"/deals/{deal['id']}/activities", htmx=True))  # the feed redrawn in place
    assert [entry.one(cls="feed-content").text for entry in feed.find_all("li", cls="feed-item")][:1] == ["Called"]
    assert "Someday" not in feed.text


def test_planning_a_step_in_place_keeps_it_open_with_its_day_time_and_assignee(web, make_user, make_deal):
    colleague = make_user("Acme", name="Ben Example")
    deal = make_deal()

    response = web.post(f"/deals/{deal['id']}/steps", {
        "type": "meeting", "content": "Demo at 田中さん's office", "due_date": "２０２６-03-04", "due_time": "15:30",
        "assigned_member_id": colleague.user["id"]}, htmx=True)

    assert response.status_code == 200
    panel = page_of(response)
    assert steps_of(panel) == ["◷ Meeting Demo at 田中さん's office"]
    assert panel.by_id("plan-step-content").attrs.keys() >= {"autofocus"}  # ready for the next one
    assert panel.by_id("plan-step-content").text == ""
    planned = activities(web, deal)[0]
    assert (planned["type"], planned["done"], planned["due_date"], planned["due_time"], planned["assigned_member_id"]) == (
        "meeting", False, "2026-03-04", "15:30", colleague.user["id"])
    assert web.api.get(f"{DEALS_API}/{deal['id']}").get_json()["deal"]["next_activity"]["id"] == planned["id"]


def test_a_step_planned_without_a_day_is_still_open_and_mine_by_default(web, make_deal):
    deal = make_deal()
    form = page_of(web.get(f"/deals/{deal['id']}")).by_id("plan-step-assignee")
    assert [option.attrs["value"] for option in form.find_all("option") if "selected" in option.attrs] == [web.user["id"]]

    web.post(f"/deals/{deal['id']}/steps", {"type": "task", "content": "Find the decision maker", "due_date": "",
                                            "due_time": "", "assigned_member_id": web.user["id"]})

    planned = activities(web, deal)[0]
    assert (planned["done"], planned["due_date"], planned["assigned_member_id"]) == (False, None, web.user["id"])
    assert steps_of(page_of(web.get(f"/deals/{deal['id']}"))) == ["☑ Task Find the decision maker"]


@pytest.mark.parametrize("htmx", [True, False], ids=["in-place", "no-script"])
def test_a_refused_plan_keeps_what_was_typed_says_why_and_adds_nothing(web, rival, make_deal, htmx):
    deal = make_deal()
    before = activities(web, deal)

    response = web.post(f"/deals/{deal['id']}/steps", {
        "type": "call", "content": "  Call 田中さん  ", "due_date": "", "due_time": "09:00",
        "assigned_member_id": rival.user["id"]}, htmx=htmx)

    assert response.status_code == 422
    panel = page_of(response).by_id("next-steps")
    assert panel.by_id("plan-step-content").text == "Call 田中さん"
    assert panel.by_id("plan-step-due-time").attrs["value"] == "09:00"
    assert panel.by_id("plan-step-due-time-error").text == "can only be given with a due date."
    assert panel.by_id("plan-step-assignee-error").text == "does not name a member of your organization."
    assert panel.by_id("plan-step-due-time").attrs.keys() >= {"autofocus"}  # the first refused field
    assert activities(web, deal) == before


def test_a_plan_of_a_note_or_without_text_is_refused(web, make_deal):
    deal = make_deal()

    note = web.post(f"/deals/{deal['id']}/steps", {"type": "note", "content": "x", "assigned_member_id": web.user["id"]},
                    htmx=True)
    empty = web.post(f"/deals/{deal['id']}/steps", {"type": "call", "content": "   ", "assigned_member_id": web.user["id"]},
                     htmx=True)

    assert note.status_code == empty.status_code == 422
    assert page_of(note).by_id("plan-step-type-error").text.startswith("must be one of")
    assert page_of(empty).by_id("plan-step-content-error")
    assert len(activities(web, deal)) == 1  # its creation only


def test_marking_a_step_done_moves_it_to_the_history_and_offers_an_undo(web, make_deal):
    deal = make_deal()
    first = plan(web.api, deal, type="call", content="Call back", due_date="2026-03-01")
    plan(web.api, deal, type="email", content="Send the quote", due_date="2026-03-09")

    response = web.post(step_url(deal, first, "done"), {"done": "true"}, htmx=True)

    assert response.status_code == 200
    assert "activity-changed" in hx_trigger(response)  # the history redraws itself
    panel = page_of(response)
    assert steps_of(panel) == ["✉ Email Send the quote"]
    assert "Done: “Call back”" in panel.one(cls="step-undo").text
    assert panel.find(cls="plan-prompt") is None  # a step is still planned
    done = next(entry for entry in activities(web, deal) if entry["id"] == first["id"])
    assert done["done"] is True and done["done_at"] == "2026-03-02T03:00:00Z"
    assert history_of(page_of(web.get(f"/deals/{deal['id']}")))[:1] == ["Call back"]

    undo = web.post(step_url(deal, first, "done"), {"done": "false"}, htmx=True)
    assert steps_of(page_of(undo)) == ["☎ Call Call back", "✉ Email Send the quote"]
    assert "Call back" not in history_of(page_of(web.get(f"/deals/{deal['id']}")))


def test_the_last_step_done_offers_to_plan_the_next_one_skippably_and_only_once(web, make_deal):
    deal = make_deal(stage="proposal")
    step = plan(web.api, deal, type="call", content="Call back", due_date="2026-03-01")

    panel = page_of(web.post(step_url(deal, step, "done"), {"done": "true"}, htmx=True))

    prompt = panel.one(cls="plan-prompt")
    assert "What is the next step?" in prompt.text
    assert prompt.one("a").text == "Not now"
    assert panel.by_id("plan-step-content").attrs.keys() >= {"autofocus"}
    assert page_of(web.get(f"/deals/{deal['id']}")).find(cls="plan-prompt") is None  # not on reload


def test_without_a_script_the_offer_shows_once_on_the_page_done_goes_back_to(web, make_deal):
    deal = make_deal(stage="proposal")
    step = plan(web.api, deal, type="call", content="Call back", due_date="2026-03-01")

    response = web.post(step_url(deal, step, "done"), {"done": "true"})

    assert response.status_code == 303 and response.headers["Location"].endswith(f"/deals/{deal['id']}")
    page = page_of(web.get(f"/deals/{deal['id']}"))
    assert page.find(cls="plan-prompt") is not None
    assert "Done: “Call back”. It is in the history now." in page.one("div", cls="flashes").text
    assert page_of(web.get(f"/deals/{deal['id']}")).find(cls="plan-prompt") is None


def test_a_closed_deal_is_not_asked_for_a_next_step(web, make_deal):
    deal = make_deal(stage="closed_won")
    step = plan(web.api, deal, type="task", content="Send the invoice", due_date="2026-03-01")

    panel = page_of(web.post(step_url(deal, step, "done"), {"done": "true"}, htmx=True))

    assert panel.find(cls="plan-prompt") is None


def edit_form_fields(web, deal: dict) -> dict[str, str]:
    """What the deal's edit form sends as it is shown: its inputs and chosen options."""
    form = page_of(web.get(f"/deals/{deal['id']}/edit")).by_id("deal-form")
    fields = {node.attrs["name"]: node.attrs.get("value") or "" for node in form.find_all("input") if node.attrs.get("name")}
    for select in form.find_all("select"):
        chosen = [option.attrs["value"] for option in select.find_all("option") if "selected" in option.attrs]
        fields[select.attrs["name"]] = chosen[0] if chosen else ""
    return fields


def test_a_move_through_the_edit_form_offers_to_plan_the_next_step_once(web, make_deal):
    deal = make_deal(name="Moving", stage="lead")

    saved = web.post(f"/deals/{deal['id']}/edit", {**edit_form_fields(web, deal), "stage": "proposal"})

    assert saved.status_code == 303
    assert page_of(web.get(f"/deals/{deal['id']}")).find(cls="plan-prompt") is not None
    assert page_of(web.get(f"/deals/{deal['id']}")).find(cls="plan-prompt") is None  # not on reload
    web.post(f"/deals/{deal['id']}/edit", {**edit_form_fields(web, deal), "name": "Moving on"})
    assert page_of(web.get(f"/deals/{deal['id']}")).find(cls="plan-prompt") is None  # the same stage: no move
    web.post(f"/deals/{deal['id']}/edit", {**edit_form_fields(web, deal), "stage": "closed_lost"})
    assert page_of(web.get(f"/deals/{deal['id']}")).find(cls="plan-prompt") is None  # closed: nothing next
    assert web.api.get(f"{DEALS_API}/{deal['id']}").get_json()["deal"]["stage"] == "closed_lost"


def test_a_step_is_changed_in_place_and_a_refused_change_keeps_what_was_typed(web, make_deal):
    deal = make_deal()
    step = plan(web.api, deal, type="call", content="Call back", due_date="2026-03-01", due_time="10:00")

    editing = page_of(web.get(step_url(deal, step, "edit"), htmx=True))
    assert editing.by_id("edit-step-content").text == "Call back"
    assert editing.by_id("edit-step-due-date").attrs["value"] == "2026-03-01"
    assert editing.by_id("edit-step-due-time").attrs["value"] == "10:00"
    assert editing.by_id("edit-step-content").attrs.keys() >= {"autofocus"}

    refused = web.post(step_url(deal, step), {"content": "Call 田中さん", "due_date": "2026-03-0",
                                              "due_time": "10:00", "assigned_member_id": web.user["id"]}, htmx=True)
    assert refused.status_code == 422
    assert page_of(refused).by_id("edit-step-content").text == "Call 田中さん"
    assert page_of(refused).by_id("edit-step-due-date-error")
    assert activities(web, deal)[0]["content"] == "Call back"

    saved = web.post(step_url(deal, step), {"content": "Call 田中さん", "due_date": "2026-03-05", "due_time": "",
                                            "assigned_member_id": web.user["id"]}, htmx=True)
    assert saved.status_code == 200
    assert steps_of(page_of(saved)) == ["☎ Call Call 田中さん"]
    changed = activities(web, deal)[0]
    assert (changed["content"], changed["due_date"], changed["due_time"]) == ("Call 田中さん", "2026-03-05", None)


def test_the_edit_link_works_without_a_script(web, make_deal):
    deal = make_deal()
    step = plan(web.api, deal, type="call", content="Call back", due_date="2026-03-01")

    page = page_of(web.get(step_url(deal, step, "edit")))

    assert page.by_id("edit-step-content").text == "Call back"
    assert page.by_id("feed")  # the whole deal page, the step as a form


def test_a_step_is_deleted_in_place(web, make_deal):
    deal = make_deal()
    step = plan(web.api, deal, type="call", content="Call back", due_date="2026-03-01")

    response = web.post(step_url(deal, step, "delete"), htmx=True)

    assert steps_of(page_of(response)) == []
    assert "No next step planned." in page_of(response).text
    assert [entry["type"] for entry in activities(web, deal)] == ["created"]


def test_steps_of_another_deal_or_organization_and_recorded_entries_are_not_found(web, rival, make_deal):
    deal, other = make_deal(), make_deal()
    step = plan(web.api, other, type="call", content="Other's", due_date="2026-03-01")
    theirs = make_deal(rival)
    their_step = plan(rival, theirs, type="call", content="Theirs", due_date="2026-03-01")
    created = activities(web, deal)[0]

    for url in (step_url(deal, step, "done"), step_url(deal, step, "delete"), step_url(deal, step),
                step_url(theirs, their_step, "done"), step_url(deal, created, "delete"), step_url(deal, created, "done"),
                "/deals/x/steps/y/done"):
        assert web.post(url, {"done": "false", "content": "x"}, htmx=True).status_code == 404, url
    assert web.get(step_url(deal, step, "edit")).status_code == 404
    assert activities(web, deal)[0]["done"] is True  # the history stays as it was
    assert [entry["done"] for entry in activities(web, other) if entry["type"] == "call"] == [False]


def test_marking_done_in_place_updates_the_number_of_my_overdue_steps(web, make_deal):
    deal = make_deal()
    late = plan(web.api, deal, type="call", content="Late", due_date="2026-03-01")
    plan(web.api, deal, type="call", content="Later", due_date="2026-03-01")
    assert page_of(web.get("/")).by_id("nav-overdue").text.startswith("2")

    response = page_of(web.post(step_url(deal, late, "done"), {"done": "true"}, htmx=True))

    badge = response.by_id("nav-overdue")
    assert badge.attrs["hx-swap-oob"] == "true" and badge.text.startswith("1")


def test_the_panel_speaks_japanese(web, make_deal):
    deal = make_deal()
    plan(web.api, deal, type="call", content="田中さんに電話", due_date="2026-03-01")

    panel = page_of(web.get(f"/deals/{deal['id']}", headers={"Accept-Language": "ja"})).by_id("next-steps")

    assert panel.one("h2").text == "次のステップ 1"
    assert "期限超過" in panel.one("span", cls="next-step").text
    assert panel.by_id("plan-title").text == "ステップを計画"
    assert [option.text for option in panel.by_id("plan-step-type").find_all("option")] == [
        "電話", "メール", "ミーティング", "タスク"]


def test_a_step_done_is_in_the_history_under_the_member_it_was_for(web, make_user, make_deal):
    colleague = make_user("Acme", name="Ben Example")
    deal = make_deal()
    step = plan(web.api, deal, type="call", content="Call back", due_date="2026-03-01",
                assigned_member_id=colleague.user["id"])

    web.post(step_url(deal, step, "done"), {"done": "true"}, htmx=True)

    entry = page_of(web.get(f"/deals/{deal['id']}")).by_id("feed").find_all("li", cls="feed-item")[0]
    assert entry.one(cls="feed-meta").text == "Ben Example · 2026-03-02 03:00 UTC"  # planned by Ann, Ben's to do
    recent = page_of(web.get("/board/activity", htmx=True)).find_all("li", cls="recent-item")[0]
    assert "Ben Example · 2026-03-02 03:00 UTC" in recent.text
