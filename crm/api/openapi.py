"""The API's machine-readable contract: an OpenAPI 3.1 document of every /api/v1 route.

The bodies are described by the parsers that read them (each parser carries its JSON Schema, see
crm.core.validation), field by field from the domain's tables, and every limit is the constant the
code enforces; what is written here is what is genuinely the routes' own: paths, answers, envelopes,
examples and the prose that says what a field means. tests/api/test_openapi.py checks what cannot be
derived, against the running app.
"""

from collections.abc import Callable
from copy import deepcopy
from functools import cache
from importlib.metadata import version
from typing import Any
from urllib.parse import parse_qs

from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from crm.api import inputs
from crm.api.errors import (
    ApiError,
    cross_site,
    domain_refusal,
    error_body,
    http_refusal,
    internal_error,
    not_signed_in,
)
from crm.core import validation as v
from crm.core.errors import (
    DatabaseUnavailable,
    DomainError,
    InvalidCredentials,
    KeyReused,
    NotFound,
    ReadOnlyActivity,
    StaleVersion,
    TooManyAttempts,
)
from crm.core.ids import PREFIXES, id_pattern
from crm.core.listing import LIST_LIMIT_CAP, LIST_LIMIT_DEFAULT, MAX_POSITION, MAX_SEARCH_LENGTH, Params, Window
from crm.deals.history import ACTIVITY_LIMIT_CAP, ACTIVITY_LIMIT_DEFAULT
from crm.deals.idempotency import MAX_KEY_LENGTH
from crm.deals.pipeline import DEFAULT_STALE_AFTER_DAYS, STAGE_SETTING_PARSERS, Pipeline, stages_json
from crm.deals.planned import DUE, ME
from crm.deals.queries import SORT_COLUMNS
from crm.deals.rules import (
    ACTIVITY_CHANGE_PARSERS,
    DEAL_FIELD_PARSERS,
    DEFAULT_CURRENCY,
    MAX_LOST_REASON_LENGTH,
    MAX_NAME_LENGTH,
    NEW_DEAL_STAGE,
    PLANNED_ACTIVITY_FIELD_PARSERS,
    RECORDED_FIELDS,
    REQUIRED_TO_CREATE,
    REQUIRED_TO_LOG,
    REQUIRED_TO_MOVE,
    STAGE_CHANGE_PARSERS,
    STAGES,
)
from crm.deals.signals import NEXT_ACTIVITY
from crm.directory import queries as directory
from crm.models import OPEN_STAGES, RECORDED_ACTIVITY_TYPES, ActivityType

Schema = dict[str, Any]

TIMESTAMP_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"
IDEMPOTENCY_KEY_PATTERN = "^[ -~]+$"  # printable ASCII, as crm.deals.idempotency.is_valid_key

ETAG = {"required": True, "schema": {"type": "string", "pattern": '^"[^"]*"$'},
        "description": "The deal's version (a strong entity tag): send it back as `If-Match` to change the deal only "
        "if it has not changed since."}

BEARER = "bearerAuth"
COOKIE = "sessionCookie"
SIGNED_IN = [{BEARER: []}, {COOKIE: []}]

ERROR_CODES = {
    "InvalidJson": (400, ["invalid_json"], "The body is not JSON, not a JSON object, has a key twice, or contains "
                    "NaN, Infinity or an unpaired surrogate escape."),
    "InvalidBodyOrKey": (400, ["invalid_json", "invalid_header"], "The body is not a JSON object (as for "
                         f"invalid_json), or the Idempotency-Key header is not 1–{MAX_KEY_LENGTH} printable ASCII characters."),
    "InvalidParameter": (400, ["invalid_parameter"], "A query parameter is malformed, out of range or given "
                         "twice; `fields` names it."),
    "InvalidCredentials": (401, ["invalid_credentials"], "Wrong email or password (which one is not said)."),
    "Unauthorized": (401, ["unauthorized"], "No valid session cookie or Bearer token."),
    "CrossSite": (403, ["cross_site_request"], "A write relying on the session cookie was started by a page of "
                  "another site (`Sec-Fetch-Site` or `Origin`); send a Bearer token instead."),
    "NotFound": (404, ["not_found"], "No such record: missing, deleted, or another organization's."),
    "KeyReused": (409, ["idempotency_key_reused"], "This Idempotency-Key was used before with another body. "
                  "Nothing was created."),
    "ReadOnlyActivity": (409, ["read_only_activity"], "The activity is an entry the app recorded (created, "
                         "updated, stage_change): the history of what happened is never changed. Nothing was "
                         "changed."),
    "PreconditionFailed": (412, ["precondition_failed"], "`If-Match` does not match the deal's current `ETag`: "
                           "it changed since it was read. Nothing was changed."),
    "PayloadTooLarge": (413, ["payload_too_large"], "The body is over 1 MiB."),
    "UnsupportedMediaType": (415, ["unsupported_media_type"], "The body was not sent as `application/json`."),
    "ValidationFailed": (422, ["validation_failed"], "Invalid fields: each bad, missing, unknown or read-only field "
                         "is named in `fields`, all at once. Nothing was saved."),
    "TooManyRequests": (429, ["too_many_requests"], "Too many failed sign-ins for this account or from this "
                        "address (by default 10 and 50 per 15 minutes): every attempt is refused, even with the right "
                        "password, until `Retry-After` has passed. Successful sign-ins never count. Also when the server "
                        "is already checking as many passwords as it runs at once (such an attempt is not counted)."),
    "InternalError": (500, ["internal_error"], "A fault of ours; nothing was saved."),
    "ServiceUnavailable": (503, ["service_unavailable"], "The database cannot be reached for now (a restart, "
                           "say). Nothing was saved; try again after `Retry-After`."),
}


# --- Small schema builders -------------------------------------------------------------------------


def ref(name: str, kind: str = "schemas") -> Schema:
    return {"$ref": f"#/components/{kind}/{name}"}


def nullable(schema: Schema) -> Schema:
    """The same schema, with null allowed too (JSON Schema 2020-12: a list of types)."""
    return {**schema, "type": [schema["type"], "null"]}


