"""Deals without an amount sort last in both orders; activities keep their changes

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 20:00:00

Ascending by amount now puts the deals without one last (descending already did), as people read
a list. SQLite orders NULLs lowest and PostgreSQL's amount indexes are NULLS FIRST (0004), so the
existing indexes give that order only going down; going up reads new indexes that lead with
"amount IS NULL" (false before true), the same expression on both databases.

activities.changes: what an update or a stage change altered, as JSON ([{"field", "old", "new"}],
values as the API writes them), so a page can say it in words in any language. Older activities
have none. Adding a nullable column needs no batch rebuild of a table on SQLite (which would drop
the full-text triggers of 0003; this touches neither table's triggers).
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

ASCENDING_AMOUNT_INDEXES = {
    'ix_deals_org_amount_asc': 'organization_id, (amount IS NULL), amount, id',
    'ix_deals_org_stage_amount_asc': 'organization_id, stage, (amount IS NULL), amount, id',
}


def upgrade():
    for name, columns in ASCENDING_AMOUNT_INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON deals ({columns}) WHERE deleted_at IS NULL")
    op.add_column('activities', sa.Column('changes', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_column('changes')
    for name in ASCENDING_AMOUNT_INDEXES:
        op.execute(f"DROP INDEX {name}")
