"""The board: the home page, its columns, "show more", moves and quick add."""

from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, flash, make_response, render_template, request
from flask_login import current_user, login_required

from crm.board import columns as board
from crm.core.errors import BadParameter, KeyReused, NotFound, StaleVersion, ValidationFailed
from crm.core.listing import Params
from crm.deals import forms as deal_form
from crm.deals import history as deal_history
from crm.deals import operations
from crm.deals.queries import DealFilter
from crm.deals.rules import NEW_DEAL_STAGE, STAGES
from crm.directory import queries as directory
from crm.models import Stage
from crm.platform.i18n import gettext as _
from crm.web.error_pages import fields_sentence
from crm.web.format import stage_label
from crm.web.htmx import form_version, is_htmx, page_or_fragment, redirect_to

bp = Blueprint("board", __name__)
QUICK_ADD_FIELDS = ("name", "amount", "assigned_member_id")


@bp.before_request
@login_required
def require_login():
    pass


@bp.get("/")
def index():
    """Show the pipeline board, narrowed by the search and assignee in the URL."""
    board_filter = _board_filter(Params(request.args.to_dict(flat=False)))
    return page_or_fragment(
        "board/index.html",
        "board/_columns.html",
        **_board_context(board_filter),
    )


@bp.get("/board/<stage>/cards")
def more_cards(stage: str):
    """Show the next page of a column's cards."""
    params = Params(request.args.to_dict(flat=False))
    board_filter = _board_filter(params)
    column = board.more_cards(
        current_user.organization_id,
        board_filter,
        _stage_or_404(stage),
        params.whole_number("offset", default=0, minimum=0),
    )
    return render_template("board/_cards.html", column=column, board_filter=board_filter)


@bp.get("/board/activity")
def recent_activity():
    """Show the organization's latest activity (refreshed after every change on the board)."""
    return render_template(
        "board/_recent_activity.html", activities=deal_history.recent_activities(current_user.organization_id)
    )


@bp.post("/deals/<deal_id>/stage")
def move(deal_id: str):
    """Move a deal to another stage; answer the two columns that changed."""
    form = request.form
    change = {"stage": form.get("stage", "")}
    if form.get("lost_reason", "").strip():
        change["lost_reason"] = form["lost_reason"]
    try:
        deal = operations.change_stage(current_user, deal_id, change, form_version())
    except (ValidationFailed, NotFound, StaleVersion) as error:
        return _refused(error)
    if not is_htmx():
        flash(_("Moved “%(name)s” to %(stage)s.", name=deal.name, stage=stage_label(deal.stage)), "success")
        return redirect_to("board.index")
    affected = [deal.stage]
    if form.get("from_stage") in STAGES and form["from_stage"] != deal.stage:
        affected.insert(0, Stage(form["from_stage"]))
    board_filter = _filter_of_current_page()
    response = make_response(
        render_template(
            "board/_moved.html",
            columns=board.columns(current_user.organization_id, board_filter, affected, _cards_shown()),
            board_filter=board_filter,
            members=_members() if NEW_DEAL_STAGE in affected else [],  # for the quick add in that column
            moved_id=deal.id,  # its card offers to plan the next step
        )
    )
    response.headers["HX-Trigger"] = '{"activity-changed": null, "deal-moved": {"id": "%s"}}' % deal.id
    return response


@bp.post("/board/quick-add")
def quick_add():
    """Create a deal (once per form, assigned to me unless the form names someone else or no one)
    from the small form atop the first stage's column; answer that column with the form ready
    again and where the deal went."""
    values = {name: request.form[name] for name in QUICK_ADD_FIELDS if name in request.form}
    values[deal_form.FORM_KEY_FIELD] = request.form.get(deal_form.FORM_KEY_FIELD, "")
    try:
        deal = deal_form.create_deal(current_user, values)
    except (ValidationFailed, KeyReused) as error:
        return _quick_add_again(values, error)
    if not is_htmx():
        flash(_("Added “%(name)s” to %(stage)s.", name=deal.name, stage=stage_label(deal.stage)), "success")
        return redirect_to("board.index")
    response = make_response(_new_deal_column(quick_added=deal))
    response.headers["HX-Trigger"] = "activity-changed"
    return response