def described(parser: v.Parser, prose: str = "") -> Schema:
    """What the parser accepts, described by what the field means (prose) and then by the parser's rule."""
    schema = parser.schema
    description = " ".join(part for part in (prose, schema.get("description")) if part)
    return schema | ({"description": description} if description else {})


def fields_of(parsers: dict[str, v.Parser], prose: dict[str, str]) -> dict[str, Schema]:
    """A body's fields, keyed and ordered as the domain's table of parsers."""
    return {name: described(parser, prose.get(name, "")) for name, parser in parsers.items()}


def an_id(kind: str, prose: str) -> Schema:
    return described(v.record_id(kind), prose)


def longest(parser: v.Parser) -> int:
    """The most characters the parser accepts, which is the most any stored value has."""
    return parser.schema["maxLength"]


def timestamp(description: str) -> Schema:
    return {"type": "string", "format": "date-time", "pattern": TIMESTAMP_PATTERN,
            "description": f"{description} UTC, whole seconds: `2026-01-15T09:00:00Z`."}


def closed_object(properties: dict[str, Schema], *, required: list[str] | None = None, **extra: Any) -> Schema:
    """An object with exactly these properties: what the API answers, or a body that refuses unknown fields."""
    schema: Schema = {"type": "object", "properties": properties, "additionalProperties": False}
    required = list(properties) if required is None else required
    if required:
        schema["required"] = required
    return schema | extra


def page_of(item: str, description: str, key: str = "items") -> Schema:
    """A page of a list, as crm.api.serialize.page_json writes it (key names its items)."""
    return closed_object(
        {
            key: {"type": "array", "items": ref(item), "description": description},
            "total": {"type": "integer", "minimum": 0, "description": "How many match in all."},
            "limit": {"type": "integer", "minimum": 1, "maximum": LIST_LIMIT_CAP,
                      "description": "The page size used (a larger limit asked for is lowered)."},
            "offset": {"type": "integer", "minimum": 0, "maximum": MAX_POSITION,
                       "description": "How many were skipped."},
        }
    )


def error_schema(codes: list[str]) -> Schema:
    return closed_object(
        {
            "error": closed_object(
                {
                    "code": {"type": "string", "enum": codes, "description": "What went wrong, for programs."},
                    "message": {"type": "string", "minLength": 1, "description": "What went wrong, for people."},
                    "fields": {
                        "type": "object",
                        "additionalProperties": {"type": "string"},
                        "description": "Each field (or query parameter) to blame and what is wrong with it; "
                        "`{}` when none is.",
                    },
                }
            )
        }
    )


# --- Schemas ---------------------------------------------------------------------------------------

LOST_REASON = "Why the deal was lost: only on a closed_lost deal."
# What each field of a deal means, beyond what its parser (crm.deals.rules) says of its values.
DEAL_FIELD_PROSE = {
    "name": "The deal's name.",
    "stage": "The deal's stage in the pipeline.",
    "company_id": "A company of your organization",
    "contact_id": "A contact of your organization",
    "assigned_member_id": "A member (user) of your organization",
    "probability": "Win probability in percent: 100 on a closed_won deal, 0 on a closed_lost one.",
    "lost_reason": LOST_REASON,
    "note": "Recorded as a `note` activity, not stored on the deal.",
}
WON_DATE_INPUT = ("An ISO 8601 date or date-time (UTC when it has no offset): only on a closed_won deal. Defaults "
                  "to the moment the deal is won.")
# An answer's amount is what money accepts, less the multiple of 0.01: clients read JSON numbers as
# binary floats, in which most cents are no exact multiple of it.
AMOUNT = {key: value for key, value in v.money.schema.items() if key != "multipleOf"}


def deal_schema() -> Schema:
    """A deal as every answer shows it: every field present, in the contract's order."""
    parsers = DEAL_FIELD_PARSERS
    return closed_object(
        {
            "id": an_id("deal", "The deal's id"),
            "name": {"type": "string", "minLength": 1, "maxLength": MAX_NAME_LENGTH, "description": "The deal's name."},
            "amount": nullable(AMOUNT),
            "stage": described(parsers["stage"], DEAL_FIELD_PROSE["stage"]),
            "company_id": described(parsers["company_id"], "A company of the organization"),
            "contact_id": described(parsers["contact_id"], "A contact of the organization"),
            "assigned_member_id": described(parsers["assigned_member_id"], "A member (user) of the organization"),
            "expected_close_date": described(parsers["expected_close_date"]),
            "probability": described(parsers["probability"], DEAL_FIELD_PROSE["probability"]),
            "lost_reason": {"type": ["string", "null"], "maxLength": MAX_LOST_REASON_LENGTH, "description": LOST_REASON},
            "won_date": nullable(timestamp("When the deal was won: only on a closed_won deal.")),
            "currency": {"type": "string", "pattern": "^[A-Z]{3}$", "description": "ISO 4217 code, upper case."},
            "created_at": timestamp("When the deal was created; never changes."),
            "updated_at": timestamp("When the deal last changed; advances by at least a second on every change."),
            "stage_entered_at": timestamp("When the deal entered its current stage (its creation if it never moved)."),
            "last_activity_at": timestamp("Its latest activity: its creation, a stage change, or an activity done "
                                          "(logged done, or marked done). Editing fields is not an activity."),
            "next_activity": {"oneOf": [ref("NextActivity"), {"type": "null"}],
                              "description": "Its earliest open activity (by due date and time, undated last); "
                              "null when none is open."},
            "stale": {"type": "boolean", "description": "Open, and last_activity_at more than its stage's "
                      "stale_after_days (24-hour periods) ago. A closed deal is never stale."},
        }
    )


def next_activity_schema() -> Schema:
    fields = activity_schema()["properties"]
    return closed_object({name: fields[name] for name in ("id", "type", "content", "due_date", "due_time")})


def pipeline_stage_schema() -> Schema:
    return closed_object({
        "stage": {"type": "string", "enum": STAGES},
        "label": {"type": "string", "description": "The stage's name in English."},
        "stale_after_days": described(
            STAGE_SETTING_PARSERS["stale_after_days"],
            f"Days (24-hour periods) without an activity after which an open deal of the stage is stale; null: "
            f"never (always null on a closed stage). Default {DEFAULT_STALE_AFTER_DAYS}.",
        ),
    })


