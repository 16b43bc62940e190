"""Planned activities: a due date and time, done or not, and who is to do it; the task type

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 06:45:00

Every activity gains due_date, due_time (a time of day, only with a date), done, done_at and
assigned_member_id. The activities recorded so far happened when they were written: they are done,
done_at is their created_at, and they have no due date. The ones a person logged (note, call, email,
meeting) are assigned to their author; the entries the app records (created, updated,
stage_change) to no one.

The type's CHECK constraint accepts `task`. SQLite alters no constraint in place, so the activities
table is copied (batch mode, recreate always); it has no triggers or expression indexes that a copy
would drop (the reflection of deals it refers to says it skips those of deals, which stay). Two indexes serve the lists of planned activities, for an organization and for one
member: open or done, then by due date and time.
"""
import sqlalchemy as sa
from alembic import op

from migrations.deals_table import skipping_expression_indexes

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

RECORDED = ('created', 'updated', 'stage_change')
TYPES = (*RECORDED, 'note', 'call', 'email', 'meeting')
LIST_INDEXES = {
    'ix_activities_org_due': ['organization_id', 'done', 'due_date', 'due_time', 'id'],
    'ix_activities_assignee_due': ['assigned_member_id', 'done', 'due_date', 'due_time', 'id'],
}


def activity_type(*types: str) -> sa.Enum:
    return sa.Enum(*types, name='activity_type', native_enum=False, create_constraint=True, length=20)


def upgrade():
    with skipping_expression_indexes(), op.batch_alter_table('activities', recreate='always') as batch_op:
        batch_op.alter_column('type', existing_type=activity_type(*TYPES), type_=activity_type(*TYPES, 'task'),
                              existing_nullable=False)
        batch_op.add_column(sa.Column('due_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('due_time', sa.Time(), nullable=True))
        batch_op.add_column(sa.Column('done', sa.Boolean(), server_default=sa.text('true'), nullable=False))
        batch_op.add_column(sa.Column('done_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('assigned_member_id', sa.String(length=40), nullable=True))
        batch_op.create_foreign_key('fk_activities_assigned_member', 'users', ['assigned_member_id'], ['id'])
    activities = sa.table('activities', sa.column('type'), sa.column('created_at'), sa.column('done_at'),
                          sa.column('created_by'), sa.column('assigned_member_id'))
    op.execute(sa.update(activities).values(done_at=activities.c.created_at))
    op.execute(sa.update(activities).where(activities.c.type.not_in(RECORDED))
               .values(assigned_member_id=activities.c.created_by))
    for name, columns in LIST_INDEXES.items():
        op.create_index(name, 'activities', columns, unique=False)


def downgrade():
    for name in LIST_INDEXES:
        op.drop_index(name, table_name='activities')
    op.execute("DELETE FROM activities WHERE type = 'task'")
    with skipping_expression_indexes(), op.batch_alter_table('activities', recreate='always') as batch_op:
        batch_op.drop_constraint('fk_activities_assigned_member', type_='foreignkey')
        for column in ('assigned_member_id', 'done_at', 'done', 'due_time', 'due_date'):
            batch_op.drop_column(column)
        batch_op.alter_column('type', existing_type=activity_type(*TYPES, 'task'), type_=activity_type(*TYPES),
                              existing_nullable=False)
