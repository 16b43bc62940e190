"""Deal pages: the list, one deal with its history, the new and edit forms, delete."""

from flask import Blueprint, flash, render_template, request
from flask_login import current_user, login_required

from .. import deals, directory
from ..errors import StaleVersion, ValidationFailed
from ..listing import Params
from ..models import ActivityType
from .errors import fields_sentence
from .htmx import form_version, is_htmx, page_or_fragment, redirect_to, wants_fragment

bp = Blueprint("deal_pages", __name__, url_prefix="/deals")
CHOICES_LIMIT = 200
ACTIVITY_KINDS = [ActivityType.NOTE, ActivityType.CALL, ActivityType.EMAIL, ActivityType.MEETING]


@bp.before_request
@login_required
def require_login():
    pass


@bp.get("")
def index():
    """List deals in a table: search, stage filter, sorting and pages, all kept in the URL."""
    params = Params(request.args.to_dict(flat=False))
    query = deals.DealQuery.from_params(params)
    page = deals.list_deals(current_user.organization_id, query, with_relations=True)
    return page_or_fragment("deals/index.html", "partials/deals_table.html", page=page, query=query)


@bp.get("/new")
def new():
    """Show an empty deal form."""
    return render_template("deals/form.html", deal=None, values={"stage": "lead", "currency": "JPY"}, errors={},
                           **_choices())


@bp.post("")
def create():
    """Create a deal from the form; show the form again with messages when something is wrong."""
    try:
        deal = deals.create_deal(current_user, deals.fields_from_form(request.form))
    except ValidationFailed as error:
        return _form_again(None, error)
    flash(f"Created “{deal.name}”.", "success")
    return redirect_to("deal_pages.show", deal_id=deal.id)


@bp.get("/<deal_id>")
def show(deal_id: str):
    """Show a deal: every field, its company and contact, and its activity history."""
    deal = deals.get_deal(current_user.organization_id, deal_id, with_relations=True)
    history = deals.list_activities(current_user.organization_id, deal_id, Params(request.args.to_dict(flat=False)))
    return render_template("deals/show.html", deal=deal, history=history, kinds=ACTIVITY_KINDS, values={}, errors={})


@bp.get("/<deal_id>/activities")
def feed(deal_id: str):
    """Show a page of the deal's history: the whole feed, or older entries appended in place."""
    if not wants_fragment():
        return show(deal_id)
    history = deals.list_activities(current_user.organization_id, deal_id, Params(request.args.to_dict(flat=False)))
    template = "partials/activity_items.html" if history.page > 1 else "partials/activity_feed.html"
    return render_template(template, deal_id=deal_id, history=history)


@bp.post("/<deal_id>/activities")
def log_activity(deal_id: str):
    """Add a note, call, email or meeting to the deal's history."""
    values = {"type": request.form.get("type", ""), "content": request.form.get("content", "")}
    try:
        deals.add_activity(current_user, deal_id, values)
    except ValidationFailed as error:
        if not is_htmx():
            flash(fields_sentence(error), "error")
            return redirect_to("deal_pages.show", deal_id=deal_id)
        return _history(deal_id, values=values, errors=error.fields), 422
    if not is_htmx():
        return redirect_to("deal_pages.show", deal_id=deal_id)
    return _history(deal_id, values={}, errors={})


def _history(deal_id: str, values: dict, errors: dict) -> str:
    """The history panel: the activity form (kept as typed when refused) and the first page of the feed."""
    history = deals.list_activities(current_user.organization_id, deal_id, Params({}))
    return render_template("partials/deal_history.html", deal_id=deal_id, history=history, kinds=ACTIVITY_KINDS,
                           values=values, errors=errors, focus_form=True)


@bp.get("/<deal_id>/edit")
def edit(deal_id: str):
    """Show the deal's form filled in."""
    deal = deals.get_deal(current_user.organization_id, deal_id, with_relations=True)
    return render_template("deals/form.html", deal=deal, values=deals.form_values(deal), errors={}, **_choices(deal))


@bp.post("/<deal_id>/edit")
def update(deal_id: str):
    """Save the edit form."""
    try:
        deal = deals.update_deal(current_user, deal_id, deals.fields_from_form(request.form), form_version())
    except (ValidationFailed, StaleVersion) as error:
        return _form_again(deals.get_deal(current_user.organization_id, deal_id, with_relations=True), error)
    flash(f"Saved “{deal.name}”.", "success")
    return redirect_to("deal_pages.show", deal_id=deal.id)


@bp.get("/<deal_id>/delete")
def confirm_delete(deal_id: str):
    """Ask before deleting."""
    deal = deals.get_deal(current_user.organization_id, deal_id)
    return render_template("deals/delete.html", deal=deal, version=deals.version_of(deal))


@bp.post("/<deal_id>/delete")
def delete(deal_id: str):
    """Delete the deal (its history stays in the database)."""
    deal = deals.get_deal(current_user.organization_id, deal_id)
    try:
        deals.delete_deal(current_user, deal_id, form_version())
    except StaleVersion:
        flash(f"“{deal.name}” changed after you asked to delete it, so it was kept. Review it before deleting.", "error")
        return redirect_to("deal_pages.show", deal_id=deal_id)
    flash(f"Deleted “{deal.name}”.", "success")
    return redirect_to("board.index")


def _form_again(deal, error: ValidationFailed | StaleVersion):
    """The same form with what was typed: a message beside each bad field (422), or, when someone
    else changed the deal meanwhile, a notice and the form now based on the current version (409),
    so that saving it once more is a deliberate overwrite."""
    values = request.form.to_dict()
    stale = isinstance(error, StaleVersion)
    if stale:
        values["version"] = error.current
    return page_or_fragment(
        "deals/form.html", "partials/deal_form.html", status=409 if stale else 422, deal=deal, values=values,
        errors={} if stale else error.fields, changed_meanwhile=stale, **_choices(deal),
    )


def _choices(deal=None) -> dict:
    """The dropdowns' options: the first ones by name, plus whatever the deal already points to, so
    that saving the form never drops a choice the list did not reach."""
    organization_id = current_user.organization_id
    first = Params({"limit": [str(CHOICES_LIMIT)]})
    choices = {
        "companies": directory.list_companies(organization_id, first).items,
        "contacts": directory.list_contacts(organization_id, first).items,
        "members": directory.list_members(organization_id, first).items,
    }
    if deal is not None:
        for key, current in (("companies", deal.company), ("contacts", deal.contact), ("members", deal.assignee)):
            if current is not None and current not in choices[key]:
                choices[key].append(current)
    return choices