def deal_input_fields() -> dict[str, Schema]:
    """What a client may send for a deal, as crm.deals.rules.DEAL_FIELD_PARSERS reads it."""
    fields = fields_of(DEAL_FIELD_PARSERS, DEAL_FIELD_PROSE)
    fields["won_date"]["description"] = WON_DATE_INPUT
    return fields


def deal_create_schema() -> Schema:
    fields = deal_input_fields()
    fields["stage"] = {**fields["stage"], "default": NEW_DEAL_STAGE.value}
    fields["currency"] = {**fields["currency"], "default": DEFAULT_CURRENCY}
    return closed_object(fields, required=sorted(REQUIRED_TO_CREATE), description=(
        "Unknown and read-only fields (`id`, `created_at`, `updated_at`) answer 422. Entering closed_won sets "
        "probability 100 and won_date; closed_lost sets probability 0."))


def deal_update_schema() -> Schema:
    fields = deal_input_fields()
    for name, field in fields.items():
        if "null" not in field["type"]:
            fields[name] = {**field, "description": field["description"] + " Cannot be null."}
    return closed_object(fields, required=[], description=(
        "Only the fields sent change; null clears an optional field. A PATCH that changes nothing records nothing. "
        "Stage rules as for the stage route."))


def stage_change_schema() -> Schema:
    fields = {name: deal_input_fields()[name] for name in STAGE_CHANGE_PARSERS}
    return closed_object(fields, required=sorted(REQUIRED_TO_MOVE), description=(
        "Entering closed_won sets probability 100 and won_date (unless set); entering closed_lost sets probability "
        "0; leaving closed_won clears won_date, leaving closed_lost clears lost_reason. Moving a deal to the stage "
        "it has changes nothing."))


def activity_schema() -> Schema:
    return closed_object(
        {
            "id": an_id("activity", "The activity's id"),
            "type": {"type": "string", "enum": [kind.value for kind in ActivityType],
                     "description": "created, updated and stage_change: entries the app records as the deal "
                     "changes (read-only). note, call, email, meeting and task: what people log or plan."},
            "content": {"type": "string", "description": "stage_change: `<from> → <to>`; updated: the changed "
                        "fields (`Updated name, amount.`); note: the note's text."},
            "deal_id": an_id("deal", "The deal"),
            "contact_id": nullable(an_id("contact", "The contact it concerns")),
            "created_by": nullable(an_id("user", "The user who made the change")),
            "created_at": timestamp("When it happened."),
            "changes": {"type": ["array", "null"], "items": ref("ActivityChange"),
                        "description": "updated and stage_change: each field the change altered, with its value "
                        "before and after (a stage change lists the stage first, then what it implied: probability, "
                        "won_date, lost_reason). null on other kinds and on activities recorded before changes were "
                        "kept."},
            "due_date": nullable(described(v.calendar_date, "The day it is planned for; null when not planned.")),
            "due_time": nullable(described(v.clock_time, "The time of day it is planned for (only with due_date).")),
            "done": {"type": "boolean", "description": "Whether it is done. Entries the app records are."},
            "done_at": nullable(timestamp("When it was marked done (for an activity logged done, when it was "
                                          "logged); null while open.")),
            "assigned_member_id": nullable(an_id("user", "The member who is to do it (null on the entries the "
                                                 "app records)")),
        }
    )


# What each field of an activity sent means, beyond what its parser (crm.deals.rules) says of its values.
ACTIVITY_FIELD_PROSE = {
    "type": "What kind of activity.",
    "content": "Its text.",
    "contact_id": "A contact of your organization it concerns",
    "due_date": "The day it is planned for; null for none.",
    "due_time": "The time of day it is planned for: only with a due_date.",
    "assigned_member_id": "A member (user) of your organization who is to do it; default: you",
    "done": "Whether it is done; marking it done sets done_at to now, undoing clears it. A note is always done.",
}


def activity_create_schema() -> Schema:
    fields = fields_of(PLANNED_ACTIVITY_FIELD_PARSERS, ACTIVITY_FIELD_PROSE)
    fields["done"] = {**fields["done"], "description": fields["done"]["description"] + " Default: true without a "
                      "due_date, false with one (true for a note)."}
    return closed_object(fields, required=sorted(REQUIRED_TO_LOG), description=(
        "Log what happened (no due_date: done), or plan a step for a day (with a due_date: open)."))


def activity_update_schema() -> Schema:
    return closed_object(fields_of(ACTIVITY_CHANGE_PARSERS, ACTIVITY_FIELD_PROSE), required=[], description=(
        "Only the fields sent change. The type, deal and contact stay."))


def activity_change_schema() -> Schema:
    """One field an activity's change altered: its values before and after, as a deal shows them."""
    deal_fields = deal_schema()["properties"]
    variants = []
    for name in RECORDED_FIELDS:
        properties = {"field": {"const": name}, "old": deal_fields[name], "new": deal_fields[name]}
        if name == "amount":
            properties["currency"] = {**deal_fields["currency"], "description": "The new amount's currency."}
            properties["old_currency"] = {**deal_fields["currency"], "description": "The old amount's currency, "
                                          "when the change altered the currency too."}
        variants.append(closed_object(properties, required=[key for key in properties if key != "old_currency"]))
    return {"oneOf": variants, "description": "Values as a Deal shows them: ids, ISO dates and timestamps, exact "
            "amounts with their currency."}


def company_schema() -> Schema:
    parsers = directory.COMPANY_FIELD_PARSERS
    return closed_object(
        {
            "id": an_id("company", "The company's id"),
            "name": {"type": "string", "minLength": 1, "maxLength": longest(parsers["name"]), "description": "Its name."},
            "domain": {"type": ["string", "null"], "maxLength": longest(parsers["domain"]),
                       "description": "Its web domain."},
            "created_at": timestamp("When it was created."),
            "updated_at": timestamp("When it last changed."),
        }
    )


