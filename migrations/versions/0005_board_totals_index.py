"""A covering index for the board's header totals

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 04:10:00

The grouped query behind the six column headers (count, amount and weighted amount per stage and
currency) read every row of the organization's deals: 260 ms at 100k deals on SQLite. With the
columns it needs in one index it reads the index alone.
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

LIVE = sa.text('deleted_at IS NULL')
COLUMNS = ['organization_id', 'stage', 'currency', 'amount', 'probability', 'assigned_member_id']


def upgrade():
    with op.batch_alter_table('deals', schema=None) as batch_op:
        batch_op.create_index('ix_deals_org_board', COLUMNS, unique=False, postgresql_where=LIVE, sqlite_where=LIVE)


def downgrade():
    with op.batch_alter_table('deals', schema=None) as batch_op:
        batch_op.drop_index('ix_deals_org_board', postgresql_where=LIVE, sqlite_where=LIVE)
