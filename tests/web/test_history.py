"""A deal's history in words: each change an update or a stage change made, with its old and new
value as a page shows them (money in its currency, stages, dates, records by name), on the deal
page, its feed fragments and the board's recent activity; older entries without kept changes read
as they always did."""

from datetime import UTC, datetime

from crm.core.database import db
from crm.models import Activity, ActivityType, User

from .conftest import DEALS_API, page_of


def change_lines(document) -> list[list[str]]:
    """Each feed entry's recorded changes, one line per change."""
    return [[line.text for line in entry.find_all("li")]
            for entry in document.find_all("ul", cls="feed-changes")]


def latest_changes(web, deal_id: str) -> list[str]:
    return change_lines(page_of(web.get(f"/deals/{deal_id}")).by_id("feed"))[0]


def test_an_update_reads_as_each_field_with_its_old_and_new_value(web, make_deal, make_company, make_contact):
    company = make_company("株式会社A")
    contact = make_contact("田中 太郎")
    deal = make_deal(name="Annual plan", amount=1200000, expected_close_date="2026-03-31", probability=40)

    web.api.patch(f"{DEALS_API}/{deal['id']}", json={
        "name": "Annual plan 2026", "amount": 1500000, "expected_close_date": "2026-04-30", "probability": 60,
        "company_id": company["id"], "contact_id": contact["id"], "assigned_member_id": web.user["id"],
    })

    assert latest_changes(web, deal["id"]) == [
        "Name Annual plan → Annual plan 2026",
        "Amount ¥1,200,000 → ¥1,500,000",
        "Company — → 株式会社A",
        "Contact — → 田中 太郎",
        "Assignee — → Ann Example",
        "Expected close date 2026-03-31 → 2026-04-30",
        "Probability 40% → 60%",
    ]


def test_clearing_fields_reads_as_a_dash(web, make_deal, make_company):
    company = make_company("Initech")
    deal = make_deal(amount=5000, company_id=company["id"], assigned_member_id=web.user["id"])

    web.api.patch(f"{DEALS_API}/{deal['id']}", json={"amount": None, "company_id": None, "assigned_member_id": None})

    assert latest_changes(web, deal["id"]) == ["Amount ¥5,000 → —", "Company Initech → —", "Assignee Ann Example → —"]


def test_an_amount_in_a_new_currency_reads_each_amount_in_its_own(web, make_deal):
    deal = make_deal(amount=1000)

    web.api.patch(f"{DEALS_API}/{deal['id']}", json={"amount": 12.5, "currency": "USD"})

    assert latest_changes(web, deal["id"]) == ["Amount ¥1,000 → $12.50", "Currency JPY → USD"]


def test_winning_reads_as_the_stage_with_what_it_implied(web, make_deal):
    deal = make_deal(stage="negotiation", probability=70)

    won = web.api.post(f"{DEALS_API}/{deal['id']}/stage", json={"stage": "closed_won"}).get_json()["deal"]

    document = page_of(web.get(f"/deals/{deal['id']}"))
    entry = document.by_id("feed").find("li", cls="feed-item")
    assert entry.one(cls="feed-type").text == "Stage change"
    assert change_lines(entry) == [["Stage Negotiation → Won", "Probability 70% → 100%",
                                    f"Won date — → {won['won_date'][:10]}"]]


def test_losing_and_reopening_read_with_the_lost_reason(web, make_deal):
    deal = make_deal(stage="proposal")
    web.api.post(f"{DEALS_API}/{deal['id']}/stage", json={"stage": "closed_lost", "lost_reason": "予算不足"})

    web.api.post(f"{DEALS_API}/{deal['id']}/stage", json={"stage": "lead"})

    reopened, reason, lost = change_lines(page_of(web.get(f"/deals/{deal['id']}")).by_id("feed"))[:3]
    assert reopened == ["Stage Lost → Lead", "Lost reason 予算不足 → —"]
    assert reason == ["Lost reason — → 予算不足"]
    assert lost == ["Stage Proposal → Lost", "Probability — → 0%"]


def test_a_change_made_through_the_edit_form_reads_the_same(web, make_deal):
    deal = make_deal(name="Form deal", amount=1000)
    form = page_of(web.get(f"/deals/{deal['id']}/edit")).by_id("deal-form")
    values = {field.attrs["name"]: field.attrs.get("value") or "" for field in form.find_all("input") if field.attrs.get("name")}
    values |= {"stage": "lead", "amount": "2,000"}

    assert web.post(f"/deals/{deal['id']}/edit", values).status_code == 303

    assert latest_changes(web, deal["id"]) == ["Amount ¥1,000 → ¥2,000"]


