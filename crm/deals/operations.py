"""Changing deals: every operation validates its input, applies the change with its stage side
effects, records the activity history and commits both in one transaction. Views call exactly one
of these."""

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from crm.accounts.users import Member
from crm.core import validation as v
from crm.core.clock import now_utc
from crm.core.database import db, transaction
from crm.core.errors import NotFound, StaleVersion
from crm.core.ids import is_id_of, new_id
from crm.core.text import fold
from crm.deals import idempotency, planned, signals, totals
from crm.deals.history import History, changes_between, recorded_values
from crm.deals.queries import get_deal, matching_deals
from crm.deals.rules import (
    ACTIVITY_CHANGE_PARSERS,
    ACTIVITY_FIELD_PARSERS,
    DEAL_FIELD_PARSERS,
    DEFAULT_CURRENCY,
    NEW_DEAL_STAGE,
    READ_ONLY_FIELDS,
    REQUIRED_TO_CREATE,
    REQUIRED_TO_LOG,
    REQUIRED_TO_MOVE,
    STAGE_CHANGE_PARSERS,
    Refused,
    Versions,
    reference_errors,
    refuse_all,
    settle_stage,
    version_of,
)
from crm.models import Activity, ActivityType, Deal, Stage


def add_activity(
    actor: Member, deal_id: str, data: Mapping[str, Any], parsers: Mapping[str, v.Parser] = ACTIVITY_FIELD_PARSERS
) -> Activity:
    """Log a note, call, email or meeting on a deal's history (the fields of the deal page's form), or,
    with PLANNED_ACTIVITY_FIELD_PARSERS, also plan one (or a task) for a day, assigned to a member
    (the actor unless another is named: History.record)."""
    fields = v.parse_fields(data, parsers, required=REQUIRED_TO_LOG)
    kind = ActivityType(fields.pop("type"))
    fields.setdefault("done", planned.is_done_by_default(kind, fields))
    with transaction():
        deal = _get_for_update(actor.organization_id, deal_id)
        # Checked before the activity is added: a query after it would flush the unchecked ids.
        wrong_references = reference_errors(actor.organization_id, fields)
        now = now_utc()
        activity = History(deal, actor, now).record(kind, fields["content"], contact_id=fields.get("contact_id"))
        refuse_all(wrong_references, planned.plan(activity, fields, now))
        signals.refresh(deal)
    return activity


def update_activity(actor: Member, activity_id: str, data: Mapping[str, Any]) -> Activity:
    """Change a logged or planned activity's text, due date and time, assignee or done."""
    fields = v.parse_fields(data, ACTIVITY_CHANGE_PARSERS)
    with transaction():
        deal, activity = _get_changeable_activity(actor.organization_id, activity_id)
        wrong_references = reference_errors(actor.organization_id, fields)
        refuse_all(wrong_references, planned.plan(activity, fields, now_utc()))
        signals.refresh(deal)
    return activity


def delete_activity(actor: Member, activity_id: str) -> None:
    """Delete a logged or planned activity (the entries the app records stay)."""
    with transaction():
        deal, activity = _get_changeable_activity(actor.organization_id, activity_id)
        db.session.delete(activity)
        signals.refresh(deal)


def _get_changeable_activity(organization_id: str, activity_id: str) -> tuple[Deal, Activity]:
    """The activity and its deal, both locked: the deal first, as every change of a deal locks it,
    so that two changes of its activities keep its signals in step."""
    deal_id = planned.deal_of(organization_id, activity_id)
    deal = _get_for_update(organization_id, deal_id)
    return deal, planned.get_changeable(organization_id, activity_id)


def create_deal(actor: Member, data: Mapping[str, Any], refused: Refused | None = None) -> Deal:
    """Create a deal from submitted fields and record its creation (and note)."""
    fields, errors = _collect_new(data, refused)
    with transaction():
        return _create(actor, fields, errors)


def create_deal_once(
    actor: Member, data: Mapping[str, Any], key: str, refused: Refused | None = None
) -> tuple[Deal, bool]:
    """create_deal for a request that may be retried or sent twice at once: the first request with
    this key creates the deal; every other one gets that deal, with True (a replay)."""
    fields, errors = _collect_new(data, refused)
    deal_id = new_id("deal")
    with transaction():
        earlier = idempotency.claim(actor.id, key, data, deal_id)
        if earlier is not None:
            return get_deal(actor.organization_id, earlier), True
        return _create(actor, fields, errors, deal_id), False


def _collect_new(data: Mapping[str, Any], refused: Refused | None) -> tuple[dict[str, Any], dict[str, str]]:
    fields, errors = v.collect_fields(
        data, DEAL_FIELD_PARSERS, required=REQUIRED_TO_CREATE, read_only=READ_ONLY_FIELDS
    )
    return fields, {**(refused or {}), **errors}


