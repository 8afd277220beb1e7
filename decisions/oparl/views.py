"""The OParl 1.1 endpoints under /oparl/1.1/: read-only JSON for anyone, no login.

Lists are pages of `{data, pagination, links}` in the order of the objects' ids, with
`links.next` until the last page; the filters `created_since`, `created_until`,
`modified_since`, `modified_until` (and `omit_internal`, which changes nothing: nothing
internal is served) are kept in every link."""

import json
from collections.abc import Callable
from datetime import UTC, datetime

from flask import Blueprint, Response, abort, current_app, request, url_for
from sqlalchemy import Select, false, func, literal, select, union_all

from decisions.accounts.models import User
from decisions.extensions import db
from decisions.files import storage
from decisions.meetings.models import AgendaItem, GroupMembership, Meeting, MeetingDocument
from decisions.members.models import Member
from decisions.oparl import objects, queries
from decisions.oparl import papers as main_files
from decisions.oparl.models import Tombstone
from decisions.proposals.models import Proposal, Round
from decisions.register.models import DecisionDocument

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


class Section:
    """One kind of object in a list, in the order of its ids: the served objects, and
    with `modified_since` the tombstones of those gone (`kind`) among them."""

    def __init__(self, stmt: Select, order, created, modified, kind: str) -> None:
        self.stmt = _filtered(stmt, created, modified)
        self.order, self.kind = order, kind
        ids = self.stmt.with_only_columns(order.label("id"), literal(False).label("gone"))
        if "modified_since" in request.args:
            gone = _filtered(select(Tombstone.object_id.label("id"),
                                    literal(True).label("gone"))
                             .where(Tombstone.kind == kind),
                             Tombstone.created_at, Tombstone.deleted_at)
            ids = union_all(ids, gone)
        self.ids = ids.subquery()
        self.total = db.session.scalar(select(func.count()).select_from(self.ids))

    def page(self, start: int, size: int) -> tuple[list, list[Tombstone]]:
        """The served objects and the tombstones of the page, by id."""
        if size <= 0 or start >= self.total:
            return [], []
        shown = db.session.execute(select(self.ids.c.id, self.ids.c.gone)
                                   .order_by(self.ids.c.id).offset(start).limit(size)).all()
        served = [id for id, gone in shown if not gone]
        gone = [id for id, gone in shown if gone]
        rows = list(db.session.scalars(self.stmt.where(self.order.in_(served))
                                       .order_by(self.order)).unique()) if served else []
        dead = list(db.session.scalars(select(Tombstone).where(
            Tombstone.kind == self.kind, Tombstone.object_id.in_(gone)))) if gone else []
        return rows, dead


def _in_order(served: list[dict], gone: list[Tombstone]) -> list[dict]:
    found = served + [objects.tombstone(t) for t in gone]
    return sorted(found, key=lambda o: int(o["id"].rsplit("/", 1)[1]))


def _paged(endpoint: str, stmt: Select, order, created, modified,
           build: Callable[[list], list[dict]], kind: str) -> Response:
    section = Section(stmt, order, created, modified, kind)
    number, size = _page_number(), _page_size()
    rows, gone = section.page((number - 1) * size, size)
    return _list(endpoint, section.total, _in_order(build(rows), gone), number)


def _gone(kind: str, id: int) -> Response:
    """The tombstone of an object served once and gone, else 404."""
    found = db.session.scalar(select(Tombstone).where(Tombstone.kind == kind,
                                                      Tombstone.object_id == id))
    if found is None:
        abort(404)
    return _json(objects.tombstone(found))


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
    groups = Section(queries.groups(), queries.Group.id, queries.Group.created_at,
                     queries.group_modified(), "group")
    members = Section(queries.members(), Member.id, Member.created_at, Member.updated_at,
                      "member")
    number, size = _page_number(), _page_size()
    start = (number - 1) * size
    shown_groups, gone_groups = groups.page(start, size)
    shown = len(shown_groups) + len(gone_groups)
    shown_members, gone_members = members.page(max(0, start - groups.total), size - shown)
    seats = _seats_by_group([g.id for g in shown_groups])
    data = (_in_order([objects.group(g, seats.get(g.id, [])) for g in shown_groups],
                      gone_groups)
            + _in_order([objects.member(m) for m in shown_members], gone_members))
    return _list("organizations", groups.total + members.total, data, number)


def _seats_by_group(ids: list[int]) -> dict[int, list[GroupMembership]]:
    found: dict[int, list[GroupMembership]] = {}
    for seat in queries.memberships_of(groups=ids):
        found.setdefault(seat.group_id, []).append(seat)
    return found


@bp.route("/group/<int:id>")
def group(id: int):
    found = db.session.get(queries.Group, id)
    if found is None:
        return _gone("group", id)
    return _json(objects.group(found, _seats_by_group([id]).get(id, [])))


@bp.route("/member/<int:id>")
def member(id: int):
    found = db.session.get(Member, id)
    if found is None:
        return _gone("member", id)
    return _json(objects.member(found))


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
    return _paged("persons", queries.persons(), User.id, User.created_at,
                  queries.person_modified(), _persons, "person")


@bp.route("/person/<int:id>")
def person(id: int):
    found = db.session.scalar(queries.persons().where(User.id == id))
    if found is None:
        return _gone("person", id)
    return _json(_persons([found])[0])


@bp.route("/membership/<int:id>")
def membership(id: int):
    found = db.session.scalar(queries.memberships().where(GroupMembership.id == id))
    if found is None:
        return _gone("membership", id)
    return _json(objects.membership(found))


# -- Meetings, agenda items, locations, files

def _meetings(found: list[Meeting]) -> list[dict]:
    documents = queries.documents_of(m.id for m in found)
    papers = queries.public_paper_ids(i.proposal_id for m in found
                                      for i in queries.shown_items(m))
    return [objects.meeting(m, documents[m.id], papers) for m in found]


