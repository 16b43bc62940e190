"""A real multi-process server for tests that need one: gunicorn with the project's settings on
the test's database, and a tiny HTTP client for many threads at once."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """gunicorn -c crm/gunicorn_config.py on database_uri, in its own process group so that a test
    can kill the master and every worker at once."""

    def __init__(self, database_uri: str, log_path: Path, workers: int = 4, port: int | None = None):
        self.database_uri = database_uri
        self.log_path = log_path
        self.workers = workers
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> "Gunicorn":
        env = {**os.environ, "DATABASE_URL": self.database_uri, "BIND": f"127.0.0.1:{self.port}",
               "WEB_CONCURRENCY": str(self.workers), "SECRET_KEY": "live-server-test"}
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:crm.gunicorn_config", "app:app"],
            cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + 120  # as long as a loaded machine may take to start its workers
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.base}/login", timeout=1)
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not start: {self.log_path.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # quick shutdown
            self.process.wait(timeout=20)

    def kill(self) -> None:
        """SIGKILL the master and its workers together, as a crash or an OOM kill would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def assert_clean_log(self) -> None:
        """What every test on a live server asks of its log: no request waited out SQLite's lock, none failed."""
        log = self.log()
        assert "database is locked" not in log
        assert "Traceback" not in log, log[-3000:]

    def __enter__(self) -> "Gunicorn":
        return self.start()

    def __exit__(self, *_) -> None:
        self.stop()


@dataclass
class Answer:
    status: int
    headers: dict
    body: dict | None


def call(base: str, method: str, path: str, token: str, body: dict | None = None,
         headers: dict | None = None, timeout: float = 30) -> Answer:
    """One API request; an HTTP error is an Answer too (a connection failure raises OSError)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{base}{path}", data=data, method=method, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json", **(headers or {}),
    })
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Answer(response.status, dict(response.headers), json.loads(response.read() or b"null"))
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = {"raw": raw.decode(errors="replace")}
        return Answer(error.code, dict(error.headers), parsed)
