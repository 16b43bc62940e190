"""The deal pages in Japanese: the table, a deal with its history, the form (refused too) and the
delete confirmation speak the reader's language, with no English left but the user's own data; the
same history still reads in English for an English reader."""

import re

from .conftest import DEALS_API, page_of
from .test_history import record_old_entries

JAPANESE = {"Accept-Language": "ja"}
# The English the deal pages write themselves; none of it may show on a Japanese page.
ENGLISH = [
    "Name", "Stage", "Company", "Contact", "Amount", "Currency", "Probability", "Expected close", "Assignee",
    "Created", "Updated", "Won date", "Lost reason", "Note", "deal", "deals", "showing", "Previous", "Next",
    "All deals", "Search", "Name contains", "All stages", "Filter", "No deals match", "Pages", "Lead",
    "Qualification", "Proposal", "Negotiation", "Won", "Lost", "Board", "Breadcrumb", "Edit", "Delete",
    "Unassigned", "overdue", "Activity", "Type", "What happened", "Add to history", "entry", "entries", "Older",
    "System", "Call", "Email", "Meeting", "Stage change", "Moved from", "Deal created", "Save changes",
    "Create deal", "Cancel", "New deal", "Please correct", "must be a number", "Set for you", "probability of",
    "not saved with this stage", "won deals", "lost deals", "added to the history", "Keep it", "disappears",
]
SHOWN_ATTRIBUTES = ("aria-label", "placeholder")


def words_shown(node) -> str:
    """What a reader meets in an element: its text and the labels and placeholders of its elements."""
    labels = [element.attrs[name] for element in node.iter() for name in SHOWN_ATTRIBUTES if element.attrs.get(name)]
    return " ".join([node.text, *labels])


