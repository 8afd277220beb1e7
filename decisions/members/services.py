"""Members, subregions and counties: add, rename, deactivate, merge, import from CSV.

Every act checks the actor may manage members (a command line actor, None, may),
writes its audit entry in the same transaction and saves nothing half-way: a
DomainError leaves the transaction for the caller to roll back.
"""

import csv
import io
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from decisions.accounts.models import Role, User
from decisions.accounts.services import EMAIL_SHAPE, create_user
from decisions.audit.services import record, snapshot
from decisions.clock import now, oslo
from decisions.errors import Conflict, DomainError, NotAllowed
from decisions.extensions import db
from decisions.members.models import County, Member, MemberKind, MemberName, Subregion
from decisions.permissions import can
from decisions.proposals.models import Proposal, ProposalStatus, Round, RoundMember
from decisions.proposals.queries import standing_objections_of

NAME_MAX = 120
MEMBER_FIELDS = ("name", "kind", "subregion_id", "county_id", "active", "closed_on",
                 "merged_into_id")


def _require(actor: User | None) -> None:
    if actor is not None and not can(actor, "manage", kind="member"):
        raise NotAllowed(_l("You may not manage members."))


def _clean_name(name: str, field_name: str = "name") -> str:
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(_l("Write a name."), field=field_name)
    if len(name) > NAME_MAX:
        raise DomainError(_l("The name can be at most 120 characters."), field=field_name)
    return name


def _name_taken(model, name: str, but: int | None = None) -> bool:
    query = select(model.id).where(func.lower(model.name) == name.lower())
    if but is not None:
        query = query.where(model.id != but)
    # SQLite's lower() folds ASCII only: compare the rest in Python.
    return any(db.session.scalars(query)) or any(
        other.casefold() == name.casefold() for other in db.session.scalars(
            select(model.name).where(model.id != (but or 0))))


def _check_places(subregion: Subregion | None, county: County | None,
                  member: Member | None = None) -> None:
    if subregion is None:
        raise DomainError(_l("Choose a subregion."), field="subregion")
    if not subregion.active and (member is None or member.subregion_id != subregion.id):
        raise DomainError(_l("The subregion %(name)s is closed.", name=subregion.name),
                          field="subregion")
    if county is not None and not county.active and (
            member is None or member.county_id != county.id):
        raise DomainError(_l("The county %(name)s is closed.", name=county.name),
                          field="county")


# --- Members ---------------------------------------------------------------------------

def create_member(actor: User | None, *, name: str, kind: MemberKind, subregion: Subregion,
                  county: County | None = None) -> Member:
    _require(actor)
    name = _clean_name(name)
    if _name_taken(Member, name):
        raise DomainError(_l("%(name)s is already a member.", name=name), field="name")
    _check_places(subregion, county)
    member = Member(name=name, kind=kind, subregion=subregion, county=county, active=True)
    db.session.add(member)
    db.session.flush()
    record(actor, "member.created", member, after=snapshot(member, *MEMBER_FIELDS))
    return member


def edit_member(actor: User | None, member: Member, *, name: str, kind: MemberKind,
                subregion: Subregion, county: County | None, renamed_on: date | None,
                lock_version: int) -> Member:
    """Change a member; a new name keeps the old one in its history, used until
    `renamed_on` (today when not given)."""
    _require(actor)
    if lock_version != member.lock_version:
        raise Conflict(_l("Someone else changed this member in the meantime. Reload the "
                          "page to see their change."))
    name = _clean_name(name)
    if _name_taken(Member, name, but=member.id):
        raise DomainError(_l("%(name)s is already a member.", name=name), field="name")
    _check_places(subregion, county, member)
    before = snapshot(member, *MEMBER_FIELDS)
    if name != member.name:
        day = renamed_on or oslo(now()).date()
        if day > oslo(now()).date():
            raise DomainError(_l("A rename is recorded from its day on, not before."),
                              field="renamed_on")
        db.session.add(MemberName(member=member, name=member.name, until=day,
                                  recorded_at=now()))
        record(actor, "member.renamed", member, before={"name": member.name},
               after={"name": name, "from": day})
    member.name, member.kind = name, kind
    member.subregion, member.county = subregion, county
    db.session.flush()
    after = snapshot(member, *MEMBER_FIELDS)
    if {k: v for k, v in after.items() if k != "name"} != \
            {k: v for k, v in before.items() if k != "name"}:
        record(actor, "member.changed", member, before=before, after=after)
    return member


