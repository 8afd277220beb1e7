"""The group pages of the meetings blueprint, and the registry of its view modules:
importing this module (the factory does) registers every page of the blueprint.

Each view module registers its routes on `blueprint.bp` when imported, so a new one is
added to the imports below; blueprint.py holds what they share."""

from flask import abort, render_template
from flask_login import current_user

import decisions.meetings.agenda_views  # noqa: F401 - registers its routes on bp
import decisions.meetings.group_views  # noqa: F401 - registers its routes on bp
import decisions.meetings.minutes_views  # noqa: F401 - registers its routes on bp
from decisions.clock import now, oslo
from decisions.extensions import db
from decisions.http import load, page_number
from decisions.meetings import queries
from decisions.meetings.blueprint import bp
from decisions.meetings.models import Group
from decisions.permissions import can

__all__ = ["bp"]


# --- Groups ---------------------------------------------------------------------------

@bp.route("/groups/")
def groups():
    if not can(current_user, "list", kind="group"):
        abort(403)
    return render_template("meetings/groups.html", groups=queries.groups(),
                           upcoming=queries.upcoming(current_user, now()))


@bp.route("/groups/<int:id>")
def group(id: int):
    group_ = load(Group, id)
    page = db.paginate(queries.meetings_of(current_user, group_.id),
                       page=page_number(), per_page=20, error_out=False)
    documents = queries.documents([m.id for m in page.items])
    today = oslo(now()).date()
    seats = [s for s in queries.seats(group_.id) if s.serves_on(today)]
    return render_template("meetings/group.html", group=group_, page=page,
                           documents=documents, seats=seats)