def _create(actor: Member, fields: dict[str, Any], errors: dict[str, str], deal_id: str | None = None) -> Deal:
    note = fields.pop("note", None)
    now = now_utc()
    wrong_references = reference_errors(actor.organization_id, fields)
    deal = Deal(
        id=deal_id or new_id("deal"), organization_id=actor.organization_id, stage=NEW_DEAL_STAGE, currency=DEFAULT_CURRENCY,
        created_at=now, updated_at=now,
    )
    _assign(deal, fields)
    refuse_all(errors, wrong_references, settle_stage(deal, None, fields, now))
    db.session.add(deal)
    history = History(deal, actor, now)
    history.record(ActivityType.CREATED, "Deal created.")
    totals.retally(deal.organization_id, None, totals.Share.of(deal))
    if note:
        history.record(ActivityType.NOTE, note)
    return deal


def update_deal(
    actor: Member, deal_id: str, data: Mapping[str, Any], if_version: Versions = None,
    refused: Refused | None = None,
) -> Deal:
    """Change only the submitted fields of a deal, with stage side effects and history."""
    fields, errors = v.collect_fields(data, DEAL_FIELD_PARSERS, read_only=READ_ONLY_FIELDS)
    errors = {**(refused or {}), **errors}
    with transaction():
        return _apply_change(actor, deal_id, fields, errors, if_version)


def change_stage(actor: Member, deal_id: str, data: Mapping[str, Any], if_version: Versions = None) -> Deal:
    """Move a deal to another stage (with an optional lost reason and note)."""
    fields, errors = v.collect_fields(
        data, STAGE_CHANGE_PARSERS, required=REQUIRED_TO_MOVE, read_only=READ_ONLY_FIELDS
    )
    with transaction():
        return _apply_change(actor, deal_id, fields, errors, if_version)


def delete_deal(actor: Member, deal_id: str, if_version: Versions = None) -> None:
    """Soft-delete a deal: it leaves every list, while its row and history stay."""
    with transaction():
        deal = _get_for_update(actor.organization_id, deal_id, if_version)
        totals.retally(deal.organization_id, totals.Share.of(deal), None)
        deal.deleted_at = now_utc()


def _get_for_update(organization_id: str, deal_id: str, if_version: Versions = None) -> Deal:
    """Load a deal and lock its row (PostgreSQL; SQLite's write lock is held from BEGIN) so that
    concurrent changes queue instead of interleaving, and so that the version checked against
    if_version (the versions the change was based on; None for any) cannot change before the write."""
    if not is_id_of("deal", deal_id):
        raise NotFound("deal")
    deal = db.session.scalar(matching_deals(organization_id).where(Deal.id == deal_id).with_for_update())
    if deal is None:
        raise NotFound("deal")
    if if_version is not None and version_of(deal) not in if_version:
        raise StaleVersion(version_of(deal))
    return deal


def _apply_change(
    actor: Member, deal_id: str, fields: dict[str, Any], errors: dict[str, str], if_version: Versions
) -> Deal:
    deal = _get_for_update(actor.organization_id, deal_id, if_version)
    note = fields.pop("note", None)
    now = now_utc()
    previous_stage, previous_share, before = deal.stage, totals.Share.of(deal), recorded_values(deal)
    changed = [name for name, value in fields.items() if name != "stage" and getattr(deal, name) != value]
    # Checked before the deal changes: a query after it would flush the unchecked ids.
    wrong_references = reference_errors(actor.organization_id, fields)
    _assign(deal, fields)
    refuse_all(errors, wrong_references, settle_stage(deal, previous_stage, fields, now))
    history = History(deal, actor, now)
    totals.retally(deal.organization_id, previous_share, totals.Share.of(deal))
    changes = changes_between(before, recorded_values(deal))
    if deal.stage != previous_stage:
        # The move, with what it implied (probability, won date, lost reason) and was not sent.
        implied = [change for change in changes if change["field"] not in changed]
        history.record(ActivityType.STAGE_CHANGE, f"{previous_stage.value} → {deal.stage.value}", changes=implied)
    if changed:
        sent = [change for change in changes if change["field"] in changed]
        history.record(ActivityType.UPDATED, "Updated " + ", ".join(changed) + ".", changes=sent)
    if deal.stage != previous_stage or changed:
        # Strictly later than before, and visibly so at the API's one-second resolution.
        deal.updated_at = max(now, deal.updated_at + timedelta(seconds=1))
    if note:
        history.record(ActivityType.NOTE, note)
    return deal


def _assign(deal: Deal, fields: Mapping[str, Any]) -> None:
    for name, value in fields.items():
        setattr(deal, name, Stage(value) if name == "stage" else value)
    if "name" in fields:
        deal.name_norm = fold(deal.name)


