"""The schema comes from migrations, matches the models, and SQLite is set up for several workers; a
migration that rebuilds the deals table on SQLite keeps its search triggers and references."""

import ast
import shutil
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from crm import create_app
from crm.accounts import users
from crm.core import clock
from crm.core.database import db
from crm.core.listing import Window
from crm.deals import operations, queries
from crm.models import is_dialect_specific
from tests.conftest import DATABASES, PASSWORD, ApiClient, app_config, migrate, postgres_schema

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"
SEARCH_TRIGGERS = {"deals_fts_after_insert", "deals_fts_after_update", "deals_fts_after_delete"}
# Migrations that batch-alter deals themselves, written before the helper: none rebuilds the table
# after 0003 made the search triggers (0003 rebuilds it first; 0004 and 0005 only add indexes).
BATCH_ALTERS_DEALS_ITSELF = {"0001", "0002", "0003", "0004", "0005"}
SIGNALS = ("stage_entered_at", "last_activity_at", "next_activity", "stale")


# SQLite's reflection cannot read indexes on an expression (the ascending amount indexes), and says
# so; they are among the objects the comparison leaves alone anyway.
@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_migrations_match_the_models(app):
    assert_migrations_match_the_models(app)


def assert_migrations_match_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "include_object": lambda obj, name, *_: not is_dialect_specific(name)},
        )
        assert compare_metadata(context, db.metadata) == []


def deal_objects(app) -> dict[str, str]:
    """The deals table's triggers and indexes on SQLite: name -> CREATE statement."""
    with app.app_context(), db.engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE tbl_name = 'deals' AND type IN ('trigger', 'index') AND sql IS NOT NULL"
        )
        return dict(rows.all())


def found_by_name(owner, term: str) -> list[str]:
    query = queries.DealQuery(window=Window(limit=10, offset=0), filter=queries.DealFilter(search=term))
    return [deal.name for deal in queries.list_deals(owner.organization_id, query).items]


def assert_search_follows_new_and_renamed_deals(app, org: str = "Acme"):
    """Through SQLite's full-text index (terms of three characters or more), kept by the triggers."""
    with app.app_context():
        owner = users.create_user(org, f"owner@{len(org)}.example.com", "Owner", PASSWORD)
        deal = operations.create_deal(owner, {"name": "Harbour crane"})
        assert found_by_name(owner, "harbour") == ["Harbour crane"]
        operations.update_deal(owner, deal.id, {"name": "Quayside gantry"})
        assert found_by_name(owner, "quayside") == ["Quayside gantry"]
        assert found_by_name(owner, "harbour") == []


def test_init_db_on_an_empty_sqlite_database_makes_the_search_triggers_that_find_a_renamed_deal(tmp_path):
    app = create_app(app_config(f"sqlite:///{tmp_path / 'crm.sqlite3'}"))
    result = app.test_cli_runner().invoke(args=["crm", "init-db"])

    assert result.exit_code == 0, result.output
    assert SEARCH_TRIGGERS <= deal_objects(app).keys()
    assert_search_follows_new_and_renamed_deals(app)
    with app.app_context():
        db.engine.dispose()


REBUILD_OF_DEALS = """
from migrations.deals_table import batch_alter_deals


def upgrade():
    with batch_alter_deals(recreate="always"):
        pass  # what a change of a constraint (a new stage) does on SQLite: copy the table
"""
ORPHAN_ACTIVITY = """
from alembic import op


def upgrade():
    op.execute(
        "INSERT INTO activities (id, organization_id, deal_id, type, content, created_at) "
        "SELECT 'activity_orphan', id, 'deal_gone', 'note', 'Lost', CURRENT_TIMESTAMP FROM organizations"
    )
"""


def app_with_a_new_migration(sqlite_template, tmp_path, body: str):
    """An app on a copy of the migrated database, and a copy of the migrations with one more."""
    migrations = shutil.copytree(MIGRATIONS.parent, tmp_path / "migrations")
    head = max(path.name[:4] for path in MIGRATIONS.glob("*.py"))
    revision = f'revision = "next"\ndown_revision = "{head}"\n'
    (migrations / "versions" / "9999_next.py").write_text(revision + body)
    shutil.copy(sqlite_template, tmp_path / "crm.sqlite3")
    return create_app(app_config(f"sqlite:///{tmp_path / 'crm.sqlite3'}")), migrations


