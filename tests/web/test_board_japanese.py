"""The board in Japanese: the page, its fragments, quick add's answers and refused moves say
everything the board itself writes in Japanese, and none of its English texts."""

import re
from datetime import timedelta

import pytest

from crm.platform.i18n import extracted_messages

from .conftest import DEALS_API, Node, page_of, path_of

JAPANESE = {"Accept-Language": "ja"}
# The board's own texts: its templates, the layout around it, the money totals and its views.
BOARD_SOURCES = ("templates/board/", "templates/base.html", "templates/_macros/money.html", "crm/board/views.py")
PARAMETER = re.compile(r"%\(\w+\)[sd]")
# What a reader meets besides the text: tooltips, names for screen readers, hints, the script's texts.
READ_ATTRIBUTES = ("title", "aria-label", "placeholder")


def english_patterns() -> dict[str, re.Pattern]:
    """Each English text the board marks for translation, its parameters standing for any text,
    found only as whole words (so that "Move" is not found in "Moved")."""
    patterns = {}
    for message in extracted_messages():
        if not message.id or not any(path.startswith(BOARD_SOURCES) for path, _ in message.locations):
            continue
        for text in message.id if isinstance(message.id, tuple) else (message.id,):
            literal = ".+?".join(re.escape(part) for part in PARAMETER.split(text))
            patterns[text] = re.compile(rf"(?<![A-Za-z]){literal}(?![A-Za-z])")
    return patterns


ENGLISH = english_patterns()


def read_texts(node: Node) -> str:
    """Everything a reader of the page may meet, one text a line: the text outside scripts, and
    the attributes read out or shown."""
    lines = []

    def walk(element: Node) -> None:
        lines.extend(value for name, value in element.attrs.items()
                     if value and (name in READ_ATTRIBUTES or name.startswith("data-text-")))
        for child in element.children:
            if isinstance(child, str):
                lines.append(" ".join(child.split()))
            elif child.tag not in ("script", "style"):
                walk(child)

    walk(node)
    return "\n".join(line for line in lines if line)


def english_in(text: str) -> list[str]:
    return [english for english, pattern in ENGLISH.items() if pattern.search(text)]


def assert_no_board_english(response) -> Node:
    document = page_of(response)
    assert english_in(read_texts(document)) == []
    return document


def stage_name(document: Node, stage: str) -> str:
    """A stage's name as the page says it (the column's header)."""
    return document.by_id(f"col-{stage}").one("span", cls="stage-name").text


def test_the_board_marks_its_texts_for_translation():
    assert {"Deals pipeline", "Show more (%(num)s more)", "Mark the deal as lost", "The move was refused.",
            "Someone else changed this deal a moment ago; reload the board to see it, then move it again."} <= set(ENGLISH)


def test_the_board_page_says_everything_in_japanese(web, make_deal, stopped_clock):
    yesterday = (stopped_clock - timedelta(days=1)).isoformat()
    make_deal(name="東京物流 年間契約", amount=1200000, probability=60, expected_close_date=yesterday,
              assigned_member_id=web.user["id"])
    make_deal(name="金額未定の商談", stage="proposal")
    for number in range(21):
        make_deal(name=f"評価中 {number}", stage="qualification", amount=100)

    response = web.get("/", headers=JAPANESE)

    assert response.status_code == 200
    document = assert_no_board_english(response)
    assert document.one("title").text == "ボード · CRM"
    assert document.one("a", cls="skip-link").text == "本文へスキップ"
    assert [link.text for link in document.one("nav", cls="app-nav").find_all("a")] == ["ボード", "商談一覧", "マイ活動", "新規商談"]
    assert document.one("form", cls="sign-out").one("button").text == "ログアウト"
    assert document.one("h1").text == "パイプライン"
    qualification = document.by_id("col-qualification")
    assert qualification.one("li", cls="show-more").text == "さらに表示（残り1件）"
    assert qualification.one("span", cls="visually-hidden").text == "件"
    assert document.by_id("col-lead").one("span", cls="close-date").text.endswith("· 期限超過")
    assert document.by_id("col-proposal").one("span", cls="no-amount").text == "金額なし"
    assert document.by_id("col-lead").one(cls="weighted-amount").text == "加重 ￥720,000"
    assert document.by_id("col-closed_won").one("p", cls="empty-column").text == (
        "この期間にクローズした商談はありません。ここにカードをドラッグしてください。")
    assert document.by_id("col-closed_won").one("p", cls="column-period").text == "今月"
    assert document.by_id("col-negotiation").one("p", cls="empty-column").text == (
        "このフェーズにはまだ商談がありません。ここにカードをドラッグしてください。")
    assert document.by_id("recent-title").text == "最近の活動"
    assert document.by_id("lost-reason-title").text == "商談を失注にする"
    layout = document.one("div", cls="board-layout")
    assert layout.attrs["data-text-move-refused"] == "移動できませんでした。"
    assert layout.attrs["data-text-move-unreachable"] == "サーバーに接続できなかったため、商談は移動されませんでした。"


def test_the_board_of_a_new_organization_says_nothing_has_happened_in_japanese(web):
    document = assert_no_board_english(web.get("/", headers=JAPANESE))

    assert document.one("p", cls="empty").text == "まだ活動はありません。"


