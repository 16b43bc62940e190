"""The database: the declarative base of the models, the Flask-SQLAlchemy handle, a change
committed whole or not at all, and the one construct that differs between SQLite and PostgreSQL."""

from collections.abc import Iterator
from contextlib import contextmanager

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


# Objects stay readable after a commit: a view renders what the domain just committed without
# reloading every attribute.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})


def insert_or_merge(model):
    """An INSERT that can say what to do ON CONFLICT: each database has its own construct."""
    return (sqlite_insert if db.session.get_bind().dialect.name == "sqlite" else postgresql_insert)(model)


@contextmanager
def transaction() -> Iterator[None]:
    """Commit what the block changed (a change and its activities) together, or nothing at all."""
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
