"""The rules of a deal: the fields a client may set and how each is read, the limits, what a
stage decides (a closed deal's probability, won date and lost reason), and the version a change is
based on. Operations, queries, forms and the API document all read them from here."""

from collections.abc import Collection, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from crm.core import validation as v
from crm.core.errors import ValidationFailed
from crm.core.messages import msg
from crm.directory.queries import is_owned
from crm.models import (
    CLOSED_STAGES,
    LOGGED_ACTIVITY_TYPES,
    OPEN_STAGES,
    PLANNED_ACTIVITY_TYPES,
    STEP_TYPES,
    Company,
    Contact,
    Deal,
    Stage,
    User,
    stage_table,
)

# The stages' values in the pipeline's order: what a client sends and every list of stages reads.
STAGES = [stage.value for stage in Stage]
# What each stage is called: the API's label in English, and the source of its name on a page.
STAGE_NAMES = stage_table({
    Stage.LEAD: msg("Lead"),
    Stage.QUALIFICATION: msg("Qualification"),
    Stage.PROPOSAL: msg("Proposal"),
    Stage.NEGOTIATION: msg("Negotiation"),
    Stage.CLOSED_WON: msg("Won"),
    Stage.CLOSED_LOST: msg("Lost"),
})
MAX_NAME_LENGTH = 255
MAX_LOST_REASON_LENGTH = 2000
MAX_NOTE_LENGTH = 10000

# Fields a client may set, in the order the API shows them; `note` is recorded, not stored.
DEAL_FIELD_PARSERS: dict[str, v.Parser] = {
    "name": v.text(MAX_NAME_LENGTH),
    "amount": v.optional(v.money),
    "stage": v.choice(STAGES),
    "company_id": v.optional(v.record_id("company")),
    "contact_id": v.optional(v.record_id("contact")),
    "assigned_member_id": v.optional(v.record_id("user")),
    "expected_close_date": v.optional(v.calendar_date),
    "probability": v.optional(v.whole_number(0, 100)),
    "lost_reason": v.optional(v.text(MAX_LOST_REASON_LENGTH, multiline=True)),
    "won_date": v.optional(v.moment),
    "currency": v.currency,
    "note": v.optional(v.text(MAX_NOTE_LENGTH, multiline=True)),
}
# What the deal page's form logs: an entry of what happened.
ACTIVITY_FIELD_PARSERS: dict[str, v.Parser] = {
    "type": v.choice([kind.value for kind in LOGGED_ACTIVITY_TYPES]),
    "content": v.text(MAX_NOTE_LENGTH, multiline=True),
    "contact_id": v.optional(v.record_id("contact")),
}
# What the API adds to a deal: the same, or a step planned for a day (and time), done or not, with
# the member who is to do it (the caller when not named).
PLANNED_ACTIVITY_FIELD_PARSERS: dict[str, v.Parser] = {
    **ACTIVITY_FIELD_PARSERS,
    "type": v.choice([kind.value for kind in PLANNED_ACTIVITY_TYPES]),
    "due_date": v.optional(v.calendar_date),
    "due_time": v.optional(v.clock_time),
    "assigned_member_id": v.record_id("user"),
    "done": v.boolean,
}
# What a change of an activity may set (its type, deal and contact stay).
ACTIVITY_CHANGE_PARSERS = {
    name: PLANNED_ACTIVITY_FIELD_PARSERS[name] for name in ("content", "due_date", "due_time", "assigned_member_id", "done")
}
# What the deal page's forms set on a step: planning one (open until marked done), and changing it.
STEP_CHANGE_PARSERS = {name: parse for name, parse in ACTIVITY_CHANGE_PARSERS.items() if name != "done"}
STEP_FIELD_PARSERS: dict[str, v.Parser] = {
    "type": v.choice([kind.value for kind in STEP_TYPES]), **STEP_CHANGE_PARSERS, "done": v.boolean,
}
# The fields a new deal, a move and a logged activity cannot go without.
REQUIRED_TO_CREATE = frozenset({"name"})
REQUIRED_TO_MOVE = frozenset({"stage"})
REQUIRED_TO_LOG = frozenset({"type", "content"})
STAGE_CHANGE_PARSERS = {name: DEAL_FIELD_PARSERS[name] for name in ("stage", "lost_reason", "note")}
# The deal's fields whose changes the history keeps (Activity.changes), in the API's order.
RECORDED_FIELDS = [name for name in DEAL_FIELD_PARSERS if name != "note"]
# Fields that name another record of the organization: its model, and what is said of an id that
# names none of the organization's.
REFERENCES = {
    "company_id": (Company, msg("does not name a company of your organization.")),
    "contact_id": (Contact, msg("does not name a contact of your organization.")),
    "assigned_member_id": (User, msg("does not name a member of your organization.")),
}
UNASSIGNED = "none"
READ_ONLY_FIELDS = frozenset({"id", "created_at", "updated_at", "deleted_at", "organization_id"})