def test_the_filtered_columns_and_the_next_cards_are_in_japanese(web, make_deal):
    for number in range(21):
        make_deal(name=f"見込み {number}")

    columns = web.get("/?search=該当なし", htmx=True, headers=JAPANESE)
    more = web.get("/board/lead/cards?offset=20", headers=JAPANESE)

    assert columns.status_code == more.status_code == 200
    document = assert_no_board_english(columns)
    assert document.find("html") is None  # the columns alone
    assert document.by_id("col-lead").one("p", cls="empty-column").text == "条件に一致する商談はありません。"
    cards = assert_no_board_english(more)
    assert [button.text for button in cards.find_all("button")] == ["移動"]


def test_quick_add_answers_in_japanese(web, make_user):
    colleague = make_user("Acme", name="佐藤 花子")

    mine = web.post("/board/quick-add", {"name": "新しい商談"}, htmx=True, current_url="/", headers=JAPANESE)
    theirs = web.post("/board/quick-add", {"name": "花子さんの商談", "assigned_member_id": colleague.user["id"]},
                      htmx=True, current_url="/?assignee=me", headers=JAPANESE)
    nobodys = web.post("/board/quick-add", {"name": "担当なし", "assigned_member_id": ""},
                       htmx=True, current_url="/", headers=JAPANESE)

    assert [response.status_code for response in (mine, theirs, nobodys)] == [200] * 3
    lead = stage_name(page_of(mine), "lead")
    assert assert_no_board_english(mine).by_id("quick-add-status").text == f"「新しい商談」を{lead}に追加しました。"
    assert assert_no_board_english(theirs).by_id("quick-add-status").text == (
        f"「花子さんの商談」を{lead}に追加しました（担当者：佐藤 花子）。現在の絞り込みでは表示されません（すべて表示）。")
    assert assert_no_board_english(nobodys).by_id("quick-add-status").text == (
        f"「担当なし」を{lead}に追加しました（担当者：未割り当て）。")


def test_quick_add_refusals_are_in_japanese(web):
    key = page_of(web.get("/")).one("form", cls="quick-add").one("input", name="form_key").attrs["value"]
    web.post("/board/quick-add", {"name": "一度だけ", "form_key": key}, htmx=True, current_url="/")

    again = web.post("/board/quick-add", {"name": "二度目", "form_key": key}, htmx=True, current_url="/", headers=JAPANESE)
    empty = web.post("/board/quick-add", {"name": ""}, htmx=True, current_url="/", headers=JAPANESE)

    assert again.status_code == 409
    assert assert_no_board_english(again).by_id("quick-add-status").text == (
        "このフォームからは既に商談を追加しました。もう1件追加するには、もう一度「追加」を押してください。")
    assert empty.status_code == 422
    form = assert_no_board_english(empty).one("form", cls="quick-add")
    assert form.one("button").text == "追加"
    assert form.one("input", id_="quick-add-name").attrs["placeholder"] == "新規商談"


def test_a_plain_form_quick_add_flashes_in_japanese(web):
    response = web.post("/board/quick-add", {"name": "フォームから"}, headers=JAPANESE)

    board = assert_no_board_english(web.get(path_of(response.headers["Location"]), headers=JAPANESE))
    assert f"「フォームから」を{stage_name(board, 'lead')}に追加しました。" in board.one(cls="flashes").text


def move(web, deal_id: str, version: str, htmx: bool = True):
    return web.post(f"/deals/{deal_id}/stage", {"stage": "proposal", "from_stage": "lead", "version": version},
                    htmx=htmx, current_url="/" if htmx else None, headers=JAPANESE)


def version_of(web, deal_id: str) -> str:
    return page_of(web.get("/")).by_id(f"deal-{deal_id}").one("input", name="version").attrs["value"]


@pytest.mark.parametrize("htmx", [True, False])
def test_a_move_of_a_deal_someone_else_just_changed_is_refused_in_japanese(web, make_deal, htmx):
    deal = make_deal(name="競合する商談", amount=100)
    seen = version_of(web, deal["id"])
    assert web.api.patch(f"{DEALS_API}/{deal['id']}", json={"amount": 200}).status_code == 200

    response = move(web, deal["id"], seen, htmx)

    said = "この商談は直前に他のユーザーが変更しました。ボードを再読み込みして変更内容を確認してから、もう一度移動してください。"
    if htmx:
        assert response.status_code == 409
        assert response.get_data(as_text=True) == said
    else:
        board = assert_no_board_english(web.get(path_of(response.headers["Location"]), headers=JAPANESE))
        assert board.one("p", cls="flash").text == said
    assert web.api.get(f"{DEALS_API}/{deal['id']}").get_json()["deal"]["stage"] == "lead"


def test_a_move_of_a_deleted_deal_is_refused_in_japanese(web, make_deal):
    deal = make_deal(name="削除される商談")
    seen = version_of(web, deal["id"])
    assert web.api.delete(f"{DEALS_API}/{deal['id']}").status_code == 200

    response = move(web, deal["id"], seen)

    assert response.status_code == 404
    assert response.get_data(as_text=True) == "この商談はもう存在しません。削除された可能性があります。"


def test_a_move_answers_its_columns_and_its_flash_in_japanese(web, make_deal):
    deal = make_deal(name="進む商談")
    other = make_deal(name="フォームで進む商談")

    moved = move(web, deal["id"], version_of(web, deal["id"]))
    plain = move(web, other["id"], version_of(web, other["id"]), htmx=False)

    assert moved.status_code == 200
    assert_no_board_english(moved)
    board = assert_no_board_english(web.get(path_of(plain.headers["Location"]), headers=JAPANESE))
    assert board.one("p", cls="flash").text == f"「フォームで進む商談」を{stage_name(board, 'proposal')}に移動しました。"
