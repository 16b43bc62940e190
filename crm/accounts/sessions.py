"""Sessions and API tokens: signing in (within the sign-in limits), signing out, and finding the
member a token belongs to. Only a token's hash is stored."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import bindparam, delete, or_, select
from werkzeug.security import check_password_hash, generate_password_hash

from crm.accounts import limits
from crm.accounts.users import Member
from crm.core import validation as v
from crm.core.clock import now_utc
from crm.core.database import db
from crm.core.errors import InvalidCredentials, ValidationFailed
from crm.core.messages import msg
from crm.models import AuthToken, Organization, User

API_TOKEN_PREFIX = "crm_"


@dataclass(frozen=True)
class IssuedToken:
    """A token's secret, shown once to its owner, and its stored record."""

    secret: str
    record: AuthToken


def sign_in(email: object, password: object, lifetime: timedelta, address: str | None) -> IssuedToken:
    """Start a session for the user with these credentials, counted against the sign-in limits of
    the account and of the client address; InvalidCredentials, TooManyAttempts or SignInBusy
    otherwise.

    The password check runs outside any transaction: on SQLite a write request holds the write lock
    for as long as its transaction lasts, and a check lasting tens of milliseconds would make every
    other write wait (or fail) behind it."""
    with limits.password_check_slot():
        reservation = limits.reserve(limits.account_key(email), address)
        user = _user_signing_in(email)
        db.session.commit()
        matches = _password_matches(user, password)
    if not matches:
        raise InvalidCredentials()
    now = now_utc()
    reservation.give_back()
    db.session.execute(
        delete(AuthToken).where(AuthToken.user_id == user.id, AuthToken.expires_at < now)
    )
    issued = _issue(user, "session", secrets.token_urlsafe(32), now + lifetime)
    db.session.commit()
    return issued


def sign_out(secret: str) -> None:
    """Revoke the session or token with this secret at once."""
    db.session.execute(delete(AuthToken).where(AuthToken.token_hash == _hash(secret)))
    db.session.commit()


def create_api_token(email: str) -> IssuedToken:
    """Issue a long-lived API token for the user with that email."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise ValidationFailed({"email": msg("does not belong to any user.")})
    issued = _issue(user, "api", API_TOKEN_PREFIX + secrets.token_urlsafe(32), None)
    db.session.commit()
    return issued


def user_for_token(secret: str) -> Member | None:
    """The active user a live session or API token belongs to, or None."""
    if not secret or len(secret) > 200:
        return None
    found = db.session.execute(_MEMBER_BY_TOKEN, {"token_hash": _hash(secret), "now": now_utc()}).first()
    return None if found is None else Member(*found)


_users, _tokens, _organizations = User.__table__.c, AuthToken.__table__.c, Organization.__table__.c
_MEMBER_BY_TOKEN = (
    select(
        _users.id, _users.organization_id, _users.name, _users.email, _users.locale, _organizations.locale,
        _users.time_zone, _organizations.time_zone,
    )
    .join_from(AuthToken.__table__, User.__table__, _tokens.user_id == _users.id)
    .join(Organization.__table__, _organizations.id == _users.organization_id)
    .where(
        _tokens.token_hash == bindparam("token_hash"),
        _users.active.is_(True),
        or_(_tokens.expires_at.is_(None), _tokens.expires_at > bindparam("now")),
    )
)


def _issue(user: User, kind: str, secret: str, expires_at: datetime | None) -> IssuedToken:
    record = AuthToken(token_hash=_hash(secret), kind=kind, user=user, expires_at=expires_at)
    db.session.add(record)
    return IssuedToken(secret, record)


def _user_signing_in(email: object) -> User | None:
    # No stored email has control characters (and PostgreSQL cannot even compare text with NUL).
    if not isinstance(email, str) or v.has_control_characters(email):
        return None
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def _password_matches(user: User | None, password: object) -> bool:
    """Whether the password is the active user's; an unknown email is checked against a dummy hash
    so that both failures take the same time."""
    if not isinstance(password, str):
        return False
    if user is None:
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        return False
    return check_password_hash(user.password_hash, password) and user.active


@cache
def _dummy_hash(method: str) -> str:
    """The hash an unknown email's password is checked against."""
    return generate_password_hash("not-a-real-password", method=method)


def _hash(secret: str) -> str:
    # Tokens are 256-bit random values, so a fast hash suffices; a stolen table reveals no token.
    return hashlib.sha256(secret.encode()).hexdigest()
