"""A storm of failed sign-ins against gunicorn (4 workers), and what it does to a signed-in user.

    python bench/sign_in_storm.py                      # SQLite (and PostgreSQL when BENCH_DATABASE_URL is set)
    python bench/sign_in_storm.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test

The attackers try random unknown emails (each one a scrypt check against the dummy hash) from
addresses of their own (X-Forwarded-For through TRUSTED_PROXIES=1, as a botnet has), so neither
sign-in limit stops them: what protects everyone else is that checks hold no database lock and that
a worker runs only SIGN_IN_CONCURRENT_CHECKS of them at once. Meanwhile one signed-in user PATCHes
and GETs a deal in a loop. Phases without and with the storm alternate in the same run, so the
figures are ratios against a baseline measured minutes apart at most. Loopback only, bounded by
--rounds x --duration.
"""

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import DATA, PYTHON, _in_schema, free_port, seed, stop, wait_until_up  # noqa: E402

STORM_DEALS = 1000
DEMO = {"email": "demo@example.com", "password": "demo-password"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="baseline + storm pairs (default 3)")
    parser.add_argument("--duration", type=float, default=8, help="seconds per phase (default 8)")
    parser.add_argument("--attackers", type=int, default=12, help="threads of failed sign-ins (default 12)")
    parser.add_argument("--checks", type=int, help="SIGN_IN_CONCURRENT_CHECKS for the server (default: the app's)")
    parser.add_argument("--postgres", default=os.environ.get("BENCH_DATABASE_URL"), help="also measure this PostgreSQL")
    args = parser.parse_args()
    databases = {"SQLite": sqlite_database()}
    if args.postgres:
        databases["PostgreSQL"] = postgres_database(args.postgres)
    print("| database | phase | PATCH p50 / p95 ms | GET p50 / p95 ms | user's answers | sign-in attempts "
          "(per s) | their answers |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, url in databases.items():
        measure(name, url, args)


def sqlite_database() -> str:
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / "sign-in-storm.sqlite3"
    for leftover in DATA.glob("sign-in-storm.sqlite3*"):
        leftover.unlink()
    seed(f"sqlite:///{path}", STORM_DEALS)
    return f"sqlite:///{path}"


def postgres_database(postgres_url: str) -> str:
    import psycopg

    with psycopg.connect(postgres_url.replace("+psycopg", ""), autocommit=True) as connection:
        connection.execute('DROP SCHEMA IF EXISTS "bench_sign_in_storm" CASCADE')
        connection.execute('CREATE SCHEMA "bench_sign_in_storm"')
    url = _in_schema(postgres_url, "bench_sign_in_storm")
    seed(url, STORM_DEALS)
    return url


def measure(name: str, url: str, args) -> None:
    port = free_port()
    log_path = DATA / f"sign-in-storm-{name.lower()}.log"
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "BIND": f"127.0.0.1:{port}",
           "WEB_CONCURRENCY": "4", "TRUSTED_PROXIES": "1"}
    if args.checks:
        env["SIGN_IN_CONCURRENT_CHECKS"] = str(args.checks)
    with log_path.open("wb") as log:
        server = subprocess.Popen([PYTHON, "-m", "gunicorn", "-c", "python:crm.gunicorn_config", "app:app"],
                                  cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/login")
        token = request(port, "POST", "/api/v1/auth/sign-in", DEMO)[1]["token"]
        deal_id = request(port, "GET", "/api/v1/crm/deals?limit=1", token=token)[1]["items"][0]["id"]
        phases = {"baseline": Phase(), "storm": Phase()}
        for _ in range(args.rounds):
            for phase_name, phase in phases.items():
                run_phase(port, token, deal_id, phase, args, storm=phase_name == "storm")
        for phase_name, phase in phases.items():
            print(phase.row(name, phase_name, phases["baseline"]))
    finally:
        stop(server)
    text = log_path.read_text(errors="replace")
    print(f"\n{name}: 'database is locked' in the server log {text.count('database is locked')} times, "
          f"tracebacks {text.count('Traceback')}\n", file=sys.stderr)


class Phase:
    """What one kind of phase measured over every round."""

    def __init__(self):
        self.latencies: dict[str, list[float]] = {"PATCH": [], "GET": []}
        self.users: Counter = Counter()
        self.attempts: Counter = Counter()
        self.seconds = 0.0

    def row(self, database: str, name: str, baseline: "Phase") -> str:
        cells = []
        for method in ("PATCH", "GET"):
            p50, p95 = percentiles(self.latencies[method])
            base50, base95 = percentiles(baseline.latencies[method])
            ratio = "" if self is baseline else f" (×{p50 / base50:.1f} / ×{p95 / base95:.1f})"
            cells.append(f"{p50:.1f} / {p95:.1f}{ratio}")
        attempts = sum(self.attempts.values())
        rate = f"{attempts} ({attempts / self.seconds:.0f}/s)" if attempts else "–"
        return (f"| {database} | {name} | {cells[0]} | {cells[1]} | {statuses(self.users)} | {rate} | "
                f"{statuses(self.attempts) or '–'} |")


def run_phase(port: int, token: str, deal_id: str, phase: Phase, args, storm: bool) -> None:
    deadline = time.monotonic() + args.duration
    stop_storm = threading.Event()

    def attacker(number: int) -> Counter:
        answers: Counter = Counter()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while not stop_storm.is_set():
            address = f"10.{number}.{random.randrange(256)}.{random.randrange(1, 255)}"
            email = f"guess-{random.getrandbits(64):x}@example.com"
            answers[request(port, "POST", "/api/v1/auth/sign-in", {"email": email, "password": "wrong"},
                            headers={"X-Forwarded-For": address}, connection=connection)[0]] += 1
        return answers

    with ThreadPoolExecutor(max_workers=max(args.attackers, 1)) as pool:
        storms = [pool.submit(attacker, number) for number in range(args.attackers)] if storm else []
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        amount = 1000
        while time.monotonic() < deadline:
            amount += 1
            for method, path, body in (("PATCH", f"/api/v1/crm/deals/{deal_id}", {"amount": amount}),
                                       ("GET", f"/api/v1/crm/deals/{deal_id}", None)):
                began = time.perf_counter()
                status, _ = request(port, method, path, body, token=token, connection=connection)
                phase.latencies[method].append((time.perf_counter() - began) * 1000)
                phase.users[status] += 1
        stop_storm.set()
        for answers in storms:
            phase.attempts.update(answers.result())
        phase.seconds += time.monotonic() - started


def request(port: int, method: str, path: str, body: dict | None = None, token: str | None = None,
            headers: dict | None = None, connection: http.client.HTTPConnection | None = None) -> tuple[int, dict]:
    """One request on a kept-alive connection (a new one when none is given or the server closed it)."""
    connection = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    sent = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {}),
            **(headers or {})}
    for attempt in range(2):
        try:
            connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=sent)
            response = connection.getresponse()
            raw = response.read()
            return response.status, json.loads(raw) if raw else {}
        except (http.client.HTTPException, ConnectionError):
            connection.close()  # the worker closed a kept-alive connection: once more on a new one
            if attempt:
                raise
    raise AssertionError("unreachable")


def percentiles(values: list[float]) -> tuple[float, float]:
    """p50 and p95 (a phase too slow for two answers has its one answer as both)."""
    if len(values) < 2:
        return values[0], values[0]
    return statistics.median(values), statistics.quantiles(values, n=20)[18]


def statuses(counter: Counter) -> str:
    return ", ".join(f"{count}×{status}" for status, count in sorted(counter.items()))


if __name__ == "__main__":
    main()
