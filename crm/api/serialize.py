"""Records as the API shows them: every field present, null when unset."""

from collections.abc import Callable
from typing import Any

from sqlalchemy import Row

from crm.core.jsonio import amount, timestamp
from crm.core.listing import Page
from crm.models import Activity, Company, Contact, Deal, User


def deal_json(deal: Deal | Row) -> dict[str, Any]:
    return {
        "id": deal.id,
        "name": deal.name,
        "amount": amount(deal.amount),
        "stage": deal.stage.value,
        "company_id": deal.company_id,
        "contact_id": deal.contact_id,
        "assigned_member_id": deal.assigned_member_id,
        "expected_close_date": deal.expected_close_date.isoformat() if deal.expected_close_date else None,
        "probability": deal.probability,
        "lost_reason": deal.lost_reason,
        "won_date": timestamp(deal.won_date),
        "currency": deal.currency,
        "created_at": timestamp(deal.created_at),
        "updated_at": timestamp(deal.updated_at),
    }


def activity_json(activity: Activity) -> dict[str, Any]:
    return {
        "id": activity.id,
        "type": activity.type.value,
        "content": activity.content,
        "deal_id": activity.deal_id,
        "contact_id": activity.contact_id,
        "created_by": activity.created_by,
        "created_at": timestamp(activity.created_at),
        "changes": activity.changes,
        "due_date": activity.due_date.isoformat() if activity.due_date else None,
        "due_time": activity.due_time.strftime("%H:%M") if activity.due_time else None,
        "done": activity.done,
        "done_at": timestamp(activity.done_at),
        "assigned_member_id": activity.assigned_member_id,
    }


def company_json(company: Company) -> dict[str, Any]:
    return {
        "id": company.id,
        "name": company.name,
        "domain": company.domain,
        "created_at": timestamp(company.created_at),
        "updated_at": timestamp(company.updated_at),
    }


def contact_json(contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.id,
        "name": contact.name,
        "email": contact.email,
        "phone": contact.phone,
        "company_id": contact.company_id,
        "created_at": timestamp(contact.created_at),
        "updated_at": timestamp(contact.updated_at),
    }


def member_json(user: User) -> dict[str, Any]:
    return {"id": user.id, "name": user.name, "email": user.email}


def page_json(page: Page, item_json: Callable[[Any], dict[str, Any]], key: str = "items") -> dict[str, Any]:
    """A page of a list; key names its items (the activities list calls them activities)."""
    return {
        key: [item_json(item) for item in page.items],
        "total": page.total,
        "limit": page.limit,
        "offset": page.offset,
    }
