"""Callable factories for domain objects, made through the services and committed."""

import itertools
from datetime import timedelta

from sqlalchemy import insert, select

from decisions.accounts.models import Role, User
from decisions.accounts.services import create_user
from decisions.clock import now
from decisions.extensions import db
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
