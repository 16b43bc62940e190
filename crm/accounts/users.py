"""Organizations and the users who belong to them: creating a user, and letting one sign in or not."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import delete, select, update
from werkzeug.security import generate_password_hash

from crm.core import validation as v
from crm.core.database import db
from crm.core.errors import ValidationFailed
from crm.core.locales import DEFAULT_LANGUAGE, LANGUAGES, default_time_zone
from crm.core.messages import msg
from crm.core.text import fold
from crm.models import AuthToken, Organization, User

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
LANGUAGE = v.choice(list(LANGUAGES))
TIME_ZONE = v.time_zone


@dataclass(frozen=True, eq=False)
class Member(UserMixin):
    """Who a request comes from: the fields views and the domain need, read as one plain row on
    every request (building the ORM objects cost more than the query itself)."""

    id: str
    organization_id: str
    name: str
    email: str
    locale: str | None  # the member's own choice of language; None follows the browser
    organization_locale: str
    own_time_zone: str | None
    organization_time_zone: str | None

    @property
    def time_zone(self) -> str:
        """Where the member's day is: their own choice, else the organization's, else the home
        time zone of the organization's language."""
        return self.own_time_zone or self.organization_time_zone or default_time_zone(self.organization_locale)


def create_user(
    organization_name: str, email: str, name: str, password: str, organization_locale: str = DEFAULT_LANGUAGE
) -> User:
    """Create a user, and their organization (speaking organization_locale) when no organization
    has that name yet."""
    fields = v.parse_fields(
        {"organization": organization_name, "email": email, "name": name, "password": password},
        {"organization": v.text(255), "email": v.email, "name": v.text(255), "password": _password},
    )
    # Hashed before the first query: no transaction stays open through the slow part (see sign_in).
    password_hash = generate_password_hash(fields["password"], method=current_app.config["PASSWORD_HASH_METHOD"])
    if db.session.scalar(select(User.id).where(User.email == fields["email"])):
        raise ValidationFailed({"email": msg("is already taken.")})
    organization = db.session.scalar(select(Organization).where(Organization.name == fields["organization"]))
    if organization is None:
        organization = Organization(name=fields["organization"], locale=LANGUAGE(organization_locale))
        db.session.add(organization)
    user = User(
        organization=organization,
        email=fields["email"],
        name=fields["name"],
        name_norm=fold(fields["name"]),
        password_hash=password_hash,
    )
    db.session.add(user)
    db.session.commit()
    return user


def set_active(email: str, active: bool) -> int:
    """Let a user sign in again, or stop them at once: a deactivated user cannot sign in, and every
    session and API token they hold is revoked in the same transaction. Answers how many were revoked."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise ValidationFailed({"email": msg("does not belong to any user.")})
    user.active = active
    revoked = 0
    if not active:
        revoked = db.session.execute(delete(AuthToken).where(AuthToken.user_id == user.id)).rowcount
    db.session.commit()
    return revoked


def set_preferences(member: Member, data: Mapping[str, Any]) -> None:
    """Save the member's own language and time zone; null follows the browser and the organization again."""
    fields = v.parse_fields(data, {"locale": v.optional(LANGUAGE), "time_zone": v.optional(TIME_ZONE)})
    if fields:
        db.session.execute(update(User).where(User.id == member.id).values(fields))
        db.session.commit()


def configure_organization(name: str, data: Mapping[str, Any]) -> None:
    """Set what the organization's members see until they choose: its language and time zone."""
    fields = v.parse_fields(data, {"locale": LANGUAGE, "time_zone": v.optional(TIME_ZONE)})
    organization = db.session.scalar(select(Organization).where(Organization.name == name))
    if organization is None:
        raise ValidationFailed({"organization": msg("does not name an organization.")})
    for field, value in fields.items():
        setattr(organization, field, value)
    db.session.commit()


def _password(value: object) -> str:
    if not isinstance(value, str) or len(value) < MIN_PASSWORD_LENGTH:
        raise v.FieldError(msg("must be at least %(min)s characters long.", min=MIN_PASSWORD_LENGTH))
    if len(value) > MAX_PASSWORD_LENGTH:
        raise v.FieldError(msg("must be at most %(max)s characters long.", max=MAX_PASSWORD_LENGTH))
    return value
