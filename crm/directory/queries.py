"""Companies, contacts and members: the records a deal points to, always within one organization."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from crm.core import validation as v
from crm.core.database import db
from crm.core.errors import NotFound, ValidationFailed
from crm.core.ids import is_id_of
from crm.core.listing import LIST_LIMIT_CAP, Page, Params, Window
from crm.core.messages import msg
from crm.core.text import contains_pattern, fold
from crm.models import Company, Contact, User

READ_ONLY_FIELDS = frozenset({"id", "created_at", "updated_at", "organization_id"})
# A company or contact cannot be created without its name.
REQUIRED_TO_CREATE = frozenset({"name"})
COMPANY_FIELD_PARSERS: dict[str, v.Parser] = {
    "name": v.text(255),
    "domain": v.optional(v.text(255)),
}
CONTACT_FIELD_PARSERS: dict[str, v.Parser] = {
    "name": v.text(255),
    "email": v.optional(v.email),
    "phone": v.optional(v.text(50)),
    "company_id": v.optional(v.record_id("company")),
}


@dataclass(frozen=True)
class DirectoryQuery:
    """What a list of companies, contacts or members asks for: a window of them by name, and an
    optional search of their names."""

    window: Window
    search: str | None = None

    @classmethod
    def from_params(cls, params: Params) -> "DirectoryQuery":
        return cls(window=Window.from_params(params), search=params.search())


# What a form's dropdown offers: the first records by name, as many as one list answers at most.
FIRST_CHOICES = DirectoryQuery(Window(limit=LIST_LIMIT_CAP, offset=0))


def list_companies(organization_id: str, query: DirectoryQuery) -> Page[Company]:
    """A page of the organization's companies by name, optionally searched by name."""
    return _page(select(Company).where(Company.organization_id == organization_id), Company, query)


def get_company(organization_id: str, company_id: str) -> Company:
    return _get(Company, "company", organization_id, company_id)


def create_company(organization_id: str, data: Mapping[str, Any]) -> Company:
    """Create a company in the organization."""
    fields = v.parse_fields(data, COMPANY_FIELD_PARSERS, required=REQUIRED_TO_CREATE, read_only=READ_ONLY_FIELDS)
    company = Company(organization_id=organization_id, name_norm=fold(fields["name"]), **fields)
    db.session.add(company)
    db.session.commit()
    return company


def list_contacts(organization_id: str, query: DirectoryQuery) -> Page[Contact]:
    """A page of the organization's contacts by name, optionally searched by name."""
    return _page(select(Contact).where(Contact.organization_id == organization_id), Contact, query)


def get_contact(organization_id: str, contact_id: str) -> Contact:
    return _get(Contact, "contact", organization_id, contact_id)


def create_contact(organization_id: str, data: Mapping[str, Any]) -> Contact:
    """Create a contact in the organization, optionally at one of its companies."""
    fields = v.parse_fields(data, CONTACT_FIELD_PARSERS, required=REQUIRED_TO_CREATE, read_only=READ_ONLY_FIELDS)
    company_id = fields.get("company_id")
    if company_id is not None and not is_owned(Company, organization_id, company_id):
        raise ValidationFailed({"company_id": msg("does not name a company of your organization.")})
    contact = Contact(organization_id=organization_id, name_norm=fold(fields["name"]), **fields)
    db.session.add(contact)
    db.session.commit()
    return contact


def list_members(organization_id: str, query: DirectoryQuery) -> Page[User]:
    """A page of the organization's active users by name, optionally searched by name."""
    members = select(User).where(User.organization_id == organization_id, User.active.is_(True))
    return _page(members, User, query)


def _page(matching: Select, model, query: DirectoryQuery) -> Page:
    if query.search:
        matching = matching.where(model.name_norm.like(contains_pattern(query.search), escape="\\"))
    total = db.session.scalar(select(func.count()).select_from(matching.subquery()))
    window = query.window
    items = db.session.scalars(
        matching.order_by(model.name_norm, model.id).limit(window.limit).offset(window.offset)
    ).all()
    return Page(list(items), total, window.limit, window.offset)


def _get(model, what: str, organization_id: str, record_id: str):
    if not is_id_of(what, record_id):
        raise NotFound(what)
    record = db.session.scalar(
        select(model).where(model.id == record_id, model.organization_id == organization_id)
    )
    if record is None:
        raise NotFound(what)
    return record


def is_owned(model, organization_id: str, record_id: str) -> bool:
    """Tell whether record_id names a record of that model in the organization."""
    return db.session.scalar(
        select(model.id).where(model.id == record_id, model.organization_id == organization_id)
    ) is not None
