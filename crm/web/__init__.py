"""The browser side: server-rendered pages on the same domain functions as the API."""

import hashlib
from functools import cache
from pathlib import Path

from flask import Flask, url_for

from . import auth, board, deals
from .format import register_formatting


def register_web(app: Flask) -> None:
    for blueprint in (auth.bp, board.bp, deals.bp):
        app.register_blueprint(blueprint)
    register_formatting(app)
    static_folder = Path(app.static_folder)

    @cache
    def fingerprint(filename: str) -> str:
        return hashlib.sha256((static_folder / filename).read_bytes()).hexdigest()[:12]

    def asset(filename: str) -> str:
        """A static file's URL carrying its content hash, so browsers may cache it for a year."""
        return url_for("static", filename=filename, v=fingerprint(filename))

    app.jinja_env.globals["asset"] = asset
