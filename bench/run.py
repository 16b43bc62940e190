"""Benchmark the deals API and board against the database floor, the framework ceiling and a peer.

    python bench/run.py                      # 10k, 100k and 1M deals on SQLite (and PostgreSQL
                                             # when BENCH_DATABASE_URL is set), writes docs/performance.md
    python bench/run.py --smoke              # 10k deals, a few variants, one second each (CI)
    python bench/run.py --report-from bench/.data/results-latest.json   # the report again, measuring nothing

For each data set it starts the app under gunicorn (crm/gunicorn_config.py), a bare Flask app
under the same settings, and Datasette on the same SQLite file; drives each with wrk; and times
the same SQL directly from Python (the database floor). Data sets are kept in bench/.data/, and so
are the figures measured so far (results-latest.json, rewritten after every cell).
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the checkout's crm package, whatever is installed
DATA = ROOT / "bench" / ".data"
PEER_VENV = ROOT / "bench" / ".peer-venv"
PYTHON = sys.executable
RARE_NAME = "Zebra crossing pilot"

LIST_VARIANTS = {
    "list default": "",
    "sort created_at asc": "sort=created_at&order=asc",
    "sort updated_at desc": "sort=updated_at&order=desc",
    "sort updated_at asc": "sort=updated_at&order=asc",
    "sort name asc": "sort=name&order=asc",
    "sort name desc": "sort=name&order=desc",
    "sort amount desc": "sort=amount&order=desc",
    "sort amount asc": "sort=amount&order=asc",
    "stage filter": "stage=proposal",
    "stage + sort amount": "stage=proposal&sort=amount&order=asc",
    "page 21 (offset 1000)": "offset=1000",
    "search common (年間契約)": "search=%E5%B9%B4%E9%96%93%E5%A5%91%E7%B4%84",
    "search rare (zebra)": "search=zebra",
}
SMOKE_VARIANTS = ["list default", "stage filter", "search rare (zebra)"]
BARE = "bare Flask JSON (ceiling)"


@dataclass
class Load:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


@dataclass
class Row:
    name: str
    results: dict[str, Load] = field(default_factory=dict)  # by data set label
    floor_ms: dict[str, float] = field(default_factory=dict)
    single_ms: dict[str, float] = field(default_factory=dict)  # p50 with one client: per request, no queueing


@dataclass
class Run:
    """Everything the report is built from, saved as JSON after every cell so that an interrupted run keeps it."""

    smoke: bool
    connections: int
    duration: int
    single_duration: int
    labels: list[str] = field(default_factory=list)
    rows: dict[str, Row] = field(default_factory=dict)
    memory: dict[str, tuple[float, float]] = field(default_factory=dict)  # label → worker RSS (MB) before, after
    plans: dict[str, dict[str, str]] = field(default_factory=dict)
    finished: bool = False
    path: Path | None = None  # where to save; not part of the data

    def record(self, name: str, label: str, load: Load, single: Load | None = None,
               floor_ms: float | None = None) -> None:
        """Keep one cell's figures and save everything measured so far."""
        row = self.rows.setdefault(name, Row(name))
        if single:
            load.errors += single.errors  # an error response is fast: it must not pass for a good 1-client figure
            row.single_ms[label] = single.p50_ms
        if floor_ms is not None:
            row.floor_ms[label] = floor_ms
        row.results[label] = load
        self.save()

    def has(self, name: str, label: str) -> bool:
        return name in self.rows and label in self.rows[name].results

    def save(self) -> None:
        data = {key: value for key, value in asdict(self).items() if key != "path"}
        partial = self.path.with_suffix(".partial")  # replaced in one step: an interruption never leaves half a file
        partial.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(json.dumps(data, indent=1, ensure_ascii=False))
        partial.replace(self.path)

    @classmethod
    def load(cls, path: Path) -> "Run":
        data = json.loads(path.read_text())
        rows = {name: Row(name, {label: Load(**load) for label, load in row.pop("results").items()},
                          **{key: value for key, value in row.items() if key != "name"})
                for name, row in data.pop("rows").items()}
        memory = {label: tuple(sample) for label, sample in data.pop("memory").items()}
        return cls(**data, rows=rows, memory=memory)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--duration", type=int, default=8, help="seconds of load per measurement")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--smoke", action="store_true", help="10k deals, a few variants, 1 s each")
    parser.add_argument("--out", default=str(ROOT / "docs" / "performance.md"))
    parser.add_argument("--postgres", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--postgres-sizes", help="sizes to measure on PostgreSQL (default: --sizes)")
    parser.add_argument("--soak", type=int, metavar="SECONDS",
                        help="only a long mixed load on the 100k SQLite set, printing worker memory every 30 s")
    parser.add_argument("--resume", action="store_true",
                        help="keep the figures of bench/.data/results-latest.json and measure only what it lacks")
    parser.add_argument("--report-from", metavar="FILE",
                        help="write the report from saved results (bench/.data/results-latest.json); measure nothing")
    args = parser.parse_args()
    if args.soak:
        soak(args.soak)
        return
    if args.report_from:
        write_report(Path(args.out), Run.load(Path(args.report_from)))
        return
    if args.smoke:
        args.sizes, args.duration = "10000", 1
    sizes = [int(size) for size in args.sizes.split(",")]
    variants = {name: LIST_VARIANTS[name] for name in SMOKE_VARIANTS} if args.smoke else LIST_VARIANTS
    # the smoke run (the test suite) saves elsewhere, so that it never overwrites the figures of a long run
    run = Run(smoke=args.smoke, connections=args.connections, duration=args.duration,
              single_duration=1 if args.smoke else max(2, args.duration // 2),
              path=DATA / ("results-smoke.json" if args.smoke else "results-latest.json"))
    if args.resume and run.path.exists():
        run = Run.load(run.path)
        run.path, run.finished = DATA / "results-latest.json", False

    ensure_tools(with_peer=not args.smoke)
    last_urls: dict[str, str] = {}
    postgres_sizes = [int(size) for size in (args.postgres_sizes or args.sizes).split(",")]
    for size in sizes:
        on_postgres = args.postgres and not args.smoke and size in postgres_sizes
        for database in ["sqlite"] + (["postgresql"] if on_postgres else []):
            label = f"{database} {size // 1000}k"
            if label not in run.labels:
                run.labels.append(label)
            url = prepare(size, database, args.postgres)
            last_urls[database] = url
            if not run.has(BARE, label):  # measured last: the cell is complete
                measure_app(url, label, variants, run, args)
            if database == "sqlite" and not args.smoke and not run.has("Datasette: search rare (zebra)", label):
                measure_peer(url, label, run, args)
    run.plans = {} if args.smoke else {database: query_plans(url) for database, url in last_urls.items()}
    run.finished = True
    run.save()
    write_report(Path(args.out), run)
    failures = [f"{row.name} ({label})" for row in run.rows.values()
                for label, load in row.results.items() if load.errors]
    if failures:
        sys.exit("errors under load: " + ", ".join(failures))


def ensure_tools(with_peer: bool) -> None:
    if shutil.which("wrk") is None:
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, stdout=subprocess.DEVNULL)
    if with_peer and not (PEER_VENV / "bin" / "datasette").exists():
        subprocess.run([PYTHON, "-m", "venv", str(PEER_VENV)], check=True)
        subprocess.run([str(PEER_VENV / "bin" / "pip"), "install", "-q", "datasette==0.65.*"], check=True)


def prepare(size: int, database: str, postgres_url: str | None) -> str:
    """A database URL holding the demo organization with `size` deals (built once, then reused)."""
    if database == "sqlite":
        DATA.mkdir(parents=True, exist_ok=True)
        path = DATA / f"deals-{size}.sqlite3"
        url = f"sqlite:///{path}"
        if path.exists():
            upgrade(url)  # a data set built by an older checkout gets the current schema
        else:  # built under another name, so that an interrupted build is never taken for a data set
            partial = path.with_suffix(".partial")
            partial.unlink(missing_ok=True)
            seed(f"sqlite:///{partial}", size)
            partial.rename(path)
        return url
    schema = f"bench_{size}"
    import psycopg

    with psycopg.connect(postgres_url.replace("+psycopg", ""), autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone()
        if exists:
            upgrade(_in_schema(postgres_url, schema))
            return _in_schema(postgres_url, schema)
        # Like the SQLite file: built under another name, renamed once complete.
        partial = f"{schema}_partial"
        connection.execute(f'DROP SCHEMA IF EXISTS "{partial}" CASCADE')
        connection.execute(f'CREATE SCHEMA "{partial}"')
        seed(_in_schema(postgres_url, partial), size)
        connection.execute(f'ALTER SCHEMA "{partial}" RENAME TO "{schema}"')
    return _in_schema(postgres_url, schema)


def _in_schema(postgres_url: str, schema: str) -> str:
    """The URL of a connection whose tables are those of schema (public stays on the path for extensions)."""
    return f"{postgres_url}{'&' if '?' in postgres_url else '?'}options=-csearch_path%3D{schema}%2Cpublic"


def upgrade(url: str) -> None:
    subprocess.run([PYTHON, "-m", "flask", "--app", "app", "crm", "init-db"], cwd=ROOT,
                   env={**os.environ, "DATABASE_URL": url}, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def seed(url: str, size: int) -> None:
    print(f"seeding {size} deals into {url.split('?')[0]}", file=sys.stderr)
    env = {**os.environ, "DATABASE_URL": url}
    flask = [PYTHON, "-m", "flask", "--app", "app", "crm"]
    subprocess.run(flask + ["init-db"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    started = time.perf_counter()
    subprocess.run(flask + ["seed-demo", "--deals", str(size)], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    print(f"  seeded in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def measure_app(url: str, label: str, variants: dict[str, str], run: Run, args) -> None:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench"}
    token = subprocess.run(
        [PYTHON, "-m", "flask", "--app", "app", "crm", "create-token", "--email", "demo@example.com"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    ).stdout.strip()
    auth = f"Authorization: Bearer {token}"
    with serve(["app:app"], env, memory=(run.memory, label)) as base:
        ensure_rare_deal(base, token)
        deal_ids = sample_deal_ids(base, token)
        for name, query in variants.items():
            if run.has(name, label):  # kept from an earlier run (--resume)
                continue
            target = f"{base}/api/v1/crm/deals?{query}"
            run.record(name, label, wrk(target, args, headers=[auth]),
                       single=wrk(target, args, headers=[auth], single=run.single_duration),
                       floor_ms=floor_of_list(url, query))
        if not args.smoke and not run.has("board page", label):
            measure_requests(base, token, deal_ids, label, run, args)
    # in the smoke run too: the floor target needs the bare request's cost
    with serve(["bench.bare_app:app"], env) as base:
        run.record(BARE, label, wrk(base + "/", args), single=wrk(base + "/", args, single=run.single_duration))


def soak(seconds: int) -> None:
    """Lists, reads and stage changes at once for a long time; worker memory should level off."""
    url = prepare(100_000, "sqlite", None)
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench"}
    token = subprocess.run(
        [PYTHON, "-m", "flask", "--app", "app", "crm", "create-token", "--email", "demo@example.com"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    ).stdout.strip()
    auth = ["-H", f"Authorization: Bearer {token}"]
    pids: list[int] = []
    with serve(["app:app"], env, pids=pids) as base:
        deal_ids = sample_deal_ids(base, token)
        loads = [
            ["-c3", f"{base}/api/v1/crm/deals?sort=updated_at"],
            ["-c2", f"{base}/api/v1/crm/deals/{deal_ids[0]}/activities"],
            ["-c3", "-s", str(write_script("stage", deal_ids)), base],
        ]
        drivers = [subprocess.Popen(["wrk", "-t1", f"-d{seconds}s", "--timeout", "10s", *auth, *load],
                                    stdout=subprocess.DEVNULL) for load in loads]
        print("| minute | worker RSS (MB, mean of the workers) |\n| --- | --- |")
        started = time.monotonic()
        while any(driver.poll() is None for driver in drivers):
            print(f"| {(time.monotonic() - started) / 60:.1f} | {worker_rss_mb(pids[0]):.1f} |", flush=True)
            time.sleep(30)


def measure_requests(base: str, token: str, deal_ids: list[str], label: str, run: Run, args) -> None:
    """The single-deal reads, the writes and the board page."""
    auth = f"Authorization: Bearer {token}"
    run.record("GET deal", label, wrk(f"{base}/api/v1/crm/deals/{deal_ids[0]}", args, headers=[auth]))
    run.record("activities", label, wrk(f"{base}/api/v1/crm/deals/{deal_ids[0]}/activities", args, headers=[auth]))
    run.record("PATCH deal", label, wrk(base, args, headers=[auth], script=write_script("patch", deal_ids)))
    run.record("stage change", label, wrk(base, args, headers=[auth], script=write_script("stage", deal_ids)))
    run.record("board page", label, wrk(f"{base}/", args, headers=[f"Cookie: better-auth.session_token={token}"]))


def measure_peer(url: str, label: str, run: Run, args) -> None:
    """Datasette on the same file, with the equivalent filter, sort, page size and exact count."""
    path = url.removeprefix("sqlite:///")
    organization_id = sqlite3.connect(path).execute("SELECT organization_id FROM users WHERE email = 'demo@example.com'").fetchone()[0]
    port = free_port()
    process = subprocess.Popen(
        [str(PEER_VENV / "bin" / "datasette"), "serve", path, "-p", str(port), "--setting", "sql_time_limit_ms", "10000",
         "--setting", "default_page_size", "50", "--setting", "num_sql_threads", "4",
         "--setting", "suggest_facets", "off"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + "/-/versions.json")
        table = f"{base}/{Path(path).stem}/deals.json?organization_id__exact={organization_id}&deleted_at__isnull=1&_size=50"
        for name, query in [("list default", "&_sort_desc=created_at"), ("stage filter", "&stage__exact=proposal&_sort_desc=created_at"),
                            ("search rare (zebra)", "&name_norm__contains=zebra&_sort_desc=created_at")]:
            run.record(f"Datasette: {name}", label, wrk(table + query, args))
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    """SIGINT, then SIGKILL if it is still busy (Datasette finishing a long count, say)."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def serve(app_spec: list[str], env: dict, memory: tuple[dict, str] | None = None, pids: list[int] | None = None):
    """The app under gunicorn; with `memory` (samples, label), its workers' RSS before and after the
    load; `pids` receives the master's pid, for sampling in between."""
    port = free_port()
    process = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "-c", "python:crm.gunicorn_config", *app_spec],
        cwd=ROOT, env={**env, "BIND": f"127.0.0.1:{port}"}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + "/login" if app_spec == ["app:app"] else base + "/")
        if pids is not None:
            pids.append(process.pid)
        before = worker_rss_mb(process.pid)
        yield base
        if memory:
            samples, label = memory
            samples[label] = (before, worker_rss_mb(process.pid))
    finally:
        stop(process)


def worker_rss_mb(master_pid: int) -> float:
    """The mean resident memory of gunicorn's workers (children of the master), in MB."""
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(master_pid) and "VmRSS" in fields:
            sizes.append(int(fields["VmRSS"].split()[0]) / 1024)
    return statistics.mean(sizes) if sizes else 0.0


def wait_until_up(url: str) -> None:
    for _ in range(300):
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def ensure_rare_deal(base: str, token: str) -> None:
    found = api(base, token, "GET", "/api/v1/crm/deals?search=zebra&limit=1")["total"]
    if not found:
        api(base, token, "POST", "/api/v1/crm/deals", {"name": RARE_NAME, "amount": 990000})


def sample_deal_ids(base: str, token: str) -> list[str]:
    return [deal["id"] for deal in api(base, token, "GET", "/api/v1/crm/deals?limit=200&stage=lead")["items"]]


def api(base: str, token: str, method: str, path: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(
        base + path, method=method, data=json.dumps(body).encode() if body else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def write_script(kind: str, deal_ids: list[str]) -> Path:
    """A wrk Lua script: PATCH random deals' amounts, or move random deals between two stages."""
    ids = ", ".join(f'"{deal_id}"' for deal_id in deal_ids)
    if kind == "patch":
        body = 'local path = "/api/v1/crm/deals/" .. id\n  local body = \'{"amount": \' .. math.random(1, 100000000) .. \'}\'\n  return wrk.format("PATCH", path, nil, body)'
    else:
        body = 'local path = "/api/v1/crm/deals/" .. id .. "/stage"\n  local stages = {"lead", "qualification"}\n  local body = \'{"stage": "\' .. stages[math.random(1, 2)] .. \'"}\'\n  return wrk.format("POST", path, nil, body)'
    script = DATA / f"{kind}.lua"
    DATA.mkdir(parents=True, exist_ok=True)
    script.write_text(
        f'wrk.headers["Content-Type"] = "application/json"\nlocal ids = {{{ids}}}\n'
        f"request = function()\n  local id = ids[math.random(1, #ids)]\n  {body}\nend\n"
        "done = function(summary, latency, requests)\n  io.write(string.format(\"non2xx %d\\n\", summary.errors.status))\nend\n"
    )
    return script


def wrk(url: str, args, headers: list[str] | None = None, script: Path | None = None, single: int = 0) -> Load:
    """Load under `args.connections` connections; with `single` (seconds), one client instead: latency per request."""
    load = ["-t1", "-c1", f"-d{single}s"] if single else ["-t2", f"-c{args.connections}", f"-d{args.duration}s"]
    command = ["wrk", *load, "--latency", "--timeout", "10s"]
    for header in headers or []:
        command += ["-H", header]
    if script:
        command += ["-s", str(script)]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    return Load(
        requests_per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        p50_ms=_latency(output, "50%"),
        p99_ms=_latency(output, "99%"),
        errors=_errors(output),
    )


def _latency(output: str, percentile: str) -> float:
    value, unit = re.search(rf"^\s+{percentile}\s+([\d.]+)(us|ms|s)\s*$", output, re.M).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def _errors(output: str) -> int:
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return (sum(int(number) for number in socket_errors.groups()) if socket_errors else 0) + (
        int(non2xx.group(1)) if non2xx else 0)


def floor_of_list(url: str, query: str) -> float:
    """The SQL the list runs (page and total), recorded from one real call of the domain and then
    replayed on the raw DB-API cursor: median ms per request."""
    from urllib.parse import parse_qs

    env_before = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    try:
        from sqlalchemy import event, select

        from crm import create_app
        from crm.core.database import db
        from crm.core.listing import Params
        from crm.deals import queries
        from crm.models import User

        app = create_app()
        with app.app_context():
            owner = db.session.scalar(select(User).where(User.email == "demo@example.com"))
            recorded = []

            def record(_connection, _cursor, statement, parameters, _context, _executemany):
                recorded.append((statement, parameters))

            event.listen(db.engine, "before_cursor_execute", record)
            queries.list_deals(owner.organization_id, queries.DealQuery.from_params(Params(parse_qs(query))))
            event.remove(db.engine, "before_cursor_execute", record)
            db.session.rollback()
            statements = [(sql, parameters) for sql, parameters in recorded if sql.lstrip().upper().startswith("SELECT")]
            connection = db.engine.raw_connection()
            cursor = connection.cursor()
            timings = []
            for _ in range(200):
                started = time.perf_counter()
                for sql, parameters in statements:
                    cursor.execute(sql, parameters)
                    cursor.fetchall()
                timings.append(time.perf_counter() - started)
            connection.close()
            db.engine.dispose()
        return statistics.median(timings) * 1000
    finally:
        if env_before is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = env_before


def query_plans(url: str) -> dict[str, str]:
    """The database's plan for one page of each list variant, on the given data set."""
    from urllib.parse import parse_qs

    from sqlalchemy import select

    from crm import create_app
    from crm.core.database import db
    from crm.core.listing import Params
    from crm.deals import queries
    from crm.models import User

    os.environ["DATABASE_URL"] = url
    app = create_app()
    plans = {}
    with app.app_context():
        owner = db.session.scalar(select(User).where(User.email == "demo@example.com"))
        for name, query in LIST_VARIANTS.items():
            statement = queries.page_query(owner.organization_id, queries.DealQuery.from_params(Params(parse_qs(query))))
            plans[name] = plan_of(statement)
        db.engine.dispose()
    os.environ.pop("DATABASE_URL")
    return plans


def plan_of(statement) -> str:
    """The database's plan of a statement (in an app context), one line per step."""
    from sqlalchemy import text

    from crm.core.database import db

    sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
    if db.engine.dialect.name == "sqlite":
        return "\n".join(row[-1] for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {sql}")).all())
    return "\n".join(row[0] for row in db.session.execute(text(f"EXPLAIN {sql}")).all())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def targets(rows: dict[str, Row], labels: list[str]) -> list[str]:
    """The targets of the performance issue, as ratios measured side by side in this run."""
    lines = ["", "### Targets", "", "| target | measured | met |", "| --- | --- | --- |"]

    def check(name: str, value: float | None, limit: float, at_most: bool) -> None:
        if value is None:
            return
        met = value <= limit if at_most else value >= limit
        lines.append(f"| {name} | {value:.2f} ({'≤' if at_most else '≥'} {limit}) | {'yes' if met else '**no**'} |")

    def load(row: str, label: str) -> Load | None:
        """The figures, if any request was answered at all (no answer is no figure, not a zero)."""
        found = rows[row].results.get(label) if row in rows else None
        return found if found and found.requests_per_second else None

    for database in sorted({label.split()[0] for label in labels}):
        sized = [label for label in labels if label.startswith(database)]
        smallest, largest = sized[0], sized[-1]
        for name in rows:
            if name not in LIST_VARIANTS or name.startswith("search common"):
                continue
            small, large = load(name, smallest), load(name, largest)
            if small and large and smallest != largest:
                limit = 2 if name.startswith("search") else 1.5
                check(f"{database}: {name}, p50 {largest} / {smallest}", large.p50_ms / small.p50_ms, limit, True)
        for label in sized:
            bare = load(BARE, label)
            # per request, so one client each: under load the p50 would mostly be queueing
            bare_single = rows[BARE].single_ms.get(label) if bare else None
            for name, row in rows.items():
                if name in LIST_VARIANTS and bare_single and load(name, label) and label in row.floor_ms \
                        and row.single_ms.get(label):
                    check(f"{label}: {name}, 1-client p50 / (floor + bare Flask 1-client p50)",
                          row.single_ms[label] / (row.floor_ms[label] + bare_single), 2, True)
            for name, share in [("GET deal", 0.33), ("list default", 0.20), ("stage change", 0.12)]:
                ours = load(name, label)
                if ours and bare:
                    check(f"{label}: {name} req/s / bare Flask req/s", ours.requests_per_second / bare.requests_per_second, share, False)
            for name in ["list default", "stage filter", "search rare (zebra)"]:
                ours, peer = load(name, label), load(f"Datasette: {name}", label)
                if ours and peer and peer.requests_per_second:
                    check(f"{label}: {name} req/s / Datasette's", ours.requests_per_second / peer.requests_per_second, 3, False)
            board, listed = load("board page", label), load("list default", label)
            if board and listed and label.endswith(" 100k"):  # the target is set at 100k deals
                check(f"{label}: board page p50 / (3 x list default p50)", board.p50_ms / (3 * listed.p50_ms), 1, True)
            if board:
                check(f"{label}: board page p99 / p50", board.p99_ms / board.p50_ms, 3, True)
    return lines


def cell(row: Row, label: str) -> str:
    load = row.results.get(label)
    if load is None:
        return ""
    if not load.requests_per_second:
        return "no answer within the run"
    text = f"{load.requests_per_second:,.0f}/s, {load.p50_ms:.1f} / {load.p99_ms:.1f}"
    extras = ([f"1 client {row.single_ms[label]:.2f}"] if label in row.single_ms else []) + (
        [f"floor {row.floor_ms[label]:.2f}"] if label in row.floor_ms else [])
    if extras:
        text += f" ({', '.join(extras)})"
    if load.errors:
        text += f", **{load.errors} errors**"
    return text


def write_report(out: Path, run: Run) -> None:
    """The report, from the run's data alone: the same whether just measured or read back with --report-from."""
    labels = run.labels
    lines = [
        "# Performance",
        "",
        f"Measured with `python bench/run.py{' --smoke' if run.smoke else ''}` on this project's machine "
        f"(2 cores): wrk, {run.connections} connections, {run.duration} s per figure, gunicorn with "
        "crm/gunicorn_config.py. Each cell: requests per second, p50 / p99 latency in ms. "
        f"'1 client' is the p50 in ms with a single connection ({run.single_duration} s), the latency of one "
        "request without queueing behind others; the floor target compares it with 'floor', the same SQL "
        "run directly from Python (median per request), plus the bare Flask request's 1-client p50.",
        "",
        "| request | " + " | ".join(labels) + " |",
        "| --- | " + " | ".join("---" for _ in labels) + " |",
    ]
    if not run.finished:
        lines[2] += " **An interrupted run: only the figures measured before the interruption.**"
    for row in run.rows.values():
        lines.append(f"| {row.name} | " + " | ".join(cell(row, label) for label in labels) + " |")
    if run.memory:
        lines += ["", "### Memory per worker", "", "| data set | RSS after start | RSS after the whole load | growth |", "| --- | --- | --- | --- |"]
        for label, (before, after) in run.memory.items():
            lines.append(f"| {label} | {before:.0f} MB | {after:.0f} MB | {after - before:+.0f} MB |")
    lines += targets(run.rows, labels)
    for database, by_variant in run.plans.items():
        lines += ["", f"### Plans on {database} (largest data set)", ""]
        for name, plan in by_variant.items():
            lines += [f"{name}:", "", "```", plan, "```", ""]
    out.parent.mkdir(parents=True, exist_ok=True)
    existing = out.read_text() if out.exists() else ""
    marker = "<!-- results -->"
    results = "\n".join(lines) + "\n"
    if marker in existing:
        before, _, after = existing.partition(marker)
        after = after.split("<!-- /results -->", 1)[-1]
        out.write_text(f"{before}{marker}\n{results}<!-- /results -->{after}")
    else:
        out.write_text(f"{marker}\n{results}<!-- /results -->\n")
    print(results)


if __name__ == "__main__":
    main()
