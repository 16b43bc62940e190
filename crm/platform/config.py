"""Settings from the environment, and the SQLite connection set-up that lets workers share a file."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def settings_from_environment(instance_path: Path) -> dict:
    """Collect the configuration an operator sets through environment variables."""
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY") or _instance_secret(instance_path),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL")
        or f"sqlite:///{instance_path / 'crm.sqlite3'}",
        "AUTH_COOKIE_NAME": os.environ.get("AUTH_COOKIE_NAME", "better-auth.session_token"),
        "AUTH_COOKIE_SECURE": os.environ.get("AUTH_COOKIE_SECURE", "").lower() in {"1", "true", "yes"},
        "AUTH_SESSION_LIFETIME": timedelta(
            days=int(os.environ.get("AUTH_SESSION_DAYS", "30"))
        ),
        "PASSWORD_HASH_METHOD": "scrypt",
        # Static URLs carry a content hash (see crm.web.asset), so a long cache lifetime is safe.
        "SEND_FILE_MAX_AGE_DEFAULT": 365 * 24 * 3600,
        # gzip what is worth it: pages, fragments and JSON over 1 KiB (small answers cost more to
        # compress than they save); level 5 is most of the gain for a fraction of level 9's CPU.
        "COMPRESS_ALGORITHM": ["gzip"],
        "COMPRESS_LEVEL": 5,
        "COMPRESS_MIN_SIZE": 1024,
        # Static files are streamed from disk and cached for a year by browsers: not worth
        # recompressing on every first visit (and Flask-Compress leaves such files open).
        "COMPRESS_STREAMS": False,
        "COMPRESS_MIMETYPES": ["text/html", "text/css", "application/json", "application/javascript", "text/javascript", "image/svg+xml"],
        # Failed sign-ins allowed per account and per client address, counted in the database that
        # every worker shares (crm/accounts/limits.py).
        "SIGN_IN_LIMIT_PER_ACCOUNT": os.environ.get("SIGN_IN_LIMIT_PER_ACCOUNT", "10 per 15 minutes"),
        "SIGN_IN_LIMIT_PER_ADDRESS": os.environ.get("SIGN_IN_LIMIT_PER_ADDRESS", "50 per 15 minutes"),
        # Password checks a worker process runs at once; more attempts answer 429 at once. Two of
        # gunicorn's four threads per worker: a storm of sign-ins leaves the others to everyone else.
        "SIGN_IN_CONCURRENT_CHECKS": int(os.environ.get("SIGN_IN_CONCURRENT_CHECKS", "2")),
        # Flask's own session cookie (CSRF token, flashed messages) is sent like the auth cookie:
        # SameSite=Lax here, Secure under HTTPS (crm/accounts/credentials.py).
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Behind a reverse proxy every request comes from the proxy: TRUSTED_PROXIES=1 takes the
        # client address from the X-Forwarded-For that one proxy sets (and the scheme likewise).
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        # Bodies over 1 MiB answer 413 before any view reads them.
        "MAX_CONTENT_LENGTH": 1024 * 1024,
    }


def _instance_secret(instance_path: Path) -> str:
    """Generate the secret key once and keep it in the instance folder, so restarts keep sessions."""
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as secret_file:
            secret_file.write(secrets.token_hex(32))
    return path.read_text().strip()


def engine_options(database_uri: str) -> dict:
    """Engine options per database: SQLite gets a busy timeout, PostgreSQL a checked pool."""
    if database_uri.startswith("sqlite"):
        return {"connect_args": {"timeout": 5}}
    return {"pool_pre_ping": True}


def configure_sqlite(engine: Engine) -> None:
    """Make SQLite safe for several workers: WAL, foreign keys and our own BEGIN statements.

    pysqlite's implicit transactions begin late and never as IMMEDIATE; a request that reads and then
    writes in a deferred transaction fails with "database is locked" when another worker wrote in
    between. Write requests therefore take the write lock at BEGIN and queue on the busy timeout.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def set_pragmas(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def begin(connection):
        immediate = has_request_context() and request.method in WRITE_METHODS
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
