"""Records as the API shows them: every field present, null when unset."""

from collections.abc import Callable
from typing import Any

from sqlalchemy import Row

from crm.core.jsonio import amount, timestamp
from crm.core.listing import Page
from crm.deals.signals import DealSignals
from crm.models import Activity, Company, Contact, Deal, User


def deal_json(deal: Deal | Row, signals: DealSignals) -> dict[str, Any]:
    return {
        "id": deal.id,
        "name": deal.name,
        "amount": amount(deal.amount),
        "stage": deal.stage.value,
        "company_id": deal.company_id,
        "contact_id": deal.contact_id,
        "assigned_member_id": deal.assigned_member_id,
        "expected_close_date": _day(deal.expected_close_date),
        "probability": deal.probability,
        "lost_reason": deal.lost_reason,
        "won_date": timestamp(deal.won_date),
        "currency": deal.currency,
        "created_at": timestamp(deal.created_at),
        "updated_at": timestamp(deal.updated_at),
        "stage_entered_at": timestamp(deal.stage_entered_at),
        "last_activity_at": timestamp(deal.last_activity_at),
        "next_activity": next_activity_json(signals.next_step(deal)),
        "stale": signals.is_stale(deal),
    }


def next_activity_json(step: Row | None) -> dict[str, Any] | None:
    if step is None:
        return None
    return {
        "id": step.id,
        "type": step.type.value,
        "content": step.content,
        "due_date": _day(step.due_date),
        "due_time": _clock(step.due_time),
    }


def _day(value) -> str | None:
    return value.isoformat() if value else None


def _clock(value) -> str | None:
    return value.strftime("%H:%M") if value else None


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
        "due_date": _day(activity.due_date),
        "due_time": _clock(activity.due_time),
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