def contact_schema() -> Schema:
    parsers = directory.CONTACT_FIELD_PARSERS
    return closed_object(
        {
            "id": an_id("contact", "The contact's id"),
            "name": {"type": "string", "minLength": 1, "maxLength": longest(parsers["name"]),
                     "description": "Their name."},
            "email": {"type": ["string", "null"], "maxLength": longest(parsers["email"]), "description": "Lower case."},
            "phone": {"type": ["string", "null"], "maxLength": longest(parsers["phone"]),
                      "description": "As it was given."},
            "company_id": described(parsers["company_id"], "The contact's company"),
            "created_at": timestamp("When it was created."),
            "updated_at": timestamp("When it last changed."),
        }
    )


def schemas() -> dict[str, Schema]:
    return {
        "Deal": deal_schema(),
        "DealCreate": deal_create_schema(),
        "DealUpdate": deal_update_schema(),
        "StageChange": stage_change_schema(),
        "DealPage": page_of("Deal", "Deals in the order asked for (ties broken by id)."),
        "NextActivity": next_activity_schema(),
        "PipelineStage": pipeline_stage_schema(),
        "Pipeline": closed_object({"stages": {"type": "array", "items": ref("PipelineStage"),
                                              "description": "Every stage, in pipeline order."}}),
        "PipelineStageUpdate": closed_object(fields_of(STAGE_SETTING_PARSERS, {"stale_after_days": (
            "A whole number of days, or null for never.")}), required=list(STAGE_SETTING_PARSERS)),
        "PipelineStageEnvelope": closed_object({"stage": ref("PipelineStage")}),
        "Activity": activity_schema(),
        "ActivityChange": activity_change_schema(),
        "ActivityCreate": activity_create_schema(),
        "ActivityUpdate": activity_update_schema(),
        "PlannedActivityPage": page_of("Activity", "By due date, then time (a day's untimed ones after its timed "
                                       "ones), undated ones last; ties broken by id.", "activities"),
        "ActivityPage": closed_object({
            "activities": {"type": "array", "items": ref("Activity"), "description": "Newest first."},
            "total": {"type": "integer", "minimum": 0, "description": "How many the deal has in all."},
        }),
        "Company": company_schema(),
        "CompanyCreate": closed_object(
            fields_of(directory.COMPANY_FIELD_PARSERS, {"name": "The company's name.", "domain": "Its web domain."}),
            required=sorted(directory.REQUIRED_TO_CREATE)),
        "CompanyPage": page_of("Company", "Companies by name."),
        "Contact": contact_schema(),
        "ContactCreate": closed_object(
            fields_of(directory.CONTACT_FIELD_PARSERS, {"name": "The contact's name.", "phone": "A phone number.",
                                              "company_id": "A company of your organization"}),
            required=sorted(directory.REQUIRED_TO_CREATE)),
        "ContactPage": page_of("Contact", "Contacts by name."),
        "Member": closed_object({
            "id": an_id("user", "The user's id: what `assigned_member_id` takes"),
            "name": {"type": "string", "minLength": 1, "description": "Their name."},
            "email": {"type": "string", "minLength": 1, "description": "Their sign-in email."},
        }),
        "MemberPage": page_of("Member", "The organization's active users, by name."),
        "SignIn": {
            "type": "object",
            "required": ["email", "password"],
            "properties": {"email": {"type": "string", "description": "Compared case-insensitively."},
                           "password": {"type": "string"}},
            "description": "Other fields are ignored. Missing or non-string credentials answer 401 like wrong ones.",
        },
        "Session": closed_object({
            "token": {"type": "string", "minLength": 1,
                      "description": "The session token: send it as `Authorization: Bearer` (or it is the cookie)."},
            "user": closed_object({
                "id": an_id("user", "Your user id"),
                "email": {"type": "string", "description": "Your sign-in email."},
                "name": {"type": "string", "description": "Your name."},
                "organization_id": an_id("organization", "Your organization"),
            }),
            "expires_at": timestamp("When the session ends."),
        }),
        "Success": closed_object({"success": {"type": "boolean", "const": True}}),
        "Error": error_schema(sorted({code for _, codes, _ in ERROR_CODES.values() for code in codes})),
    }


# --- Parameters and responses --------------------------------------------------------------------


def query(name: str, schema: Schema, description: str) -> Schema:
    """A query parameter as crm.listing.Params reads it: an empty value is the same as none, and a
    repeated or invalid one is refused."""
    return {"name": name, "in": "query", "required": False, "allowEmptyValue": True, "schema": schema,
            "description": description + " Empty means the default; given twice, or outside its rules, it "
            "answers 400 naming it."}


def whole_number(minimum: int, default: int, capped: bool = False) -> Schema:
    """A whole-number parameter as crm.core.listing.Params reads it: a capped one (a limit) takes any
    size and is lowered to its cap; the others (offset, page) are refused above MAX_POSITION."""
    schema = v.WholeNumbers(minimum, MAX_POSITION).schema
    maximum = schema.pop("maximum")
    return schema | {"default": default} | ({} if capped else {"maximum": maximum})


def parameters() -> dict[str, Schema]:
    return {
        "Limit": query("limit", whole_number(1, LIST_LIMIT_DEFAULT, capped=True),
                       f"Items per page; above {LIST_LIMIT_CAP} it is lowered to {LIST_LIMIT_CAP}."),
        "Offset": query("offset", whole_number(0, 0), "Items to skip."),
        "Search": query("search", {"type": "string", "maxLength": MAX_SEARCH_LENGTH, "pattern": "^[^\\u0000]*$"},
                        "Case-insensitive partial match on the name in any script (full-width and half-width forms "
                        "match each other, and so do hiragana and katakana; `%` and `_` match literally). Blank means "
                        "no search."),
        "IfMatch": {
            "name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"},
            "description": "The `ETag` of the deal as you last read it (or several, comma-separated): the change "
            "is made only if the deal has not changed since, otherwise it answers 412 and changes nothing. `*` "
            "matches any version; weak tags (`W/…`) never match.",
            "example": '"64a7917240a00"',
        },
        "IdempotencyKey": {
            "name": "Idempotency-Key", "in": "header", "required": False,
            "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH,
                       "pattern": IDEMPOTENCY_KEY_PATTERN},
            "description": f"A key of your choosing (1–{MAX_KEY_LENGTH} printable ASCII characters) that makes a retry "
            "safe: the same key again answers the deal the first request created instead of creating another.",
            "example": "5f0c7e7e-create-acme-renewal",
        },
    }