@bp.route("/body/1/meeting")
def meetings():
    return _paged("meetings", queries.public_meetings(), Meeting.id, Meeting.created_at,
                  queries.meeting_modified(), _meetings, "meeting")


def _public_meeting(id: int) -> Meeting | None:
    return db.session.scalar(queries.public_meetings().where(Meeting.id == id))


@bp.route("/meeting/<int:id>")
def meeting(id: int):
    found = _public_meeting(id)
    if found is None:
        return _gone("meeting", id)
    return _json(_meetings([found])[0])


@bp.route("/location/<int:id>")
def location(id: int):
    found = _public_meeting(id)
    if found is None or not found.place:
        return _gone("location", id)
    return _json(objects.location(found))


@bp.route("/agenda-item/<int:id>")
def agenda_item(id: int):
    item = db.session.scalar(queries.public_items().where(AgendaItem.id == id))
    if item is None:
        return _gone("agenda_item", id)
    return _json(objects.agenda_item(item, queries.public_paper_ids([item.proposal_id])))


def _files(found: list[MeetingDocument]) -> list[dict]:
    return [objects.file(doc) for doc in found]


@bp.route("/body/1/file")
def files():
    """The meetings' PDFs first, then the papers' main files."""
    meeting_files = Section(queries.public_documents(), MeetingDocument.id,
                            MeetingDocument.created_at, MeetingDocument.created_at, "file")
    paper_files = Section(main_files.public_documents(), DecisionDocument.id,
                          DecisionDocument.created_at, DecisionDocument.created_at,
                          "paper_file")
    number, size = _page_number(), _page_size()
    start = (number - 1) * size
    shown, gone = meeting_files.page(start, size)
    more, more_gone = paper_files.page(max(0, start - meeting_files.total),
                                       size - len(shown) - len(gone))
    data = (_in_order(_files(shown), gone)
            + _in_order([objects.paper_file(d) for d in more], more_gone))
    return _list("files", meeting_files.total + paper_files.total, data, number)


def _public_document(id: int) -> MeetingDocument:
    return _found(db.session.scalar(queries.public_documents()
                                    .where(MeetingDocument.id == id)))


@bp.route("/file/<int:id>")
def file(id: int):
    found = db.session.scalar(queries.public_documents().where(MeetingDocument.id == id))
    if found is None:
        return _gone("file", id)
    return _json(objects.file(found))


@bp.route("/file/<int:id>/content")
def file_content(id: int):
    """The PDF itself, shown in the browser: no Content-Disposition."""
    doc = _public_document(id)
    return storage.send_pdf(doc.storage_key, None, doc.sha256, inline=True)


@bp.route("/file/<int:id>/download")
def file_download(id: int):
    doc = _public_document(id)
    return storage.send_pdf(doc.storage_key, objects.file(doc)["fileName"], doc.sha256)


def _paper_document(id: int) -> DecisionDocument | None:
    return db.session.scalar(main_files.public_documents().where(DecisionDocument.id == id))


@bp.route("/paper-file/<int:id>")
def paper_file(id: int):
    found = _paper_document(id)
    if found is None:
        return _gone("paper_file", id)
    return _json(objects.paper_file(found))


@bp.route("/paper-file/<int:id>/content")
def paper_file_content(id: int):
    """The decision's PDF itself, shown in the browser: no Content-Disposition."""
    doc = _found(_paper_document(id))
    return storage.send_pdf(doc.storage_key, None, doc.sha256, inline=True)


@bp.route("/paper-file/<int:id>/download")
def paper_file_download(id: int):
    doc = _found(_paper_document(id))
    number = f"{doc.decision.year}-{doc.decision.number:03d}"
    return storage.send_pdf(doc.storage_key, f"vedtak-{number}.pdf", doc.sha256)


# -- Papers and consultations

def _papers(found: list[Proposal]) -> list[dict]:
    ids = [p.id for p in found]
    decisions = queries.decisions_of(ids)
    items = queries.items_treating(ids)
    ratifications = queries.ratifications_of(ids)
    main = main_files.documents_of(ids)
    members = queries.member_ids_of(r.id for p in found for r in p.rounds)
    return [objects.paper(p, decisions.get(p.id), items[p.id], ratifications[p.id],
                          members, main.get(p.id)) for p in found]


@bp.route("/body/1/paper")
def papers():
    return _paged("papers", queries.public_papers(), Proposal.id, Proposal.created_at,
                  Proposal.updated_at, _papers, "paper")


@bp.route("/paper/<int:id>")
def paper(id: int):
    found = db.session.scalar(queries.public_papers().where(Proposal.id == id))
    if found is None:
        return _gone("paper", id)
    return _json(_papers([found])[0])


@bp.route("/consultation/round/<int:id>")
def round_consultation(id: int):
    found = db.session.scalar(queries.public_rounds().where(Round.id == id))
    if found is None:
        return _gone("round_consultation", id)
    return _json(objects.round_consultation(found, queries.member_ids_of([id])[id]))


@bp.route("/consultation/item/<int:id>")
def item_consultation(id: int):
    item = db.session.scalar(queries.public_items().where(AgendaItem.id == id))
    if item is None or item.proposal_id not in queries.public_paper_ids([item.proposal_id]):
        return _gone("item_consultation", id)
    return _json(objects.item_consultation(item))


@bp.route("/consultation/ratification/<int:id>")
def ratification_consultation(id: int):
    found = db.session.execute(queries.public_ratifications()
                               .where(queries.Ratification.id == id)).first()
    if found is None:
        return _gone("ratification_consultation", id)
    return _json(objects.ratification_consultation(*found))
