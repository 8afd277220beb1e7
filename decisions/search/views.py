"""Search over proposals, agendas, minutes and decisions for signed-in users."""

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from decisions.clock import now
from decisions.extensions import db
from decisions.meetings.blueprint import item_url
from decisions.permissions import can
from decisions.search import queries
from decisions.search.models import KINDS

bp = Blueprint("search", __name__)

SEARCH_MAX = 200


@bp.before_request
@login_required
def _signed_in():
    pass


def _asked() -> queries.Query:
    """The query of the GET form; a filter value that is not one of the choices is
    no filter."""
    kind = request.args.get("kind") or None
    return queries.Query(
        text=(request.args.get("q") or "").strip()[:SEARCH_MAX],
        kind=kind if kind in KINDS else None,
        year=request.args.get("year", type=int),
        group_id=request.args.get("group", type=int),
        area_id=request.args.get("area", type=int))


@bp.route("/search")
def index():
    q = _asked()
    found: dict[str, list | None] = {
        "proposals": None, "rounds": None, "items": None, "decisions": None,
        "members": None, "people": None}
    readable = set()  # ids of the items whose minutes the user may read
    # All kinds at once: the best few of each, each with a link to its kind alone, where
    # up to LIMIT are shown. One more than shown is asked, to know whether there are more.
    shown = queries.LIMIT if q.kind else queries.OVERVIEW
    more = shown + 1
    if q.text:
        if q.wants("item", "minutes"):
            rows = db.session.execute(queries.items(current_user, q).limit(more)).all()
            found["items"] = [row.AgendaItem for row in rows]
            readable = {row.AgendaItem.id for row in rows if row.minutes}
        if q.wants("decision") and can(current_user, "list", kind="decision"):
            found["decisions"] = db.session.scalars(
                queries.decisions(current_user, q).limit(more)).all()
        found.update(_more(q, more))
    choices = {
        "years": db.session.scalars(queries.years()).all(),
        "groups": db.session.scalars(queries.groups(current_user)).all(),
        "areas": db.session.scalars(queries.areas(current_user)).all(),
    }
    return render_template(
        "search/index.html", q=q, text=q.text, **found, **choices, kinds=KINDS,
        limit=queries.LIMIT, shown=shown, item_url=item_url,
        excerpt=lambda item: queries.snippet(
            queries.item_fields(item, minutes=item.id in readable), q),
        snippet=lambda *fields: queries.snippet(list(fields), q))


def _more(q: queries.Query, more: int) -> dict[str, list]:
    """Proposals and open rounds the user may view (up to `more`), and (with no filter)
    members and people for those who may find them; each list one longer than shown
    when there are more."""
    found = {}
    if q.wants("proposal") and can(current_user, "list", kind="proposal"):
        found["proposals"] = db.session.scalars(
            queries.proposals(current_user, q).limit(more)).all()
        found["rounds"] = db.session.scalars(
            queries.open_rounds(current_user, q, now()).limit(more)).unique().all()
    if q.filtered:
        return found
    names = queries.LIMIT + 1
    if can(current_user, "find", kind="member"):
        found["members"] = db.session.scalars(queries.members(q.text).limit(names)).all()
    if can(current_user, "find", kind="person"):
        found["people"] = db.session.scalars(queries.people(q.text).limit(names)).all()
    return found
