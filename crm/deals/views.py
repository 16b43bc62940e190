"""Deal pages: the list, one deal with its history, the new and edit forms, delete."""

from zoneinfo import ZoneInfo

from flask import Blueprint, Response, flash, make_response, render_template, request, session
from flask_login import current_user, login_required

from crm.core.clock import now_utc
from crm.core.errors import KeyReused, NotFound, StaleVersion, ValidationFailed
from crm.core.listing import Params
from crm.core.text import shortened
from crm.deals import forms as deal_form
from crm.deals import history as deal_history
from crm.deals import operations, planned, queries, rules
from crm.directory import queries as directory
from crm.models import LOGGED_ACTIVITY_TYPES, OPEN_STAGES, STEP_TYPES, Deal, Stage
from crm.platform.i18n import gettext as _
from crm.web.error_pages import fields_sentence
from crm.web.format import stage_label
from crm.web.htmx import form_version, is_htmx, page_or_fragment, redirect_to, wants_fragment

bp = Blueprint("deal_pages", __name__, url_prefix="/deals")
# Every form that creates a deal (this form, the board's quick add) carries a key made as it renders.
bp.add_app_template_global(deal_form.new_form_key)


@bp.before_request
@login_required
def require_login():
    pass


@bp.get("")
def index():
    """List deals in a table: search, stage and signal filters (the next step by my own date),
    sorting and pages, all kept in the URL."""
    params = Params(request.args.to_dict(flat=False))
    query = queries.DealQuery.from_params(params, ZoneInfo(current_user.time_zone))
    page = queries.list_deals(current_user.organization_id, query, with_relations=True)
    return page_or_fragment("deals/index.html", "deals/_table.html", page=page, query=query)


@bp.get("/new")
def new():
    """Show an empty deal form, assigned to the signed-in user."""
    values = {"stage": rules.NEW_DEAL_STAGE.value, "currency": rules.DEFAULT_CURRENCY, "assigned_member_id": current_user.id}
    return render_template("deals/form.html", **_form(None, values))


@bp.post("")
def create():
    """Create a deal from the form (once per form); show the form again with messages when something is wrong."""
    try:
        deal = deal_form.create_deal(current_user, request.form)
    except (ValidationFailed, KeyReused) as error:
        return _form_again(None, error)
    flash(_("Created “%(name)s”.", name=deal.name), "success")
    return redirect_to("deal_pages.show", deal_id=deal.id)


@bp.get("/<deal_id>")
def show(deal_id: str):
    """Show a deal: every field, its company and contact, and its activity history."""
    return _deal_page(deal_id)


@bp.get("/<deal_id>/activities")
def feed(deal_id: str):
    """Show a page of the deal's history: the whole feed, or older entries appended in place."""
    if not wants_fragment():
        return show(deal_id)
    window = deal_history.ActivityWindow.from_params(Params(request.args.to_dict(flat=False)))
    history = _history_page(deal_id, window)
    template = "deals/_activity_items.html" if history.page > 1 else "deals/_activity_feed.html"
    return render_template(template, deal_id=deal_id, history=history)


@bp.post("/<deal_id>/activities")
def log_activity(deal_id: str):
    """Add a note, call, email or meeting to the deal's history."""
    values = {"type": request.form.get("type", ""), "content": request.form.get("content", "")}
    try:
        operations.add_activity(current_user, deal_id, values)
    except ValidationFailed as error:
        if not is_htmx():
            return _deal_page(deal_id, values, error.fields), 422
        return _history(deal_id, values=values, errors=error.fields), 422
    if not is_htmx():
        return redirect_to("deal_pages.show", deal_id=deal_id)
    return _history(deal_id, values={}, errors={})


def _deal_page(deal_id: str, values: dict | None = None, errors: dict | None = None, move: dict | None = None,
               **steps) -> str:
    """The deal page; values and errors: a refused activity form, kept as typed with its messages;
    move: a refused move of the stage bar, likewise ({"typed", "refused", "refusal"}); steps: the state of its
    next steps (see _steps). It offers to plan the next step once after a change that asked for
    that (PLAN_NEXT), not again on reload."""
    deal = queries.get_deal(current_user.organization_id, deal_id, with_relations=True)
    window = deal_history.ActivityWindow.from_params(Params(request.args.to_dict(flat=False)))
    history = _history_page(deal_id, window)
    if PLAN_NEXT in session:  # popped only when there, so that other views leave the session cookie alone
        steps.setdefault("prompt", session.pop(PLAN_NEXT) == deal.id and deal.stage in OPEN_STAGES)
    return render_template("deals/show.html", deal=deal, history=history, kinds=LOGGED_ACTIVITY_TYPES,
                           values=values or {}, errors=errors or {}, **_steps(deal, **steps),
                           days_in_stages=deal_history.days_in_stages(deal, now_utc()), move=move or {})


