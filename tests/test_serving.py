"""The production server: gunicorn with the project's settings serves the app, static files are
cached for a long time under versioned URLs, and answers worth compressing are compressed."""

import gzip
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def gunicorn(database_uri, make_user, tmp_path):
    owner = make_user("Served Org")
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_uri, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2",
           "SECRET_KEY": "serving-test"}
    log = (tmp_path / "gunicorn.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:crm.gunicorn_config", "app:app"],
        cwd=ROOT, env=env, stdout=log, stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    started_by = time.monotonic() + 120  # as long as a loaded machine may take to start four workers
    while True:
        try:
            urllib.request.urlopen(f"{base}/login", timeout=5)
            break
        except OSError:
            if time.monotonic() > started_by or process.poll() is not None:
                raise
            time.sleep(0.1)
    yield base, owner
    process.send_signal(signal.SIGINT)  # quick shutdown: nothing is left to finish
    process.wait(timeout=10)
    log.close()


def fetch(url: str, headers: dict | None = None, data: bytes | None = None):
    request = urllib.request.Request(url, headers=headers or {}, data=data)
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, response.headers, response.read()


def test_gunicorn_serves_the_api_static_files_and_compressed_answers(gunicorn):
    """One server start for several checks: booting gunicorn's workers is the slow part."""
    base, owner = gunicorn
    status, _, body = fetch(f"{base}/api/v1/auth/sign-in", {"Content-Type": "application/json"},
                            json.dumps({"email": owner.user["email"], "password": PASSWORD}).encode())
    token = json.loads(body)["token"]
    for index in range(30):
        owner.post("/api/v1/crm/deals", json={"name": f"Compressible deal {index}"})
    auth = {"Authorization": f"Bearer {token}", "Accept-Encoding": "gzip"}

    status, headers, body = fetch(f"{base}/api/v1/crm/deals?limit=30", auth)
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(body))["total"] == 30

    _, small_headers, _ = fetch(f"{base}/api/v1/crm/deals?limit=1&search=nothing-matches", auth)
    assert small_headers.get("Content-Encoding") is None

    _, _, page = fetch(f"{base}/login")
    script = re.search(rb'src="(/static/vendor/htmx-2\.0\.11\.min\.js\?v=[0-9a-f]{12})"', page).group(1).decode()
    _, static_headers, _ = fetch(base + script)
    assert "max-age=31536000" in static_headers["Cache-Control"]
