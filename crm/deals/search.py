"""Substring search on deal names that does not scan the table: SQLite's FTS5 trigram index, and
PostgreSQL's pg_trgm GIN index (which serves LIKE directly).

Both indexes hold trigrams of the folded name, so a term shorter than three characters cannot use
them and falls back to a LIKE over the organization's deals. The LIKE is applied in every case:
the index finds candidates, LIKE keeps the exact meaning (`%` and `_` literal)."""

from contextlib import contextmanager

from sqlalchemy import ColumnElement, and_, column, text

from crm.core.database import db
from crm.core.text import contains_pattern, fold
from crm.models import Deal

TRIGRAM = 3

_FTS_MATCHES = text("SELECT rowid FROM deals_fts WHERE deals_fts MATCH :fts_phrase").columns(column("rowid"))


def deal_name_contains(term: str, *, broad: bool = False) -> ColumnElement[bool]:
    """A condition on Deal: its name contains term, case-insensitively, in any script.

    broad: the term matches a large share of the deals. SQLite's planner cannot tell how many rows
    a full-text match yields, and by default looks up every match and sorts them all; for a broad
    term, reading the list's sort index and keeping the matches fills a page much sooner. "+ 0"
    keeps SQLite from using search_key's index for the membership test, which makes it do that."""
    like = Deal.name_norm.like(contains_pattern(term), escape="\\")
    if not looks_up_matches(term):
        return like
    phrase = '"' + fold(term).replace('"', '""') + '"'
    key = Deal.search_key + 0 if broad else Deal.search_key
    return and_(key.in_(_FTS_MATCHES.bindparams(fts_phrase=phrase)), like)


def looks_up_matches(term: str) -> bool:
    """Whether the term's matches come from SQLite's full-text index, whose yield its planner cannot
    estimate (so that `broad` matters). PostgreSQL estimates trigram matches itself; a term shorter
    than a trigram is a LIKE either way."""
    return len(fold(term)) >= TRIGRAM and db.session.get_bind().dialect.name == "sqlite"


@contextmanager
def filled_after_bulk_insert():
    """Insert many deals with SQLite's full-text index filled once at the end, not row by row by
    its trigger (which costs more than the rest of the insert). Use inside one transaction."""
    if db.session.get_bind().dialect.name != "sqlite":
        yield  # the GIN index of PostgreSQL is an ordinary index
        return
    trigger = db.session.scalar(text("SELECT sql FROM sqlite_master WHERE name = 'deals_fts_after_insert'"))
    last_rowid = db.session.scalar(text("SELECT coalesce(max(rowid), 0) FROM deals"))
    db.session.execute(text("DROP TRIGGER deals_fts_after_insert"))
    yield
    db.session.execute(
        # In key order: FTS5 writes out its buffer whenever a key is lower than the one before it
        # (random order made 1M deals take many minutes instead of seconds).
        text(
            "INSERT INTO deals_fts (rowid, name_norm) "
            "SELECT search_key, name_norm FROM deals WHERE rowid > :last ORDER BY search_key"
        ),
        {"last": last_rowid},
    )
    db.session.execute(text(trigger))
