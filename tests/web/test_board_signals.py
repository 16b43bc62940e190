"""The board's signals: each open card's next step (overdue, today, later, none) and why it is
stale; the filters on them, which the columns, their counts and "show more" all honour."""

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from crm.core import clock

from .conftest import DEALS_API, card_names, column, column_count, page_of, total_lines
from .test_board_changes import move

START = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # noon in Tokyo, the same day in UTC


@contextmanager
def at(moment: datetime):
    with clock.stopped_at(moment):
        yield


def plan(api, deal: dict, **fields) -> dict:
    response = api.post(f"{DEALS_API}/{deal['id']}/activities", json=fields)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["activity"]


def card(document, deal: dict):
    return document.by_id(f"deal-{deal['id']}")


def signals_of(document, deal: dict) -> tuple[list[str], str]:
    """The classes of the card's next step and the texts of its signals."""
    found = card(document, deal).find("div", cls="card-signals")
    if found is None:
        return [], ""
    step = found.one("span", cls="next-step")
    return step.classes, found.text


def test_each_open_card_says_its_next_step_and_when_it_is_due(api, web, make_deal):
    with at(START):
        overdue, today, later, none, won = (make_deal(name=name, stage=stage) for name, stage in [
            ("overdue", "lead"), ("today", "proposal"), ("later", "lead"), ("none", "lead"), ("won", "closed_won")])
        plan(api, overdue, type="call", content="Call back", due_date="2026-03-01")
        plan(api, today, type="meeting", content="Demo", due_date="2026-03-02", due_time="15:00")
        plan(api, later, type="email", content="Send the quote", due_date="2026-03-09")
        plan(api, won, type="task", content="Invoice", due_date="2026-03-01")
        document = page_of(web.get("/"))

    assert signals_of(document, overdue) == (["next-step", "due-overdue"], "☎ Next step: Call · 2026-03-01 · overdue")
    assert signals_of(document, today)[0] == ["next-step", "due-today"]
    assert "Meeting · 2026-03-02 · today" in signals_of(document, today)[1]
    assert signals_of(document, later)[0] == ["next-step", "due-later"]
    assert signals_of(document, none) == (["next-step", "missing"], "No next step")
    assert signals_of(document, won) == ([], "")  # a closed deal needs no next step
    assert "Call back" in card(document, overdue).one("span", cls="next-step").attrs["title"]


def test_a_stale_card_says_for_how_long_and_in_which_stage(api, web, make_deal):
    with at(START):
        stale = make_deal(name="quiet", stage="proposal")
        make_deal(name="won long ago", stage="closed_won")
    with at(START + timedelta(days=10)):
        fresh = make_deal(name="fresh", stage="proposal")
    with at(START + timedelta(days=23, hours=5)):
        document = page_of(web.get("/"))
        japanese = page_of(web.get("/", headers={"Accept-Language": "ja"}))

    assert "No activity for 23 days in Proposal" in signals_of(document, stale)[1]
    assert card(document, fresh).find("span", cls="stale-mark") is None
    assert "提案で23日間活動なし" in signals_of(japanese, stale)[1]
    assert column(document, "closed_won").find("span", cls="stale-mark") is None


def test_the_board_filters_on_stale_and_on_the_next_step(api, web, make_deal):
    with at(START):
        quiet = make_deal(name="quiet", stage="lead")
        late = make_deal(name="late", stage="proposal")
        plan(api, late, type="call", content="x", due_date="2026-03-01")
    with at(START + timedelta(days=20)):
        busy = make_deal(name="busy", stage="lead")
        plan(api, busy, type="call", content="y", due_date="2026-03-30")
        plan(api, late, type="call", content="logged")  # late is active again, its step still overdue

        stale = page_of(web.get("/?stale=true"))
        assert card_names(column(stale, "lead")) == ["quiet"]
        assert column_count(stale, "lead") == 1 and column_count(stale, "proposal") == 0
        assert "checked" in stale.one("input", id_="board-stale").attrs

        overdue = page_of(web.get("/?next_activity=overdue"))
        assert card_names(column(overdue, "proposal")) == ["late"] and column_count(overdue, "lead") == 0
        nothing = page_of(web.get("/?next_activity=none"))
        assert card_names(column(nothing, "lead")) == ["quiet"]
        both = page_of(web.get("/?next_activity=none&stale=true&assignee=none"))
        assert card_names(column(both, "lead")) == ["quiet"]
        assert "No deals here match the filter." in column(both, "proposal").text
    assert quiet and busy


def test_show_more_keeps_the_signal_filters(api, web, make_deal):
    with at(START):
        for index in range(21):
            make_deal(name=f"quiet {index:02}", stage="lead")
    with at(START + timedelta(days=30)):
        document = page_of(web.get("/?stale=true&next_activity=none"))
        more = column(document, "lead").one("a", cls="button")
        link = more.attrs["href"]
        assert "stale=true" in link and "next_activity=none" in link
        rest = page_of(web.get(link, htmx=True))
    assert len(rest.find_all("li", cls="card")) == 1


def test_a_bad_filter_value_is_refused_with_a_message(web):
    response = web.get("/?next_activity=soon")

    assert response.status_code == 400
    assert "next_activity" in response.get_data(as_text=True)


def test_a_filtered_column_adds_up_the_amounts_of_every_deal_it_lets_through(api, web, make_deal):
    with at(START):
        dated = make_deal(name="dated", stage="proposal", amount=1000, probability=50)
        undated = make_deal(name="undated", stage="proposal", amount=500, probability=20)
        dollars = make_deal(name="dollars", stage="proposal", currency="USD", amount=10, probability=10)
        make_deal(name="no step", stage="proposal", amount=7000, probability=90)
        plan(api, dated, type="call", content="x", due_date="2026-03-05")
        plan(api, undated, type="task", content="y", done=False)  # open without a day: upcoming
        plan(api, dollars, type="email", content="z", due_date="2026-03-20")
        document = page_of(web.get("/?stale=false&next_activity=upcoming"))

    assert column_count(document, "proposal") == 3
    assert sorted(total_lines(document, "proposal")) == [("$10.00", "weighted $1.00"), ("¥1,500", "weighted ¥600")]


def test_the_card_just_moved_to_an_open_stage_offers_to_plan_its_next_step(web, make_deal):
    moved, other, won = make_deal(name="moved"), make_deal(name="other", stage="proposal"), make_deal(name="won")

    document = page_of(move(web, moved["id"], "proposal"))
    closed = page_of(move(web, won["id"], "closed_won"))

    offer = card(document, moved).one("a", cls="plan-next-link")
    assert offer.text == "Plan the next step" and offer.attrs["href"] == f"/deals/{moved['id']}#plan-title"
    assert card(document, other).find("a", cls="plan-next-link") is None
    assert card(closed, won).find("a", cls="plan-next-link") is None
    assert card(page_of(web.get("/")), moved).find("a", cls="plan-next-link") is None  # not on reload
