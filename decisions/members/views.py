"""The member list, grouped by subregion."""

from itertools import groupby

from flask import Blueprint, render_template
from flask_login import login_required

from decisions.extensions import db
from decisions.http import require
from decisions.members import queries

bp = Blueprint("members", __name__, url_prefix="/members")


@bp.route("/")
@login_required
def index():
    require("list", "member")
    members = db.session.scalars(queries.members()).all()
    groups = [(name, list(items)) for name, items in
              groupby(members, key=lambda m: m.subregion.name)]
    return render_template("members/index.html", groups=groups, total=len(members))
