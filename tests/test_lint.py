"""The code passes the project's lint rules (pyproject.toml [tool.ruff]): unused names, likely
bugs and import order are caught before review."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_finds_nothing():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "crm", "tests", "bench", "app.py", "migrations"],
                            cwd=ROOT, capture_output=True, text=True)

    assert result.returncode == 0, result.stdout
