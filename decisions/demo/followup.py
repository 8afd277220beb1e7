"""Demo follow-up: the latest decision gets items in every state (planned, in progress,
overdue, done, dropped), owned by members, a group and the secretariat, with updates
by their owners and a review date."""

from datetime import timedelta

from sqlalchemy import select

from decisions.accounts.models import User
from decisions.clock import now, oslo
from decisions.extensions import db
from decisions.followup import services
from decisions.followup.models import FollowupStatus, OwnerKind
from decisions.meetings.models import Group
from decisions.register.models import Decision


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def load_followup() -> None:
    decision = db.session.scalar(select(Decision).order_by(Decision.adopted_at.desc())
                                 .limit(1))
    if decision is None:
        return
    today = oslo(now()).date()
    sec, oslo_rep, baerum_rep = (_user("sekretariat@samraad.test"),
                                 _user("oslo@samraad.test"), _user("baerum@samraad.test"))
    group = db.session.scalar(select(Group).order_by(Group.id).limit(1))
    made = []
    for what, owner, due, weight in (
            ("Legge strategien fram for kommunestyret", oslo_rep.member, 30, 2),
            ("Kartlegge ladepunkter i kommunen", baerum_rep.member, 5, 3),
            ("Rapportere status til styret", None, -4, 1),
            ("Sende vedtaket til medlemmene", None, -20, 1),
            ("Felles pressemelding", None, 10, 1)):
        kind = OwnerKind.MEMBER if owner is not None else OwnerKind.SECRETARIAT
        if what.startswith("Rapportere") and group is not None:
            kind = OwnerKind.GROUP
        made.append(services.create_item(
            sec, what=what, owner_kind=kind, member=owner,
            group=group if kind == OwnerKind.GROUP else None,
            due=today + timedelta(days=due), weight=weight, decision=decision))
    _planned, mapping, report, sent, press = made
    services.update_item(baerum_rep, mapping, status=FollowupStatus.IN_PROGRESS, progress=60,
                         comment="To av tre bydeler er kartlagt.")
    services.update_item(sec, report, status=FollowupStatus.IN_PROGRESS, progress=20,
                         comment="Utkast skrevet, venter på tall.")  # overdue
    services.update_item(sec, sent, status=FollowupStatus.DONE, progress=100,
                         comment="Sendt med følgebrev.")
    services.update_item(sec, press, status=FollowupStatus.DROPPED, progress=0,
                         comment="Omtales i nyhetsbrevet i stedet.")
    services.set_review_date(sec, decision, today + timedelta(days=60))
    db.session.commit()
