"""Names folded with their kana: hiragana and katakana find each other

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 05:30:00

crm.core.text.fold now also turns katakana into hiragana (テスト, ﾃｽﾄ and てすと fold alike), so
the stored keys (name_norm of deals, companies, contacts and users) are folded again: a term is
folded the same way, and a key folded the old way would not match it.

This migration imports the application's fold, unlike the others: its task is to make the stored
keys equal to what the app writes, and a copy of the rule here would be a second definition to
keep in step. The downgrade restores the keys of revision 0012, whose fold it states.

Rows are read in batches in key order and only the keys that change are written, so a table of
names without katakana costs a read. On SQLite, deals_fts follows each change through its update
trigger (0003: the old key's trigrams out, the new key's in); deals are walked in search_key
order, the full-text index's key, because FTS5 writes out its buffer whenever a key is lower than
the one before it. PostgreSQL's trigram index is an ordinary index and follows by itself.
"""
import unicodedata
from collections.abc import Callable

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
    for table, key in WALKED_BY.items():
        refold(table, key, fold)


def downgrade():
    for table, key in WALKED_BY.items():
        refold(table, key, lambda name: unicodedata.normalize('NFKC', name).casefold())


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
