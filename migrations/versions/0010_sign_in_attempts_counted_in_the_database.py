"""Sign-in attempts counted in the database

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 20:00:00

Sign-in limits were counted by Flask-Limiter after each attempt, in memory per worker by default:
parallel attempts all passed the check before any failure was counted, and each worker counted
on its own. Every attempt now reserves its slot in this table before the password is checked, in
one atomic upsert that every worker and machine shares.
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sign_in_attempts',
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('window_ends', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('scope', 'key_hash')
    )
    op.create_index('ix_sign_in_attempts_window_ends', 'sign_in_attempts', ['window_ends'])


def downgrade():
    op.drop_index('ix_sign_in_attempts_window_ends', table_name='sign_in_attempts')
    op.drop_table('sign_in_attempts')
