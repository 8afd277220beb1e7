"""The OParl 1.1 endpoints under /oparl/1.1/: read-only JSON for anyone, no login.

Lists are pages of `{data, pagination, links}` in the order of the objects' ids, with
`links.next` until the last page; the filters `created_since`, `created_until`,
`modified_since`, `modified_until` (and `omit_internal`, which changes nothing: nothing
internal is served) are kept in every link."""

import json
from collections.abc import Callable
from datetime import UTC, datetime

from flask import Blueprint, Response, abort, current_app, request, url_for
from sqlalchemy import Select, false

from decisions.accounts.models import User
from decisions.extensions import db
from decisions.files import storage
from decisions.meetings.models import AgendaItem, GroupMembership, Meeting, MeetingDocument
from decisions.members.models import Member
from decisions.oparl import objects, queries
from decisions.proposals.models import Proposal, Round

bp = Blueprint("oparl", __name__, url_prefix="/oparl/1.1")

FILTERS = ("created_since", "created_until", "modified_since", "modified_until")
KEPT = (*FILTERS, "omit_internal")
PAGE_SIZE = 100


@bp.after_request
def _open_to_every_origin(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _json(found: dict) -> Response:
    return Response(json.dumps(found, ensure_ascii=False), mimetype="application/json")


def _found(value):
    if value is None:
        abort(404)
    return value


def _filters() -> dict[str, datetime]:
    found = {}
    for name in FILTERS:
        # An unencoded "+" of the offset arrives as a space.
        raw = (request.args.get(name) or "").strip().replace(" ", "+")
        if raw:
            try:
                value = datetime.fromisoformat(raw)
            except ValueError:
                abort(400)
            found[name] = value if value.tzinfo else value.replace(tzinfo=UTC)
    return found


def _filtered(stmt: Select, created, modified) -> Select:
    """`created` and `modified` are SQL expressions, or a fixed moment (objects that
    keep no time of their own)."""
    for name, value in _filters().items():
        column = created if name.startswith("created") else modified
        since = name.endswith("since")
        if isinstance(column, datetime):
            if not _passes(column):
                stmt = stmt.where(false())
        else:
            stmt = stmt.where(column >= value if since else column <= value)
    return stmt


def _passes(moment: datetime) -> bool:
    """Whether an object created and modified at a fixed `moment` passes the filters."""
    return all(moment >= value if name.endswith("since") else moment <= value
               for name, value in _filters().items())


def _page_number() -> int:
    try:
        number = int(request.args.get("page", "1"))
    except ValueError:
        abort(400)
    if number < 1:
        abort(400)
    return number


def _list(endpoint: str, total: int, data: list[dict], number: int) -> Response:
    size = _page_size()
    pages = max(1, -(-total // size))

    def link(page: int) -> str:
        kept = {k: request.args[k] for k in KEPT if k in request.args}
        return url_for(f"oparl.{endpoint}", page=page, _external=True, **kept)

    links = {"first": link(1), "last": link(pages)}
    if number > 1:
        links["prev"] = link(min(number - 1, pages))
    if number < pages:
        links["next"] = link(number + 1)
    return _json({"data": data,
                  "pagination": {"totalElements": total, "elementsPerPage": size,
                                 "currentPage": number, "totalPages": pages},
                  "links": links})


def _page_size() -> int:
    return current_app.config.get("OPARL_PAGE_SIZE", PAGE_SIZE)


def _paged(endpoint: str, stmt: Select, order, created, modified,
           build: Callable[[list], list[dict]]) -> Response:
    stmt = _filtered(stmt, created, modified)
    number = _page_number()
    size = _page_size()
    total = queries.count(stmt)
    rows = list(db.session.scalars(stmt.order_by(order).offset((number - 1) * size)
                                   .limit(size)).unique())
    return _list(endpoint, total, build(rows), number)


# -- System, body, legislative terms

@bp.route("/")
def system():
    return _json(objects.system())


@bp.route("/body")
def bodies():
    shown = _passes(objects.SINCE)
    return _list("bodies", 1 if shown else 0, [objects.body()] if shown else [], 1)


@bp.route("/body/1")
def body():
    return _json(objects.body())


@bp.route("/body/1/legislative-term")
def legislative_terms():
    years = objects.term_years()
    terms = [objects.legislative_term(y) for y in years] if _passes(objects.SINCE) else []
    return _list("legislative_terms", len(terms), terms, 1)


@bp.route("/legislative-term/<int:year>")
def legislative_term(year: int):
    if year not in objects.term_years():
        abort(404)
    return _json(objects.legislative_term(year))


# -- Organizations: the groups first, then the members

@bp.route("/body/1/organization")
def organizations():
    groups = _filtered(queries.groups(), objects.SINCE, objects.SINCE)
    members = _filtered(queries.members(), objects.SINCE, objects.SINCE)
    number, size = _page_number(), _page_size()
    group_count, member_count = queries.count(groups), queries.count(members)
    start = (number - 1) * size
    shown_groups = list(db.session.scalars(groups.order_by(queries.Group.id)
                                           .offset(start).limit(size)))
    shown_members = list(db.session.scalars(
        members.order_by(Member.id).offset(max(0, start - group_count))
        .limit(size - len(shown_groups)))) if len(shown_groups) < size else []
    seats = _seats_by_group([g.id for g in shown_groups])
    data = ([objects.group(g, seats.get(g.id, [])) for g in shown_groups]
            + [objects.member(m) for m in shown_members])
    return _list("organizations", group_count + member_count, data, number)


def _seats_by_group(ids: list[int]) -> dict[int, list[GroupMembership]]:
    found: dict[int, list[GroupMembership]] = {}
    for seat in queries.memberships_of(groups=ids):
        found.setdefault(seat.group_id, []).append(seat)
    return found


@bp.route("/group/<int:id>")
def group(id: int):
    found = _found(db.session.get(queries.Group, id))
    return _json(objects.group(found, _seats_by_group([id]).get(id, [])))


@bp.route("/member/<int:id>")
def member(id: int):
    return _json(objects.member(_found(db.session.get(Member, id))))


# -- People and their seats

def _seats_by_user(ids: list[int]) -> dict[int, list[GroupMembership]]:
    found: dict[int, list[GroupMembership]] = {}
    for seat in queries.memberships_of(users=ids):
        found.setdefault(seat.user_id, []).append(seat)
    return found


def _persons(users: list[User]) -> list[dict]:
    seats = _seats_by_user([u.id for u in users])
    return [objects.person(u, seats.get(u.id, [])) for u in users]


@bp.route("/body/1/person")
def persons():
    return _paged("persons", queries.persons(), User.id, User.created_at, User.created_at,
                  _persons)


@bp.route("/person/<int:id>")
def person(id: int):
    return _json(_persons([_found(db.session.scalar(queries.persons()
                                                     .where(User.id == id)))])[0])


@bp.route("/membership/<int:id>")
def membership(id: int):
    return _json(objects.membership(_found(db.session.scalar(
        queries.memberships().where(GroupMembership.id == id)))))


# -- Meetings, agenda items, locations, files

def _meetings(found: list[Meeting]) -> list[dict]:
    documents = queries.documents_of(m.id for m in found)
    papers = queries.public_paper_ids(i.proposal_id for m in found
                                      for i in queries.shown_items(m))
    return [objects.meeting(m, documents[m.id], papers) for m in found]


@bp.route("/body/1/meeting")
def meetings():
    return _paged("meetings", queries.public_meetings(), Meeting.id, Meeting.created_at,
                  queries.meeting_modified(), _meetings)


def _public_meeting(id: int) -> Meeting:
    return _found(db.session.scalar(queries.public_meetings().where(Meeting.id == id)))


@bp.route("/meeting/<int:id>")
def meeting(id: int):
    return _json(_meetings([_public_meeting(id)])[0])


@bp.route("/location/<int:id>")
def location(id: int):
    found = _public_meeting(id)
    if not found.place:
        abort(404)
    return _json(objects.location(found))


@bp.route("/agenda-item/<int:id>")
def agenda_item(id: int):
    item = _found(db.session.scalar(queries.public_items().where(AgendaItem.id == id)))
    return _json(objects.agenda_item(item, queries.public_paper_ids([item.proposal_id])))


def _files(found: list[MeetingDocument]) -> list[dict]:
    return [objects.file(doc) for doc in found]


@bp.route("/body/1/file")
def files():
    return _paged("files", queries.public_documents(), MeetingDocument.id,
                  MeetingDocument.created_at, MeetingDocument.created_at, _files)


def _public_document(id: int) -> MeetingDocument:
    return _found(db.session.scalar(queries.public_documents()
                                    .where(MeetingDocument.id == id)))


@bp.route("/file/<int:id>")
def file(id: int):
    return _json(objects.file(_public_document(id)))


@bp.route("/file/<int:id>/content")
def file_content(id: int):
    """The PDF itself, shown in the browser: no Content-Disposition."""
    doc = _public_document(id)
    return storage.send_pdf(doc.storage_key, None, doc.sha256, inline=True)


# -- Papers and consultations

def _papers(found: list[Proposal]) -> list[dict]:
    ids = [p.id for p in found]
    decisions = queries.decisions_of(ids)
    items = queries.items_treating(ids)
    ratifications = queries.ratifications_of(ids)
    return [objects.paper(p, decisions.get(p.id), items[p.id], ratifications[p.id])
            for p in found]


@bp.route("/body/1/paper")
def papers():
    return _paged("papers", queries.public_papers(), Proposal.id, Proposal.created_at,
                  Proposal.updated_at, _papers)


@bp.route("/paper/<int:id>")
def paper(id: int):
    return _json(_papers([_found(db.session.scalar(queries.public_papers()
                                                    .where(Proposal.id == id)))])[0])


@bp.route("/consultation/round/<int:id>")
def round_consultation(id: int):
    return _json(objects.round_consultation(_found(db.session.scalar(
        queries.public_rounds().where(Round.id == id)))))


@bp.route("/consultation/item/<int:id>")
def item_consultation(id: int):
    item = _found(db.session.scalar(queries.public_items().where(AgendaItem.id == id)))
    if item.proposal_id not in queries.public_paper_ids([item.proposal_id]):
        abort(404)
    return _json(objects.item_consultation(item))


@bp.route("/consultation/ratification/<int:id>")
def ratification_consultation(id: int):
    found = _found(db.session.execute(queries.public_ratifications()
                                      .where(queries.Ratification.id == id)).first())
    return _json(objects.ratification_consultation(*found))
