"""Read-only search queries over the search index (decisions/search/index.py), joined
back to the objects so that `decisions.permissions.visible` decides what a user sees:
proposals, open rounds, agenda items and their minutes, decisions; and, for the
secretariat, members and people by name (not stemmed: names are not words).

A query of plain words is matched by the database's full-text engine, every word
stemmed (Snowball, Norwegian: "kommunene" finds "kommune") and as a prefix
("kollektiv" finds "kollektivfelt"), ranked by ts_rank (PostgreSQL) or bm25 (SQLite
FTS5), the title weighing more; the text as typed is also found inside a word
("ekspressvei" in "sykkelekspressveier") where no word form is. A query with other
characters ("50%", "Vedtak: Høringssvar"), or of fewer than 3, is matched as typed.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache

from markupsafe import Markup, escape
from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    column,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    union_all,
)
from sqlalchemy.orm import joinedload

from decisions.accounts.models import User
from decisions.database import distinct_values
from decisions.extensions import db
from decisions.meetings.models import AgendaItem, Group, Meeting
from decisions.members.models import Member
from decisions.permissions import visible
from decisions.proposals.models import Area, Proposal, Round
from decisions.register.models import Decision
from decisions.search.index import stems, stems_of, words
from decisions.search.models import SearchEntry

LIMIT = 50  # results shown per group: of one kind, or members and people by name
OVERVIEW = 10  # results shown per group when every kind is searched at once
MIN_WORDS = 3  # a shorter query is matched as typed: a prefix of 1-2 letters says little
PLAIN = re.compile(r"[^\W_]+(\s+[^\W_]+)*")
E = SearchEntry
FTS = table("search_fts", column("rowid"))  # SQLite's FTS5 table (made by the migration)


@dataclass(frozen=True)
class Query:
    """What was asked: the text as typed and the filters (None: any)."""

    text: str
    kind: str | None = None  # one of models.KINDS
    year: int | None = None
    group_id: int | None = None
    area_id: int | None = None

    @property
    def plain(self) -> bool:
        """Words only: matched by the full-text engine (or else inside words)."""
        return PLAIN.fullmatch(self.text) is not None

    @property
    def filtered(self) -> bool:
        return any(v is not None for v in (self.kind, self.year, self.group_id,
                                            self.area_id))

    def wants(self, *kinds: str) -> bool:
        return self.kind is None or self.kind in kinds


def _engine_matches(q: Query) -> Select | None:
    """(kind, object_id, score) of the entries the full-text engine matches, a higher
    score the better; None when the query is not one of plain words. The words are the
    bound parameter `words` (`values`)."""
    if not q.plain:
        return None
    if db.session.get_bind().dialect.name == "postgresql":
        # Each word a prefix (the words are letters and digits only), stemmed by
        # PostgreSQL's 'norwegian' configuration, as the index was. The entries are
        # read where the GIN index leads: no join.
        tsquery = func.to_tsquery(literal_column("'norwegian'::regconfig"),
                                  bindparam("words", type_=String))
        tsv = literal_column("search_entries.tsv")
        return (select(E.kind, E.object_id, func.ts_rank(tsv, tsquery).label("score"))
                .where(tsv.op("@@")(tsquery)))
    # Materialized: the FTS5 search runs once, not once for each entry it is joined to.
    hits = (select(FTS.c.rowid.label("id"),
                   (-func.bm25(literal_column("search_fts"), 4.0, 1.0)).label("score"))
            .where(literal_column("search_fts").op("MATCH")(bindparam("words", type_=String)))
            .cte("hits").prefix_with("MATERIALIZED"))
    return select(E.kind, E.object_id, hits.c.score).join(hits, hits.c.id == E.id)


def values(q: Query, now: datetime | None = None, more: int | None = None) -> dict:
    """The bound parameters of `entries` and `best` for `q`: the words for the engine,
    the text as typed (a LIKE pattern), the filters, the moment and the number asked."""
    if db.session.get_bind().dialect.name == "postgresql":
        engine_words = " & ".join(f"{word}:*" for word in words(q.text))
    else:  # FTS5: each stem a quoted prefix (stems are letters and digits only)
        engine_words = " AND ".join(f'"{stem}"*' for stem in stems(q.text))
    typed = q.text.lower()
    for special in ("/", "%", "_"):  # as typed, with LIKE's own characters escaped
        typed = typed.replace(special, "/" + special)
    return {"words": engine_words, "typed": f"%{typed}%", "year": q.year,
            "group_id": q.group_id, "area_id": q.area_id, "now": now, "more": more}


# The kinds of entries each section of the results is found by; an entry of a kind is
# read as typed (a scan) only where the engine found none of its section's kinds.
SECTIONS = {"proposals": ("proposal",), "rounds": ("proposal",), "items": ("item", "minutes"),
            "decisions": ("decision",)}
GROUPS = tuple(dict.fromkeys(SECTIONS.values()))


def entries(q: Query, kinds: tuple[str, ...]):
    """The matching entries of `kinds` with the filters applied: (kind, object_id,
    score) rows to join the objects to, not yet limited to what the user may see.

    The engine's hits, driven by its index; for a group of kinds (GROUPS) of which it
    finds none, the text as typed inside words (a scan of those kinds' entries, only
    then: the kinds to scan are a list the database makes first, empty when the engine
    answered). A query that is not plain words, or shorter than 3 characters, is
    matched as typed alone."""
    kinds = tuple(k for k in kinds if q.wants(k)) or ("none",)
    filters = [field == bindparam(name, type_=Integer) for field, name, value in (
        (E.year, "year", q.year), (E.group_id, "group_id", q.group_id),
        (E.area_id, "area_id", q.area_id)) if value is not None]
    typed = E.folded.like(bindparam("typed", type_=String), escape="/")
    score = cast(literal(0.0), Float).label("score")
    engine = _engine_matches(q) if len(q.text) >= MIN_WORDS else None
    if engine is None:
        return (select(E.kind, E.object_id, score).where(E.kind.in_(kinds), *filters, typed)
                .cte("found"))
    # Found once for every section that reads them.
    found = (engine.where(E.kind.in_(kinds), *filters)
             .cte("found").prefix_with("MATERIALIZED"))
    # The kinds to scan drive the scan (a join, not a test of each entry): where the
    # engine answered they are none, and no entry is read.
    unanswered = union_all(*[
        select(literal(kind).label("kind")).where(
            ~select(found.c.kind).where(found.c.kind.in_(group)).exists())
        for group in GROUPS for kind in group if kind in kinds]).subquery("unanswered")
    scanned = (select(E.kind, E.object_id, score).select_from(unanswered)
               .join(E, E.kind == unanswered.c.kind).where(*filters, typed))
    return select(found).union_all(scanned).cte("matched")


def best(user: User, q: Query, now: datetime, sections: tuple[str, ...],
         more: int) -> tuple[Select, dict]:
    """One statement: the best `more` of each of `sections` (SECTIONS) that `user` may
    view, each row (section, id, minutes: whether `user` may read the item's minutes),
    in each section's order. The engine's matches are found once for them all; the
    rows are then read by id (`by_id`).

    Proposals whose current text (title, background, proposed resolution: the draft's,
    or the latest version's once circulated, which a revision writes back) matches, the
    best first; open rounds of the proposals that match (a round circulates its
    proposal's latest text), the nearest deadline first; agenda items whose case
    papers match, or whose minutes match where `user` may read them, the best first,
    then the latest meetings; decisions, the best first, then the latest.

    Returns the statement and its parameters (`values`). The statement is built once
    for each shape of query and each visibility of the user, and kept: building it
    anew, and SQLAlchemy walking the new one for its cache key, took more time than
    the search itself (6.8 ms a request at alliance scale). The shape is what changes
    the SQL (sections, kind, which filters, engine or text as typed); the visibility
    is each clause of `visible` with its bound values, so a statement kept for one
    user's groups is never another's, nor the same user's after a change of seats.
    The words, the filters' values, the moment and the number asked are bound."""
    seen = {kind: visible(user, kind) for kind in SEEN_KINDS}
    visibility = tuple(_clause_key(clause) for clause in seen.values())
    if None in visibility:  # a clause SQLAlchemy cannot key: built, never kept
        return _best(q, sections, seen), values(q, now, more)
    shape = (sections, q.kind, q.year is not None, q.group_id is not None,
             q.area_id is not None, q.plain and len(q.text) >= MIN_WORDS,
             db.session.get_bind().dialect.name, visibility)
    statement = _kept.get(shape)
    if statement is None:
        statement = _best(q, sections, seen)
        if len(_kept) >= KEPT:
            _kept.pop(next(iter(_kept)))  # the oldest
        _kept[shape] = statement
    return statement, values(q, now, more)


SEEN_KINDS = ("proposal", "round", "item", "minutes", "decision")
# Statements kept per process, the oldest dropped first: one for each shape asked and
# each visibility. Users of a role share one visibility, save those who chair a group
# (their seats are in it). With SQLAlchemy's compiled form, about 0.3 MB each.
KEPT = 64
_kept: dict[tuple, Select] = {}


def _clause_key(clause: ColumnElement[bool]) -> tuple | None:
    """A visibility clause's SQL and bound values, as a key (None: not cacheable)."""
    key = clause._generate_cache_key()
    if key is None:
        return None
    return (key.key, tuple(_frozen(p.effective_value) for p in key.bindparams))


def _frozen(value):
    return tuple(value) if isinstance(value, list | set | frozenset) else value


def _best(q: Query, sections: tuple[str, ...], seen: dict) -> Select:
    """The statement of `best` for `q`'s shape and the visibility clauses `seen`."""
    matched = entries(q, tuple(k for s in sections for k in SECTIONS[s]))
    no = literal(False)
    branches = []

    def branch(section: str, id_, order, stmt: Select, minutes=no):
        ranked = (stmt.add_columns(literal(section).label("section"), id_.label("id"),
                                   func.row_number().over(order_by=order).label("rank"),
                                   minutes.label("minutes"))
                  .order_by(*order).limit(bindparam("more", type_=Integer)).subquery())
        branches.append(select(ranked.c.section, ranked.c.id, ranked.c.rank,
                               ranked.c.minutes))

    if "proposals" in sections:
        of = matched.c.kind == "proposal"
        branch("proposals", Proposal.id,
               (matched.c.score.desc(), Proposal.updated_at.desc(), Proposal.id.desc()),
               select().select_from(matched).join(Proposal, and_(
                   of, matched.c.object_id == Proposal.id)).where(seen["proposal"]))
    if "rounds" in sections:
        branch("rounds", Round.id, (Round.deadline, Round.id),
               select().select_from(matched).join(Round, and_(
                   matched.c.kind == "proposal", matched.c.object_id == Round.proposal_id))
               .join(Round.version)
               .where(seen["round"], Round.closed_at.is_(None), Round.deadline > bindparam("now")))
    if "items" in sections:
        # An item found by its papers and by its minutes is one row, of the better
        # score; what it is ordered by is read in the same join (an item's meeting is
        # one: grouping by its columns adds no group).
        minutes = seen["minutes"]
        readable = (select(AgendaItem.id.label("id"), Meeting.starts_at, AgendaItem.position,
                           func.max(matched.c.score).label("score"),
                           func.max(case((minutes, 1), else_=0)).label("minutes"))
                    .select_from(matched)
                    .join(AgendaItem, AgendaItem.id == matched.c.object_id)
                    .join(Meeting, Meeting.id == AgendaItem.meeting_id)
                    .where(matched.c.kind.in_(("item", "minutes")), seen["item"],
                           or_(matched.c.kind == "item", minutes))
                    .group_by(AgendaItem.id, Meeting.starts_at, AgendaItem.position)
                    .subquery())
        branch("items", readable.c.id,
               (readable.c.score.desc(), readable.c.starts_at.desc(), readable.c.position,
                readable.c.id),
               select().select_from(readable), readable.c.minutes == 1)
    if "decisions" in sections:
        branch("decisions", Decision.id,
               (matched.c.score.desc(), Decision.adopted_at.desc(), Decision.id.desc()),
               select().select_from(matched).join(Decision, and_(
                   matched.c.kind == "decision", matched.c.object_id == Decision.id))
               .where(seen["decision"]))
    found = union_all(*branches).subquery("best")
    return select(found.c.section, found.c.id, found.c.minutes).order_by(
        found.c.section, found.c.rank)


@cache
def by_id(section: str) -> Select:
    """The rows of a section of `best` whose ids are the bound list `ids`, with what the
    page shows of them: built once per section (a list of ids in the statement made it
    a new statement, and a new cache key, every request)."""
    ids = bindparam("ids", expanding=True)
    if section == "proposals":
        return select(Proposal).where(Proposal.id.in_(ids)).options(joinedload(Proposal.area))
    if section == "rounds":
        return select(Round).where(Round.id.in_(ids)).options(
            joinedload(Round.version), joinedload(Round.proposal))
    if section == "items":
        return select(AgendaItem).where(AgendaItem.id.in_(ids)).options(
            joinedload(AgendaItem.meeting).joinedload(Meeting.group))
    return select(Decision).where(Decision.id.in_(ids))


def _contains(column, text: str) -> ColumnElement[bool]:
    # autoescape: a % or _ the user typed is a character, not a wildcard.
    return column.icontains(text, autoescape=True)


def members(text: str) -> Select:
    """Members whose name contains `text` (for whom `can(user, "find", kind="member")`)."""
    return (select(Member).where(_contains(Member.name, text))
            .options(joinedload(Member.subregion)).order_by(Member.name))


def people(text: str) -> Select:
    """Users whose name or email address contains `text` (for whom
    `can(user, "find", kind="person")`)."""
    return (select(User).where(or_(_contains(User.name, text), _contains(User.email, text)))
            .options(joinedload(User.member)).order_by(User.name, User.id))


# --- The filters' choices ---------------------------------------------------------------

def years() -> Select:
    return distinct_values(E.year, descending=True)


def groups(user: User) -> Select:
    return select(Group).where(visible(user, "group")).order_by(Group.name)


def areas(user: User) -> Select:
    return select(Area).where(visible(user, "area")).order_by(Area.name_nb)


# --- Snippets ---------------------------------------------------------------------------

@lru_cache(maxsize=256)
def _candidates(wanted: tuple[str, ...]) -> re.Pattern:
    """The words that begin with one of the stems `wanted`, whatever their case.

    Snowball's Norwegian stemmer only takes endings off (or shortens one), so a word's
    stem begins its lowercased word: a word whose stem starts with a stem wanted starts
    with it too. Only these words need stemming, not every word of a long text. The
    match is always a whole word as WORD finds it; the stems only look ahead (under
    IGNORECASE a letter of a stem can match a character that is no letter, U+0345)."""
    either = "|".join(map(re.escape, wanted))
    return re.compile(rf"(?<![^\W_])(?=(?:{either}))[^\W_]+", re.IGNORECASE)


def _spans(field: str, q: Query, wanted: tuple[str, ...]) -> list[tuple[int, int]]:
    """Where in `field` the query matches: words whose stem starts with one of the
    query's stems `wanted` (plain queries), and the text as typed."""
    spans = []
    if wanted:
        found = list(_candidates(wanted).finditer(field))
        for match, stem in zip(found, stems_of([m.group() for m in found]), strict=True):
            if stem.startswith(wanted):
                spans.append(match.span())
    needle, lowered, at = q.text.lower(), field.lower(), 0
    while needle and (at := lowered.find(needle, at)) >= 0:
        spans.append((at, at + len(needle)))
        at += len(needle)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def snippet(fields: list[str], q: Query, width: int = 160) -> Markup:
    """A passage of the first of `fields` the query matches, around the first match,
    every match marked: the text escaped, only <mark> is markup. Empty when none of
    `fields` matches (the title alone did)."""
    wanted = tuple(stems(q.text)) if q.plain and len(q.text) >= MIN_WORDS else ()
    for field in fields:
        field = " ".join(field.split())
        spans = _spans(field, q, wanted)
        if not spans:
            continue
        first = spans[0][0]
        start = max(first - width // 3, 0)
        end = min(start + width, len(field))
        if start > 0:  # begin at a word
            space = field.find(" ", start, first)
            start = space + 1 if space >= 0 else start
        parts, at = [], start
        for s, e in spans:
            if e <= start or s >= end:
                continue
            s, e = max(s, start), min(e, end)
            parts.append(escape(field[at:s]))
            parts.append(Markup("<mark>%s</mark>") % field[s:e])
            at = e
        parts.append(escape(field[at:end]))
        return (Markup("…") if start > 0 else Markup("")) + Markup("").join(parts) + (
            Markup("…") if end < len(field) else Markup(""))
    return Markup("")


def item_fields(item: AgendaItem, *, minutes: bool) -> list[str]:
    fields = [item.background, item.proposed_resolution]
    return fields + [item.decision_text, item.notes] if minutes else fields


