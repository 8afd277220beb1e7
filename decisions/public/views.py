"""The public register: adopted decisions and approved minutes, without login.

Nothing here names a person: no attendance, case officer, representative or approver,
only member organisations (a decision's follow-up names its owners: members, groups or
the secretariat, never a person, and leaves its updates out). Items exempt from public
access show their number and legal basis, and decisions made under them are not listed
at all.
"""

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from decisions.clock import now, oslo, oslo_today
from decisions.extensions import db
from decisions.files import storage
from decisions.followup import queries as followup_queries
from decisions.http import int_arg, page_number
from decisions.meetings import calendar as ical
from decisions.public import queries
from decisions.ratification import queries as ratification
from decisions.register import export

bp = Blueprint("public", __name__, url_prefix="/public")

SEARCH_MAX = 200


@bp.route("/")
def index():
    search = (request.args.get("q") or "").strip()[:SEARCH_MAX]
    page = db.paginate(queries.decisions(search=search or None), page=page_number(),
                       per_page=25, error_out=False, count=bool(search))
    if not search:
        page.total = queries.public_decision_count()
    return render_template("public/index.html", page=page, search=search,
                           summaries=followup_queries.summaries((d.id for d in page.items),
                                                                oslo_today()))


@bp.route("/decisions/<int:year>/<int:number>")
def decision(year: int, number: int):
    found = queries.decision(year, number)
    if found is None:
        abort(404)
    day = oslo_today()
    requirement = ratification.requirement_for(found.proposal_id)
    board = (ratification.board(found, requirement, day)
             if requirement is not None else None)
    return render_template("public/decision.html", decision=found, today=day, board=board,
                           followup_items=followup_queries.of_decision(found.id),
                           followup_summary=followup_queries.summaries([found.id], day)
                           .get(found.id))


def _minutes_group(groups) -> int | None:
    group_id = int_arg("group")
    return group_id if group_id in {g.id for g in groups} else None


@bp.route("/minutes/")
def meetings():
    groups = queries.groups_with_approved_minutes()
    group_id = _minutes_group(groups)
    page = db.paginate(queries.approved_meetings(group_id=group_id), page=page_number(),
                       per_page=50, error_out=False)
    return render_template("public/meetings.html", page=page, groups=groups,
                           group_id=group_id)


MINUTES_COLUMNS = ("group", "starts_at", "place", "minutes_approved", "url", "pdf")


@bp.route(f"/minutes.<{export.FORMATS}:fmt>")
def meetings_download(fmt: str):
    """The approved minutes list as data, with the page's group filter."""
    group_id = _minutes_group(queries.groups_with_approved_minutes())
    found = list(db.session.scalars(
        queries.approved_meetings(group_id=group_id).limit(export.MAX_ROWS)))
    pdfs = queries.public_documents([m.id for m in found])
    rows = [{"group": m.group.name, "starts_at": oslo(m.starts_at).isoformat(),
             "place": m.place,
             "minutes_approved": oslo(m.minutes_approved_at).date().isoformat()
             if m.minutes_approved_at else None,
             "url": url_for("public.minutes", id=m.id, _external=True),
             "pdf": url_for("public.document", id=m.id, kind="minutes", _external=True)
             if (m.id, "minutes") in pdfs else None} for m in found]
    return export.download(MINUTES_COLUMNS, rows, fmt, "protokoller")


@bp.route("/minutes/<int:id>")
def minutes(id: int):
    meeting = queries.approved_minutes(id)
    if meeting is None:
        abort(404)
    return render_template("public/minutes.html", meeting=meeting,
                           pdf=queries.public_document(id, "minutes") is not None,
                           items=[item for item in meeting.items if not item.removed])


@bp.route("/calendar")
def calendar():
    meetings = queries.calendar_meetings()
    moment = now()
    return render_template(
        "public/calendar.html",
        documents=queries.public_documents([m.id for m in meetings]),
        upcoming=[m for m in meetings if (m.ends_at or m.starts_at) >= moment],
        recent=[m for m in reversed(meetings) if (m.ends_at or m.starts_at) < moment],
        agenda=queries.public_agenda)


def _public_page(meeting) -> str:
    return url_for("public.calendar", _anchor=f"meeting-{meeting.id}", _external=True)


@bp.route("/calendar.ics")
def calendar_feed():
    """The public calendar as a subscription (iCalendar), in the alliance's language."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        body = ical.calendar_file(
            queries.calendar_meetings(), page=_public_page,
            name=_("Public meetings – %(alliance)s",
                   alliance=current_app.config["ALLIANCE_NAME"]))
    return ical.ics_response(body, cache="public, max-age=300")


@bp.route("/meetings/<int:id>/<any(notice, minutes):kind>.pdf")
def document(id: int, kind: str):
    """The public (redacted) notice or minutes: exempt items by number and basis only."""
    found = queries.public_document(id, kind)
    if found is None:
        abort(404)
    day = oslo(found.meeting.starts_at).strftime("%Y-%m-%d")
    name = {"notice": "innkalling", "minutes": "protokoll"}[kind]
    return storage.send_pdf(found.storage_key, f"{name}-offentlig-{day}-{found.revision}.pdf",
                            found.sha256)
