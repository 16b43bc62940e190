"""ARIA names only where ARIA allows them: no page or fragment names (aria-label, aria-labelledby)
an element whose role takes no name, such as a plain div or span, whose label a screen reader
would drop or read differently in each browser."""

from .conftest import parse, sign_in_through_form

# ARIA 1.2 roles whose elements must not be named by the author.
NAMING_PROHIBITED = {
    "caption", "code", "deletion", "emphasis", "generic", "insertion", "none", "paragraph", "presentation",
    "strong", "subscript", "superscript",
}
# The implicit roles (HTML-AAM) of the elements that take no name.
IMPLICIT_ROLES = {
    "div": "generic", "span": "generic", "b": "generic", "i": "generic", "small": "generic", "pre": "generic",
    "p": "paragraph", "code": "code", "em": "emphasis", "strong": "strong", "del": "deletion", "ins": "insertion",
    "sub": "subscript", "sup": "superscript", "caption": "caption",
}
NAMING_ATTRIBUTES = ("aria-label", "aria-labelledby")


def unnameable(html: str) -> list[str]:
    """The elements of a page that are named although their role forbids it."""
    found = []
    for node in parse(html).iter():
        if not any(attribute in node.attrs for attribute in NAMING_ATTRIBUTES):
            continue
        roles = (node.attrs.get("role") or "").split()
        role = roles[0] if roles else IMPLICIT_ROLES.get(node.tag)
        if role in NAMING_PROHIBITED:
            found.append(f"<{node.tag} {node.attrs}> (role {role})")
    return found


def test_no_page_or_fragment_names_an_element_that_takes_no_name(web, anonymous, make_deal, make_company):
    company = make_company("株式会社さくら")
    member = web.api.user["id"]
    deal = make_deal(name="Initech renewal", amount=5000, expected_close_date="2020-01-31", note="Called.",
                     company_id=company["id"], assigned_member_id=member)
    for number in range(25):  # more than a column shows at first: the board has "Show more"
        make_deal(name=f"Filler {number}", assigned_member_id=member)
    deal_url = f"/deals/{deal['id']}"
    edit = web.get(f"{deal_url}/edit")
    version = parse(edit.get_data(as_text=True)).one("input", name="version").attrs["value"]
    pages = {
        "login": anonymous.get("/login"),
        "login with an error": sign_in_through_form(anonymous, web.user["email"], "not the password"),
        "board": web.get("/"),
        "board with a search": web.get("/?search=Initech"),
        "board columns (htmx)": web.get("/?search=Filler", htmx=True),
        "more cards (htmx)": web.get("/board/lead/cards?offset=20", htmx=True),
        "recent activity (htmx)": web.get("/board/activity", htmx=True),
        "quick add with an error (htmx)": web.post("/board/quick-add", {"name": "", "amount": "x"}, htmx=True),
        "deals table": web.get("/deals"),
        "deals table (htmx)": web.get("/deals?sort=name&order=asc", htmx=True),
        "deal page": web.get(deal_url),
        "deal history (htmx)": web.get(f"{deal_url}/activities", htmx=True),
        "new deal form": web.get("/deals/new"),
        "edit form": edit,
        "edit form with an error (htmx)": web.post(f"{deal_url}/edit", {"name": "", "version": version}, htmx=True),
        "delete confirmation": web.get(f"{deal_url}/delete"),
        "API reference": web.get("/api/docs"),
        "error page": web.get("/deals/deal_" + "0" * 32),
    }
    refused = {"login with an error": 401, "quick add with an error (htmx)": 422,
               "edit form with an error (htmx)": 422, "error page": 404}
    assert {name: page.status_code for name, page in pages.items()} == {**dict.fromkeys(pages, 200), **refused}
    named_wrongly = {name: unnameable(page.get_data(as_text=True)) for name, page in pages.items()}
    assert {name: found for name, found in named_wrongly.items() if found} == {}
