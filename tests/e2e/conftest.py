"""Browser tests: the per-test app (SQLite, and PostgreSQL when TEST_DATABASE_URL is set) served
in-process by werkzeug, driven by Debian's Chromium through Playwright."""

import re
import threading
from itertools import count

import pytest
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from crm.accounts import users
from tests.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Wide enough for all six columns and the activity panel side by side, so every column can be a
# drop target without scrolling the board.
VIEWPORT = {"width": 1920, "height": 1080}

_unique = count(1)


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: end-to-end browser test (Playwright + Chromium, live server)")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


class _CountRequests:
    """WSGI middleware counting the requests the app is still working on, so that a test's server
    stops only once the last one (say, a refresh the page fired just before closing) has finished
    with the database."""

    def __init__(self, app):
        self.app = app
        self.in_flight = 0
        self.changed = threading.Condition()

    def __call__(self, environ, start_response):
        with self.changed:
            self.in_flight += 1
        try:
            # Flask has run the view and its teardown (the session is back in the pool) by the
            # time it returns the response body.
            return self.app(environ, start_response)
        finally:
            with self.changed:
                self.in_flight -= 1
                self.changed.notify_all()

    def wait_until_idle(self, timeout: float) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: self.in_flight == 0, timeout=timeout)


@pytest.fixture
def live_server(app):
    """The test's app on a free local port, in a daemon thread, for the length of the test."""
    counted = _CountRequests(app)
    server = make_server("127.0.0.1", 0, counted, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    # The browser context is closed by now (it depends on base_url, which depends on this).
    server.shutdown()
    idle = counted.wait_until_idle(timeout=10)
    server.server_close()
    thread.join(timeout=10)
    assert idle, "the app was still answering requests 10 s after the test"


@pytest.fixture
def base_url(live_server):
    """pytest-playwright's base_url, pointing at this test's server (relative page.goto works)."""
    return live_server


@pytest.fixture
def browser_context_args(base_url):
    """Per test, because the server (and so the base URL) is per test."""
    return {"base_url": base_url, "viewport": VIEWPORT, "locale": "en-US", "timezone_id": "UTC"}


# Chrome logs every 4xx/5xx answer as a console error; the tests that expect one (a refused sign-in,
# a form with a bad field, a refused move) check the status themselves.
HTTP_STATUS_MESSAGE = re.compile(r"^Failed to load resource: the server responded with a status of [45]\d\d\b")


# Every document reports what its Content-Security-Policy refused as a console error, so that no
# violation goes unseen (an inline style applied by a swap, say), whatever Chrome logs itself.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} refused ${event.blockedURI || "inline"}` +
                ` (${event.sourceFile}:${event.lineNumber}) ${event.sample}`);
});
"""


@pytest.fixture
def console_problems(page: Page) -> list[str]:
    """JavaScript errors, CSP violations and other console errors, and uncaught exceptions, that
    the page shows while the test runs (HTTP error statuses aside, see above)."""
    problems: list[str] = []
    page.add_init_script(REPORT_CSP_VIOLATIONS)

    def on_console(message):
        if message.type == "error" and not HTTP_STATUS_MESSAGE.match(message.text):
            problems.append(f"console.error: {message.text} at {message.location.get('url')}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    return problems


@pytest.fixture
def browser_user(app) -> dict:
    """A member of Acme (the organization of the `api` client), made through the domain call."""
    email = f"browser{next(_unique)}@example.com"
    with app.app_context():
        users.create_user("Acme", email, "Bea Browser", PASSWORD)
    return {"email": email, "password": PASSWORD, "name": "Bea Browser"}


def sign_in(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Pipeline")).to_be_visible()


@pytest.fixture
def board(page: Page, console_problems, browser_user) -> Page:
    """A page signed in through the login form, showing the board."""
    sign_in(page, browser_user["email"], browser_user["password"])
    return page