def path_id(kind: str, what: str) -> Schema:
    return {"name": "id", "in": "path", "required": True, "description": f"The {what}'s id.",
            "schema": {"type": "string", "pattern": f"^{id_pattern(kind)}$"},
            "example": f"{PREFIXES[kind]}{'1' * 32}"}


def error_responses() -> dict[str, Schema]:
    responses = {
        name: {"description": description, "content": json_content(error_schema(codes), ERROR_EXAMPLES[name])}
        for name, (_, codes, description) in ERROR_CODES.items()
    }
    responses["Unauthorized"]["headers"] = {
        "WWW-Authenticate": {"required": True, "schema": {"type": "string", "const": 'Bearer realm="crm"'},
                             "description": "How to authenticate."},
    }
    responses["PreconditionFailed"]["headers"] = {"ETag": {**ETAG, "description": "The deal's current version."}}
    for name in ("TooManyRequests", "ServiceUnavailable"):
        responses[name]["headers"] = {
            "Retry-After": {"required": True, "schema": {"type": "string", "pattern": "^[0-9]+$"},
                            "description": "Seconds to wait before trying again."},
        }
    return responses


def example_of(refusal: ApiError | DomainError | HTTPException) -> dict[str, Any]:
    """The body the API answers with for this refusal, made by the code that answers it."""
    if isinstance(refusal, DomainError):
        refusal = domain_refusal(refusal)
    elif isinstance(refusal, HTTPException):
        refusal = http_refusal(refusal)
    return error_body(refusal.code, str(refusal.message), {name: str(text) for name, text in refusal.fields.items()})


def refused(attempt: Callable[[], Any]) -> DomainError:
    """The error the domain raises for an attempt that its rules refuse."""
    try:
        attempt()
    except DomainError as error:
        return error
    raise AssertionError("the example's attempt was not refused")


ERROR_EXAMPLES = {
    "InvalidJson": example_of(inputs.not_an_object()),
    "InvalidBodyOrKey": example_of(inputs.bad_idempotency_key()),
    # The example is of a request: its query string, read as the list reads it.
    "InvalidParameter": example_of(refused(lambda: Window.from_params(Params(parse_qs("limit=0"))))),
    "InvalidCredentials": example_of(InvalidCredentials()),
    "Unauthorized": example_of(not_signed_in()),
    "CrossSite": example_of(cross_site()),
    "NotFound": example_of(NotFound("deal")),
    "KeyReused": example_of(KeyReused()),
    "ReadOnlyActivity": example_of(ReadOnlyActivity()),
    "PreconditionFailed": example_of(StaleVersion("")),
    "PayloadTooLarge": example_of(RequestEntityTooLarge()),
    "UnsupportedMediaType": example_of(inputs.not_json()),
    "ValidationFailed": example_of(refused(lambda: v.parse_fields(
        {"probability": 101}, DEAL_FIELD_PARSERS, required=REQUIRED_TO_CREATE))),
    "TooManyRequests": example_of(TooManyAttempts(1)),
    "InternalError": example_of(internal_error()),
    "ServiceUnavailable": example_of(DatabaseUnavailable()),
}


def json_content(schema: Schema, example: Any = None) -> dict[str, Schema]:
    content: Schema = {"schema": schema}
    if example is not None:
        content["example"] = example
    return {"application/json": content}


def answer(description: str, schema_name: str, example: Any, headers: dict | None = None) -> Schema:
    response = {"description": description, "content": json_content(ref(schema_name), example)}
    if headers:
        response["headers"] = headers
    return response


def errors(*names: str) -> dict[str, Schema]:
    """The error answers an operation can give, by status (500 and 503 on every one)."""
    return {
        str(ERROR_CODES[name][0]): ref(name, "responses") for name in (*names, "InternalError", "ServiceUnavailable")
    }


# --- Examples (the contract's own) ---------------------------------------------------------------

DEAL_EXAMPLE = {
    "id": "deal_11111111111111111111111111111111",
    "name": "株式会社A 年間契約",
    "amount": 1200000,
    "stage": "proposal",
    "company_id": "comp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "contact_id": "cont_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
    "assigned_member_id": "usr_99999999999999999999999999999999",
    "expected_close_date": "2026-03-31",
    "probability": 60,
    "lost_reason": None,
    "won_date": None,
    "currency": "JPY",
    "created_at": "2026-01-15T09:00:00Z",
    "updated_at": "2026-02-10T14:30:00Z",
    "stage_entered_at": "2026-02-01T11:00:00Z",
    "last_activity_at": "2026-02-10T14:30:00Z",
    "next_activity": {"id": "act_eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee", "type": "call", "content": "見積もりの確認の電話",
                      "due_date": "2026-02-12", "due_time": "10:00"},
    "stale": False,
}
ACTIVITY_EXAMPLE = {
    "id": "act_cccccccccccccccccccccccccccccccc",
    "type": "note",
    "content": "初回ヒアリング実施。予算感は1000万円前後。",
    "deal_id": "deal_11111111111111111111111111111111",
    "contact_id": None,
    "created_by": "usr_99999999999999999999999999999999",
    "created_at": "2026-02-10T14:30:00Z",
    "changes": None,
    "due_date": None,
    "due_time": None,
    "done": True,
    "done_at": "2026-02-10T14:30:00Z",
    "assigned_member_id": "usr_99999999999999999999999999999999",
}
PLANNED_ACTIVITY_EXAMPLE = {
    **ACTIVITY_EXAMPLE,
    "id": "act_eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee",
    "type": "call",
    "content": "見積もりの確認の電話",
    "due_date": "2026-02-12",
    "due_time": "10:00",
    "done": False,
    "done_at": None,
}
UPDATE_ACTIVITY_EXAMPLE = {
    **ACTIVITY_EXAMPLE,
    "id": "act_dddddddddddddddddddddddddddddddd",
    "type": "updated",
    "content": "Updated amount, expected_close_date.",
    "created_at": "2026-02-09T10:00:00Z",
    "changes": [
        {"field": "amount", "old": 1200000, "new": 1500000, "currency": "JPY"},
        {"field": "expected_close_date", "old": "2026-03-31", "new": "2026-04-30"},
    ],
    "done_at": "2026-02-09T10:00:00Z",
    "assigned_member_id": None,
}
COMPANY_EXAMPLE = {
    "id": "comp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "name": "株式会社A",
    "domain": "example.co.jp",
    "created_at": "2026-01-10T09:00:00Z",
    "updated_at": "2026-01-10T09:00:00Z",
}
CONTACT_EXAMPLE = {
    "id": "cont_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
    "name": "田中 太郎",
    "email": "tanaka@example.co.jp",
    "phone": "03-1234-5678",
    "company_id": "comp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "created_at": "2026-01-10T09:05:00Z",
    "updated_at": "2026-01-10T09:05:00Z",
}
MEMBER_EXAMPLE = {"id": "usr_99999999999999999999999999999999", "name": "Demo User", "email": "demo@example.com"}