def english_in(text: str) -> list[str]:
    return [word for word in ENGLISH if re.search(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", text)]


def main_of(response):
    assert response.status_code in (200, 422), response.status_code
    return page_of(response).by_id("main")


def a_deal_with_history(web, make_deal, make_company):
    """A deal created, updated (amount and company), won, with a call logged."""
    company = make_company("株式会社A")
    deal = make_deal(name="年間契約", amount=1200000, stage="negotiation", probability=70)
    web.api.patch(f"{DEALS_API}/{deal['id']}", json={"amount": 1500000, "company_id": company["id"]})
    web.api.post(f"{DEALS_API}/{deal['id']}/stage", json={"stage": "closed_won"})
    web.post(f"/deals/{deal['id']}/activities", {"type": "call", "content": "先方と電話で合意"})
    return deal


def feed_entries(document) -> list[tuple[str, list[str]]]:
    """Each history entry's kind and what it says (its changes one by one, or its text)."""
    return [(entry.one(cls="feed-type").text,
             [line.text for line in entry.find_all("li")] or [entry.one("p", cls="feed-content").text])
            for entry in document.by_id("feed").find_all("li", cls="feed-item")]


def test_the_table_speaks_japanese(web, make_deal):
    make_deal(name="年間契約", amount=1200000, stage="proposal")
    make_deal(name="保守契約", amount=300000)

    main = main_of(web.get("/deals?limit=1", headers=JAPANESE))

    headers = [header.text.rstrip(" ▲▼") for header in main.by_id("deals-table").one("thead").find_all("th")]
    assert headers == ["商談名", "フェーズ", "取引先", "金額", "確度", "完了予定日", "担当者", "作成日", "更新日"]
    assert main.one("p", cls="table-summary").text == "2件の商談（1～1件目を表示）"
    assert main.one("h1").text == "商談一覧"
    assert main.by_id("list-search").attrs["placeholder"] == "商談名で検索…"
    assert main.one("a", rel="next").text == "次へ"
    assert english_in(words_shown(main)) == []


def test_an_empty_table_says_so_in_japanese(web):
    main = main_of(web.get("/deals?search=存在しない", headers=JAPANESE))

    assert main.one("td", cls="empty").text == "条件に一致する商談はありません。"
    assert main.one("p", cls="table-summary").text == "0件の商談"
    assert english_in(words_shown(main)) == []


def test_a_deal_and_its_history_speak_japanese(web, make_deal, make_company):
    deal = a_deal_with_history(web, make_deal, make_company)
    web.post(f"/deals/{deal['id']}/activities", {"type": "note", "content": "見積書を送付"})

    main = main_of(web.get(f"/deals/{deal['id']}", headers=JAPANESE))

    assert feed_entries(main) == [
        ("メモ", ["見積書を送付"]),
        ("電話", ["先方と電話で合意"]),
        ("フェーズ変更", ["フェーズ：交渉 → 受注", "確度：70% → 100%", f"受注日：— → {deal_won_day(web, deal).replace('-', '/')}"]),
        ("更新", ["金額：￥1,200,000 → ￥1,500,000", "取引先：— → 株式会社A"]),
        ("作成", ["商談を作成しました。"]),
    ]
    assert main.by_id("feed").one(cls="feed-total").text == "5件"
    assert [option.text for option in main.by_id("activity-type").find_all("option")] == [
        "メモ", "電話", "メール", "ミーティング"]
    assert english_in(words_shown(main)) == []


def deal_won_day(web, deal) -> str:
    return web.api.get(f"{DEALS_API}/{deal['id']}").get_json()["deal"]["won_date"][:10]


def test_the_same_history_reads_in_english_for_an_english_reader(web, make_deal, make_company):
    deal = a_deal_with_history(web, make_deal, make_company)

    main = main_of(web.get(f"/deals/{deal['id']}", headers={"Accept-Language": "en"}))

    assert feed_entries(main) == [
        ("Call", ["先方と電話で合意"]),
        ("Stage change", ["Stage Negotiation → Won", "Probability 70% → 100%", f"Won date — → {deal_won_day(web, deal)}"]),
        ("Updated", ["Amount ¥1,200,000 → ¥1,500,000", "Company — → 株式会社A"]),
        ("Created", ["Deal created."]),
    ]
    assert main.by_id("feed").one(cls="feed-total").text == "4 entries"


def test_entries_recorded_before_changes_were_kept_read_in_japanese_from_their_stages_and_fields(
    app, web, make_deal
):
    deal = make_deal(name="移行前の商談")
    record_old_entries(app, web, deal)

    main = main_of(web.get(f"/deals/{deal['id']}", headers=JAPANESE))

    assert feed_entries(main)[:2] == [("フェーズ変更", ["フェーズをリードから提案に変更しました"]),
                                      ("更新", ["商談名、金額を更新しました。"])]


def test_the_form_speaks_japanese(web):
    main = main_of(web.get("/deals/new", headers=JAPANESE))

    form = main.by_id("deal-form")
    assert [label.text for label in form.find_all("label")][:4] == ["商談名", "金額", "通貨", "フェーズ"]
    assert form.one("label", for_="probability").text == "確度（%）"
    assert form.by_id("probability-hint").text == "商談が受注（100%）または失注（0%）になると自動で設定されます。"
    assert form.one("label", for_="won_date").text == "受注日 （受注の商談）"
    assert form.one("button", type="submit").text == "商談を作成"
    assert english_in(words_shown(main)) == []


def test_a_refused_form_names_its_fields_in_japanese(web):
    response = web.post("/deals", {"name": "新規の商談", "amount": "abc", "currency": "JPY", "stage": "lead"},
                        headers=JAPANESE)

    assert response.status_code == 422
    main = main_of(response)
    assert main.one("p", cls="form-error").text == "下の1件の項目を修正してください。"
    assert main.by_id("amount-error").text.startswith("1,200,000 や 1234.50 のような数値で入力してください")
    assert main.one("label", for_="amount").text == "金額"
    assert english_in(words_shown(main)) == []


def test_the_delete_confirmation_speaks_japanese(web, make_deal):
    deal = make_deal(name="年間契約")

    response = web.get(f"/deals/{deal['id']}/delete", headers=JAPANESE)

    main = main_of(response)
    assert main.one("h1").text == "「年間契約」を削除しますか？"
    assert main.one("button", type="submit").text == "商談を削除"
    assert page_of(response).one("title").text.startswith("「年間契約」の削除")
    assert english_in(words_shown(main)) == []


def test_saving_and_deleting_say_so_in_japanese(web, make_deal):
    deal = make_deal(name="年間契約")
    form = {"name": "年間契約2", "version": deal_version(web, deal)}

    saved = web.get(web.post(f"/deals/{deal['id']}/edit", form, headers=JAPANESE).headers["Location"], headers=JAPANESE)

    assert page_of(saved).one("p", cls="flash").text == "「年間契約2」を保存しました。"
    deleted = web.post(f"/deals/{deal['id']}/delete", {"version": deal_version(web, deal)}, headers=JAPANESE)
    assert page_of(web.get(deleted.headers["Location"])).one("p", cls="flash").text == "「年間契約2」を削除しました。"


def deal_version(web, deal) -> str:
    form = page_of(web.get(f"/deals/{deal['id']}/edit")).by_id("deal-form")
    return form.one("input", name="version").attrs["value"]
