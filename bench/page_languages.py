"""What speaking the reader's language costs a page: the board rendered in English and in
Japanese, interleaved in one process with a bare endpoint of the same app, on the demo data.

    python bench/page_languages.py [--deals 200] [--rounds 60]

Prints the median time of each and the ratios (Japanese / English, English / bare). In-process
(Flask's test client), so it measures the app's own work per request, not a server's."""

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402

from crm import create_app, demo  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=60)
    args = parser.parse_args()

    folder = tempfile.mkdtemp()
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/crm.sqlite3", "SECRET_KEY": "bench"})
    app.add_url_rule("/bench/bare", "bench_bare", lambda: {"ok": True})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        demo.seed(args.deals, rng=random.Random(20260401))
    client = app.test_client()
    signed_in = client.post("/api/v1/auth/sign-in", json={"email": demo.DEMO_EMAIL, "password": demo.DEMO_PASSWORD})
    assert signed_in.status_code == 200, signed_in.get_json()

    requests = {
        "board, English": lambda: client.get("/", headers={"Accept-Language": "en"}),
        "board, Japanese": lambda: client.get("/", headers={"Accept-Language": "ja"}),
        "bare endpoint": lambda: client.get("/bench/bare"),
    }
    times: dict[str, list[float]] = {name: [] for name in requests}
    for round_number in range(args.rounds + 5):
        for name, request in requests.items():  # interleaved, so that the machine's moods hit all alike
            started = time.perf_counter()
            response = request()
            elapsed = time.perf_counter() - started
            assert response.status_code == 200, (name, response.status_code)
            if round_number >= 5:  # the first rounds warm caches up
                times[name].append(elapsed)

    median = {name: statistics.median(values) for name, values in times.items()}
    for name, value in median.items():
        print(f"{name:16} {value * 1000:7.2f} ms")
    print(f"Japanese / English: {median['board, Japanese'] / median['board, English']:.2f}")
    print(f"English / bare:     {median['board, English'] / median['bare endpoint']:.1f}")


if __name__ == "__main__":
    main()
