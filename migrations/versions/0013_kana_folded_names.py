"""Names folded with their kana: hiragana and katakana find each other

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 05:30:00

crm.core.text.fold now also turns katakana into hiragana (テスト, ﾃｽﾄ and てすと fold alike), so
the stored keys (name_norm of deals, companies, contacts and users) are folded again: a term is
folded the same way, and a key folded the old way would not match it.

This migration imports the application's fold, unlike the others: its task is to make the stored
keys equal to what the app writes, and a copy of the rule here would be a second definition to
keep in step (a later change of the fold comes with a migration like this one). The downgrade
restores the keys of revision 0012, whose fold it states.

Rows are read in batches in key order and only the keys that change are written, so a table of
names without katakana costs a read. On SQLite, deals_fts follows each change through its update
trigger (0003: the old key's trigrams out, the new key's in); deals are walked in search_key
order, the full-text index's key, because FTS5 writes out its buffer whenever a key is lower than
the one before it. PostgreSQL's trigram index is an ordinary index and follows by itself.

Measured on demo data, a third of whose deal names have katakana: 100,000 deals took 4.7 s on
SQLite and 6.8 s on PostgreSQL, a million 47 s and 185 s. On PostgreSQL the time is the writing
of every index of each changed row (a name key is in three of them); one UPDATE per batch from
arrays instead of one per row was no faster.
"""
import unicodedata
from collections.abc import Callable
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

from crm.core.text import fold

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

# Each table with a folded name, and the column its rows are walked by.
WALKED_BY = {'deals': 'search_key', 'companies': 'id', 'contacts': 'id', 'users': 'id'}
BATCH = 10_000


def upgrade():
    with large_page_cache():
        for table, key in WALKED_BY.items():
            refold(table, key, fold)


def downgrade():
    with large_page_cache():
        for table, key in WALKED_BY.items():
            refold(table, key, fold_of_0012)


def fold_of_0012(name: str) -> str:
    """The fold before this revision: NFKC and case folding, kana kept as written."""
    return unicodedata.normalize('NFKC', name).casefold()


@contextmanager
def large_page_cache():
    """On SQLite, up to 1 GB of page cache while the keys are written (then the connection's own
    again): the changed keys land all over the indexes of name_norm, and with the default 2 MB
    the writes read their pages back from disk again and again (a million demo deals, a third of
    them with katakana: 73 s with the default cache, 47 s with this one)."""
    connection = op.get_bind()
    if connection.dialect.name != 'sqlite':
        yield
        return
    before = connection.exec_driver_sql('PRAGMA cache_size').scalar()
    connection.exec_driver_sql('PRAGMA cache_size = -1000000')
    try:
        yield
    finally:
        connection.exec_driver_sql(f'PRAGMA cache_size = {int(before)}')


def refold(table_name: str, key_name: str, folded: Callable[[str], str]) -> None:
    """Set name_norm to folded(name) wherever it differs, one batch of rows at a time."""
    table = sa.table(table_name, sa.column(key_name), sa.column('name'), sa.column('name_norm'))
    key = table.c[key_name]
    write = sa.update(table).where(key == sa.bindparam('row_key')).values(name_norm=sa.bindparam('new_key'))
    connection = op.get_bind()
    after = None
    while True:
        batch = sa.select(key, table.c.name, table.c.name_norm).order_by(key).limit(BATCH)
        rows = connection.execute(batch if after is None else batch.where(key > after)).all()
        if not rows:
            return
        changed = [
            {'row_key': row_key, 'new_key': new_key}
            for row_key, name, old_key in rows
            if (new_key := folded(name)) != old_key
        ]
        if changed:
            connection.execute(write, changed)
        after = rows[-1][0]