def test_older_entries_of_the_feed_read_their_changes_with_names_too(web, make_deal, make_company):
    company = make_company("Globex")
    deal = make_deal()
    web.api.patch(f"{DEALS_API}/{deal['id']}", json={"company_id": company["id"]})
    for number in range(20):
        web.api.patch(f"{DEALS_API}/{deal['id']}", json={"note": f"Note {number}"})

    older = page_of(web.get(f"/deals/{deal['id']}/activities?page=2", htmx=True))

    assert change_lines(older) == [["Company — → Globex"]]


def test_recent_activity_on_the_board_reads_the_changes(web, make_deal):
    deal = make_deal(name="Tracked deal", amount=1200000)
    web.api.patch(f"{DEALS_API}/{deal['id']}", json={"amount": 1500000, "assigned_member_id": web.user["id"]})

    for response in (web.get("/"), web.get("/board/activity", htmx=True)):
        latest = page_of(response).find("li", cls="recent-item")
        assert latest.one(cls="recent-text").text == "Amount ¥1,200,000 → ¥1,500,000; Assignee — → Ann Example"


def record_old_entries(app, web, deal: dict) -> None:
    """An update and a stage change as they were recorded before changes were kept: content only."""
    with app.app_context():
        organization_id = db.session.get(User, web.user["id"]).organization_id
        for minute, kind, content in [(1, ActivityType.UPDATED, "Updated name, amount."),
                                      (2, ActivityType.STAGE_CHANGE, "lead → proposal")]:
            at = datetime(2099, 1, 1, 0, minute, tzinfo=UTC)  # done when written, as migration 0014 says
            db.session.add(Activity(organization_id=organization_id, deal_id=deal["id"], type=kind, content=content,
                                    created_by=web.user["id"], created_at=at, done_at=at))
        db.session.commit()


def test_entries_recorded_before_changes_were_kept_read_as_before(app, web, make_deal):
    deal = make_deal(name="Old deal")
    record_old_entries(app, web, deal)

    document = page_of(web.get(f"/deals/{deal['id']}"))

    entries = document.by_id("feed").find_all("li", cls="feed-item")
    assert [entry.one("p", cls="feed-content").text for entry in entries[:2]] == [
        "Moved from Lead to Proposal", "Updated name, amount."]
    assert change_lines(document.by_id("feed")) == []
    api_entries = web.api.get(f"{DEALS_API}/{deal['id']}/activities").get_json()["activities"]
    assert [entry["changes"] for entry in api_entries] == [None, None, None]


def test_a_yen_amount_with_sen_reads_exactly_not_rounded_to_the_yen(web, make_deal):
    """Yen amounts are shown without minor units, except an exact amount that has some: ¥12.50 is
    not ¥13 (a weighted total, an estimate, stays in whole yen)."""
    deal = make_deal(name="Small print", amount=1500000, probability=30)

    web.api.patch(f"{DEALS_API}/{deal['id']}", json={"amount": 12.5})

    assert latest_changes(web, deal["id"]) == ["Amount ¥1,500,000 → ¥12.50"]
    page = page_of(web.get(f"/deals/{deal['id']}")).text
    assert "¥12.50" in page and "¥13" not in page
    assert "¥12.50" in page_of(web.get("/deals")).by_id("deals-table").text
    lead = page_of(web.get("/")).by_id("col-lead")
    assert "¥12.50" in lead.one("li", cls="card").text
    assert lead.one(cls="total-amount").text == "¥12.50"
    assert lead.one(cls="weighted-amount").text == "weighted ¥4"  # 3.75


def test_a_task_planned_through_the_api_is_a_next_step_until_done_then_history_in_either_language(web, make_deal):
    deal = make_deal()
    task = web.api.post(f"{DEALS_API}/{deal['id']}/activities",
                        json={"type": "task", "content": "Send the quote.", "due_date": "2026-03-02"}).get_json()

    for language, label in (("en", "Task"), ("ja", "タスク")):
        page = page_of(web.get(f"/deals/{deal['id']}", headers={"Accept-Language": language}))
        assert [step.text for step in page.by_id("next-steps").find_all("span", cls="step-kind")] == [label]
        assert label not in [entry.text for entry in page.by_id("feed").find_all(cls="feed-type")]

    web.api.patch(f"/api/v1/crm/activities/{task['activity']['id']}", json={"done": True})
    for language, label in (("en", "Task"), ("ja", "タスク")):
        feed = page_of(web.get(f"/deals/{deal['id']}", headers={"Accept-Language": language})).by_id("feed")
        assert [entry.text for entry in feed.find_all(cls="feed-type")][:1] == [label]
