"""What the deal signal filters cost: the API's list filtered on stale and on the next step, and
the board with those filters, interleaved in one process with the default list and the plain board.

    python bench/signal_filters.py [--deals 1000000] [--rounds 30] [--postgres URL]

Prints, per database, each request's median, its ratio to the default list (API) or to the plain
board (board), the total it answered, and for each API variant the plan of its page's SELECT and of
its count. In-process (Flask's test client), so it measures the app's own work per request."""

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bench.run import plan_of  # noqa: E402
from crm import create_app, demo  # noqa: E402
from crm.cli import refresh_planner_statistics  # noqa: E402
from crm.core.database import db  # noqa: E402
from crm.core.listing import Params  # noqa: E402
from crm.deals import queries  # noqa: E402
from crm.models import User  # noqa: E402

API_VARIANTS = {
    "list default": "",
    "stale=true": "stale=true",
    "stale=false": "stale=false",
    "next_activity=none": "next_activity=none",
    "next_activity=overdue": "next_activity=overdue",
    "next_activity=today": "next_activity=today",
    "next_activity=upcoming": "next_activity=upcoming",
    "stale=true&stage=proposal": "stale=true&stage=proposal",
    "overdue by amount desc": "next_activity=overdue&sort=amount&order=desc",
}
BOARD_VARIANTS = {"board": "", "board stale=true": "stale=true", "board next_activity=overdue": "next_activity=overdue",
                  "board closed=all": "closed=all"}


def plans(organization_id: str) -> dict[str, tuple[str, str]]:
    """(page plan, count plan) of each API variant, of the statements the list runs."""
    found = {}
    for name, query in API_VARIANTS.items():
        deal_query = queries.DealQuery.from_params(Params(parse_qs(query)))
        page = queries.page_query(organization_id, deal_query)
        if queries.signal_parts(organization_id, deal_query.filter) is None:
            count_plan = "(read from deal_stage_totals)"
        else:  # the list adds up one count per disjoint part (queries._count)
            count_plan = "\n".join(plan_of(select(func.count()).select_from(selection.subquery()))
                                   for selection in queries.disjoint_matches(organization_id, deal_query.filter))
        found[name] = (plan_of(page), count_plan)
    return found


def bench(url: str, args) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    started = time.perf_counter()
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        demo.seed(args.deals, rng=random.Random(20260401))
        refresh_planner_statistics()
    print(f"{url.split(':')[0]}: seeded {args.deals} deals in "
          f"{time.perf_counter() - started:.0f} s", flush=True)
    client = app.test_client()
    signed_in = client.post("/api/v1/auth/sign-in", json={"email": demo.DEMO_EMAIL, "password": demo.DEMO_PASSWORD})
    assert signed_in.status_code == 200, signed_in.get_json()

    requests = {name: f"/api/v1/crm/deals?{query}" for name, query in API_VARIANTS.items()}
    requests |= {name: f"/?{query}" for name, query in BOARD_VARIANTS.items()}
    times: dict[str, list[float]] = {name: [] for name in requests}
    totals: dict[str, int] = {}
    for round_number in range(args.rounds + 3):
        for name, path in requests.items():  # interleaved, so that the machine's moods hit all alike
            began = time.perf_counter()
            response = client.get(path)
            elapsed = time.perf_counter() - began
            assert response.status_code == 200, (name, response.status_code)
            if round_number >= 3:  # the first rounds warm caches up
                times[name].append(elapsed)
            if name in API_VARIANTS and name not in totals:
                totals[name] = response.get_json()["total"]

    median = {name: statistics.median(values) for name, values in times.items()}
    print("\n| request | median ms | ratio | total |\n| --- | --- | --- | --- |")
    for name in requests:
        base = median["list default"] if name in API_VARIANTS else median["board"]
        print(f"| {name} | {median[name] * 1000:.2f} | {median[name] / base:.2f} | {totals.get(name, '')} |")
    with app.app_context():
        owner = db.session.scalar(select(User).where(User.email == demo.DEMO_EMAIL))
        for name, (page_plan, count_plan) in plans(owner.organization_id).items():
            print(f"\n{name}\n  page:\n    " + page_plan.replace("\n", "\n    ")
                  + "\n  count:\n    " + count_plan.replace("\n", "\n    "))
        db.engine.dispose()
    print(flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--postgres", metavar="URL", help="an empty PostgreSQL database to measure too")
    args = parser.parse_args()
    bench(f"sqlite:///{tempfile.mkdtemp()}/crm.sqlite3", args)
    if args.postgres:
        bench(args.postgres, args)


if __name__ == "__main__":
    main()
