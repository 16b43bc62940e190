"""Stage totals per currency, kept with the deals, for list totals and board headers

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 05:10:00

deal_stage_counts kept how many deals each stage has; the board's headers still summed amounts
over every deal of the organization (18 ms at 50k deals, growing with the table). deal_stage_totals
keeps the count and the sums per stage and currency, so neither lists nor headers read deals.
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

STAGES = ('lead', 'qualification', 'proposal', 'negotiation', 'closed_won', 'closed_lost')


def upgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    exact = [
        # SQLite turns an overflowing integer sum into a float; refuse that instead.
        sa.CheckConstraint(f"typeof({column}) = 'integer'", name=f'ck_deal_stage_totals_{column}_exact')
        for column in ('amount_sum', 'weighted_sum')
    ] if sqlite else []
    op.create_table('deal_stage_totals',
    sa.Column('organization_id', sa.String(length=40), nullable=False),
    sa.Column('stage', sa.Enum(*STAGES, name='deal_stage_totals_stage', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('deal_count', sa.BigInteger(), nullable=False),
    sa.Column('priced_count', sa.BigInteger(), nullable=False),
    sa.Column('amount_sum', sa.BigInteger(), nullable=False),
    sa.Column('weighted_sum', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ),
    sa.PrimaryKeyConstraint('organization_id', 'stage', 'currency'),
    *exact,
    )
    op.execute(
        "INSERT INTO deal_stage_totals "
        "(organization_id, stage, currency, deal_count, priced_count, amount_sum, weighted_sum) "
        "SELECT organization_id, stage, currency, count(*), count(amount), coalesce(sum(amount), 0), "
        "coalesce(sum(amount * probability), 0) "
        "FROM deals WHERE deleted_at IS NULL GROUP BY organization_id, stage, currency"
    )
    op.drop_table('deal_stage_counts')


def downgrade():
    op.create_table('deal_stage_counts',
    sa.Column('organization_id', sa.String(length=40), nullable=False),
    sa.Column('stage', sa.Enum(*STAGES, name='deal_stage_counts_stage', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('count', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ),
    sa.PrimaryKeyConstraint('organization_id', 'stage')
    )
    op.execute(
        "INSERT INTO deal_stage_counts (organization_id, stage, count) "
        "SELECT organization_id, stage, sum(deal_count) FROM deal_stage_totals GROUP BY organization_id, stage"
    )
    op.drop_table('deal_stage_totals')
