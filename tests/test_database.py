"""The schema comes from migrations, matches the models, and SQLite is set up for several workers."""

import shutil

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from crm import create_app
from crm.core.database import db
from crm.models import is_dialect_specific
from tests.conftest import app_config


# SQLite's reflection cannot read indexes on an expression (the ascending amount indexes), and says
# so; they are among the objects the comparison leaves alone anyway.
@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_migrations_match_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "include_object": lambda obj, name, *_: not is_dialect_specific(name)},
        )
        assert compare_metadata(context, db.metadata) == []


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
    "INSERT INTO deals (id, organization_id, name, name_norm, currency, created_at, updated_at, amount, stage) "
    "VALUES ('deal_x', 'org_x', 'n', 'n', 'JPY', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, :amount, :stage)"
)


@pytest.mark.parametrize(("amount", "stage"), [(-1, "lead"), (1, "won")])
def test_database_refuses_rows_that_break_the_rules(app, amount, stage):
    """Constraints back the domain's checks: a negative amount or a made-up stage never gets in."""
    with app.app_context(), db.engine.connect() as connection:
        connection.execute(text("INSERT INTO organizations (id, name, created_at) VALUES ('org_x', 'X', CURRENT_TIMESTAMP)"))
        with pytest.raises(IntegrityError):
            connection.execute(text(INSERT_DEAL), {"amount": amount, "stage": stage})
        connection.rollback()
