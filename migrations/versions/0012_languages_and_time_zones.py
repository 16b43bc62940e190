"""Each user's language and time zone, and their organization's defaults

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 05:30:00

Pages speak the user's language and show times in their time zone; a user who has chosen neither
follows the browser's languages and the organization's defaults. Existing organizations keep
today's English and UTC. Nullable and defaulted columns need no batch rebuild on SQLite.
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('organizations', sa.Column('locale', sa.String(length=8), server_default='en', nullable=False))
    op.add_column('organizations', sa.Column('time_zone', sa.String(length=64), nullable=True))
    op.add_column('users', sa.Column('locale', sa.String(length=8), nullable=True))
    op.add_column('users', sa.Column('time_zone', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('time_zone')
        batch_op.drop_column('locale')
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_column('time_zone')
        batch_op.drop_column('locale')
