"""The deals endpoints of the API contract, and those of their activities."""

from zoneinfo import ZoneInfo

from flask import Blueprint, Response, jsonify
from flask_login import current_user

from crm.api.inputs import idempotency_key, if_match_versions, json_object, query_params
from crm.api.serialize import activity_json, deal_json, page_json
from crm.deals import history as deal_history
from crm.deals import operations, pipeline, planned, queries, rules
from crm.deals.signals import DealSignals

bp = Blueprint("deals_api", __name__, url_prefix="/deals")
# A deal's activities by their own ids, and the organization's list of them.
activities_bp = Blueprint("activities_api", __name__, url_prefix="/activities")
# The organization's stages and their settings.
pipeline_bp = Blueprint("pipeline_api", __name__, url_prefix="/pipeline")


@bp.get("")
def list_deals():
    """List the organization's deals, a page at a time."""
    query = queries.DealQuery.from_params(query_params(), ZoneInfo(current_user.time_zone))
    page = queries.list_deals(current_user.organization_id, query)
    signals = DealSignals.of(current_user.organization_id, page.items)
    return jsonify(page_json(page, lambda deal: deal_json(deal, signals)))


@bp.post("")
def create_deal():
    """Create a deal; with an Idempotency-Key, only once however often the request is sent."""
    key = idempotency_key()
    if key is None:
        return _deal_response(operations.create_deal(current_user, json_object()), 201)
    deal, replayed = operations.create_deal_once(current_user, json_object(), key)
    response = _deal_response(deal, 201)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@bp.get("/<deal_id>")
def get_deal(deal_id: str):
    """Show one deal, with its version as the ETag that If-Match sends back."""
    return _deal_response(queries.get_deal(current_user.organization_id, deal_id))


@bp.patch("/<deal_id>")
def update_deal(deal_id: str):
    """Change the submitted fields of a deal (only if it is still the version If-Match names)."""
    return _deal_response(operations.update_deal(current_user, deal_id, json_object(), if_match_versions()))


@bp.delete("/<deal_id>")
def delete_deal(deal_id: str):
    """Delete a deal (softly: its history stays)."""
    operations.delete_deal(current_user, deal_id, if_match_versions())
    return jsonify({"success": True})


@bp.post("/<deal_id>/stage")
def change_stage(deal_id: str):
    """Move the deal to another stage."""
    return _deal_response(operations.change_stage(current_user, deal_id, json_object(), if_match_versions()))


@bp.get("/<deal_id>/activities")
def list_activities(deal_id: str):
    """List a deal's activity history, newest first."""
    window = deal_history.ActivityWindow.from_params(query_params())
    history = deal_history.list_activities(current_user.organization_id, deal_id, window)
    return jsonify({"activities": [activity_json(activity) for activity in history.items], "total": history.total})


@bp.post("/<deal_id>/activities")
def add_activity(deal_id: str):
    """Log an activity on a deal, or plan one for a day."""
    activity = operations.add_activity(current_user, deal_id, json_object(), rules.PLANNED_ACTIVITY_FIELD_PARSERS)
    return jsonify({"activity": activity_json(activity)}), 201


@activities_bp.get("")
def list_planned_activities():
    """List the organization's activities by when they are due."""
    query = planned.ActivityQuery.from_params(query_params())
    return jsonify(page_json(planned.list_planned(current_user, query), activity_json, "activities"))


@activities_bp.patch("/<activity_id>")
def update_activity(activity_id: str):
    """Change a logged or planned activity (never an entry the app recorded)."""
    return jsonify({"activity": activity_json(operations.update_activity(current_user, activity_id, json_object()))})


@activities_bp.delete("/<activity_id>")
def delete_activity(activity_id: str):
    """Delete a logged or planned activity (never an entry the app recorded)."""
    operations.delete_activity(current_user, activity_id)
    return jsonify({"success": True})


@pipeline_bp.get("")
def get_pipeline():
    """List the stages in pipeline order, with their labels and after how long their deals are stale."""
    return jsonify({"stages": pipeline.stages_json(pipeline.Pipeline.of(current_user.organization_id))})


@pipeline_bp.patch("/stages/<stage>")
def configure_stage(stage: str):
    """Change after how many days without an activity an open stage's deals are stale."""
    settings = pipeline.configure_stage(current_user.organization_id, stage, json_object())
    shown = next(item for item in pipeline.stages_json(settings) if item["stage"] == stage)
    return jsonify({"stage": shown})


def _deal_response(deal, status: int = 200) -> Response:
    response = jsonify({"deal": deal_json(deal, DealSignals.of(current_user.organization_id, [deal]))})
    response.status_code = status
    response.set_etag(rules.version_of(deal))
    return response