def open_rounds_of(members: Sequence[Member]) -> list[Round]:
    """The rounds still open (no outcome recorded) that any of `members` is in."""
    ids = [m.id for m in members]
    if not ids:
        return []
    return list(db.session.scalars(
        select(Round).join(RoundMember, RoundMember.round_id == Round.id)
        .join(Proposal, Proposal.id == Round.proposal_id)
        .where(RoundMember.member_id.in_(ids), Round.outcome.is_(None))
        .distinct().order_by(Round.id)))


def standing_objections(members: Sequence[Member]) -> list[Proposal]:
    """The proposals still in circulation on which one of `members` has an objection
    standing: the next round must include it, and only the member can withdraw it."""
    ids = {m.id for m in members}
    if not ids:
        return []
    proposals = {p.id: p for p in db.session.scalars(
        select(Proposal).join(Round, Round.proposal_id == Proposal.id)
        .join(RoundMember, RoundMember.round_id == Round.id)
        .where(RoundMember.member_id.in_(ids),
               Proposal.status == ProposalStatus.CIRCULATED).distinct())}
    standing = standing_objections_of(proposals)
    return [proposals[p] for p in sorted(standing) if ids & set(standing[p])]


def _proposal_names(proposals: Sequence[Proposal]) -> str:
    return ", ".join(f"{p.case_ref or ''} \u201c{p.title}\u201d".strip() for p in proposals)


def _round_names(rounds: Sequence[Round]) -> str:
    return ", ".join(f"{r.proposal.case_ref or ''} \u201c{r.proposal.title}\u201d".strip()
                     for r in rounds)


def set_member_active(actor: User | None, member: Member, active: bool) -> None:
    """Deactivate a member (it is no longer offered for new rounds) or take it back."""
    _require(actor)
    if member.active == active:
        return
    if active and member.merged_into_id is not None:
        raise DomainError(_l("%(name)s was merged into another member and stays closed.",
                             name=member.name))
    if not active:
        rounds = open_rounds_of([member])
        if rounds:
            raise DomainError(_l("%(name)s is in rounds still open: %(rounds)s. Deactivate "
                                 "it when they have closed.", name=member.name,
                                 rounds=_round_names(rounds)))
        objected = standing_objections([member])
        if objected:
            raise DomainError(_l("An objection of %(name)s still stands on %(proposals)s: "
                                 "it must be withdrawn, or the proposal withdrawn, first.",
                                 name=member.name, proposals=_proposal_names(objected)))
    before = snapshot(member, "active")
    member.active = active
    db.session.flush()
    record(actor, "member.activated" if active else "member.deactivated", member,
           before=before, after=snapshot(member, "active"))


@dataclass
class MergePlan:
    """What a merger would do, checked: shown as the preview and done by `merge`."""

    olds: list[Member]
    into: Member | None  # None: a new member, named `new_name`
    new_name: str
    on: date
    representatives: list[User] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def plan_merger(olds: Sequence[Member], into: Member | None, on: date,
                new_name: str = "") -> MergePlan:
    """Check a merger of `olds` into `into` (an existing member) or a new member
    named `new_name`, from the day `on`. Nothing is changed."""
    plan = MergePlan(olds=list(olds), into=into, new_name=new_name, on=on)
    problems = plan.problems
    if not olds:
        problems.append(_("Choose the members that merge."))
    if into is None and not new_name:
        problems.append(_("Choose the member they merge into, or name a new one."))
    if into is not None and into in olds:
        problems.append(_("%(name)s cannot merge into itself.", name=into.name))
    if into is not None and not into.active:
        problems.append(_("%(name)s is not active.", name=into.name))
    if into is None and new_name and _name_taken(Member, new_name):
        problems.append(_("%(name)s is already a member.", name=new_name))
    for old in olds:
        if not old.active:
            problems.append(_("%(name)s is already closed.", name=old.name))
    if on > oslo(now()).date():
        problems.append(_("A merger is recorded from its day on: the date cannot be in "
                          "the future."))
    rounds = open_rounds_of(olds)
    if rounds:
        problems.append(_("These members are in rounds still open: %(rounds)s. Merge them "
                          "when the rounds have closed.", rounds=_round_names(rounds)))
    objected = standing_objections(olds)
    if objected:
        problems.append(_("An objection of one of these members still stands on "
                          "%(proposals)s: it must be withdrawn, or the proposal withdrawn, "
                          "before the merger.", proposals=_proposal_names(objected)))
    if olds:
        plan.representatives = list(db.session.scalars(
            select(User).where(User.member_id.in_([m.id for m in olds]))
            .order_by(User.name)))
    return plan


