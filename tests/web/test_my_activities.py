"""My activities: the member's open steps by when they are due (by their own date), each with its
deal and a done checkbox that works in place and without a script; the count of their overdue
steps in the navigation."""

from datetime import UTC, datetime

from crm.core import clock

from .conftest import DEALS_API, page_of

NOON_TOKYO = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)


def plan(api, deal: dict, **fields) -> dict:
    response = api.post(f"{DEALS_API}/{deal['id']}/activities", json=fields)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["activity"]


def group_texts(document, due: str) -> list[str]:
    section = document.one("section", cls=f"due-{due}")
    return [item.one("label").text for item in section.find_all("li", cls="planned-item")]


def test_my_open_steps_are_grouped_by_my_own_date_with_their_deals(api, web, make_user, make_deal):
    colleague = make_user("Acme", name="Ben Example")
    deal = make_deal(name="株式会社A 年間契約")
    with clock.stopped_at(NOON_TOKYO):
        plan(api, deal, type="call", content="Late call", due_date="2026-03-01")
        plan(api, deal, type="meeting", content="Demo", due_date="2026-03-02", due_time="15:00")
        plan(api, deal, type="email", content="Quote", due_date="2026-03-05")
        plan(api, deal, type="task", content="Someday", done=False)
        plan(api, deal, type="call", content="Done call", due_date="2026-03-01", done=True)
        plan(api, deal, type="call", content="Ben's call", due_date="2026-03-01",
             assigned_member_id=colleague.user["id"])
        document = page_of(web.get("/activities"))
        everyone = page_of(web.get("/activities?member=all"))
        bens = page_of(web.get(f"/activities?member={colleague.user['id']}"))

    assert group_texts(document, "overdue") == ["☎ Call: Late call"]
    assert group_texts(document, "today") == ["◷ Meeting: Demo"]
    assert group_texts(document, "upcoming") == ["✉ Email: Quote"]
    assert group_texts(document, "none") == ["☑ Task: Someday"]
    assert document.one("section", cls="due-overdue").one("a").text == "株式会社A 年間契約"
    assert sorted(group_texts(everyone, "overdue")) == ["☎ Call: Ben's call", "☎ Call: Late call"]
    assert group_texts(bens, "overdue") == ["☎ Call: Ben's call"]
    badge = document.one("nav", cls="app-nav").one("span", cls="nav-badge")
    assert badge.text == "1"  # mine only: Ben's and the done one do not count


def test_checking_a_step_marks_it_done_in_place_and_unchecking_opens_it_again(api, web, make_deal):
    deal = make_deal()
    with clock.stopped_at(NOON_TOKYO):
        step = plan(api, deal, type="call", content="Call", due_date="2026-03-01")
        done = web.post(f"/activities/{step['id']}/done", {"done": "true", "member": "me"}, htmx=True)
        assert done.status_code == 200
        item = page_of(done).one("li")
        assert "is-done" in item.classes and "checked" in item.one("input", type="checkbox").attrs
        assert "Marked done." in item.text
        assert api.get(f"/api/v1/crm/deals/{deal['id']}").get_json()["deal"]["next_activity"] is None

        opened = web.post(f"/activities/{step['id']}/done", {"member": "me"}, htmx=True)
        assert "is-done" not in page_of(opened).one("li").classes
        assert api.get(f"/api/v1/crm/deals/{deal['id']}").get_json()["deal"]["next_activity"]["id"] == step["id"]


def test_checking_a_step_in_place_moves_the_groups_numbers_and_the_overdue_badge(api, web, make_deal):
    deal = make_deal()
    with clock.stopped_at(NOON_TOKYO):
        late = plan(api, deal, type="call", content="Late", due_date="2026-03-01")
        plan(api, deal, type="call", content="Later", due_date="2026-03-01")
        plan(api, deal, type="email", content="Today", due_date="2026-03-02")
        page = page_of(web.get("/activities"))
        assert page.by_id("count-overdue").text == "2" and page.by_id("nav-overdue").text.startswith("2")

        done = page_of(web.post(f"/activities/{late['id']}/done", {"done": "true", "member": "me"}, htmx=True))

    counts = {due: done.by_id(f"count-{due}") for due in ("overdue", "today", "upcoming", "none")}
    assert {due: count.text for due, count in counts.items()} == {"overdue": "1", "today": "1", "upcoming": "0", "none": "0"}
    assert all(count.attrs["hx-swap-oob"] == "true" for count in counts.values())
    badge = done.by_id("nav-overdue")
    assert badge.attrs["hx-swap-oob"] == "true" and badge.text.startswith("1")


def test_without_a_script_the_form_saves_and_comes_back_to_the_list(api, web, make_deal):
    deal = make_deal()
    step = plan(api, deal, type="task", content="Quote", due_date="2026-03-01")

    response = web.post(f"/activities/{step['id']}/done", {"done": "true", "member": "all"})

    assert response.status_code == 303 and response.headers["Location"].endswith("/activities?member=all")
    assert api.get("/api/v1/crm/activities", query_string={"done": "true", "deal_id": deal["id"]}).get_json()["total"] >= 1


def test_another_organizations_step_cannot_be_marked(rival, web, make_deal):
    theirs = make_deal(rival)
    step = plan(rival, theirs, type="call", content="Theirs", due_date="2026-03-01")

    assert web.post(f"/activities/{step['id']}/done", {"done": "true"}, htmx=True).status_code == 404
    assert rival.get(f"/api/v1/crm/activities?deal_id={theirs['id']}&done=false").get_json()["total"] == 1


def test_the_page_speaks_japanese(api, web, make_deal):
    deal = make_deal()
    with clock.stopped_at(NOON_TOKYO):
        plan(api, deal, type="call", content="電話する", due_date="2026-03-01")
        document = page_of(web.get("/activities", headers={"Accept-Language": "ja"}))

    assert document.one("h1").text == "マイ活動"
    assert group_texts(document, "overdue") == ["☎ 電話：電話する"]
    assert "期限超過" in document.one("section", cls="due-overdue").text


def test_a_bad_member_is_refused(web):
    assert web.get("/activities?member=someone").status_code == 400