def _history(deal_id: str, values: dict, errors: dict) -> str:
    """The history panel: the activity form (kept as typed when refused, focused for the next entry
    or on the first refused field) and the first page of the feed."""
    history = _history_page(deal_id, deal_history.ActivityWindow())
    return render_template("deals/_history.html", deal_id=deal_id, history=history,
                           kinds=LOGGED_ACTIVITY_TYPES, values=values, errors=errors, focus_form=True)


def _history_page(deal_id: str, window: deal_history.ActivityWindow) -> deal_history.ActivityPage:
    """A page of the deal's history as its page shows it: what was done (open steps are above it)."""
    return deal_history.list_activities(current_user.organization_id, deal_id, window, done_only=True)


# The session's note that the deal page (of that deal id) is to offer planning the next step once.
PLAN_NEXT = "plan_next_step"


@bp.post("/<deal_id>/steps")
def plan_step(deal_id: str):
    """Plan a step on the deal: open until it is marked done."""
    typed, data = deal_form.read_step_form(request.form, rules.STEP_FIELD_PARSERS)
    try:
        operations.add_activity(current_user, deal_id, {**data, "done": False}, rules.STEP_FIELD_PARSERS)
    except ValidationFailed as error:
        return _steps_again(deal_id, plan_values=typed, plan_errors=error.fields)
    return _steps_changed(deal_id, focus="plan")


@bp.post("/<deal_id>/steps/<activity_id>/done")
def mark_step(deal_id: str, activity_id: str):
    """Mark a step done (it joins the history), or open again (done=false: the undo); marking the
    last open step of an open deal done offers to plan the next one."""
    _step_of(deal_id, activity_id, open_only=False)
    done = request.form.get("done", "true") == "true"
    step = operations.update_activity(current_user, activity_id, {"done": done})
    return _steps_changed(deal_id, marked=step if done else None, history_changed=True, prompt_if_none_left=done)


@bp.get("/<deal_id>/steps/<activity_id>/edit")
def edit_step(deal_id: str, activity_id: str):
    """Show an open step as a form, in place."""
    step = _step_of(deal_id, activity_id)
    state = {"editing": step.id, "edit_values": deal_form.step_values(step)}
    if not wants_fragment():
        return _deal_page(deal_id, **state)
    return _steps_fragment(queries.get_deal(current_user.organization_id, deal_id), **state)


@bp.post("/<deal_id>/steps/<activity_id>")
def update_step(deal_id: str, activity_id: str):
    """Save a step's text, day, time and assignee."""
    _step_of(deal_id, activity_id)
    typed, data = deal_form.read_step_form(request.form, rules.STEP_CHANGE_PARSERS)
    try:
        operations.update_activity(current_user, activity_id, data)
    except ValidationFailed as error:
        return _steps_again(deal_id, editing=activity_id, edit_values=typed, edit_errors=error.fields)
    return _steps_changed(deal_id)


@bp.post("/<deal_id>/steps/<activity_id>/delete")
def delete_step(deal_id: str, activity_id: str):
    """Delete a planned step (it was never done: the history keeps nothing of it)."""
    _step_of(deal_id, activity_id)
    operations.delete_activity(current_user, activity_id)
    return _steps_changed(deal_id)


def _step_of(deal_id: str, activity_id: str, *, open_only: bool = True):
    """The (open) step of this deal that the URL names; NotFound for any other activity."""
    step = planned.step_of(current_user.organization_id, deal_id, activity_id, open_only=open_only)
    if step is None:
        raise NotFound("activity")
    return step


