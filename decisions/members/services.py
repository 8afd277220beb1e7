"""Members: import from CSV, all or nothing."""

import csv
import io
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from decisions.accounts.models import User
from decisions.audit.services import record, snapshot
from decisions.extensions import db
from decisions.members.models import Member, MemberKind, Subregion

KIND_WORDS = {
    "municipality": MemberKind.MUNICIPALITY, "kommune": MemberKind.MUNICIPALITY,
    "county": MemberKind.COUNTY, "fylkeskommune": MemberKind.COUNTY,
    "fylke": MemberKind.COUNTY, "other": MemberKind.OTHER, "annet": MemberKind.OTHER,
}
REQUIRED_COLUMNS = ("name", "kind", "subregion")


@dataclass
class ImportResult:
    created: int
    errors: list[str]


def import_members(actor: User | None, text: str) -> ImportResult:
    """Import members from CSV text with columns name, kind, subregion.

    Every row is checked first; when any row is bad, nothing is imported and each
    bad row is reported with its line number.
    """
    text = text.lstrip("\ufeff")
    # Spreadsheets set to Norwegian save CSV with semicolons; the header tells which.
    header = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=header.count)
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    columns = [c.strip().lower() for c in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        return ImportResult(0, [_("The file lacks the column(s): %(columns)s",
                                  columns=", ".join(missing))])
    # Names compare without case: "asker" and "Asker" are the same municipality.
    existing = {n.casefold() for n in db.session.scalars(select(Member.name))}
    try:
        rows, errors = _check_rows(reader, existing)
    except csv.Error as error:  # e.g. a field longer than the csv module accepts
        return ImportResult(0, [_("Line %(line)s: the file cannot be read (%(error)s).",
                                  line=reader.line_num, error=str(error))])
    if errors:
        return ImportResult(0, errors)
    if not rows:
        return ImportResult(0, [_("The file has no members.")])
    subregions = {s.name: s for s in db.session.scalars(select(Subregion))}
    for name, kind, subregion_name in rows:
        subregion = subregions.get(subregion_name)
        if subregion is None:
            subregion = subregions[subregion_name] = Subregion(name=subregion_name)
            db.session.add(subregion)
        member = Member(name=name, kind=kind, subregion=subregion, active=True)
        db.session.add(member)
        db.session.flush()
        record(actor, "member.created", member, after=snapshot(member, "name", "kind",
                                                               "subregion_id"))
    return ImportResult(len(rows), [])


def _check_rows(reader: csv.DictReader, existing: set[str]):
    """Every row checked: the good rows, and one message per bad row."""
    seen: dict[str, int] = {}
    rows: list[tuple[str, MemberKind, str]] = []
    errors: list[str] = []
    for raw in reader:
        # The reader's own count, so that skipped blank lines do not shift the numbers.
        line = reader.line_num
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()
               if isinstance(v, str) or v is None}
        if not any(row.values()):
            continue  # an empty row, as spreadsheets write at the end ("," or ",,")
        name, kind_word, subregion = row.get("name", ""), row.get("kind", ""), \
            row.get("subregion", "")
        problems = []
        if any(ord(c) < 32 for value in row.values() for c in value):
            problems.append(_("the row contains control characters"))
        if not name:
            problems.append(_("the name is empty"))
        elif len(name) > 120:
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
        elif len(subregion) > 120:
            problems.append(_("the subregion is longer than 120 characters"))
        if problems:
            errors.append(_("Line %(line)s: %(problems)s", line=line,
                            problems="; ".join(problems)))
            continue
        seen[name.casefold()] = line
        rows.append((name, kind, subregion))
    return rows, errors