def _quick_add_again(values: dict, error: ValidationFailed | KeyReused):
    """The quick add form with what was typed: a message beside each bad field (422), or, when this
    form already added a deal and came back changed, a notice and a new key (409)."""
    sent_before = isinstance(error, KeyReused)
    if sent_before:
        values[deal_form.FORM_KEY_FIELD] = deal_form.new_form_key()
    form_state = {"quick_add_values": values, "quick_add_errors": {} if sent_before else error.fields,
                  "quick_add_sent_before": sent_before}
    status = 409 if sent_before else 422
    if is_htmx():
        return _new_deal_column(**form_state), status
    return render_template("board/index.html", **_board_context(DealFilter()), **form_state), status


def _new_deal_column(quick_added=None, **form_state) -> str:
    """The column of new deals under the page's filter; quick_added: the deal just added, which the quick
    add form names, saying so when the filter hides it."""
    board_filter = _filter_of_current_page()
    shown = _cards_shown()
    if quick_added is not None and shown.get(NEW_DEAL_STAGE):
        shown[NEW_DEAL_STAGE] += 1  # the new card goes on top: no card the page showed drops behind "show more"
    column = board.columns(current_user.organization_id, board_filter, [NEW_DEAL_STAGE], shown)[0]
    if quick_added is not None:
        form_state["quick_added"] = quick_added
        form_state["quick_added_hidden"] = all(card.id != quick_added.id for card in column.cards)
    return render_template(
        "board/_column.html", column=column, board_filter=board_filter, members=_members(), **form_state
    )


def _board_context(board_filter: DealFilter) -> dict:
    organization_id = current_user.organization_id
    return {
        "columns": board.columns(organization_id, board_filter),
        "board_filter": board_filter,
        "members": _members(),
        "activities": deal_history.recent_activities(organization_id),
    }


def _members() -> list:
    """The colleagues the assignee filter and quick add offer, by name."""
    return directory.list_members(current_user.organization_id, directory.FIRST_CHOICES).items


def _board_filter(params: Params) -> DealFilter:
    return DealFilter.from_params(params, board.BOARD_FILTERS, me=current_user.id,
                                  time_zone=ZoneInfo(current_user.time_zone))


def _filter_of_current_page() -> DealFilter:
    """The board's filter as the page that sent this HTMX request shows it, so re-rendered columns match."""
    try:
        query = urlsplit(request.headers.get("HX-Current-URL", "")).query
        return _board_filter(Params(parse_qs(query)))
    except (BadParameter, ValueError):  # an unreadable URL narrows nothing
        return DealFilter()


def _cards_shown() -> dict[Stage, int]:
    """How many cards each column of the sending page shows (its shown_<stage> fields), so that
    the columns redrawn after a change keep what "show more" loaded; unreadable counts say nothing."""
    params = Params(request.form.to_dict(flat=False))
    try:
        return {stage: params.whole_number(f"shown_{stage.value}", default=0, minimum=0) for stage in Stage}
    except BadParameter:
        return {}


def _refused(error: ValidationFailed | NotFound | StaleVersion) -> Response:
    """Why a move was refused, as text the board shows; a plain form gets it as a flash message."""
    if isinstance(error, NotFound):
        message, status = _("This deal no longer exists; it may have been deleted."), 404
    elif isinstance(error, StaleVersion):
        message, status = _("Someone else changed this deal a moment ago; reload the board to see it, then move it again."), 409
    else:
        message, status = fields_sentence(error), 422
    if not is_htmx():
        flash(message, "error")
        return redirect_to("board.index")
    return make_response(message, status, {"Content-Type": "text/plain; charset=utf-8"})


def _stage_or_404(value: str) -> Stage:
    try:
        return Stage(value)
    except ValueError:
        raise NotFound("stage") from None
