"""Callable factories for domain objects, made through the services and committed."""

import io
import itertools
from datetime import date, timedelta

from pypdf import PdfWriter
from sqlalchemy import insert, select

from decisions.accounts.models import Role, User
from decisions.accounts.services import create_user
from decisions.clock import now
from decisions.extensions import db
from decisions.meetings import agenda, minutes
from decisions.meetings import services as meetings
from decisions.meetings.models import (
    AgendaItem,
    Group,
    GroupKind,
    GroupMembership,
    GroupRole,
    ItemKind,
    Meeting,
)
from decisions.members.models import Member, MemberKind, Subregion
from decisions.proposals import services
from decisions.proposals.models import Area, PositionKind, Procedure, Proposal, Round

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


def subregion(name: str = "Follo") -> Subregion:
    found = db.session.scalar(select(Subregion).where(Subregion.name == name))
    if found is None:
        found = Subregion(name=name)
        db.session.add(found)
        db.session.flush()
    return found


def member(name: str | None = None, subregion_name: str = "Follo",
           kind: MemberKind = MemberKind.MUNICIPALITY) -> Member:
    m = Member(name=name or f"Kommune {next(_seq)}", kind=kind,
               subregion=subregion(subregion_name), active=True)
    db.session.add(m)
    db.session.commit()
    return m


def members(count: int, subregions: int = 4) -> list[Member]:
    """Many members at once (bulk insert), spread over `subregions` subregions."""
    regions = [subregion(f"Delregion {i + 1}") for i in range(subregions)]
    start = next(_seq) * 10_000
    db.session.execute(insert(Member), [
        {"name": f"Kommune {start + i}", "kind": MemberKind.MUNICIPALITY,
         "subregion_id": regions[i % subregions].id, "active": True} for i in range(count)])
    db.session.commit()
    return list(db.session.scalars(
        select(Member).where(Member.name.like("Kommune %")).order_by(Member.id)))[-count:]


def user(role: Role = Role.SECRETARIAT, member: Member | None = None,
         email: str | None = None, password: str = PASSWORD, name: str = "") -> User:
    u = create_user(None, email=email or f"user{next(_seq)}@example.test",
                    name=name or f"{role.value} {next(_seq)}", role=role, password=password,
                    member=member)
    db.session.commit()
    return u


def representative(member: Member, **kw) -> User:
    return user(Role.REPRESENTATIVE, member=member, **kw)


def area() -> Area:
    found = db.session.scalar(select(Area))
    if found is None:
        found = Area(name_nb="Klima og miljø", name_en="Climate and environment")
        db.session.add(found)
        db.session.commit()
    return found


def proposal(author: User, title: str = "Felles ladestrategi",
             resolution: str = "Osloregionen slutter seg til strategien.",
             background: str = "Bakgrunn.") -> Proposal:
    p = services.create_proposal(author, title=title, area=area(), background=background,
                                 resolution=resolution)
    db.session.commit()
    return p


def round_(author: User, members: list[Member], proposal_: Proposal | None = None,
           procedure: Procedure = Procedure.CONSENT, quorum_percent: int | None = None,
           deadline: timedelta = timedelta(days=7)) -> Round:
    """A proposal circulated to `members` with a deadline `deadline` from now."""
    p = proposal_ or proposal(author)
    r = services.open_round(author, p, members=members, deadline=now() + deadline,
                            procedure=procedure, quorum_percent=quorum_percent)
    db.session.commit()
    return r


def position(actor: User, round_: Round, member: Member, kind: PositionKind,
             comment: str = "") -> None:
    services.register_position(actor, round_, member, kind=kind,
                               comment=comment or ("Begrunnelse" if kind.needs_comment else ""))
    db.session.commit()


def login(client, user: User, password: str = PASSWORD):
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 303, response.data[:500]
    return response


# --- Meetings -------------------------------------------------------------------------

def group(name: str | None = None, kind=None, public_meetings: bool = False) -> Group:
    g = meetings.create_group(None, name=name or f"Faggruppe {next(_seq)}",
                              kind=kind or GroupKind.BOARD, public_meetings=public_meetings)
    db.session.commit()
    return g


def seat(group_: Group, person_name: str | None = None, role=None, user_: User | None = None,
         member_: Member | None = None, term_start=None) -> GroupMembership:
    s = meetings.add_membership(None, group_, person_name=person_name or f"Person {next(_seq)}",
                                role=role or GroupRole.MEMBER,
                                term_start=term_start or date(2020, 1, 1), user=user_,
                                member=member_)
    db.session.commit()
    return s


def meeting(group_: Group, starts_at=None, place: str = "Oslo rådhus") -> Meeting:
    m = agenda.plan_meeting(None, group_, starts_at=starts_at or now() + timedelta(days=14),
                            place=place)
    db.session.commit()
    return m


def held(actor: User, meeting_: Meeting) -> Meeting:
    """The meeting takes place: the test's clock moves on to its afternoon if it has
    not started yet (a meeting is marked held only once it has started), then it is
    marked held."""
    from flask import current_app

    if now() < meeting_.starts_at:
        current_app.extensions["clock"].set(meeting_.starts_at + timedelta(hours=2))
    minutes.mark_held(actor, meeting_)
    return meeting_


def item(actor: User, meeting_: Meeting, title: str | None = None, kind=None,
         **fields) -> AgendaItem:
    i = agenda.add_item(actor, meeting_, kind=kind or ItemKind.DECISION,
                        title=title or f"Sak om tema {next(_seq)}", **fields)
    db.session.commit()
    return i


def pdf_bytes(pages: int = 1, text: str = "Vedlegg") -> bytes:
    """A small, valid PDF made with pypdf (blank pages)."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": text})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