def page_example(item: dict) -> dict:
    return {"items": [item], "total": 42, "limit": 50, "offset": 0}


# --- Operations ------------------------------------------------------------------------------------


def operation(operation_id: str, summary: str, description: str, tag: str, responses: dict, *,
              parameters: list | None = None, body: tuple[str, Any] | None = None,
              security: list | None = None) -> Schema:
    op: Schema = {"operationId": operation_id, "summary": summary, "description": description, "tags": [tag]}
    if parameters:
        op["parameters"] = parameters
    if body:
        schema_name, example = body
        op["requestBody"] = {"required": True, "content": json_content(ref(schema_name), example)}
    op["responses"] = responses
    if security is not None:
        op["security"] = security
    return op


def paged(*extra: Schema) -> list[Schema]:
    return [ref("Limit", "parameters"), ref("Offset", "parameters"), ref("Search", "parameters"), *extra]


def auth_paths(cookie_name: str) -> dict[str, Schema]:
    cookie = {"Set-Cookie": {"required": True, "schema": {"type": "string"},
                             "description": f"`{cookie_name}`: HttpOnly, SameSite=Lax (Secure over HTTPS)."}}
    return {
        "/api/v1/auth/sign-in": {"post": operation(
            "sign_in", "Sign in",
            "Start a session from an email and password; answers its token and sets the session cookie. "
            "A wrong password and an unknown email get the same answer and take the same time.",
            "Authentication",
            {"200": answer("The session.", "Session", {
                "token": "3q2-7wB8sX1ZQm0kY4rT9nV6uH5jL2pE0aC7dF1gI8o",
                "user": {"id": MEMBER_EXAMPLE["id"], "email": "demo@example.com", "name": "Demo User",
                         "organization_id": "org_44444444444444444444444444444444"},
                "expires_at": "2026-02-14T09:00:00Z"}, cookie),
             **errors("InvalidJson", "InvalidCredentials", "CrossSite", "PayloadTooLarge", "UnsupportedMediaType",
                      "TooManyRequests")},
            body=("SignIn", {"email": "demo@example.com", "password": "demo-password"}),
            security=[],
        )},
        "/api/v1/auth/sign-out": {"post": operation(
            "sign_out", "Sign out",
            "End the presented session (or API token) at once, and clear the cookie. Without credentials it "
            "only clears the cookie.",
            "Authentication",
            {"200": answer("Signed out.", "Success", {"success": True}, {
                "Set-Cookie": {"required": True, "schema": {"type": "string"},
                               "description": f"Clears `{cookie_name}`."}}),
             **errors("CrossSite")},
            security=[{}, *SIGNED_IN],
        )},
    }


