"""The benchmark harness still runs: 10k deals, a few list variants, one second each."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_benchmark_smoke_run_measures_without_errors(tmp_path):
    assert shutil.which("wrk") or shutil.which("apt-get"), "the benchmark needs wrk"
    out = tmp_path / "performance.md"

    result = subprocess.run([sys.executable, "bench/run.py", "--smoke", "--out", str(out)], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)

    assert result.returncode == 0, result.stderr[-2000:]
    report = out.read_text()
    for variant in ["list default", "stage filter", "search rare (zebra)"]:
        assert f"| {variant} | " in report
    assert "errors" not in report


def test_signal_filters_benchmark_runs():
    result = subprocess.run([sys.executable, "bench/signal_filters.py", "--deals", "200", "--rounds", "2"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)

    assert result.returncode == 0, result.stderr[-2000:]
    assert "| next_activity=overdue | " in result.stdout and "EXPLAIN" not in result.stderr
