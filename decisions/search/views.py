"""Search over agendas, minutes and decisions for signed-in users."""

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from decisions.clock import now
from decisions.extensions import db
from decisions.meetings.blueprint import item_url
from decisions.permissions import can
from decisions.search import queries

bp = Blueprint("search", __name__)

SEARCH_MAX = 200


@bp.before_request
@login_required
def _signed_in():
    pass


@bp.route("/search")
def index():
    text = (request.args.get("q") or "").strip()[:SEARCH_MAX]
    items = decisions = None
    found: dict[str, list | None] = {
        "proposals": None, "rounds": None, "members": None, "people": None}
    readable = set()  # ids of the items whose minutes the user may read
    if text:
        # One more than shown, to know whether there are more.
        rows = db.session.execute(
            queries.items(current_user, text).limit(queries.LIMIT + 1)).all()
        items = [row.AgendaItem for row in rows]
        readable = {row.AgendaItem.id for row in rows if row.minutes}
        decisions = []
        if can(current_user, "list", kind="decision"):
            decisions = db.session.scalars(
                queries.decisions(current_user, text).limit(queries.LIMIT + 1)).all()
        found.update(_more(text))
    return render_template("search/index.html", text=text, items=items, **found,
                           decisions=decisions, limit=queries.LIMIT, item_url=item_url,
                           excerpt=lambda item: queries.excerpt(
                               item, text, minutes=item.id in readable))


def _more(text: str) -> dict[str, list]:
    """Proposals and open rounds the user may view, and members and people for those
    who may find them; each list one longer than shown when there are more."""
    found = {}
    more = queries.LIMIT + 1
    if can(current_user, "list", kind="proposal"):
        found["proposals"] = db.session.scalars(
            queries.proposals(current_user, text).limit(more)).all()
        found["rounds"] = db.session.scalars(
            queries.open_rounds(current_user, text, now()).limit(more)).unique().all()
    if can(current_user, "find", kind="member"):
        found["members"] = db.session.scalars(queries.members(text).limit(more)).all()
    if can(current_user, "find", kind="person"):
        found["people"] = db.session.scalars(queries.people(text).limit(more)).all()
    return found
