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
        sections = _sections(q)
        if sections:
            # The best ids of every section in one statement, then their rows by id.
            best: dict[str, list[int]] = {section: [] for section in sections}
            for row in db.session.execute(
                    *queries.best(current_user, q, now(), sections, more)):
                best[row.section].append(row.id)
                if row.minutes:
                    readable.add(row.id)
            for section, ids in best.items():
                rows = {row.id: row for row in db.session.scalars(
                    queries.by_id(section), {"ids": ids}).unique()}
                found[section] = [rows[id_] for id_ in ids]
        found.update(_names(q))
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


def _sections(q: queries.Query) -> tuple[str, ...]:
    """The sections of results asked for that the user may list: proposals and open
    rounds, agenda items (and minutes), decisions."""
    sections = ()
    if q.wants("proposal") and can(current_user, "list", kind="proposal"):
        sections += ("proposals", "rounds")
    if q.wants("item", "minutes"):
        sections += ("items",)
    if q.wants("decision") and can(current_user, "list", kind="decision"):
        sections += ("decisions",)
    return sections


def _names(q: queries.Query) -> dict[str, list]:
    """With no filter, members and people for those who may find them; each list one
    longer than shown when there are more."""
    found = {}
    if q.filtered:
        return found
    names = queries.LIMIT + 1
    if can(current_user, "find", kind="member"):
        found["members"] = db.session.scalars(queries.members(q.text).limit(names)).all()
    if can(current_user, "find", kind="person"):
        found["people"] = db.session.scalars(queries.people(q.text).limit(names)).all()
    return found
