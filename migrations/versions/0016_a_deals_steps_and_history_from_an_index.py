"""A deal's open steps and its history of what was done, each read from an index

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 15:30:00

The deal page lists the deal's open steps by when they are due, and its history (the done
activities) by when each was done; the signals read the same two orders after every change of an
activity (the earliest open step, the latest done one). Two indexes serve them whatever the length
of the deal's history.
"""
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

INDEXES = {
    'ix_activities_deal_due': ['deal_id', 'done', 'due_date', 'due_time', 'id'],
    'ix_activities_deal_done': ['deal_id', 'done', 'done_at', 'id'],
}


def upgrade():
    for name, columns in INDEXES.items():
        op.create_index(name, 'activities', columns)


def downgrade():
    for name in INDEXES:
        op.drop_index(name, table_name='activities')
