"""Demo ratifications: the decision on talent attraction awaits its members' own
adoption, with handlings in every outcome (and members yet to handle it, Oslo among
them); two small decisions show the other states, one in force and one failed."""

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from decisions.accounts.models import Role, User
from decisions.clock import from_oslo, frozen_at, now, oslo
from decisions.extensions import db
from decisions.members.models import Member
from decisions.proposals import services as proposals
from decisions.proposals.models import Area, PositionKind, Procedure, Proposal
from decisions.ratification import services
from decisions.ratification.models import Body, InForce, LocalOutcome
from decisions.register.models import Decision

# member, outcome, days before today of the local meeting, change
TALENT_HANDLINGS = [
    ("Bærum", LocalOutcome.ADOPTED, 12, ""),
    ("Asker", LocalOutcome.ADOPTED_WITH_CHANGES, 10,
     "Asker deltar med forbehold om at kostnadene fordeles etter innbyggertall."),
    ("Lillestrøm", LocalOutcome.ADOPTED, 9, ""),
    ("Moss", LocalOutcome.REJECTED, 7, ""),
    ("Hurdal", LocalOutcome.NOT_HANDLED, 6, ""),
    ("Drammen", LocalOutcome.ADOPTED, 5, ""),
]


def _at(today: date, days: int, hour: int = 12) -> datetime:
    return from_oslo(datetime.combine(today + timedelta(days=days), time(hour)))


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _small_decision(sec: User, title: str, members: list[Member], today: date,
                    days: int) -> Decision:
    area = db.session.scalar(select(Area).order_by(Area.id))
    with frozen_at(_at(today, days, 9)):
        p = proposals.create_proposal(sec, title=title, area=area, background="",
                                      resolution=f"Osloregionen vedtar: {title.lower()}.")
        round_ = proposals.open_round(sec, p, members=members, deadline=_at(today, days + 14),
                                      procedure=Procedure.CONSENT)
    with frozen_at(_at(today, days, 11)):
        for member in members:
            proposals.register_position(sec, round_, member, kind=PositionKind.SUPPORT)
    return db.session.scalar(select(Decision).where(Decision.round_id == round_.id))


def load_ratifications() -> None:
    today = oslo(now()).date()
    sec = _user("sekretariat@samraad.test")
    members = {m.name: m for m in db.session.scalars(select(Member))}
    reps = {u.member_id: u for u in db.session.scalars(
        select(User).where(User.role == Role.REPRESENTATIVE).order_by(User.id))}

    def handle(decision, name, outcome, days, change=""):
        member = members[name]
        with frozen_at(_at(today, -days + 1, 10)):
            services.record_handling(
                reps.get(member.id, sec), decision, member, body=Body.COUNCIL,
                meeting_date=today - timedelta(days=days), case_number=f"{today.year}/{40 + days}",
                record_url=f"https://innsyn.example/{name.lower()}/{days}", outcome=outcome,
                change_text=change)

    # Awaiting: two thirds of the members by two months from now.
    talent = db.session.scalar(select(Decision).join(Proposal).where(
        Proposal.title == "Felles satsing på talentattraksjon 2027"))
    with frozen_at(_at(today, -25, 9)):
        services.set_requirement(sec, talent.proposal, body=Body.COUNCIL,
                                 deadline=today + timedelta(days=60), in_force=InForce.COUNT,
                                 required_count=(len(members) * 2) // 3, remind_days=14)
    for name, outcome, days, change in TALENT_HANDLINGS:
        handle(talent, name, outcome, days, change)

    five = [members[n] for n in ("Ås", "Frogn", "Nesodden", "Vestby", "Enebakk")]
    in_force = _small_decision(sec, "Felles retningslinjer for innbyggerdialog i Follo",
                               five, today, -50)
    with frozen_at(_at(today, -49, 9)):
        services.set_requirement(sec, in_force.proposal, body=Body.EXECUTIVE,
                                 deadline=today - timedelta(days=5), in_force=InForce.ALL)
    for n, member in enumerate(five):
        handle(in_force, member.name, LocalOutcome.ADOPTED, 30 - n * 3)

    three = [members[n] for n in ("Gran", "Lunner", "Jevnaker")]
    failed = _small_decision(sec, "Felles drift av friluftsområder på Hadeland", three,
                             today, -60)
    with frozen_at(_at(today, -59, 9)):
        services.set_requirement(sec, failed.proposal, body=Body.OTHER,
                                 body_other="Regionrådet for Hadeland",
                                 deadline=today - timedelta(days=10), in_force=InForce.ALL)
    handle(failed, "Gran", LocalOutcome.ADOPTED, 40)
    handle(failed, "Lunner", LocalOutcome.REJECTED, 35)
    db.session.flush()
