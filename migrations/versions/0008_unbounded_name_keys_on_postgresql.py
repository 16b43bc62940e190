"""Unbounded folded names on PostgreSQL

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 05:50:00

The folded form of a name (NFKC and case folding, for search and sorting) can be longer than the
name: "ß" becomes "ss", "㍿" becomes "株式会社". A valid 255-character name could overflow the
VARCHAR(255) of name_norm on PostgreSQL (SQLite does not enforce lengths). TEXT has no limit, and
from VARCHAR it needs no rewrite of the tables.
"""
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

TABLES = ('users', 'companies', 'contacts', 'deals')


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for table in TABLES:
            op.execute(f'ALTER TABLE {table} ALTER COLUMN name_norm TYPE text COLLATE "C"')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for table in TABLES:
            op.execute(f'ALTER TABLE {table} ALTER COLUMN name_norm TYPE varchar(255) COLLATE "C"')
