"""What every page shares: formatting filters, HTMX helpers, error pages and fingerprinted assets.
The pages themselves live with their features (crm/*/views.py)."""

import hashlib
from functools import cache
from pathlib import Path

from flask import Flask, url_for

from crm.web.format import register_formatting


def init_pages(app: Flask) -> None:
    register_formatting(app)
    static_folder = Path(app.static_folder)

    @cache
    def fingerprint(filename: str) -> str:
        return hashlib.sha256((static_folder / filename).read_bytes()).hexdigest()[:12]

    def asset(filename: str) -> str:
        """A static file's URL carrying its content hash, so browsers may cache it for a year."""
        return url_for("static", filename=filename, v=fingerprint(filename))

    app.jinja_env.globals["asset"] = asset