# The versions a change may apply to (from If-Match or a form); None applies it to any.
Versions = Collection[str] | None
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# A closed deal's probability is a fact, not a guess.
PROBABILITY_OF_CLOSED = stage_table({Stage.CLOSED_WON: 100, Stage.CLOSED_LOST: 0}, CLOSED_STAGES)
# The stages in which a person decides each of these fields; in every other stage the stage decides
# it (a closed deal's probability above; only a won deal has a won date, only a lost one a reason).
STAGE_BOUND_FIELDS: dict[str, frozenset[Stage]] = {
    "probability": frozenset(OPEN_STAGES),
    "won_date": frozenset({Stage.CLOSED_WON}),
    "lost_reason": frozenset({Stage.CLOSED_LOST}),
}
# Where a new deal starts, unless it says otherwise (and where the board offers quick add).
NEW_DEAL_STAGE = Stage.LEAD
DEFAULT_CURRENCY = "JPY"
# Problems a caller found in its own reading of the input (a form's amount it could not read),
# reported together with the domain's own so that nothing applies: field name -> message.
Refused = Mapping[str, str]


def version_of(deal: Deal) -> str:
    """A tag that names this state of the deal: every change moves updated_at strictly forward."""
    return format((deal.updated_at - _EPOCH) // timedelta(microseconds=1), "x")


def settle_stage(deal: Deal, previous: Stage | None, sent: Mapping[str, Any], now: datetime) -> dict[str, str]:
    """Apply what entering or leaving a closed stage implies; answer what contradicts it."""
    errors: dict[str, str] = {}
    if deal.stage != previous:
        if deal.stage in PROBABILITY_OF_CLOSED and "probability" not in sent:
            deal.probability = PROBABILITY_OF_CLOSED[deal.stage]
        if deal.stage == Stage.CLOSED_WON and deal.won_date is None:
            deal.won_date = now
        if previous == Stage.CLOSED_WON and "won_date" not in sent:
            deal.won_date = None
        if previous == Stage.CLOSED_LOST and "lost_reason" not in sent:
            deal.lost_reason = None
    expected = PROBABILITY_OF_CLOSED.get(deal.stage)
    if expected is not None and deal.probability != expected:
        errors["probability"] = msg("must be %(probability)s for a deal in stage %(stage)s.", probability=expected,
                                     stage=deal.stage)
    if deal.won_date is not None and deal.stage not in STAGE_BOUND_FIELDS["won_date"]:
        errors["won_date"] = msg("can only be set on a deal in stage %(stage)s.", stage=Stage.CLOSED_WON)
    if deal.lost_reason is not None and deal.stage not in STAGE_BOUND_FIELDS["lost_reason"]:
        errors["lost_reason"] = msg("can only be set on a deal in stage %(stage)s.", stage=Stage.CLOSED_LOST)
    return errors


def refuse_all(*problems: dict[str, str]) -> None:
    """Raise one error naming every bad field, whichever check found it (the first finding wins)."""
    errors: dict[str, str] = {}
    for found in problems:
        errors = found | errors
    if errors:
        raise ValidationFailed(errors)


def reference_errors(organization_id: str, fields: Mapping[str, Any]) -> dict[str, str]:
    """What is wrong with ids that do not name a record of the caller's organization."""
    errors = {}
    for field, (model, refusal) in REFERENCES.items():
        record_id = fields.get(field)
        if record_id is not None and not is_owned(model, organization_id, record_id):
            errors[field] = refusal
    return errors