def _steps(deal, *, plan_values: dict | None = None, plan_errors: dict | None = None, editing: str | None = None,
           edit_values: dict | None = None, edit_errors: dict | None = None, prompt: bool = False, marked=None,
           focus: str | None = None) -> dict:
    """What the next steps panel shows: the deal's open steps (one of them, editing, as a form), the
    plan form (its values as typed and its messages when refused), the offer to plan the next step
    (prompt), the step just marked done with its undo (marked), and where the focus goes."""
    members = directory.list_members(current_user.organization_id, directory.FIRST_CHOICES).items
    steps = planned.open_steps(current_user.organization_id, deal.id)
    for step in steps.items:
        if step.assignee is not None and step.assignee not in members:
            members.append(step.assignee)
    if all(member.id != current_user.id for member in members):
        members.append(current_user)  # a new step's assignee by default
    return {
        "steps": steps, "step_kinds": STEP_TYPES, "step_field_order": list(rules.STEP_FIELD_PARSERS), "members": members,
        "editing": editing,
        "plan_values": plan_values or {"type": STEP_TYPES[0].value, "assigned_member_id": current_user.id},
        "plan_errors": plan_errors or {}, "edit_values": edit_values or {}, "edit_errors": edit_errors or {},
        "prompt": prompt, "marked": marked, "focus": focus,
    }


def _steps_fragment(deal: Deal, status: int = 200, changed_in_place: bool = False, **state) -> Response:
    """The panel alone; after a change, with the navigation's number of my overdue activities."""
    html = render_template("deals/_next_steps.html", deal=deal, changed_in_place=changed_in_place, **_steps(deal, **state))
    response = make_response(html, status)
    response.headers["Vary"] = "HX-Request"
    return response


def _steps_again(deal_id: str, **state):
    """A refused step form again as typed, with a message beside each bad field (422)."""
    if not is_htmx():
        return _deal_page(deal_id, **state), 422
    return _steps_fragment(queries.get_deal(current_user.organization_id, deal_id), 422, **state)


def _steps_changed(deal_id: str, *, marked=None, history_changed: bool = False, prompt_if_none_left: bool = False,
                   focus: str | None = None):
    """The panel after a change (a plain form goes back to the page); the history redrawn when a
    step joined or left it; the offer to plan the next step when the last open step was done."""
    deal = queries.get_deal(current_user.organization_id, deal_id)
    prompt = prompt_if_none_left and deal.stage in OPEN_STAGES and deal.next_activity_id is None
    if not is_htmx():
        if marked is not None:
            flash(_("Done: “%(content)s”. It is in the history now.", content=shortened(marked.content, 60)), "success")
        if prompt:
            session[PLAN_NEXT] = deal.id
        return redirect_to("deal_pages.show", deal_id=deal_id)
    # In place, the keyboard goes to the offer; a whole page keeps its top (the flash, the stage bar) in view.
    response = _steps_fragment(deal, marked=marked, prompt=prompt, focus="plan" if prompt else focus,
                               changed_in_place=True)
    if history_changed:
        response.headers["HX-Trigger"] = "activity-changed"
    return response


@bp.post("/<deal_id>/move")
def move(deal_id: str):
    """Move the deal from its page's stage bar (a lost reason with Lost): back to the page, which
    offers to plan the next step in an open stage; a refused move keeps what was typed."""
    change = {"stage": request.form.get("stage", "")}
    if change["stage"] == Stage.CLOSED_LOST.value:
        change["lost_reason"] = request.form.get("lost_reason", "")
    try:
        deal = operations.change_stage(current_user, deal_id, change, form_version())
    except ValidationFailed as error:
        # A lost reason's message goes beside it; any other says why the move was refused.
        others = {field: problem for field, problem in error.fields.items() if field != "lost_reason"}
        refusal = fields_sentence(ValidationFailed(others)) if others else None
        return _deal_page(deal_id, move={"typed": change, "refused": error.fields, "refusal": refusal}), 422
    except StaleVersion:
        flash(_("Someone else changed this deal meanwhile, so it was not moved. Here it is as it is now."), "error")
        return _deal_page(deal_id), 409
    flash(_("Moved “%(name)s” to %(stage)s.", name=deal.name, stage=stage_label(deal.stage)), "success")
    if deal.stage in OPEN_STAGES:
        session[PLAN_NEXT] = deal.id
    return redirect_to("deal_pages.show", deal_id=deal.id)


