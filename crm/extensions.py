"""Extensions, created unbound and attached to the app in create_app()."""

from flask_compress import Compress
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


# Objects stay readable after a commit: a view renders what the domain just committed without
# reloading every attribute.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
login_manager = LoginManager()
compress = Compress()


def insert_or_merge(model):
    """An INSERT that can say what to do ON CONFLICT: each database has its own construct."""
    return (sqlite_insert if db.session.get_bind().dialect.name == "sqlite" else postgresql_insert)(model)
