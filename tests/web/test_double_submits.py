"""A form that creates a deal, sent several times at once (a double click, an impatient user, a
flaky network retrying), creates it once: on a real multi-process server, on both databases."""

import threading
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar

from tests.conftest import PASSWORD

from .conftest import api_deal_names, csrf_token_in, parse

SENDS = 6


class _Keep303(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # answer the 303 itself, so the test sees where it points


class Browser:
    """One signed-in browser: its cookies, shared by every request it sends at once."""

    def __init__(self, base: str):
        self.base = base
        self.cookies = CookieJar()

    def send(self, path: str, form: dict | None = None, headers: dict | None = None) -> tuple[int, dict, str]:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _Keep303)
        data = None if form is None else urllib.parse.urlencode(form).encode()
        request = urllib.request.Request(f"{self.base}{path}", data=data, headers=headers or {})
        try:
            with opener.open(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as answer:
            return answer.code, dict(answer.headers), answer.read().decode()

    def sign_in(self, email: str) -> "Browser":
        _, _, page = self.send("/login")
        status, _, _ = self.send("/login", {"email": email, "password": PASSWORD, "csrf_token": csrf_token_in(page)})
        assert status == 303
        return self

    def form(self, path: str, form_selector: dict) -> dict:
        """The hidden fields (CSRF token, one-time key) of a form on a page."""
        status, _, page = self.send(path)
        assert status == 200
        form = parse(page).one("form", **form_selector)
        return {node.attrs["name"]: node.attrs["value"] for node in form.find_all("input", type="hidden")}


def all_at_once(send, count: int = SENDS) -> list:
    """Call send from count threads released together."""
    start = threading.Barrier(count)

    def one(_):
        start.wait()
        return send()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def test_a_new_deal_form_sent_six_times_at_once_creates_one_deal(server, api):
    browser = Browser(server.base).sign_in(api.user["email"])
    sent = browser.form("/deals/new", {"id_": "deal-form"}) | {
        "name": "Sent six times", "amount": "¥1,200,000", "currency": "JPY", "stage": "lead",
    }

    answers = all_at_once(lambda: browser.send("/deals", sent))

    assert [status for status, _, _ in answers] == [303] * SENDS
    assert len({headers["Location"] for _, headers, _ in answers}) == 1
    assert api_deal_names(api) == ["Sent six times"]


def test_a_quick_add_sent_six_times_at_once_adds_one_deal(server, api):
    browser = Browser(server.base).sign_in(api.user["email"])
    sent = browser.form("/", {"cls": "quick-add"}) | {"name": "Quick, six times", "amount": "500"}

    answers = all_at_once(lambda: browser.send("/board/quick-add", sent, {"HX-Request": "true"}))

    assert [status for status, _, _ in answers] == [200] * SENDS
    assert api_deal_names(api) == ["Quick, six times"]
    keys = {parse(body).one("input", name="form_key").attrs["value"] for _, _, body in answers}
    assert sent["form_key"] not in keys  # every answer offers a fresh form for the next deal
