"""Substring search on deal names that does not scan the table: SQLite's FTS5 trigram index, and
PostgreSQL's pg_trgm GIN index (which serves LIKE directly).

Both indexes hold trigrams of the folded name, so a term shorter than three characters cannot use
them and falls back to a LIKE over the organization's deals. The LIKE is applied in every case:
the index finds candidates, LIKE keeps the exact meaning (`%` and `_` literal)."""

from sqlalchemy import ColumnElement, and_, column, text

from .extensions import db
from .models import Deal
from .text import contains_pattern, fold

TRIGRAM = 3

_FTS_MATCHES = text("SELECT rowid FROM deals_fts WHERE deals_fts MATCH :fts_phrase").columns(column("rowid"))


def deal_name_contains(term: str) -> ColumnElement[bool]:
    """A condition on Deal: its name contains term, case-insensitively, in any script."""
    like = Deal.name_norm.like(contains_pattern(term), escape="\\")
    folded = fold(term)
    if len(folded) < TRIGRAM or db.session.get_bind().dialect.name != "sqlite":
        return like
    phrase = '"' + folded.replace('"', '""') + '"'
    return and_(Deal.search_key.in_(_FTS_MATCHES.bindparams(fts_phrase=phrase)), like)
