"""Deal signals kept as columns; the pipeline's stale_after_days per stage

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 11:00:00

Every deal gains stage_entered_at, last_activity_at, next_activity_id and next_activity_due_date
(crm/deals/signals.py), which the operations keep from now on, and two indexes for the lists'
stale= and next_activity= filters. They are worked out here from the history:
- stage_entered_at: its latest stage change, else its creation;
- last_activity_at: the latest done_at of its done activities other than field updates (its
  "created" entry is one, done when the deal was created), else its creation;
- next_activity_*: its earliest open activity by due date and time, undated ones last.

The two timestamps are NOT NULL once filled: on SQLite that rebuilds deals, through
batch_alter_deals (which makes the search triggers and expression indexes again).

pipeline_stages holds an organization's setting for a stage; a stage without a row has the
default (14 days), so no rows are written here.
"""
import sqlalchemy as sa
from alembic import op

from migrations.deals_table import batch_alter_deals

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

LIVE = sa.text('deleted_at IS NULL')
SIGNAL_INDEXES = {
    'ix_deals_org_stage_last_activity': ['organization_id', 'stage', 'last_activity_at'],
    'ix_deals_org_next_due': ['organization_id', 'next_activity_due_date', 'next_activity_id', 'created_at', 'id'],
}
STAGES = ('lead', 'qualification', 'proposal', 'negotiation', 'closed_won', 'closed_lost')

deals = sa.table('deals', sa.column('id'), sa.column('created_at'), sa.column('stage_entered_at'),
                 sa.column('last_activity_at'), sa.column('next_activity_id'), sa.column('next_activity_due_date'))
activities = sa.table('activities', sa.column('id'), sa.column('deal_id'), sa.column('type'), sa.column('created_at'),
                      sa.column('done'), sa.column('done_at'), sa.column('due_date'), sa.column('due_time'))


def upgrade():
    op.create_table(
        'pipeline_stages',
        sa.Column('organization_id', sa.String(length=40), nullable=False),
        sa.Column('stage', sa.Enum(*STAGES, name='pipeline_stages_stage', native_enum=False, create_constraint=True,
                                   length=20), nullable=False),
        sa.Column('stale_after_days', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id']),
        sa.PrimaryKeyConstraint('organization_id', 'stage'),
    )
    op.add_column('deals', sa.Column('stage_entered_at', sa.DateTime(), nullable=True))
    op.add_column('deals', sa.Column('last_activity_at', sa.DateTime(), nullable=True))
    op.add_column('deals', sa.Column('next_activity_id', sa.String(length=40), nullable=True))
    op.add_column('deals', sa.Column('next_activity_due_date', sa.Date(), nullable=True))
    fill_signals()
    with batch_alter_deals() as batch_op:
        batch_op.alter_column('stage_entered_at', existing_type=sa.DateTime(), nullable=False)
        batch_op.alter_column('last_activity_at', existing_type=sa.DateTime(), nullable=False)
    for name, columns in SIGNAL_INDEXES.items():
        op.create_index(name, 'deals', columns, unique=False, postgresql_where=LIVE, sqlite_where=LIVE)


def fill_signals():
    of_deal = activities.c.deal_id == deals.c.id
    last_move = sa.select(sa.func.max(activities.c.created_at)).where(of_deal, activities.c.type == 'stage_change')
    last_done = sa.select(sa.func.max(activities.c.done_at)).where(
        of_deal, activities.c.done.is_(sa.true()), activities.c.type != 'updated',
        activities.c.done_at >= deals.c.created_at,
    )
    op.execute(sa.update(deals).values(
        stage_entered_at=sa.func.coalesce(last_move.scalar_subquery(), deals.c.created_at),
        last_activity_at=sa.func.coalesce(last_done.scalar_subquery(), deals.c.created_at),
    ))
    open_ = sa.and_(of_deal, activities.c.done.is_(sa.false()))
    earliest = sa.select(activities.c.id).where(open_).order_by(
        activities.c.due_date.is_(None), activities.c.due_date, activities.c.due_time.is_(None),
        activities.c.due_time, activities.c.id,
    ).limit(1)
    op.execute(sa.update(deals).where(sa.exists().where(open_)).values(next_activity_id=earliest.scalar_subquery()))
    due = sa.select(activities.c.due_date).where(activities.c.id == deals.c.next_activity_id)
    op.execute(sa.update(deals).where(deals.c.next_activity_id.is_not(None))
               .values(next_activity_due_date=due.scalar_subquery()))


def downgrade():
    for name in SIGNAL_INDEXES:
        op.drop_index(name, table_name='deals', postgresql_where=LIVE, sqlite_where=LIVE)
    with batch_alter_deals() as batch_op:
        for column in ('next_activity_due_date', 'next_activity_id', 'last_activity_at', 'stage_entered_at'):
            batch_op.drop_column(column)
    op.drop_table('pipeline_stages')
