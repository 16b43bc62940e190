"""Per-stage deal counters and the substring search index

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 02:30:00

SQLite: an FTS5 trigram index over deals.name_norm, keyed by deals.search_key and kept in sync by
triggers. SQLite's batch rebuild of the deals table drops those triggers: a later migration
batch-alters deals through migrations/deals_table.py, which makes them again.
PostgreSQL: pg_trgm and a GIN index, which LIKE uses directly.
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

STAGES = ('lead', 'qualification', 'proposal', 'negotiation', 'closed_won', 'closed_lost')


def upgrade():
    dialect = op.get_bind().dialect.name
    op.create_table('deal_stage_counts',
    sa.Column('organization_id', sa.String(length=40), nullable=False),
    sa.Column('stage', sa.Enum(*STAGES, name='deal_stage_counts_stage', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('count', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ),
    sa.PrimaryKeyConstraint('organization_id', 'stage')
    )
    op.execute(
        "INSERT INTO deal_stage_counts (organization_id, stage, count) "
        "SELECT organization_id, stage, count(*) FROM deals WHERE deleted_at IS NULL GROUP BY organization_id, stage"
    )

    with op.batch_alter_table('deals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_key', sa.BigInteger(), nullable=True))
    if dialect == 'sqlite':
        op.execute("UPDATE deals SET search_key = random() & 4611686018427387903")
    else:
        op.execute("UPDATE deals SET search_key = floor(random() * 4611686018427387903)::bigint")
    with op.batch_alter_table('deals', schema=None) as batch_op:
        batch_op.alter_column('search_key', existing_type=sa.BigInteger(), nullable=False)
        batch_op.create_index('ux_deals_search_key', ['search_key'], unique=True)

    if dialect == 'sqlite':
        create_sqlite_search_index()
    else:
        # In public, shared by every schema of the database; when it already exists elsewhere (an
        # older install), its operator class is named with its schema so that it is found anyway.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
        extension_schema = op.get_bind().scalar(
            sa.text("SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm'")
        )
        # fastupdate off: new names go straight into the index instead of a pending list that the
        # planner must price in (and that made it prefer scanning until the next vacuum).
        op.execute(
            f"CREATE INDEX ix_deals_name_trgm ON deals USING gin (name_norm {extension_schema}.gin_trgm_ops) "
            "WITH (fastupdate = off) WHERE deleted_at IS NULL"
        )


def create_sqlite_search_index():
    # Contentless: the names live in deals only; the index keeps their trigrams.
    op.execute("CREATE VIRTUAL TABLE IF NOT EXISTS deals_fts USING fts5(name_norm, content='', tokenize='trigram')")
    op.execute(
        "CREATE TRIGGER deals_fts_after_insert AFTER INSERT ON deals BEGIN "
        "INSERT INTO deals_fts (rowid, name_norm) VALUES (new.search_key, new.name_norm); END"
    )
    op.execute(
        "CREATE TRIGGER deals_fts_after_update AFTER UPDATE OF name_norm, search_key ON deals BEGIN "
        "INSERT INTO deals_fts (deals_fts, rowid, name_norm) VALUES ('delete', old.search_key, old.name_norm); "
        "INSERT INTO deals_fts (rowid, name_norm) VALUES (new.search_key, new.name_norm); END"
    )
    op.execute(
        "CREATE TRIGGER deals_fts_after_delete AFTER DELETE ON deals BEGIN "
        "INSERT INTO deals_fts (deals_fts, rowid, name_norm) VALUES ('delete', old.search_key, old.name_norm); END"
    )
    op.execute("INSERT INTO deals_fts (deals_fts) VALUES ('delete-all')")
    op.execute("INSERT INTO deals_fts (rowid, name_norm) SELECT search_key, name_norm FROM deals")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        for trigger in ('deals_fts_after_insert', 'deals_fts_after_update', 'deals_fts_after_delete'):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS deals_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_deals_name_trgm")
    with op.batch_alter_table('deals', schema=None) as batch_op:
        batch_op.drop_index('ux_deals_search_key')
        batch_op.drop_column('search_key')
    op.drop_table('deal_stage_counts')
