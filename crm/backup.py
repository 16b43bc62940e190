"""Online backups of the SQLite database, safe while the app serves requests."""

import sqlite3
from pathlib import Path

from sqlalchemy import Engine


class BackupError(Exception):
    pass


def copy_sqlite(engine: Engine, target: Path) -> int:
    """Copy the database to target with SQLite's backup API and check the copy; answer its pages.

    The copy is made in one step from one read transaction, so it is one consistent moment of the
    database even while other processes write (WAL lets them go on). It is written next to the
    target and renamed into place only once complete and checked, so a failed backup never leaves
    a half-written file under the target's name."""
    if engine.dialect.name != "sqlite":
        raise BackupError(
            "backup copies SQLite databases; for PostgreSQL use pg_dump --format=custom \"$DATABASE_URL\" > FILE"
        )
    if target.exists():
        raise BackupError(f"{target} already exists; choose a new file name")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    with engine.connect() as connection:
        source = connection.connection.dbapi_connection
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)
            problems = copy.execute("PRAGMA integrity_check").fetchall()
            pages = copy.execute("PRAGMA page_count").fetchone()[0]
        finally:
            copy.close()
    if problems != [("ok",)]:
        partial.unlink()
        raise BackupError(f"the copy failed its integrity check: {problems[:5]}")
    partial.rename(target)
    return pages
