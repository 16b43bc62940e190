"""Helpers for the server-rendered pages: a browser signed in through the real login form, HTMX
headers, and a small HTML reader (the standard library's parser) to look at what a page shows."""

import json
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import PASSWORD

DEALS_API = "/api/v1/crm/deals"
STAGES = ["lead", "qualification", "proposal", "negotiation", "closed_won", "closed_lost"]
VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
CSRF_INPUT = re.compile(r'<input type="hidden" name="csrf_token" value="([^"]+)"')


# --- Reading HTML ---------------------------------------------------------------------------------


class Node:
    """An element of a parsed page: its tag, attributes, children and text."""

    def __init__(self, tag: str, attrs: dict[str, str | None], parent: "Node | None" = None):
        self.tag = tag
        self.attrs = attrs
        self.parent = parent
        self.children: list["Node | str"] = []

    def __repr__(self) -> str:
        return f"<{self.tag} {self.attrs}>"

    @property
    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()

    @property
    def text(self) -> str:
        """The element's text with runs of white space collapsed, as a reader sees it."""
        parts: list[str] = []

        def walk(node: Node) -> None:
            for child in node.children:
                if isinstance(child, str):
                    parts.append(child)
                else:
                    walk(child)

        walk(self)
        return " ".join("".join(parts).split())

    def iter(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def find_all(self, tag: str | None = None, *, cls: str | None = None, **attrs) -> list["Node"]:
        """Descendants with this tag, class and attribute values (id_="x" for id, name="x" ...)."""
        wanted = {key.rstrip("_").replace("_", "-"): value for key, value in attrs.items()}
        found = []
        for node in self.iter():
            if tag is not None and node.tag != tag:
                continue
            if cls is not None and cls not in node.classes:
                continue
            if any(
                (node.attrs.get(key) is None) if value is True else node.attrs.get(key) != value
                for key, value in wanted.items()
            ):
                continue
            found.append(node)
        return found

    def find(self, tag: str | None = None, *, cls: str | None = None, **attrs) -> "Node | None":
        found = self.find_all(tag, cls=cls, **attrs)
        return found[0] if found else None

    def one(self, tag: str | None = None, *, cls: str | None = None, **attrs) -> "Node":
        found = self.find_all(tag, cls=cls, **attrs)
        assert len(found) == 1, f"expected one {tag or ''}.{cls or ''} {attrs}, found {len(found)}"
        return found[0]

    def by_id(self, element_id: str) -> "Node":
        return self.one(id_=element_id)


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.current = self.root

    @staticmethod
    def _attrs(pairs) -> dict[str, str | None]:
        """Attributes as a browser reads them: of a duplicated attribute, the first one counts."""
        attrs: dict[str, str | None] = {}
        for name, value in pairs:
            attrs.setdefault(name, value)
        return attrs

    def handle_starttag(self, tag, attrs):
        node = Node(tag, self._attrs(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID_ELEMENTS:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, self._attrs(attrs), self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(html: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def page_of(response) -> Node:
    return parse(response.get_data(as_text=True))


def column(document: Node, stage: str) -> Node:
    return document.by_id(f"col-{stage}")


def column_count(document: Node, stage: str) -> int:
    return int(column(document, stage).one("span", cls="count").text.replace(",", ""))


def card_names(node: Node) -> list[str]:
    return [card.one("a", cls="card-title").text for card in node.find_all("li", cls="card")]


def total_lines(document: Node, stage: str) -> list[tuple[str, str]]:
    """(total, weighted) per currency as a column header shows them."""
    return [
        (line.one(cls="total-amount").text, line.one(cls="weighted-amount").text)
        for line in column(document, stage).find_all("p", cls="total-line")
        if line.find(cls="total-amount")
    ]


def table_names(document: Node) -> list[str]:
    """The deal names in the deals list, top to bottom."""
    table = document.by_id("deals-table")
    return [row.find("td").find("a").text for row in table.one("tbody").find_all("tr") if row.find("a")]


def feed_texts(node: Node) -> list[str]:
    return [item.one("p", cls="feed-content").text for item in node.find_all("li", cls="feed-item")]


def csrf_token_in(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "the page has no CSRF token input"
    return match.group(1)


def query_of(location: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(location).query)


def path_of(location: str) -> str:
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def hx_trigger(response) -> dict:
    """The HX-Trigger header as events: a JSON object, or a plain list of event names."""
    raw = response.headers.get("HX-Trigger", "")
    if raw.startswith("{"):
        return json.loads(raw)
    return {name.strip(): None for name in raw.split(",") if name.strip()}


# --- A browser --------------------------------------------------------------------------------


class Browser:
    """A test client that signed in through the login form, like a person in a browser.

    `api` is an API client (Bearer token) of the same user, for checking what the pages did."""

    def __init__(self, client, user: dict, api):
        self.client = client
        self.user = user
        self.api = api
        self._csrf: str | None = None

    @property
    def cookie(self) -> str | None:
        cookie = self.client.get_cookie("better-auth.session_token")
        return cookie.value if cookie else None

    def csrf_token(self, path: str | None = None) -> str:
        """A fresh CSRF token read from a page's form (the board, or the login page when signed out)."""
        response = self.client.get(path or "/")
        if path is None and response.status_code == 302:
            response = self.client.get("/login")
        assert response.status_code == 200, (path, response.status_code)
        self._csrf = csrf_token_in(response.get_data(as_text=True))
        return self._csrf

    @staticmethod
    def htmx_headers(current_url: str | None = None, token: str | None = None) -> dict[str, str]:
        headers = {"HX-Request": "true"}
        if token:
            headers["X-CSRFToken"] = token
        if current_url:
            headers["HX-Current-URL"] = f"http://localhost{current_url}"
        return headers

    def get(self, path: str, *, htmx: bool = False, headers: dict | None = None, **kwargs):
        merged = self.htmx_headers() if htmx else {}
        merged.update(headers or {})
        return self.client.get(path, headers=merged, **kwargs)

    def post(self, path: str, data: dict | None = None, *, htmx: bool = False, csrf: bool = True,
             current_url: str | None = None, headers: dict | None = None, **kwargs):
        """A form POST with the CSRF token: in the header for HTMX (as base.html's hx-headers sends
        it, besides the form's own hidden field), in the form otherwise."""
        data = dict(data or {})
        merged: dict[str, str] = {}
        token = (self._csrf or self.csrf_token()) if csrf else None
        if htmx:
            merged.update(self.htmx_headers(current_url, token))
        if token:
            data.setdefault("csrf_token", token)
        merged.update(headers or {})
        return self.client.post(path, data=data, headers=merged, **kwargs)


def sign_in_through_form(client, email: str, password: str = PASSWORD, next_page: str | None = None):
    """GET /login, then POST the form with the token it carries; answers the POST's response."""
    page = client.get("/login" + (f"?next={next_page}" if next_page else ""))
    assert page.status_code == 200
    form = {"email": email, "password": password, "csrf_token": csrf_token_in(page.get_data(as_text=True))}
    hidden_next = page_of(page).find("input", name="next")
    if hidden_next is not None:
        form["next"] = hidden_next.attrs["value"]
    return client.post("/login", data=form)


@pytest.fixture
def web_for(app):
    """A Browser signed in as the user of an ApiClient (from make_user)."""

    def sign_in(api_client) -> Browser:
        client = app.test_client()
        response = sign_in_through_form(client, api_client.user["email"])
        assert response.status_code == 303, response.get_data(as_text=True)
        return Browser(client, api_client.user, api_client)

    return sign_in


@pytest.fixture
def web(api, web_for) -> Browser:
    """Signed in as the `api` user (Acme), so make_deal's deals are this browser's."""
    return web_for(api)


@pytest.fixture
def rival_web(rival, web_for) -> Browser:
    return web_for(rival)


@pytest.fixture
def anonymous(app):
    """A browser that never signed in."""
    return app.test_client()


@pytest.fixture
def make_company(api):
    def make(name: str = "株式会社A", client=None) -> dict:
        response = (client or api).post("/api/v1/crm/companies", json={"name": name})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["company"]

    return make


@pytest.fixture
def make_contact(api):
    def make(name: str = "田中 太郎", client=None, **fields) -> dict:
        response = (client or api).post("/api/v1/crm/contacts", json={"name": name, **fields})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["contact"]

    return make


def api_deal(api_client, deal_id: str):
    """The deal as the JSON API shows it now, or None when the API says it does not exist."""
    response = api_client.get(f"{DEALS_API}/{deal_id}")
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.get_json()
    return response.get_json()["deal"]


def api_activities(api_client, deal_id: str) -> list[dict]:
    response = api_client.get(f"{DEALS_API}/{deal_id}/activities", query_string={"limit": 100})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["activities"]


def api_deal_names(api_client, **params) -> list[str]:
    response = api_client.get(DEALS_API, query_string={"limit": 200, **params})
    assert response.status_code == 200, response.get_json()
    return [deal["name"] for deal in response.get_json()["items"]]
