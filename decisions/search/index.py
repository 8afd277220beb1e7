"""The search index kept in step with what it indexes: its one home.

Every flush that adds, changes or deletes a proposal, a decision, an agenda item (or a
meeting's date or group, which its items carry) rewrites those objects' rows of
`search_entries` in the same transaction (an `after_flush` listener), so the index
holds exactly what was committed and a rollback leaves it as it was. `rebuild` writes
the whole index again (the migration's backfill, `flask search reindex`, the scale
demo, which writes rows without the ORM).

Words are stemmed by Snowball's Norwegian stemmer: by PostgreSQL itself
(to_tsvector('norwegian', ...)), and for SQLite's FTS5, which has none, here (PyStemmer,
the same algorithm), into `title_stems`/`body_stems`.
"""

import re
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator

import Stemmer
from sqlalchemy import Connection, delete, event, insert, inspect, select, text
from sqlalchemy.orm import Session

from decisions.clock import oslo
from decisions.meetings.models import AgendaItem, Meeting
from decisions.proposals.models import Proposal
from decisions.register.models import Decision
from decisions.search.models import SearchEntry

WORD = re.compile(r"[^\W_]+")
_local = threading.local()  # a Stemmer object is not to be shared between threads

ENTRIES = SearchEntry.__table__
P, D, IT, M = (Proposal.__table__, Decision.__table__, AgendaItem.__table__,
              Meeting.__table__)

# Which columns of a changed object the index reads: other changes leave it alone.
WATCHED = {
    Proposal: ("title", "background", "resolution", "area_id", "case_year"),
    Decision: ("title", "resolution", "year", "proposal_id"),
    AgendaItem: ("title", "background", "proposed_resolution", "notes", "decision_text",
                 "group_id", "meeting_id", "proposal_id"),
    Meeting: ("starts_at", "group_id"),
}
CHUNK = 500  # ids per IN (...)


def words(text: str) -> list[str]:
    """The words of `text`, lowercased."""
    return WORD.findall(text.lower())


def stems(text: str) -> list[str]:
    """The Snowball (Norwegian) stems of the words of `text`."""
    return stems_of(words(text))


def stems_of(found: list[str]) -> list[str]:
    """The Snowball (Norwegian) stems of the words `found` (lowercased here)."""
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = Stemmer.Stemmer("norwegian")
    return stemmer.stemWords([word.lower() for word in found])


def _join(*parts: str) -> str:
    return "\n".join(part for part in parts if part)


def _entry(kind: str, object_id: int, year, group_id, area_id, title: str, body: str,
           stemmed: bool) -> dict:
    return {"kind": kind, "object_id": object_id, "year": year, "group_id": group_id,
            "area_id": area_id, "title": title, "body": body,
            "folded": _join(title, body).lower(),
            "title_stems": " ".join(stems(title)) if stemmed else "",
            "body_stems": " ".join(stems(body)) if stemmed else ""}


def _proposals(conn: Connection, where, stemmed: bool) -> Iterator[dict]:
    rows = conn.execute(select(P.c.id, P.c.title, P.c.background, P.c.resolution,
                               P.c.area_id, P.c.case_year, P.c.created_at).where(where))
    for r in rows:
        yield _entry("proposal", r.id, r.case_year or oslo(r.created_at).year, None,
                     r.area_id, r.title, _join(r.background, r.resolution), stemmed)


def _decisions(conn: Connection, where, stemmed: bool) -> Iterator[dict]:
    rows = conn.execute(select(D.c.id, D.c.title, D.c.resolution, D.c.year, P.c.area_id)
                        .join(P, P.c.id == D.c.proposal_id).where(where))
    for r in rows:
        yield _entry("decision", r.id, r.year, None, r.area_id, r.title, r.resolution,
                     stemmed)


