"""The bare reference page: Flask + Flask-SQLAlchemy reading the members of one round
with their subregions and positions from Samråd's database, rendered as a plain Jinja
table. No login, no sessions, no CSRF, no translations, no security headers: what the
round board costs without everything around it.

    DATABASE_URL=sqlite:////tmp/x.sqlite \
        gunicorn --workers 4 --no-control-socket benchmarks.reference:app
    curl http://127.0.0.1:8000/rounds/12

It maps only the columns it shows, on the same tables, in two queries (members with
their subregions joined, and the round's positions), as the board page loads them.
"""

import os

from flask import Flask, abort, render_template
from flask_sqlalchemy import SQLAlchemy
from jinja2 import DictLoader
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Subregion(db.Model):
    __tablename__ = "subregions"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))


class Member(db.Model):
    __tablename__ = "members"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    subregion_id: Mapped[int] = mapped_column(ForeignKey("subregions.id"))
    subregion: Mapped[Subregion] = relationship(lazy="joined")


class RoundMember(db.Model):
    __tablename__ = "round_members"
    round_id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)


class Position(db.Model):
    __tablename__ = "positions"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int]
    member_id: Mapped[int]
    kind: Mapped[str] = mapped_column(String(40))
    comment: Mapped[str]


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Round {{ round_id }}</title></head>
<body><main><h1>Round {{ round_id }}</h1>
<table>
<thead><tr><th>Member</th><th>Subregion</th><th>Position</th><th>Comment</th></tr></thead>
<tbody>
{% for member in members %}{% set position = positions.get(member.id) %}
<tr><td>{{ member.name }}</td><td>{{ member.subregion.name }}</td>
<td>{{ position.kind if position else "no answer" }}</td>
<td>{{ position.comment if position else "" }}</td></tr>
{% endfor %}
</tbody></table>
<p>{{ positions|length }} of {{ members|length }} have answered.</p>
</main></body></html>
"""


def database_url(value: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if value.startswith(prefix):
            return "postgresql+psycopg://" + value[len(prefix):]
    return value


app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = database_url(os.environ["DATABASE_URL"])
db.init_app(app)
# The page is a template like any other, compiled once and kept (Jinja's cache), as
# Flask's render_template keeps a template file's: render_template_string compiled it
# again on every request, about half of this page's time until 2026-12-03.
app.jinja_env.loader = DictLoader({"round.html": PAGE})


@app.route("/rounds/<int:round_id>")
def round_page(round_id: int):
    members = db.session.scalars(
        select(Member).join(RoundMember, RoundMember.member_id == Member.id)
        .where(RoundMember.round_id == round_id).order_by(Member.name)).all()
    if not members:
        abort(404)
    positions = {p.member_id: p for p in db.session.scalars(
        select(Position).where(Position.round_id == round_id))}
    return render_template("round.html", round_id=round_id, members=members,
                           positions=positions)
