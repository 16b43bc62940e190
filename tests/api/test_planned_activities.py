"""Planned activities: logging and planning a deal's activities, changing and deleting them (never
the entries the app records), and the organization's list of them by when they are due."""

from datetime import timedelta

import pytest

from crm.core import clock

DEALS = "/api/v1/crm/deals"
ACTIVITIES = "/api/v1/crm/activities"
MISSING = "act_" + "0" * 32


def add(api, deal: dict, status: int = 201, **fields) -> dict:
    response = api.post(f"{DEALS}/{deal['id']}/activities", json=fields)
    assert response.status_code == status, response.get_json()
    return response.get_json()["activity"] if status == 201 else response.get_json()["error"]


def change(api, activity: dict, status: int = 200, **fields) -> dict:
    response = api.patch(f"{ACTIVITIES}/{activity['id']}", json=fields)
    assert response.status_code == status, response.get_json()
    return response.get_json()["activity"] if status == 200 else response.get_json()["error"]


def listed(api, **params) -> list[str]:
    response = api.get(ACTIVITIES, query_string=params)
    assert response.status_code == 200, response.get_json()
    return [activity["content"] for activity in response.get_json()["activities"]]


def history(api, deal: dict) -> list[dict]:
    return api.get(f"{DEALS}/{deal['id']}/activities").get_json()["activities"]


def test_an_activity_without_a_due_date_is_logged_done_by_its_author(api, make_deal, stopped_clock):
    deal = make_deal()

    activity = add(api, deal, type="call", content="Called about the budget.")

    assert activity["type"] == "call"
    assert (activity["done"], activity["done_at"]) == (True, activity["created_at"])
    assert (activity["due_date"], activity["due_time"]) == (None, None)
    assert activity["assigned_member_id"] == api.user["id"]
    assert activity["done_at"] == clock.now_utc().strftime("%Y-%m-%dT%H:%M:%SZ")
    assert activity in history(api, deal)


def test_a_planned_task_is_open_with_its_date_time_and_assignee(api, make_user, make_deal, stopped_clock):
    colleague = make_user("Acme", name="Ben Example")
    deal = make_deal()

    activity = add(api, deal, type="task", content="Send the quote.", due_date="2026-03-02", due_time="09:30",
                   assigned_member_id=colleague.user["id"])

    assert (activity["type"], activity["due_date"], activity["due_time"]) == ("task", "2026-03-02", "09:30")
    assert (activity["done"], activity["done_at"]) == (False, None)
    assert activity["assigned_member_id"] == colleague.user["id"]
    assert activity["created_by"] == api.user["id"]


def test_done_can_be_given_either_way_but_a_note_is_always_done(api, make_deal):
    deal = make_deal()

    assert add(api, deal, type="meeting", content="Met", due_date="2026-03-02", done=True)["done"] is True
    assert add(api, deal, type="email", content="To write", done=False)["done"] is False
    assert add(api, deal, type="note", content="Note for a day", due_date="2026-03-02")["done"] is True
    error = add(api, deal, 422, type="note", content="Open note", done=False)
    assert error["fields"] == {"done": "must be true for a note: a note is always done."}


@pytest.mark.parametrize(("fields", "refused"), [
    ({"type": "created", "content": "x"}, {"type": "must be one of: note, call, email, meeting, task."}),
    ({"type": "task"}, {"content": "is required."}),
    ({"type": "task", "content": "x" * 10_001}, {"content": "must be at most 10000 characters long."}),
    ({"type": "task", "content": "x", "due_time": "09:00"}, {"due_time": "can only be given with a due date."}),
    ({"type": "task", "content": "x", "due_date": "2026-03-02", "due_time": "24:00"},
     {"due_time": "must be a time of day written HH:MM, from 00:00 to 23:59."}),
    ({"type": "task", "content": "x", "due_date": "2026-02-30"}, {"due_date": "is not a real calendar date."}),
    ({"type": "task", "content": "x", "done": "yes"}, {"done": "must be true or false."}),
    ({"type": "task", "content": "x", "assigned_member_id": "usr_" + "0" * 32},
     {"assigned_member_id": "does not name a member of your organization."}),
])
def test_a_bad_activity_is_refused_naming_its_field_and_nothing_is_added(api, make_deal, fields, refused):
    deal = make_deal()

    error = add(api, deal, 422, **fields)

    assert (error["code"], error["fields"]) == ("validation_failed", refused)
    assert [activity["type"] for activity in history(api, deal)] == ["created"]


