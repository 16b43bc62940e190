"""Closed deals by when they closed, for the board's Won and Lost columns scoped to a period

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 16:30:00

The board's Won and Lost columns show the deals closed this month (quarter, year) unless asked for
all of them: a won deal by its won date, a lost one by when it entered Lost, latest closed first.
One index per stage's moment serves a column's cards in that order and its summed totals, from the
range of that period.
"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

LIVE = sa.text('deleted_at IS NULL')
INDEXES = {
    'ix_deals_org_stage_won': ['organization_id', 'stage', 'won_date', 'id'],
    'ix_deals_org_stage_entered': ['organization_id', 'stage', 'stage_entered_at', 'id'],
}


def upgrade():
    for name, columns in INDEXES.items():
        op.create_index(name, 'deals', columns, unique=False, postgresql_where=LIVE, sqlite_where=LIVE)


def downgrade():
    for name in INDEXES:
        op.drop_index(name, table_name='deals')