def _items(conn: Connection, where, stemmed: bool) -> Iterator[dict]:
    rows = conn.execute(
        select(IT.c.id, IT.c.title, IT.c.background, IT.c.proposed_resolution, IT.c.notes,
               IT.c.decision_text, IT.c.group_id, M.c.starts_at, P.c.area_id)
        .join(M, M.c.id == IT.c.meeting_id).outerjoin(P, P.c.id == IT.c.proposal_id)
        .where(where))
    for r in rows:
        year = oslo(r.starts_at).year
        yield _entry("item", r.id, year, r.group_id, r.area_id, r.title,
                     _join(r.background, r.proposed_resolution), stemmed)
        if r.notes or r.decision_text:
            yield _entry("minutes", r.id, year, r.group_id, r.area_id, r.title,
                         _join(r.decision_text, r.notes), stemmed)


SOURCES = {  # source: (its table's id column, the kinds of entry it makes, rows)
    "proposal": (P.c.id, ("proposal",), _proposals),
    "decision": (D.c.id, ("decision",), _decisions),
    "item": (IT.c.id, ("item", "minutes"), _items),
}


def _write(conn: Connection, rows: Iterable[dict]) -> int:
    batch, written = [], 0
    for row in rows:
        batch.append(row)
        if len(batch) >= CHUNK:
            conn.execute(insert(ENTRIES), batch)
            written, batch = written + len(batch), []
    if batch:
        conn.execute(insert(ENTRIES), batch)
        written += len(batch)
    return written


def refresh(conn: Connection, changed: dict[str, set[int]]) -> None:
    """Write the entries of the objects `changed` ({source: ids}) again: an object that
    is gone loses its entries."""
    stemmed = conn.dialect.name == "sqlite"
    for source, ids in changed.items():
        column, kinds, rows = SOURCES[source]
        ordered = sorted(ids)
        for start in range(0, len(ordered), CHUNK):
            chunk = ordered[start:start + CHUNK]
            conn.execute(delete(ENTRIES).where(ENTRIES.c.kind.in_(kinds),
                                               ENTRIES.c.object_id.in_(chunk)))
            _write(conn, rows(conn, column.in_(chunk), stemmed))


def rebuild(conn: Connection) -> int:
    """The whole index written again from the objects; returns the number of entries."""
    stemmed = conn.dialect.name == "sqlite"
    conn.execute(delete(ENTRIES))
    if stemmed:  # the FTS5 table follows by triggers; start it afresh all the same
        conn.execute(text("INSERT INTO search_fts(search_fts) VALUES ('delete-all')"))
    written = 0
    for _column, _kinds, rows in SOURCES.values():
        written += _write(conn, rows(conn, text("1 = 1"), stemmed))
    if stemmed:
        conn.execute(text("INSERT INTO search_fts(search_fts) VALUES ('rebuild')"))
    return written


def _changed(session: Session, obj, deleted: bool) -> bool:
    """Whether the flush added or deleted `obj` or changed a column the index reads."""
    if deleted or obj in session.new:
        return True
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in WATCHED[type(obj)])


@event.listens_for(Session, "after_flush")
def _follow(session: Session, _context) -> None:
    """The entries of what this flush wrote, rewritten in its transaction."""
    changed: dict[str, set[int]] = defaultdict(set)
    moved: set[int] = set()  # meetings whose date or group changed: their items
    areas: set[int] = set()  # proposals whose area changed: their decisions and items
    for objects, deleted in ((session.new, False), (session.dirty, False),
                             (session.deleted, True)):
        for obj in objects:
            kind = type(obj)
            if kind not in WATCHED or not _changed(session, obj, deleted):
                continue
            existed = not deleted and obj not in session.new
            if kind is Proposal:
                changed["proposal"].add(obj.id)
                if existed and inspect(obj).attrs.area_id.history.has_changes():
                    areas.add(obj.id)
            elif kind is Decision:
                changed["decision"].add(obj.id)
            elif kind is AgendaItem:
                changed["item"].add(obj.id)
            elif existed:
                moved.add(obj.id)
    if not changed and not moved and not areas:
        return
    conn = session.connection()
    if moved:
        changed["item"].update(conn.scalars(select(IT.c.id).where(IT.c.meeting_id.in_(moved))))
    if areas:
        changed["item"].update(conn.scalars(select(IT.c.id).where(IT.c.proposal_id.in_(areas))))
        changed["decision"].update(conn.scalars(
            select(D.c.id).where(D.c.proposal_id.in_(areas))))
    refresh(conn, changed)