def test_a_member_of_another_organization_cannot_be_assigned(api, rival, make_deal):
    deal = make_deal()

    error = add(api, deal, 422, type="task", content="x", assigned_member_id=rival.user["id"])

    assert error["fields"] == {"assigned_member_id": "does not name a member of your organization."}


def test_another_organizations_deal_is_not_found(api, rival, make_deal):
    deal = make_deal(rival)

    assert add(api, deal, 404, type="task", content="x")["code"] == "not_found"


def test_marking_done_sets_done_at_to_now_and_undoing_clears_it(api, make_deal, stopped_clock):
    deal = make_deal()
    planned = add(api, deal, type="call", content="Call back", due_date="2026-03-02", due_time="10:00")

    with clock.stopped_at(clock.now_utc() + timedelta(hours=3)):
        done = change(api, planned, done=True)
        later = clock.now_utc().strftime("%Y-%m-%dT%H:%M:%SZ")
    assert (done["done"], done["done_at"]) == (True, later)
    assert change(api, planned, done=True)["done_at"] == later  # done already: when it was done stays
    assert (change(api, planned, done=False)["done"], change(api, planned)["done_at"]) == (False, None)


def test_a_change_sets_only_the_fields_sent(api, make_user, make_deal):
    colleague = make_user("Acme", name="Ben Example")
    deal = make_deal()
    planned = add(api, deal, type="task", content="Draft", due_date="2026-03-02", due_time="10:00")

    changed = change(api, planned, content="Send the draft", due_time=None, assigned_member_id=colleague.user["id"])

    assert changed == {**planned, "content": "Send the draft", "due_time": None,
                       "assigned_member_id": colleague.user["id"]}
    assert changed in history(api, deal)


@pytest.mark.parametrize(("fields", "refused"), [
    ({"due_date": None}, {"due_time": "can only be given with a due date."}),
    ({"type": "call"}, {"type": "is not a known field."}),
    ({"due_time": "9:00"}, {"due_time": "must be a time of day written HH:MM, from 00:00 to 23:59."}),
])
def test_a_bad_change_is_refused_and_changes_nothing(api, make_deal, fields, refused):
    deal = make_deal()
    planned = add(api, deal, type="task", content="Draft", due_date="2026-03-02", due_time="10:00")

    assert change(api, planned, 422, **fields)["fields"] == refused

    assert planned in history(api, deal)


def test_a_note_cannot_be_undone(api, make_deal):
    note = add(api, make_deal(), type="note", content="A fact")

    assert change(api, note, 422, done=False)["fields"] == {"done": "must be true for a note: a note is always done."}


def test_a_logged_or_planned_activity_can_be_deleted(api, make_deal):
    deal = make_deal()
    planned = add(api, deal, type="task", content="Draft", due_date="2026-03-02")

    response = api.delete(f"{ACTIVITIES}/{planned['id']}")

    assert (response.status_code, response.get_json()) == (200, {"success": True})
    assert [activity["type"] for activity in history(api, deal)] == ["created"]
    assert api.delete(f"{ACTIVITIES}/{planned['id']}").status_code == 404


def test_the_entries_the_app_records_cannot_be_changed_or_deleted(api, make_deal):
    deal = make_deal()
    api.patch(f"{DEALS}/{deal['id']}", json={"amount": 1000})
    api.post(f"{DEALS}/{deal['id']}/stage", json={"stage": "proposal"})
    recorded = history(api, deal)
    assert [activity["type"] for activity in recorded] == ["stage_change", "updated", "created"]

    for activity in recorded:
        refused = api.patch(f"{ACTIVITIES}/{activity['id']}", json={"content": "Rewritten", "done": False})
        assert refused.status_code == 409
        assert refused.get_json()["error"]["code"] == "read_only_activity"
        deleted = api.delete(f"{ACTIVITIES}/{activity['id']}")
        assert (deleted.status_code, deleted.get_json()["error"]["code"]) == (409, "read_only_activity")

    assert history(api, deal) == recorded


