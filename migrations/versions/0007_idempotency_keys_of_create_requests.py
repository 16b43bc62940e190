"""Idempotency keys of create requests

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 05:23:01

A create request sent with an Idempotency-Key claims the key in the same transaction as the deal,
so retries and concurrent duplicates get the first request's deal instead of a second one.
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('idempotency_keys',
    sa.Column('user_id', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('deal_id', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'key')
    )


def downgrade():
    op.drop_table('idempotency_keys')
