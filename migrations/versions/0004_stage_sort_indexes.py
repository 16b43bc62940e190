"""Indexes for a stage filter with every sort; PostgreSQL amount indexes with NULLS FIRST

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 02:40:00

Lists order missing amounts lowest in both directions (ASC NULLS FIRST, DESC NULLS LAST), which is
SQLite's own rule. PostgreSQL's default puts NULLs last going up, so its amount indexes are built
NULLS FIRST: scanned forwards and backwards they give exactly those two orders.
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

LIVE = sa.text('deleted_at IS NULL')
AMOUNT_INDEXES = {
    'ix_deals_org_amount': 'organization_id, amount NULLS FIRST, id',
    'ix_deals_org_stage_amount': 'organization_id, stage, amount NULLS FIRST, id',
}


def upgrade():
    with op.batch_alter_table('deals', schema=None) as batch_op:
        batch_op.create_index('ix_deals_org_stage_name', ['organization_id', 'stage', 'name_norm', 'id'], unique=False, postgresql_where=LIVE, sqlite_where=LIVE)
        batch_op.create_index('ix_deals_org_stage_amount', ['organization_id', 'stage', 'amount', 'id'], unique=False, postgresql_where=LIVE, sqlite_where=LIVE)
    if op.get_bind().dialect.name == 'postgresql':
        for name, columns in AMOUNT_INDEXES.items():
            op.execute(f"DROP INDEX {name}")
            op.execute(f"CREATE INDEX {name} ON deals ({columns}) WHERE deleted_at IS NULL")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP INDEX ix_deals_org_amount")
        op.execute("CREATE INDEX ix_deals_org_amount ON deals (organization_id, amount, id) WHERE deleted_at IS NULL")
    with op.batch_alter_table('deals', schema=None) as batch_op:
        batch_op.drop_index('ix_deals_org_stage_amount', postgresql_where=LIVE, sqlite_where=LIVE)
        batch_op.drop_index('ix_deals_org_stage_name', postgresql_where=LIVE, sqlite_where=LIVE)