@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_a_migration_that_rebuilds_the_deals_table_through_the_helper_keeps_its_triggers_and_indexes(
    sqlite_template, tmp_path
):
    app, migrations = app_with_a_new_migration(sqlite_template, tmp_path, REBUILD_OF_DEALS)
    assert_search_follows_new_and_renamed_deals(app)  # deals with activities that refer to them
    before = deal_objects(app)

    with app.app_context():
        upgrade(directory=str(migrations))

    assert deal_objects(app) == before
    assert_search_follows_new_and_renamed_deals(app, org="Acme after the rebuild")
    assert_migrations_match_the_models(app)
    with app.app_context():
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1  # on again for the app
        db.engine.dispose()


def test_a_migration_that_breaks_a_reference_is_refused_though_sqlites_foreign_keys_are_off_for_migrations(
    sqlite_template, tmp_path, capfd
):
    app, migrations = app_with_a_new_migration(sqlite_template, tmp_path, ORPHAN_ACTIVITY)
    assert_search_follows_new_and_renamed_deals(app)  # an organization for the orphan to name

    with app.app_context(), pytest.raises(SystemExit):  # Flask-Migrate logs the error and exits
        upgrade(directory=str(migrations))

    with app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM activities WHERE id = 'activity_orphan'")).scalar() == 0
        assert db.session.execute(text("SELECT version_num FROM alembic_version")).scalar() != "next"
        db.engine.dispose()
    assert "the migration leaves rows whose references are broken" in capfd.readouterr().err


def batch_alters_of_deals(path: Path) -> list[int]:
    """Lines where a migration calls batch_alter_table("deals", ...) itself."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "batch_alter_table"
        and node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value == "deals"
    ]


def test_a_migration_batch_alters_deals_only_through_the_helper_that_keeps_its_triggers():
    migrations = sorted(MIGRATIONS.glob("*.py"))
    itself = {path.name[:4] for path in migrations if batch_alters_of_deals(path)}

    assert itself == BATCH_ALTERS_DEALS_ITSELF  # a new migration uses migrations.deals_table.batch_alter_deals


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(sqlite_template, tmp_path):
    path = tmp_path / "crm.sqlite3"
    shutil.copy(sqlite_template, path)
    app = create_app(app_config(f"sqlite:///{path}"))
    with app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        db.engine.dispose()


INSERT_DEAL = (
    "INSERT INTO deals (id, organization_id, name, name_norm, currency, created_at, updated_at, stage_entered_at, "
    "last_activity_at, amount, stage) VALUES ('deal_x', 'org_x', 'n', 'n', 'JPY', CURRENT_TIMESTAMP, "
    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, :amount, :stage)"
)


@pytest.mark.parametrize(("amount", "stage"), [(-1, "lead"), (1, "won")])
def test_database_refuses_rows_that_break_the_rules(app, amount, stage):
    """Constraints back the domain's checks: a negative amount or a made-up stage never gets in."""
    with app.app_context(), db.engine.connect() as connection:
        connection.execute(text("INSERT INTO organizations (id, name, created_at) VALUES ('org_x', 'X', CURRENT_TIMESTAMP)"))
        with pytest.raises(IntegrityError):
            connection.execute(text(INSERT_DEAL), {"amount": amount, "stage": stage})
        connection.rollback()


@pytest.fixture(params=DATABASES)
def migrated_app(request, tmp_path):
    """An app on a new database of its own at the latest revision, free to go down and up again
    (its models stay those of the latest revision)."""
    sqlite = nullcontext(f"sqlite:///{tmp_path / 'crm.sqlite3'}")
    with postgres_schema() if request.param == "postgresql" else sqlite as uri:
        migrate(uri)
        app = create_app(app_config(uri))
        yield app
        with app.app_context():
            db.engine.dispose()


# A katakana name of each table with a folded key, and the hiragana a user types to find it.
KANA_NAMES = {
    "deals": ("/api/v1/crm/deals", "テスト案件", "てすと"),  # three kana: through the trigram index
    "companies": ("/api/v1/crm/companies", "サクラ電機", "さくら"),
    "contacts": ("/api/v1/crm/contacts", "タナカ", "たなか"),
    "users": ("/api/v1/crm/members", "スズキ", "すずき"),
}


