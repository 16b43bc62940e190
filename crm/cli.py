"""`flask crm ...`: set up the database, manage users and tokens, make demo data."""

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_migrate import upgrade

from crm import backup, demo
from crm.accounts import sessions, users
from crm.core.database import db
from crm.core.errors import ValidationFailed
from crm.core.locales import DEFAULT_LANGUAGE, LANGUAGES, default_time_zone
from crm.platform import i18n

crm_cli = AppGroup("crm", help="Administer the CRM.")


@crm_cli.command("init-db")
def init_db():
    """Create or upgrade the database schema (safe to run again)."""
    upgrade(directory=current_app.extensions["migrate"].directory)
    refresh_planner_statistics()
    click.echo("Database schema is up to date.")


@crm_cli.command("create-user")
@click.option("--org", "organization", required=True, help="Organization name; created when new.")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--password", required=True, help="At least 8 characters.")
@click.option("--locale", type=click.Choice(list(LANGUAGES)), default=DEFAULT_LANGUAGE, show_default=True,
              help="The language of the organization, when it is new (ja also sets the time zone Asia/Tokyo).")
def create_user(organization: str, email: str, name: str, password: str, locale: str):
    """Create a user (and their organization when it is new); print the user id."""
    try:
        user = users.create_user(organization, email, name, password, locale)
    except ValidationFailed as error:
        _fail(error)
    click.echo(user.id)


@crm_cli.command("configure-organization")
@click.option("--org", "organization", required=True, help="Organization name.")
@click.option("--locale", type=click.Choice(list(LANGUAGES)), required=True,
              help="The language its members see until they choose one (and their browser asks for none).")
@click.option("--time-zone", help="An IANA time zone such as Asia/Tokyo; default: the language's home time zone.")
def configure_organization(organization: str, locale: str, time_zone: str | None):
    """Set an organization's default language and time zone."""
    try:
        users.configure_organization(organization, {"locale": locale, "time_zone": time_zone})
    except ValidationFailed as error:
        _fail(error)
    click.echo(f"{organization}: {locale}, {time_zone or default_time_zone(locale)}.")


@crm_cli.command("update-catalogs")
def update_catalogs():
    """Bring the translation catalogs up to date with the code and templates (then translate what is new)."""
    i18n.update_catalogs()
    click.echo(f"Updated the catalogs in {i18n.CATALOGS}.")


@crm_cli.command("create-token")
@click.option("--email", required=True)
def create_token(email: str):
    """Print a new API token for the user, and nothing else."""
    try:
        issued = sessions.create_api_token(email)
    except ValidationFailed as error:
        _fail(error)
    click.echo(issued.secret)


@crm_cli.command("deactivate-user")
@click.option("--email", required=True)
def deactivate_user(email: str):
    """Stop a user at once: sign-in refused, every session and API token revoked."""
    try:
        revoked = users.set_active(email, False)
    except ValidationFailed as error:
        _fail(error)
    click.echo(f"Deactivated {email}; revoked {revoked} sessions and tokens.")


@crm_cli.command("activate-user")
@click.option("--email", required=True)
def activate_user(email: str):
    """Let a deactivated user sign in again (their old sessions and tokens stay revoked)."""
    try:
        users.set_active(email, True)
    except ValidationFailed as error:
        _fail(error)
    click.echo(f"Activated {email}.")


@crm_cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_database(path: Path):
    """Copy the SQLite database to PATH, consistently, while the app keeps running.

    PostgreSQL is backed up with its own tool: pg_dump --format=custom "$DATABASE_URL" > FILE."""
    try:
        pages = backup.copy_sqlite(db.engine, path)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backed up {pages} pages to {path}; its integrity check passed.")


@crm_cli.command("seed-demo")
@click.option("--deals", "deal_count", default=200, show_default=True, type=click.IntRange(min=0),
              help="How many live deals the demo organization should have; only the missing ones are added.")
def seed_demo(deal_count: int):
    """Make a demo organization with members, companies, contacts, deals and their history, or top it up."""
    seeded = demo.seed(deal_count, progress=_progress_bar)
    if seeded.added:
        refresh_planner_statistics()
    click.echo(f"Demo organization '{seeded.organization_name}' has {seeded.deal_count} deals ({seeded.added} new).")
    click.echo(f"Sign in as {demo.DEMO_EMAIL} with password {demo.DEMO_PASSWORD}")


def refresh_planner_statistics():
    """ANALYZE, so that the query planners know the tables' sizes: without it SQLite walks a sort
    index past every deal instead of starting from the few that the search index finds. On
    PostgreSQL, VACUUM too, as autovacuum would later: until a bulk load's pages are marked all
    visible, no count is read from an index alone (the signal filters' counts took 4x as long)."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:  # VACUUM runs outside a transaction
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
        return
    with db.engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")


def _progress_bar(total: int, label: str):
    return click.progressbar(length=total, label=label, file=sys.stderr)


def _fail(error: ValidationFailed):
    problems = "; ".join(f"{field} {message}" for field, message in error.fields.items())
    raise click.ClickException(problems)