def merge(actor: User | None, plan: MergePlan, *, kind: MemberKind = MemberKind.MUNICIPALITY,
          subregion: Subregion | None = None, county: County | None = None) -> Member:
    """Do a checked merger (checked again here): the old members are closed from the
    day and point to the new one, their representatives speak for the new one. Rounds,
    positions and objections stay the old members'."""
    _require(actor)
    plan = plan_merger(plan.olds, plan.into, plan.on, plan.new_name)
    if plan.problems:
        raise DomainError(" ".join(plan.problems))
    into = plan.into
    if into is None:
        into = create_member(actor, name=plan.new_name, kind=kind,
                             subregion=subregion or plan.olds[0].subregion,
                             county=county if county is not None else plan.olds[0].county)
    for user in plan.representatives:
        before = snapshot(user, "member_id")
        user.member_id = into.id
        record(actor, "user.member_changed", user, before=before,
               after=snapshot(user, "member_id"))
    for old in plan.olds:
        before = snapshot(old, *MEMBER_FIELDS)
        old.active, old.closed_on, old.merged_into_id = False, plan.on, into.id
        db.session.flush()
        record(actor, "member.merged", old, before=before,
               after=snapshot(old, *MEMBER_FIELDS))
    return into


# --- Subregions and counties: the same acts on either ------------------------------------

def _place_exists(model, name: str) -> DomainError:
    if model is Subregion:
        return DomainError(_l("The subregion %(name)s already exists.", name=name),
                           field="name")
    return DomainError(_l("The county %(name)s already exists.", name=name), field="name")


def create_place(actor: User | None, model: type[Subregion] | type[County],
                 name: str) -> Subregion | County:
    _require(actor)
    name = _clean_name(name)
    if _name_taken(model, name):
        raise _place_exists(model, name)
    place = model(name=name, active=True)
    db.session.add(place)
    db.session.flush()
    record(actor, f"{_place_act(model)}.created", place, after=snapshot(place, "name", "active"))
    return place


def _place_act(model) -> str:
    return "subregion" if model is Subregion else "county"


def rename_place(actor: User | None, place: Subregion | County, name: str) -> None:
    _require(actor)
    name = _clean_name(name)
    if _name_taken(type(place), name, but=place.id):
        raise _place_exists(type(place), name)
    if name == place.name:
        return
    before = snapshot(place, "name")
    place.name = name
    db.session.flush()
    record(actor, f"{_place_act(type(place))}.renamed", place, before=before,
           after=snapshot(place, "name"))


def set_place_active(actor: User | None, place: Subregion | County, active: bool) -> None:
    _require(actor)
    if place.active == active:
        return
    if not active and any(m.active for m in place.members):
        raise DomainError(_l("%(name)s still has active members: move them first.",
                             name=place.name))
    before = snapshot(place, "active")
    place.active = active
    db.session.flush()
    record(actor, f"{_place_act(type(place))}.{'activated' if active else 'deactivated'}",
           place, before=before, after=snapshot(place, "active"))


# --- CSV: one parser for the command line and the browser ------------------------------

KIND_WORDS = {
    "municipality": MemberKind.MUNICIPALITY, "kommune": MemberKind.MUNICIPALITY,
    "county": MemberKind.COUNTY, "fylkeskommune": MemberKind.COUNTY,
    "fylke": MemberKind.COUNTY, "other": MemberKind.OTHER, "annet": MemberKind.OTHER,
}
REQUIRED_COLUMNS = ("name", "kind", "subregion")  # and county, optional
REPRESENTATIVE_COLUMNS = ("name", "email", "member")
MAX_ROWS = 5000


@dataclass
class MemberRow:
    line: int
    name: str
    kind: MemberKind
    subregion: str
    county: str


@dataclass
class RepresentativeRow:
    line: int
    name: str
    email: str
    member: str