def deal_paths() -> dict[str, Schema]:
    deal = path_id("deal", "deal")
    if_match = ref("IfMatch", "parameters")
    one_deal = {"deal": DEAL_EXAMPLE}
    etag = {"ETag": ETAG}
    created = etag | {"Idempotent-Replayed": {
        "required": False, "schema": {"type": "string", "const": "true"},
        "description": "Sent when an earlier request with the same Idempotency-Key created this deal."}}
    write_errors = ("InvalidJson", "Unauthorized", "CrossSite", "NotFound", "PreconditionFailed",
                    "PayloadTooLarge", "UnsupportedMediaType", "ValidationFailed")
    return {
        "/api/v1/crm/deals": {
            "get": operation(
                "list_deals", "List deals",
                "Retrieve the organization's deals a page at a time, with search, sort and stage filtering. "
                "Ties are broken by id in the same direction, so paging never repeats or skips a deal; deleted "
                "deals never appear.",
                "Deals",
                {"200": answer("A page of deals.", "DealPage", page_example(DEAL_EXAMPLE)),
                 **errors("InvalidParameter", "Unauthorized")},
                parameters=paged(
                    query("sort", {"type": "string", "enum": list(SORT_COLUMNS), "default": "created_at"},
                          "Sort key: `name` sorts case-insensitively; deals without an amount come last in "
                          "either order."),
                    query("order", {"type": "string", "enum": ["asc", "desc"], "default": "desc"}, "Sort order."),
                    query("stage", {"type": "string", "enum": STAGES}, "Only deals in this stage."),
                    query("stale", {"type": "string", "enum": ["true", "false"]},
                          "Only deals that are stale (`true`) or not (`false`), as `stale` says."),
                    query("next_activity", {"type": "string", "enum": list(NEXT_ACTIVITY)},
                          "Only deals whose next step is: `none` (no open activity), `overdue` (due before your "
                          "today), `today`, `upcoming` (due later, or open without a date). Judged by your date "
                          "in your time zone."),
                ),
            ),
            "post": operation(
                "create_deal", "Create a deal",
                "Create a deal and record its creation (and note) in its activity history.",
                "Deals",
                {"201": answer("The created deal (or, for a repeated Idempotency-Key, the deal the first request "
                               "created).", "DealEnvelope",
                               {"deal": DEAL_EXAMPLE | {"stage": "lead", "probability": None}}, created),
                 **errors("InvalidBodyOrKey", "Unauthorized", "CrossSite", "KeyReused", "PayloadTooLarge",
                          "UnsupportedMediaType", "ValidationFailed")},
                parameters=[ref("IdempotencyKey", "parameters")],
                body=("DealCreate", {"name": "株式会社A 年間契約", "amount": 1200000, "stage": "lead",
                                     "company_id": DEAL_EXAMPLE["company_id"], "contact_id": DEAL_EXAMPLE["contact_id"],
                                     "expected_close_date": "2026-03-31"}),
            ),
        },
        "/api/v1/crm/deals/{id}": {
            "get": operation(
                "get_deal", "Get a deal", "Retrieve one deal.", "Deals",
                {"200": answer("The deal.", "DealEnvelope", one_deal, etag), **errors("Unauthorized", "NotFound")},
                parameters=[deal],
            ),
            "patch": operation(
                "update_deal", "Update a deal",
                "Change only the submitted fields; null clears an optional field.", "Deals",
                {"200": answer("The updated deal.", "DealEnvelope", one_deal, etag), **errors(*write_errors)},
                parameters=[deal, if_match],
                body=("DealUpdate", {"name": "株式会社A 年間契約(更新)", "amount": 1500000, "note": "予算確定"}),
            ),
            "delete": operation(
                "delete_deal", "Delete a deal",
                "Delete softly: the deal then answers 404 everywhere and leaves every list and total, while its "
                "history stays. A second DELETE answers 404.", "Deals",
                {"200": answer("Deleted.", "Success", {"success": True}),
                 **errors("Unauthorized", "CrossSite", "NotFound", "PreconditionFailed")},
                parameters=[deal, if_match],
            ),
        },
        "/api/v1/crm/deals/{id}/stage": {"post": operation(
            "change_stage", "Update a deal's stage",
            "Change only the stage (the board's drag and drop), with an optional lost reason and note.", "Deals",
            {"200": answer("The moved deal.", "DealEnvelope", one_deal, etag), **errors(*write_errors)},
            parameters=[deal, if_match],
            body=("StageChange", {"stage": "proposal"}),
        )},
        "/api/v1/crm/deals/{id}/activities": {
            "get": operation(
                "list_activities", "List a deal's activities",
                "The deal's activity history, newest first.", "Deals",
                {"200": answer("A page of activities.", "ActivityPage",
                               {"activities": [ACTIVITY_EXAMPLE, UPDATE_ACTIVITY_EXAMPLE], "total": 5}),
                 **errors("InvalidParameter", "Unauthorized", "NotFound")},
                parameters=[
                    deal,
                    query("page", whole_number(1, 1), "Page number."),
                    query("limit", whole_number(1, ACTIVITY_LIMIT_DEFAULT, capped=True),
                          f"Items per page; above {ACTIVITY_LIMIT_CAP} it is lowered to {ACTIVITY_LIMIT_CAP}."),
                ],
            ),
            "post": operation(
                "add_activity", "Log or plan an activity",
                "Log what happened on the deal, or plan a next step with a due date (and time), assigned to you or "
                "another member.", "Activities",
                {"201": answer("The activity.", "ActivityEnvelope", {"activity": PLANNED_ACTIVITY_EXAMPLE}),
                 **errors("InvalidJson", "Unauthorized", "CrossSite", "NotFound", "PayloadTooLarge",
                          "UnsupportedMediaType", "ValidationFailed")},
                parameters=[deal],
                body=("ActivityCreate", {"type": "call", "content": "見積もりの確認の電話", "due_date": "2026-02-12",
                                         "due_time": "10:00"}),
            ),
        },
    }


def pipeline_paths() -> dict[str, Schema]:
    example = stages_json(Pipeline({stage: DEFAULT_STALE_AFTER_DAYS for stage in OPEN_STAGES}))
    return {
        "/api/v1/crm/pipeline": {"get": operation(
            "get_pipeline", "List the pipeline's stages",
            "Every stage in pipeline order, with its label and after how many days without an activity its open "
            "deals are stale.", "Pipeline",
            {"200": answer("The stages.", "Pipeline", {"stages": example}), **errors("Unauthorized")},
        )},
        "/api/v1/crm/pipeline/stages/{stage}": {"patch": operation(
            "configure_stage", "Change a stage's setting",
            "Set after how many days without an activity an open stage's deals are stale (null: never). A closed "
            "stage answers 422: its deals are never stale.", "Pipeline",
            {"200": answer("The stage.", "PipelineStageEnvelope", {"stage": {**example[2], "stale_after_days": 21}}),
             **errors("InvalidJson", "Unauthorized", "CrossSite", "NotFound", "PayloadTooLarge",
                      "UnsupportedMediaType", "ValidationFailed")},
            parameters=[{"name": "stage", "in": "path", "required": True,
                         "schema": {"type": "string", "enum": STAGES}, "description": "The stage."}],
            body=("PipelineStageUpdate", {"stale_after_days": 21}),
        )},
    }


