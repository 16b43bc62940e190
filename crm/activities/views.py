"""The "My activities" page: a member's open activities, overdue, today, upcoming and undated,
each with its deal and a done checkbox that works in place."""

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from crm.core.errors import BadParameter
from crm.core.ids import is_id_of
from crm.core.listing import Params, Window
from crm.core.messages import msg
from crm.deals import operations, planned
from crm.directory import queries as directory
from crm.web.htmx import is_htmx, page_or_fragment, redirect_to

bp = Blueprint("activity_pages", __name__, url_prefix="/activities")
GROUPS = ("overdue", "today", "upcoming", "none")
SHOWN_PER_GROUP = 50
EVERYONE = "all"


@bp.before_request
@login_required
def require_login():
    pass


@bp.app_template_global()
def my_overdue_count() -> int:
    """The number beside "My activities" in the navigation: one indexed count, only on full pages."""
    return planned.count_overdue(current_user)


@bp.get("")
def index():
    """Show the member's open activities by when they are due (?member= another's, or all)."""
    member = _member(Params(request.args.to_dict(flat=False)))
    groups = {due: planned.list_planned_with_deals(current_user, _group(member, due)) for due in GROUPS}
    members = directory.list_members(current_user.organization_id, directory.FIRST_CHOICES).items
    return page_or_fragment("activities/index.html", "activities/_groups.html", groups=groups, member=member,
                            members=members)


@bp.post("/<activity_id>/done")
def mark(activity_id: str):
    """Mark an activity done (done=true) or open again (done=false), in place."""
    done = request.form.get("done") == "true"
    member = request.form.get("member") or planned.ME  # whose list the page shows, to go back to
    activity = operations.update_activity(current_user, activity_id, {"done": done})
    if not is_htmx():
        return redirect_to("activity_pages.index", member=member)
    # The item stays where it was (struck through, to undo); the groups' numbers and the badge move.
    counts = {due: planned.count_planned(current_user, _group(member, due)) for due in GROUPS}
    return render_template("activities/_item.html", activity=activity, deal=activity.deal, member=member,
                           just_changed=True, counts=counts)


def _group(member: str, due: str) -> planned.ActivityQuery:
    """The open activities of a group of the page: the member's (or everyone's), due so."""
    return planned.ActivityQuery(window=Window(limit=SHOWN_PER_GROUP, offset=0),
                                 assigned_member_id=None if member == EVERYONE else member, done=False, due=due)


def _member(params: Params) -> str:
    chosen = params.single("member") or planned.ME
    if chosen in (planned.ME, EVERYONE):
        return chosen
    if not is_id_of("user", chosen):
        raise BadParameter("member", msg("must be me, all or a member id"))
    return chosen