@dataclass
class Checked:
    """A file read and checked: the good rows, one message per bad line, and the
    subregions and counties saving would create."""

    rows: list = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    new_subregions: list[str] = field(default_factory=list)
    new_counties: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    created: int
    errors: list[str]


def _reader(text: str) -> tuple[csv.DictReader, list[str]]:
    text = text.lstrip("\ufeff")
    # Spreadsheets set to Norwegian save CSV with semicolons; the header tells which.
    header = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=header.count)
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    return reader, [c.strip().lower() for c in (reader.fieldnames or [])]


def _rows(reader: csv.DictReader):
    """(line, row) for every row that is not empty; the reader's own line count, so that
    skipped blank lines do not shift the numbers."""
    for raw in reader:
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()
               if isinstance(v, str) or v is None}
        if any(row.values()):  # spreadsheets write empty rows at the end ("," or ",,")
            yield reader.line_num, row


def _read(text: str, required: Sequence[str], check_rows, empty: str) -> Checked:
    reader, columns = _reader(text)
    missing = [c for c in required if c not in columns]
    if missing:
        return Checked(errors=[_("The file lacks the column(s): %(columns)s",
                                 columns=", ".join(missing))])
    try:
        checked = check_rows(_rows(reader))
    except csv.Error as error:  # e.g. a field longer than the csv module accepts
        return Checked(errors=[_("Line %(line)s: the file cannot be read (%(error)s).",
                                 line=reader.line_num, error=str(error))])
    if not checked.errors and not checked.rows:
        checked.errors.append(empty)
    if len(checked.rows) > MAX_ROWS:
        checked.errors.append(_("The file has more than %(n)s rows.", n=MAX_ROWS))
    return checked


def _line_error(line: int, problems: list[str]) -> str:
    return _("Line %(line)s: %(problems)s", line=line, problems="; ".join(problems))


def check_members(text: str) -> Checked:
    """Every row of a members file (name, kind, subregion and optional county) checked."""
    return _read(text, REQUIRED_COLUMNS, _check_member_rows, _("The file has no members."))


def _check_member_rows(rows) -> Checked:
    # Names compare without case: "asker" and "Asker" are the same municipality.
    existing = {n.casefold() for n in db.session.scalars(select(Member.name))}
    subregions = {s.name.casefold(): s for s in db.session.scalars(select(Subregion))}
    counties = {c.name.casefold(): c for c in db.session.scalars(select(County))}
    seen: dict[str, int] = {}
    checked = Checked()
    for line, row in rows:
        name, kind_word, subregion, county = (row.get(c, "") for c in (
            "name", "kind", "subregion", "county"))
        problems = []
        if any(ord(c) < 32 for value in row.values() for c in value):
            problems.append(_("the row contains control characters"))
        if not name:
            problems.append(_("the name is empty"))
        elif len(name) > NAME_MAX:
            problems.append(_("the name is longer than 120 characters"))
        elif name.casefold() in existing:
            problems.append(_("%(name)s is already a member", name=name))
        elif name.casefold() in seen:
            problems.append(_("%(name)s is also on line %(line)s", name=name,
                              line=seen[name.casefold()]))
        kind = KIND_WORDS.get(kind_word.lower())
        if kind is None:
            problems.append(_("the kind must be municipality, county or other, not "
                              "\u201c%(kind)s\u201d", kind=kind_word))
        if not subregion:
            problems.append(_("the subregion is empty"))
        elif len(subregion) > NAME_MAX:
            problems.append(_("the subregion is longer than 120 characters"))
        elif subregion.casefold() in subregions and \
                not subregions[subregion.casefold()].active:
            problems.append(_("the subregion %(name)s is closed", name=subregion))
        if len(county) > NAME_MAX:
            problems.append(_("the county is longer than 120 characters"))
        elif county.casefold() in counties and not counties[county.casefold()].active:
            problems.append(_("the county %(name)s is closed", name=county))
        if problems:
            checked.errors.append(_line_error(line, problems))
            continue
        seen[name.casefold()] = line
        checked.rows.append(MemberRow(line, name, kind, subregion, county))
        for value, known, new in ((subregion, subregions, checked.new_subregions),
                                  (county, counties, checked.new_counties)):
            if value and value.casefold() not in known and value not in new:
                new.append(value)
    return checked


def check_representatives(text: str) -> Checked:
    """Every row of a representatives file (name, email, member) checked."""
    return _read(text, REPRESENTATIVE_COLUMNS, _check_representative_rows,
                 _("The file has no representatives."))