def test_names_written_before_migration_0013_are_found_in_either_kana_after_it(migrated_app):
    """Taken back to 0012, the last revision whose keys kept katakana as written, once the app has
    written its rows."""
    app = migrated_app
    api = client_of_a_new_user(app, name=KANA_NAMES["users"][1])
    for table in ("deals", "companies", "contacts"):
        path, name, _ = KANA_NAMES[table]
        assert api.post(path, json={"name": name}).status_code == 201
    with app.app_context():
        downgrade(revision="0012")  # the keys as 0012 folded them: these names unchanged
        # Read from the tables: the app's models are the latest revision's, which 0012 lacks.
        keys = {table: db.session.execute(text(f"SELECT name_norm FROM {table}")).scalars().all() for table in KANA_NAMES}
        db.session.rollback()
    assert all(name.casefold() in keys[table] for table, (_, name, _) in KANA_NAMES.items())

    with app.app_context():
        upgrade()

    assert found_by_hiragana(api) == {table: [name] for table, (_, name, _) in KANA_NAMES.items()}
    with app.app_context():
        downgrade(revision="0012")
        assert db.session.execute(text("SELECT name_norm FROM deals")).scalars().all() == ["テスト案件"]


def client_of_a_new_user(app, name: str) -> ApiClient:
    with app.app_context():
        users.create_user("Acme", "owner@example.com", name, PASSWORD)
    response = app.test_client().post("/api/v1/auth/sign-in", json={"email": "owner@example.com", "password": PASSWORD})
    return ApiClient(app.test_client(), response.get_json()["token"])


def found_by_hiragana(api: ApiClient) -> dict[str, list[str]]:
    found = {}
    for table, (path, _, term) in KANA_NAMES.items():
        response = api.get(path, query_string={"search": term})
        assert response.status_code == 200, response.get_json()
        found[table] = [item["name"] for item in response.get_json()["items"]]
    return found


def test_migration_0015_works_out_the_signals_of_existing_deals_as_the_operations_keep_them(migrated_app):
    """Deals with moves, edits, logged, planned, done and undone activities: their signals after
    the migration fills them from the history are those the operations kept."""
    app = migrated_app
    api = client_of_a_new_user(app, name="Ann")
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    steps = [
        ("POST", "/api/v1/crm/deals", {"name": "moved and planned"}),
        ("POST", "/api/v1/crm/deals", {"name": "edited only", "stage": "proposal"}),
        ("POST", "/api/v1/crm/deals", {"name": "logged and undone"}),
    ]
    with clock.stopped_at(start):
        deals = [api.post(path, json=body).get_json()["deal"] for _, path, body in steps]
    moved, edited, logged = (deal["id"] for deal in deals)
    later = [
        ("POST", f"/api/v1/crm/deals/{moved}/stage", {"stage": "negotiation"}),
        ("POST", f"/api/v1/crm/deals/{moved}/activities", {"type": "call", "content": "c", "due_date": "2026-03-09"}),
        ("POST", f"/api/v1/crm/deals/{moved}/activities", {"type": "task", "content": "t", "due_date": "2026-03-05",
                                                           "due_time": "10:00"}),
        ("PATCH", f"/api/v1/crm/deals/{edited}", {"amount": 5}),
        ("POST", f"/api/v1/crm/deals/{logged}/activities", {"type": "meeting", "content": "m"}),
        ("POST", f"/api/v1/crm/deals/{logged}/activities", {"type": "email", "content": "e", "due_date": "2026-03-04"}),
    ]
    for day, (method, path, body) in enumerate(later, start=1):
        with clock.stopped_at(start + timedelta(days=day)):
            assert getattr(api, method.lower())(path, json=body).status_code in (200, 201)
    email = api.get(f"/api/v1/crm/deals/{logged}/activities").get_json()["activities"][0]
    with clock.stopped_at(start + timedelta(days=9)):
        assert api.patch(f"/api/v1/crm/activities/{email['id']}", json={"done": True}).status_code == 200
    with clock.stopped_at(start + timedelta(days=10)):
        assert api.patch(f"/api/v1/crm/activities/{email['id']}", json={"done": False}).status_code == 200

    def signals() -> dict:
        with clock.stopped_at(start + timedelta(days=12)):
            items = api.get("/api/v1/crm/deals").get_json()["items"]
        return {deal["name"]: {key: deal[key] for key in SIGNALS} for deal in items}

    kept = signals()
    with app.app_context():
        downgrade(revision="0014")
        upgrade()

    assert signals() == kept
    assert kept["moved and planned"]["next_activity"]["content"] == "t"
    assert kept["logged and undone"]["next_activity"]["content"] == "e"
    assert kept["edited only"]["last_activity_at"] == "2026-03-02T09:00:00Z"