def test_another_organizations_activity_answers_like_a_missing_one(api, rival, make_deal):
    their_deal = make_deal(rival)
    theirs = add(rival, their_deal, type="task", content="Theirs", due_date="2026-03-02")

    for activity_id in (theirs["id"], MISSING, "not-an-id"):
        for response in (api.patch(f"{ACTIVITIES}/{activity_id}", json={"done": True}),
                         api.delete(f"{ACTIVITIES}/{activity_id}")):
            assert response.status_code == 404
            assert response.get_json()["error"]["message"] == "No such activity."
    assert listed(api) == listed(api, deal_id=their_deal["id"]) == listed(api, assigned_member_id=rival.user["id"]) == []
    assert listed(rival, done="false") == ["Theirs"]


def test_the_activities_of_a_deleted_deal_are_gone(api, make_deal):
    deal = make_deal()
    planned = add(api, deal, type="task", content="Draft", due_date="2026-03-02")
    api.delete(f"{DEALS}/{deal['id']}")

    assert listed(api) == []
    assert change(api, planned, 404, done=True)["code"] == "not_found"


def test_the_list_is_by_due_date_and_time_with_undated_last(api, make_deal):
    deal = make_deal()
    for content, due_date, due_time in [
        ("undated", None, None), ("later day", "2026-03-03", "08:00"), ("untimed", "2026-03-02", None),
        ("afternoon", "2026-03-02", "15:00"), ("morning", "2026-03-02", "09:00"),
    ]:
        add(api, deal, type="task", content=content, due_date=due_date, done=False,
            **({"due_time": due_time} if due_time else {}))

    body = api.get(ACTIVITIES, query_string={"done": "false"}).get_json()

    assert [activity["content"] for activity in body["activities"]] == [
        "morning", "afternoon", "untimed", "later day", "undated"]
    assert (body["total"], body["limit"], body["offset"]) == (5, 50, 0)
    assert listed(api, done="false", limit=2, offset=1) == ["afternoon", "untimed"]
    assert api.get(ACTIVITIES, query_string={"limit": 1000}).get_json()["limit"] == 200
    # Undated and done: the deal's creation (an entry the app records) and nothing else.
    assert [activity["type"] for activity in api.get(ACTIVITIES, query_string={"done": "true"}).get_json()[
        "activities"]] == ["created"]


def test_due_is_judged_by_the_callers_date(api, make_deal, stopped_clock, runner):
    today = stopped_clock
    deal = make_deal()
    for content, day, done in [
        ("yesterday", today - timedelta(days=1), False), ("done yesterday", today - timedelta(days=1), True),
        ("today", today, False), ("tomorrow", today + timedelta(days=1), False),
    ]:
        add(api, deal, type="call", content=content, due_date=day.isoformat(), done=done)
    add(api, deal, type="task", content="someday", done=False)

    assert listed(api, due="overdue") == ["yesterday"]
    assert listed(api, due="today") == ["today"]
    assert listed(api, due="upcoming") == ["tomorrow"]
    assert listed(api, due="none", done="false") == ["someday"]

    # Noon in UTC is already tomorrow in Kiritimati (UTC+14): today's call is overdue there.
    result = runner.invoke(args=["crm", "configure-organization", "--org", "Acme", "--locale", "en",
                                 "--time-zone", "Pacific/Kiritimati"])
    assert result.exit_code == 0, result.output
    assert listed(api, due="overdue") == ["yesterday", "today"]
    assert listed(api, due="today") == ["tomorrow"]


def test_the_list_filters_by_assignee_me_and_deal(api, make_user, make_deal):
    colleague = make_user("Acme", name="Ben Example")
    first, second = make_deal(), make_deal()
    add(api, first, type="task", content="mine", due_date="2026-03-02")
    add(api, second, type="task", content="theirs", due_date="2026-03-03", assigned_member_id=colleague.user["id"])

    assert listed(api, assigned_member_id="me") == ["mine"]
    assert listed(colleague, assigned_member_id="me") == ["theirs"]
    assert listed(api, assigned_member_id=colleague.user["id"]) == ["theirs"]
    assert listed(api, deal_id=second["id"], done="false") == ["theirs"]


@pytest.mark.parametrize(("name", "value"), [
    ("assigned_member_id", "someone"), ("deal_id", "act_" + "0" * 32), ("done", "yes"), ("due", "soon"),
    ("limit", "0"), ("offset", "-1"),
])
def test_a_bad_list_parameter_answers_400_naming_it(api, name, value):
    response = api.get(ACTIVITIES, query_string={name: value})

    assert response.status_code == 400
    assert list(response.get_json()["error"]["fields"]) == [name]