def _check_representative_rows(rows) -> Checked:
    emails = set(db.session.scalars(select(func.lower(User.email))))
    members = {m.name.casefold(): m for m in db.session.scalars(select(Member))}
    seen: dict[str, int] = {}
    checked = Checked()
    for line, row in rows:
        name, email, member = (row.get(c, "") for c in REPRESENTATIVE_COLUMNS)
        email = email.lower()
        problems = []
        if any(ord(c) < 32 for value in row.values() for c in value):
            problems.append(_("the row contains control characters"))
        if len(name) > 200:
            problems.append(_("the name is longer than 200 characters"))
        if not EMAIL_SHAPE.fullmatch(email) or len(email) > 254:
            problems.append(_("\u201c%(email)s\u201d is not an email address", email=email))
        elif email in emails:
            problems.append(_("%(email)s already has an account", email=email))
        elif email in seen:
            problems.append(_("%(email)s is also on line %(line)s", email=email,
                              line=seen[email]))
        found = members.get(member.casefold())
        if not member:
            problems.append(_("the member is empty"))
        elif found is None:
            problems.append(_("%(name)s is not a member", name=member))
        elif not found.active:
            problems.append(_("%(name)s is closed", name=found.name))
        if problems:
            checked.errors.append(_line_error(line, problems))
            continue
        seen[email] = line
        checked.rows.append(RepresentativeRow(line, name, email, found.name))
    return checked


def import_members(actor: User | None, text: str) -> ImportResult:
    """Import members from CSV text: every row is checked first; when any row is bad,
    nothing is imported and each bad row is reported with its line number."""
    _require(actor)
    checked = check_members(text)
    if checked.errors:
        return ImportResult(0, checked.errors)
    subregions = {s.name.casefold(): s for s in db.session.scalars(select(Subregion))}
    counties = {c.name.casefold(): c for c in db.session.scalars(select(County))}
    for row in checked.rows:
        subregion = subregions.get(row.subregion.casefold())
        if subregion is None:
            subregion = subregions[row.subregion.casefold()] = create_place(
                actor, Subregion, row.subregion)
        county = counties.get(row.county.casefold()) if row.county else None
        if row.county and county is None:
            county = counties[row.county.casefold()] = create_place(actor, County,
                                                                     row.county)
        member = Member(name=row.name, kind=row.kind, subregion=subregion, county=county,
                        active=True)
        db.session.add(member)
        db.session.flush()
        record(actor, "member.created", member, after=snapshot(member, *MEMBER_FIELDS))
    return ImportResult(len(checked.rows), [])


def import_representatives(actor: User | None, text: str) -> ImportResult:
    """Import representatives (accounts of role representative) from CSV text, all or
    nothing. Each gets an unusable random password: they set their own through
    "Forgotten password" (or an invitation)."""
    _require(actor)
    checked = check_representatives(text)
    if checked.errors:
        return ImportResult(0, checked.errors)
    members = {m.name: m for m in db.session.scalars(select(Member))}
    for row in checked.rows:
        create_user(actor, email=row.email, name=row.name or row.email,
                    role=Role.REPRESENTATIVE, password=secrets.token_urlsafe(32),
                    member=members[row.member])
    return ImportResult(len(checked.rows), [])


def csv_cell(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def members_csv() -> str:
    """Every member as CSV, in the columns the import reads (and its state)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "kind", "subregion", "county", "active", "closed_on",
                     "merged_into"])
    for m in db.session.scalars(select(Member).order_by(Member.name)):
        writer.writerow([csv_cell(m.name), m.kind.value, csv_cell(m.subregion.name),
                         csv_cell(m.county.name) if m.county else "",
                         "yes" if m.active else "no",
                         m.closed_on.isoformat() if m.closed_on else "",
                         csv_cell(m.merged_into.name) if m.merged_into else ""])
    return out.getvalue()


def representatives_csv() -> str:
    """Every representative as CSV, in the columns the import reads (and its state)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "email", "member", "active"])
    for user in db.session.scalars(select(User).where(User.role == Role.REPRESENTATIVE)
                                   .order_by(User.name)):
        writer.writerow([csv_cell(user.name), csv_cell(user.email),
                         csv_cell(user.member.name) if user.member else "",
                         "yes" if user.active else "no"])
    return out.getvalue()
