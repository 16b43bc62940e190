"""What blows a layout or hides a colour problem, and a walk through every page showing it.

A board full of 240-character names (words, one unbroken word, Japanese without spaces), a long
company name, overdue dates, assignees and a long note; then a tour of every page a person sees,
with the messages the pages show (a field error, a refused sign-in, flashes of each kind)."""

import re
from collections.abc import Iterator
from dataclasses import dataclass

from playwright.sync_api import Page, expect

from .conftest import sign_in
from .helpers import DEALS_API

NAME_LENGTH = 240
LONG_WORDS = ("Annual maintenance renewal for the northern region offices " * 5)[:NAME_LENGTH]
LONG_UNBROKEN = ("Supercalifragilisticexpialidocious" * 8)[:NAME_LENGTH]
LONG_JAPANESE = ("株式会社さくら商事北日本支社年間保守契約更新" * 12)[:NAME_LENGTH]
LONG_COMPANY = ("GlobalInternationalHoldingsCorporation" * 4)[:150]
SEARCH = "Supercalifragilistic"
OVERDUE = "2020-01-31"
STAGES = ["lead", "qualification", "proposal", "negotiation", "closed_won", "closed_lost"]
# More cards than a column shows at first, so the board has its "Show more" button.
FILLER_DEALS = 22


@dataclass
class Sample:
    deal_id: str  # the deal with the unbroken name and a long note, the one the deal pages show


def fill_board(api, make_deal) -> Sample:
    """Deals with long names in every stage, one of them with a long company, note and history."""
    company = api.post("/api/v1/crm/companies", json={"name": LONG_COMPANY})
    assert company.status_code == 201, company.get_json()
    common = {"amount": 123_456_789, "expected_close_date": OVERDUE,
              "assigned_member_id": api.user["id"], "company_id": company.get_json()["company"]["id"]}
    names = [LONG_WORDS, LONG_UNBROKEN, LONG_JAPANESE]
    for stage in STAGES:
        for name in names:
            make_deal(name=name, stage=stage, **common)
    for number in range(FILLER_DEALS):
        make_deal(name=f"Filler deal {number}", amount=1000 * number, probability=number)
    shown = make_deal(name=LONG_UNBROKEN, probability=40, note=f"{LONG_UNBROKEN}\n{LONG_JAPANESE}", **common)
    return Sample(deal_id=shown["id"])


def tour(page: Page, user: dict, sample: Sample, api) -> Iterator[str]:
    """Open every page in turn (signed out first), yielding each one's name once it is showing."""
    page.goto("/login")
    yield "login"
    page.get_by_label("Email").fill(user["email"])
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#sign-in-error")).to_be_visible()
    yield "login with an error"
    sign_in(page, user["email"], user["password"])
    expect(page.locator("li.card").first).to_be_visible()
    yield "board"
    page.goto(f"/?search={SEARCH}")
    expect(page.locator("li.card").first).to_be_visible()
    yield "board with a search"
    page.goto("/deals")
    yield "deals table"
    deal_url = f"/deals/{sample.deal_id}"
    page.goto(deal_url)
    yield "deal page"
    page.goto("/deals/new")
    yield "new deal form"
    page.goto(f"{deal_url}/edit")
    page.get_by_label("Amount", exact=True).fill("lots")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Save changes").click()
    assert answer.value.status == 422
    expect(page.locator("#amount-error")).to_be_visible()
    yield "edit form with an error"
    page.get_by_label("Amount", exact=True).fill("5000")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".flash.success")).to_be_visible()
    yield "deal page with a success flash"
    page.goto(f"{deal_url}/delete")
    yield "delete confirmation"
    # Someone changes the deal meanwhile, so the delete is refused with an error flash.
    changed = api.patch(f"{DEALS_API}/{sample.deal_id}", json={"probability": 50})
    assert changed.status_code == 200, changed.get_json()
    page.get_by_role("button", name="Delete deal").click()
    expect(page.locator(".flash.error")).to_be_visible()
    yield "deal page with an error flash"
    page.goto("/api/docs")
    yield "API reference"
    page.goto("/deals/deal_" + "0" * 32)
    expect(page.locator(".error-page")).to_be_visible()
    yield "error page"
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.locator(".flash.info")).to_be_visible()
    yield "login with an info flash"