def activity_paths() -> dict[str, Schema]:
    activity = path_id("activity", "activity")
    read_only = ", ".join(kind.value for kind in RECORDED_ACTIVITY_TYPES)
    return {
        "/api/v1/crm/activities": {"get": operation(
            "list_planned_activities", "List activities by when they are due",
            "The organization's activities on live deals, by due date and time, undated ones last. `today` and "
            "`overdue` are judged by your own date (your time zone).", "Activities",
            {"200": answer("A page of activities.", "PlannedActivityPage",
                           {"activities": [PLANNED_ACTIVITY_EXAMPLE], "total": 1, "limit": 50, "offset": 0}),
             **errors("InvalidParameter", "Unauthorized")},
            parameters=[
                ref("Limit", "parameters"), ref("Offset", "parameters"),
                query("assigned_member_id", {"type": "string", "pattern": f"^({ME}|{id_pattern('user')})$"},
                      f"Only the activities assigned to this member; `{ME}` for yours."),
                query("deal_id", {"type": "string", "pattern": f"^{id_pattern('deal')}$"},
                      "Only this deal's activities."),
                query("done", {"type": "string", "enum": ["true", "false"]}, "Only done, or only open, ones."),
                query("due", {"type": "string", "enum": list(DUE)},
                      "overdue: open and due before today; today: due today; upcoming: due after today; none: "
                      "without a due date."),
            ],
        )},
        "/api/v1/crm/activities/{id}": {
            "patch": operation(
                "update_activity", "Update an activity",
                f"Change a logged or planned activity; {read_only} entries answer 409.", "Activities",
                {"200": answer("The updated activity.", "ActivityEnvelope", {"activity": PLANNED_ACTIVITY_EXAMPLE}),
                 **errors("InvalidJson", "Unauthorized", "CrossSite", "NotFound", "ReadOnlyActivity",
                          "PayloadTooLarge", "UnsupportedMediaType", "ValidationFailed")},
                parameters=[activity],
                body=("ActivityUpdate", {"done": True}),
            ),
            "delete": operation(
                "delete_activity", "Delete an activity",
                f"Delete a logged or planned activity; {read_only} entries answer 409.", "Activities",
                {"200": answer("Deleted.", "Success", {"success": True}),
                 **errors("Unauthorized", "CrossSite", "NotFound", "ReadOnlyActivity")},
                parameters=[activity],
            ),
        },
    }


def directory_paths() -> dict[str, Schema]:
    paths: dict[str, Schema] = {}
    for kind, plural, title, example, create_example in (
        ("company", "companies", "Company", COMPANY_EXAMPLE, {"name": "株式会社A", "domain": "example.co.jp"}),
        ("contact", "contacts", "Contact", CONTACT_EXAMPLE,
         {"name": "田中 太郎", "email": "tanaka@example.co.jp", "company_id": COMPANY_EXAMPLE["id"]}),
    ):
        paths[f"/api/v1/crm/{plural}"] = {
            "get": operation(
                f"list_{plural}", f"List {plural}", f"The organization's {plural} by name, a page at a time.",
                "Directory",
                {"200": answer(f"A page of {plural}.", f"{title}Page", page_example(example)),
                 **errors("InvalidParameter", "Unauthorized")},
                parameters=paged(),
            ),
            "post": operation(
                f"create_{kind}", f"Create a {kind}", f"Create a {kind} in your organization.", "Directory",
                {"201": answer(f"The created {kind}.", f"{title}Envelope", {kind: example}),
                 **errors("InvalidJson", "Unauthorized", "CrossSite", "PayloadTooLarge", "UnsupportedMediaType",
                          "ValidationFailed")},
                body=(f"{title}Create", create_example),
            ),
        }
        paths[f"/api/v1/crm/{plural}/{{id}}"] = {"get": operation(
            f"get_{kind}", f"Get a {kind}", f"Retrieve one {kind}.", "Directory",
            {"200": answer(f"The {kind}.", f"{title}Envelope", {kind: example}), **errors("Unauthorized", "NotFound")},
            parameters=[path_id(kind, kind)],
        )}
    paths["/api/v1/crm/members"] = {"get": operation(
        "list_members", "List members",
        "The organization's active users (whom deals can be assigned to) by name, a page at a time.", "Directory",
        {"200": answer("A page of members.", "MemberPage", page_example(MEMBER_EXAMPLE)),
         **errors("InvalidParameter", "Unauthorized")},
        parameters=paged(),
    )}
    return paths


def document_paths() -> dict[str, Schema]:
    return {"/api/v1/openapi.json": {"get": operation(
        "openapi_json", "This document", "The API's contract as OpenAPI 3.1 (no sign-in needed).", "Reference",
        {"200": {"description": "The OpenAPI document.",
                 "content": {"application/json": {"schema": {"type": "object", "required": ["openapi", "paths"]}}}},
         **errors()},
        security=[],
    )}}


def envelopes() -> dict[str, Schema]:
    """{"deal": Deal} and its kin: one record under its kind's name."""
    return {f"{title}Envelope": closed_object({key: ref(title)})
            for title, key in (("Deal", "deal"), ("Activity", "activity"), ("Company", "company"), ("Contact", "contact"))}


@cache
def _document(cookie_name: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "CRM deals pipeline API",
            "version": version("crm-deals"),
            "description": "Deals, their stages and activity history, and the companies, contacts and members "
            "they point to. Bodies are JSON; every error has one shape, "
            "`{\"error\": {\"code\", \"message\", \"fields\"}}`. Every record belongs to one organization: another "
            "organization's id answers 404 exactly like a missing one.",
        },
        "tags": [
            {"name": "Authentication", "description": "Sessions for API clients and browsers alike."},
            {"name": "Deals", "description": "Create, update and manage deals, their stages and history."},
            {"name": "Activities", "description": "What was done on deals and what is planned: due dates, "
             "assignees, done or open."},
            {"name": "Pipeline", "description": "The stages and when their deals are stale."},
            {"name": "Directory", "description": "Companies, contacts and members: the records deals point to."},
            {"name": "Reference", "description": "This contract, machine-readable."},
        ],
        "security": SIGNED_IN,
        "paths": auth_paths(cookie_name) | deal_paths() | activity_paths() | pipeline_paths() | directory_paths() | document_paths(),
        "components": {
            "schemas": schemas() | envelopes(),
            "parameters": parameters(),
            "responses": error_responses(),
            "securitySchemes": {
                BEARER: {"type": "http", "scheme": "bearer",
                         "description": "A session token from sign-in, or an API token (`crm_…`, from "
                         "`flask --app app crm create-token`). Wins over the cookie when both are sent."},
                COOKIE: {"type": "apiKey", "in": "cookie", "name": cookie_name,
                         "description": "The session cookie sign-in sets (its name is configurable)."},
            },
        },
    }


def openapi_document(cookie_name: str) -> dict[str, Any]:
    """The document for an app whose session cookie has that name (AUTH_COOKIE_NAME); a copy, so that
    a caller's changes never reach the next request's answer."""
    return deepcopy(_document(cookie_name))
