"""The CRM deals pipeline: create_app() builds the Flask application."""

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from crm.accounts import credentials  # noqa: F401  (registers the flask-login request loader)
from crm.accounts.limits import init_throttle
from crm.cli import crm_cli
from crm.core.database import db
from crm.core.jsonio import ExactJSONProvider
from crm.platform.config import configure_sqlite, engine_options, settings_from_environment
from crm.platform.error_handlers import register_error_handlers
from crm.platform.extensions import compress, login_manager, migrate
from crm.platform.i18n import init_i18n
from crm.platform.security import init_security
from crm.routes import register_routes
from crm.web import init_pages

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "migrations"


class CrmFlask(Flask):
    json_provider_class = ExactJSONProvider


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults from the environment, then instance/config.py, then test overrides."""
    app = CrmFlask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_mapping(settings_from_environment(Path(app.instance_path)))
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["SQLALCHEMY_DATABASE_URI"]))

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True)
    login_manager.init_app(app)
    compress.init_app(app)
    init_i18n(app)
    init_throttle(app)
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    login_manager.session_protection = None
    init_security(app)
    with app.app_context():
        configure_sqlite(db.engine)

    register_routes(app)
    init_pages(app)
    register_error_handlers(app)
    app.cli.add_command(crm_cli)
    return app