@bp.get("/<deal_id>/edit")
def edit(deal_id: str):
    """Show the deal's form filled in."""
    deal = queries.get_deal(current_user.organization_id, deal_id, with_relations=True)
    return render_template("deals/form.html", **_form(deal, deal_form.form_values(deal, current_user.time_zone)))


@bp.post("/<deal_id>/edit")
def update(deal_id: str):
    """Save the edit form."""
    shown = deal_form.form_values(queries.get_deal(current_user.organization_id, deal_id), current_user.time_zone)
    read = deal_form.read_form(request.form, shown=shown, time_zone=current_user.time_zone)
    try:
        deal = operations.update_deal(current_user, deal_id, read.fields, form_version(), read.refused)
    except (ValidationFailed, StaleVersion) as error:
        return _form_again(queries.get_deal(current_user.organization_id, deal_id, with_relations=True), error)
    flash(_("Saved “%(name)s”.", name=deal.name), "success")
    if deal.stage.value != shown["stage"] and deal.stage in OPEN_STAGES:
        session[PLAN_NEXT] = deal.id  # moved on: what now?
    return redirect_to("deal_pages.show", deal_id=deal.id)


@bp.get("/<deal_id>/delete")
def confirm_delete(deal_id: str):
    """Ask before deleting."""
    deal = queries.get_deal(current_user.organization_id, deal_id)
    return render_template("deals/delete.html", deal=deal, version=rules.version_of(deal))


@bp.post("/<deal_id>/delete")
def delete(deal_id: str):
    """Delete the deal (its history stays in the database)."""
    deal = queries.get_deal(current_user.organization_id, deal_id)
    try:
        operations.delete_deal(current_user, deal_id, form_version())
    except StaleVersion:
        flash(_("“%(name)s” changed after you asked to delete it, so it was kept. Review it before deleting.", name=deal.name),
              "error")
        return redirect_to("deal_pages.show", deal_id=deal_id)
    flash(_("Deleted “%(name)s”.", name=deal.name), "success")
    return redirect_to("board.index")


def _form_again(deal, error: ValidationFailed | StaleVersion | KeyReused):
    """The same form with what was typed: a message beside each bad field (422), focus on the
    first; or, when someone else changed the deal meanwhile, a notice and the form now based on the
    current version (409), so that saving it once more is a deliberate overwrite; or, when this new
    deal form already created a deal and came back changed (the back button), a notice and a new
    form key (409), so that creating another one is deliberate too."""
    values = request.form.to_dict()
    stale, sent_before = isinstance(error, StaleVersion), isinstance(error, KeyReused)
    if stale:
        values["version"] = error.current
    if sent_before:
        values[deal_form.FORM_KEY_FIELD] = deal_form.new_form_key()
    errors = error.fields if isinstance(error, ValidationFailed) else {}
    return page_or_fragment(
        "deals/form.html", "deals/_form.html", status=422 if errors else 409, changed_meanwhile=stale,
        sent_before=sent_before, **_form(deal, values, errors),
    )


def _form(deal, values: dict, errors: dict | None = None) -> dict:
    """What the deal form shows: the values, a message beside each refused field, the fields of the
    stage shown, and the dropdowns' options."""
    errors = errors or {}
    return {
        "deal": deal, "values": values, "errors": errors, "stage_bound": deal_form.STAGE_BOUND,
        "off_stage": deal_form.off_stage(values, errors), "shown_stage": deal_form.shown_stage(values),
        "fixed_probability": rules.PROBABILITY_OF_CLOSED, **_choices(deal),
    }


def _choices(deal=None) -> dict:
    """The dropdowns' options: the first ones by name, plus whatever the deal already points to, so
    that saving the form never drops a choice the list did not reach."""
    organization_id = current_user.organization_id
    choices = {
        "companies": directory.list_companies(organization_id, directory.FIRST_CHOICES).items,
        "contacts": directory.list_contacts(organization_id, directory.FIRST_CHOICES).items,
        "members": directory.list_members(organization_id, directory.FIRST_CHOICES).items,
    }
    if deal is not None:
        for key, current in (("companies", deal.company), ("contacts", deal.contact), ("members", deal.assignee)):
            if current is not None and current not in choices[key]:
                choices[key].append(current)
    elif all(member.id != current_user.id for member in choices["members"]):
        choices["members"].append(current_user)  # a new deal's assignee by default
    return choices
