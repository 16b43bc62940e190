"""The organization's recent activity by when each entry was done

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 15:40:00

The board's recent activity is what happened: the done activities, latest done first (a step
planned last week and done today is today's news; a step still open is not news at all). One
index serves that order for an organization; it replaces ix_activities_org_created, which served
the order of writing and which nothing reads any more.
"""
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_activities_org_done', 'activities', ['organization_id', 'done', 'done_at', 'id'])
    op.drop_index('ix_activities_org_created', table_name='activities')


def downgrade():
    op.create_index('ix_activities_org_created', 'activities', ['organization_id', 'created_at', 'id'])
    op.drop_index('ix_activities_org_done', table_name='activities')
