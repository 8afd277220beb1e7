"""Demo data: the Oslo Region Alliance's members, areas, users and proposals in every state.

Everything is made through the services, so the demo has the same audit trail
and numbers as real use.
"""

from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, select, update

from decisions.accounts.models import Role, User
from decisions.accounts.services import create_user
from decisions.clock import from_oslo, frozen_at, now, oslo
from decisions.demo.followup import load_followup
from decisions.demo.ratification import load_ratifications
from decisions.extensions import db
from decisions.meetings import agenda, minutes, queries
from decisions.meetings import services as meetings
from decisions.meetings.models import GroupKind, GroupRole, ItemKind, Meeting
from decisions.members.models import Member
from decisions.members.services import import_members
from decisions.notifications.models import EmailState, Notification, OutboundEmail
from decisions.oparl import papers
from decisions.people import services as people
from decisions.proposals import services
from decisions.proposals.models import Area, PositionKind, Procedure, Proposal, Round

DEMO_PASSWORD = "samraad-demo-2026"

SUBREGIONS = {
    "Oslo": ["Oslo"],
    "Vestregionen": ["Asker", "Bærum", "Drammen", "Lier", "Øvre Eiker"],
    "Follo": ["Nordre Follo", "Ås", "Frogn", "Nesodden", "Vestby", "Enebakk"],
    "Nedre Romerike": ["Lillestrøm", "Lørenskog", "Rælingen", "Aurskog-Høland", "Nittedal",
                       "Gjerdrum"],
    "Øvre Romerike": ["Ullensaker", "Nannestad", "Eidsvoll", "Hurdal", "Nes"],
    "Hadeland": ["Gran", "Lunner", "Jevnaker"],
    "Ringeriksregionen": ["Ringerike", "Hole"],
    "Østfold": ["Moss", "Råde", "Våler", "Indre Østfold", "Skiptvet", "Rakkestad", "Marker",
                "Fredrikstad", "Sarpsborg", "Halden", "Aremark", "Hvaler"],
    "Kongsbergregionen": ["Kongsberg", "Flesberg", "Rollag", "Nore og Uvdal"],
    "Midt-Buskerud": ["Modum", "Sigdal", "Krødsherad"],
    "Hallingdal": ["Flå", "Nesbyen", "Gol", "Hemsedal", "Ål", "Hol"],
    "Vestfold": ["Holmestrand", "Horten", "Tønsberg", "Færder", "Sandefjord", "Larvik"],
    "Gjøvikregionen": ["Gjøvik", "Østre Toten", "Vestre Toten", "Søndre Land", "Nordre Land"],
}
COUNTIES = ["Akershus fylkeskommune", "Buskerud fylkeskommune", "Østfold fylkeskommune",
            "Vestfold fylkeskommune", "Innlandet fylkeskommune"]
# The county (fylke) of each subregion's municipalities, and the exceptions: Vestregionen
# and Hadeland straddle county borders.
COUNTY_OF_SUBREGION = {
    "Oslo": "Oslo", "Vestregionen": "Akershus", "Follo": "Akershus",
    "Nedre Romerike": "Akershus", "Øvre Romerike": "Akershus", "Hadeland": "Akershus",
    "Ringeriksregionen": "Buskerud", "Østfold": "Østfold", "Kongsbergregionen": "Buskerud",
    "Midt-Buskerud": "Buskerud", "Hallingdal": "Buskerud", "Vestfold": "Vestfold",
    "Gjøvikregionen": "Innlandet",
}
COUNTY_OF_MUNICIPALITY = {"Drammen": "Buskerud", "Lier": "Buskerud",
                          "Øvre Eiker": "Buskerud", "Gran": "Innlandet"}
AREAS = [
    ("Areal og transport", "Spatial planning and transport"),
    ("Klima og miljø", "Climate and environment"),
    ("Konkurransekraft og attraktivitet", "Competitiveness and attractiveness"),
    ("Internt samarbeid", "Internal collaboration"),
]
# email, role, member, name
DEMO_USERS = [
    ("sekretariat@samraad.test", Role.SECRETARIAT, None, "Ingrid Sekretær"),
    ("radgiver@samraad.test", Role.SECRETARIAT, None, "Ola Rådgiver"),
    ("admin@samraad.test", Role.ADMIN, None, "Anne Admin"),
    ("styre@samraad.test", Role.BOARD, None, "Bjørn Styremedlem"),
    ("oslo@samraad.test", Role.REPRESENTATIVE, "Oslo", "Kari Oslo"),
    ("baerum@samraad.test", Role.REPRESENTATIVE, "Bærum", "Per Bærum"),
    ("baerum.vara@samraad.test", Role.REPRESENTATIVE, "Bærum", "Siri Bærum (vara)"),
    ("asker@samraad.test", Role.REPRESENTATIVE, "Asker", "Lars Asker"),
    ("lillestrom@samraad.test", Role.REPRESENTATIVE, "Lillestrøm", "Nina Lillestrøm"),
    ("moss@samraad.test", Role.REPRESENTATIVE, "Moss", "Eva Moss"),
]
# The chairs of the coordination and expert groups (GROUPS below), municipal officers
# who are their municipality's deputy representatives. Only the demo's groups have
# them (the scale generator makes its own groups from DEMO_USERS).
GROUP_CHAIRS = [
    ("lillestrom.vara@samraad.test", Role.REPRESENTATIVE, "Lillestrøm", "Sven Rådmann"),
    ("baerum.naering@samraad.test", Role.REPRESENTATIVE, "Bærum", "Mona Næring"),
]
DEMO_LOGINS = DEMO_USERS + GROUP_CHAIRS
# The member's main representative; the member's other representatives are deputies.
MAIN_REPRESENTATIVES = ["Kari Oslo", "Per Bærum", "Lars Asker", "Nina Lillestrøm",
                        "Eva Moss"]


def members_csv() -> str:
    lines = ["name,kind,subregion,county"]
    for subregion, names in SUBREGIONS.items():
        lines += [f"{name},municipality,{subregion},"
                  f"{COUNTY_OF_MUNICIPALITY.get(name, COUNTY_OF_SUBREGION[subregion])}"
                  for name in names]
    lines += [f"{name},county,Fylkeskommuner,{name.split()[0]}" for name in COUNTIES]
    return "\n".join(lines) + "\n"


def _days_from(today: date):
    """A moment `days` from today at `hour` o'clock in Oslo."""
    def at(days: int, hour: int = 12) -> datetime:
        return from_oslo(datetime.combine(today + timedelta(days=days), time(hour)))
    return at


def load() -> bool:
    """Load the demo data; returns False (and does nothing) if it is already there."""
    if db.session.scalar(select(User.id).where(User.email == DEMO_USERS[0][0])):
        return False
    result = import_members(None, members_csv())
    assert not result.errors, result.errors
    for nb, en in AREAS:
        services.create_area(None, name_nb=nb, name_en=en)
    by_name = {m.name: m for m in db.session.scalars(select(Member))}
    users = {}
    for email, role, member, name in DEMO_LOGINS:
        users[email] = create_user(None, email=email, name=name, role=role,
                                   password=DEMO_PASSWORD,
                                   member=by_name[member] if member else None)
        if name in MAIN_REPRESENTATIVES:
            user = users[email]
            people.update_person(None, user, email=user.email, name=user.name,
                                 role=user.role, member=user.member, main=True)
    _proposals(users, by_name)
    _meetings(users, by_name)
    load_followup()
    load_ratifications()
    _history_notified()
    papers.render_missing()  # the decisions' public PDFs (OParl's Paper.mainFile)
    return True


def _history_notified() -> None:
    """The demo's past was never emailed: its notifications stay in the app only (and
    the emails to seat holders outside Samråd are never sent), and those older than
    three days are read."""
    moment = now()
    db.session.execute(update(Notification).values(email_state=EmailState.NOT_SENT,
                                                   email_id=None))
    db.session.execute(delete(OutboundEmail))
    db.session.execute(update(Notification).where(
        Notification.created_at < moment - timedelta(days=3)).values(read_at=moment))


def _proposals(users: dict[str, User], members: dict[str, Member]) -> None:
    _oslo_day = _days_from(oslo(now()).date())
    sec = users["sekretariat@samraad.test"]
    areas = {a.name_en: a for a in db.session.scalars(select(Area))}
    everyone = sorted(members.values(), key=lambda m: m.name)
    reps = {m: users[e] for e, _, m, _ in DEMO_USERS if m}

    def position(round_: Round, member: str, kind: PositionKind, comment: str = "",
                 actor: User | None = None):
        services.register_position(actor or reps.get(member) or sec, round_, members[member],
                                   kind=kind, comment=comment)

    # Decided weeks ago by consensus: everyone answered, two with notes.
    with frozen_at(_oslo_day(-40, 9)):
        p = services.create_proposal(
            sec, title="Felles satsing på talentattraksjon 2027",
            area=areas["Competitiveness and attractiveness"],
            background="Regionen trenger flere fagfolk innen **helse**, *teknologi* og bygg.\n\n"
                       "- felles kampanje\n- samarbeid med universitetene",
            resolution="Osloregionen gjennomfører en felles kampanje for talentattraksjon i "
                       "2027, innenfor en ramme på 1,2 millioner kroner.")
        decided = services.open_round(sec, p, members=everyone, deadline=_oslo_day(-26),
                                      procedure=Procedure.CONSENT)
    for i, member in enumerate(everyone):
        with frozen_at(_oslo_day(-39 + i // 10, 10)):
            if member.name == "Asker":
                position(decided, "Asker", PositionKind.RESERVATION,
                         "Asker forutsetter at kostnadene fordeles etter innbyggertall.")
            elif member.name == "Hurdal":
                position(decided, "Hurdal", PositionKind.STAND_ASIDE, "Lite relevant for oss.")
            else:
                position(decided, member.name, PositionKind.SUPPORT)

    # An open consent round with an objection the secretariat has answered.
    with frozen_at(_oslo_day(-5, 9)):
        p = services.create_proposal(
            sec, title="Regional strategi for ladeinfrastruktur",
            area=areas["Climate and environment"],
            background="Strategien samordner kommunenes arbeid med lading for tunge kjøretøy.",
            resolution="Osloregionen slutter seg til den regionale strategien for "
                       "ladeinfrastruktur og ber sekretariatet følge opp tiltakene.")
        open_round = services.open_round(sec, p, members=everyone, deadline=_oslo_day(9),
                                         procedure=Procedure.CONSENT, quorum_percent=60)
    with frozen_at(_oslo_day(-4, 11)):
        position(open_round, "Oslo", PositionKind.SUPPORT)
        position(open_round, "Asker", PositionKind.RESERVATION,
                 "Tiltak 4 må samordnes med Vestregionens plan.")
        position(open_round, "Lillestrøm", PositionKind.OBJECT,
                 "Strategien mangler en plan for finansiering av lading ved kollektivknutepunkt.")
        position(open_round, "Drammen", PositionKind.SUPPORT, actor=sec)
    with frozen_at(_oslo_day(-3, 14)):
        services.answer_objection(sec, open_round, members["Lillestrøm"],
                                  "Finansiering tas opp i handlingsprogrammet som kommer i "
                                  "februar. Vi foreslår å la strategien stå.")

    # Revised: version 1 had an objection, version 2 is out in a new round.
    with frozen_at(_oslo_day(-12, 9)):
        p = services.create_proposal(
            sec, title="Osloregionens konferanse 2027", area=areas["Internal collaboration"],
            background="Konferansen holdes på våren i Oslo.",
            resolution="Konferansen 2027 holdes i Oslo 15. april med tema bolig og transport.")
        first = services.open_round(sec, p, members=everyone, deadline=_oslo_day(2),
                                    procedure=Procedure.CONSENT)
    with frozen_at(_oslo_day(-10, 10)):
        position(first, "Bærum", PositionKind.OBJECT,
                 "Datoen kolliderer med KS' vårkonferanse.")
        position(first, "Oslo", PositionKind.SUPPORT)
        position(first, "Moss", PositionKind.SUPPORT)
    with frozen_at(_oslo_day(-2, 9)):
        services.revise_proposal(
            sec, p, title="Osloregionens konferanse 2027",
            background="Konferansen holdes på våren i Oslo.",
            resolution="Konferansen 2027 holdes i Oslo 22. april med tema bolig og transport.",
            members=everyone, deadline=_oslo_day(12), procedure=Procedure.CONSENT)

    # A silence procedure that is running.
    with frozen_at(_oslo_day(-1, 9)):
        p = services.create_proposal(
            sec, title="Uttalelse om statsbudsjettet 2027", area=areas["Internal collaboration"],
            background="Uttalelsen sendes Stortingets transport- og kommunikasjonskomité.",
            resolution="Osloregionen sender uttalelsen om statsbudsjettet 2027 slik den "
                       "foreligger.")
        services.open_round(sec, p, members=everyone, deadline=_oslo_day(4),
                            procedure=Procedure.SILENCE)

    # No consensus: the deadline passed with an open objection.
    with frozen_at(_oslo_day(-30, 9)):
        p = services.create_proposal(
            sec, title="Revisjon av arealstrategien", area=areas["Spatial planning and transport"],
            background="Arealstrategien fra 2016 skal revideres.",
            resolution="Arbeidet med revisjon av arealstrategien starter i 2027.")
        failed = services.open_round(sec, p, members=everyone, deadline=_oslo_day(-16),
                                     procedure=Procedure.CONSENT)
    with frozen_at(_oslo_day(-28, 10)):
        position(failed, "Ullensaker", PositionKind.OBJECT,
                 "Strategien må vente til den nye regionale planen er vedtatt.")
        position(failed, "Oslo", PositionKind.SUPPORT)
    services.settle_due_rounds()

    # A draft and a withdrawn proposal.
    with frozen_at(_oslo_day(-1, 15)):
        services.create_proposal(
            sec, title="Felles innspill til Nasjonal transportplan 2029–2040",
            area=areas["Spatial planning and transport"],
            background="Utkast. Innspillet skal behandles i styret før det sendes på høring.",
            resolution="Osloregionen gir innspill til Nasjonal transportplan 2029–2040.")
        p = services.create_proposal(
            sec, title="Felles innkjøp av kurs i klimaregnskap",
            area=areas["Climate and environment"],
            background="", resolution="Osloregionen kjøper inn kurs i klimaregnskap.")
        services.withdraw_proposal(sec, p)


# name, kind, months between meetings, seats (person, role, member); a seat of a person
# with a login (DEMO_LOGINS) is linked to it, the others have an email in OUTSIDE.
GROUPS = [
    ("Styret", GroupKind.BOARD, 2, [
        ("Bjørn Styremedlem", GroupRole.CHAIR, "Oslo"),
        ("Hanne Nestleder", GroupRole.DEPUTY_CHAIR, "Bærum"),
        ("Geir Lunde", GroupRole.MEMBER, "Lillestrøm"),
        ("Marit Sand", GroupRole.MEMBER, "Asker"),
        ("Tor Fjeld", GroupRole.MEMBER, "Moss"),
        ("Randi Holm", GroupRole.DEPUTY, "Drammen"),
        ("Ingrid Sekretær", GroupRole.SECRETARY, None),
    ]),
    ("Representantskapet", GroupKind.COUNCIL, 6, [
        ("Kari Oslo", GroupRole.CHAIR, "Oslo"),
        ("Per Bærum", GroupRole.MEMBER, "Bærum"),
        ("Lars Asker", GroupRole.MEMBER, "Asker"),
        ("Nina Lillestrøm", GroupRole.MEMBER, "Lillestrøm"),
        ("Eva Moss", GroupRole.MEMBER, "Moss"),
        ("Ola Rådgiver", GroupRole.SECRETARY, None),
    ]),
    ("Administrativ koordineringsgruppe", GroupKind.COORDINATION, 3, [
        ("Sven Rådmann", GroupRole.CHAIR, "Lillestrøm"),
        ("Tone Kommunedirektør", GroupRole.MEMBER, "Asker"),
        ("Ola Rådgiver", GroupRole.SECRETARY, None),
    ]),
    ("Faggruppe for næringssamarbeid", GroupKind.EXPERT, 4, [
        ("Mona Næring", GroupRole.CHAIR, "Bærum"),
        ("Jon Utvikler", GroupRole.MEMBER, "Drammen"),
        ("Lise Observatør", GroupRole.OBSERVER, None),
    ]),
]
OUTSIDE = {
    "Hanne Nestleder": "hanne.nestleder@baerum.kommune.test",
    "Geir Lunde": "geir.lunde@lillestrom.kommune.test",
    "Marit Sand": "marit.sand@asker.kommune.test",
    "Tor Fjeld": "tor.fjeld@moss.kommune.test",
    "Randi Holm": "randi.holm@drammen.kommune.test",
    "Tone Kommunedirektør": "tone.kommunedirektor@asker.kommune.test",
    "Jon Utvikler": "jon.utvikler@drammen.kommune.test",
    "Lise Observatør": "lise.observator@kommune.test",
}
# An item exempt from public access in an approved and in a published meeting of the
# board, so that every public path (calendar, PDFs, register) shows it redacted.
EXEMPT_BASIS = "Offl. § 13, jf. fvl. § 13 første ledd nr. 2"

SUBSTANTIVE = [
    (ItemKind.ORIENTATION, "Orientering fra sekretariatet"),
    (ItemKind.DISCUSSION, "Regional transportplan: videre arbeid"),
    (ItemKind.DECISION, "Budsjett og handlingsplan"),
    (ItemKind.REFERENCE, "Referatsaker"),
]


def _meetings(users: dict[str, User], members: dict[str, Member]) -> None:
    """A year of meetings per group: approved minutes behind, one meeting held with
    minutes in draft, the next with its notice out and one planned after it."""
    today = oslo(now()).date()
    sec = users["sekretariat@samraad.test"]
    logins = {user.name: user for user in users.values()}
    decided = db.session.scalar(select(Proposal).where(
        Proposal.title == "Felles satsing på talentattraksjon 2027"))
    open_case = db.session.scalar(select(Proposal).where(
        Proposal.title == "Regional strategi for ladeinfrastruktur"))
    for name, kind, months, seats in GROUPS:
        group = meetings.create_group(
            None, name=name, kind=kind,
            public_meetings=kind in (GroupKind.BOARD, GroupKind.COUNCIL))
        for person, role, member in seats:
            user = logins.get(person)
            meetings.add_membership(
                None, group, person_name=person, role=role, term_start=date(today.year - 1, 1, 1),
                user=user, email=None if user else OUTSIDE[person],
                member=members.get(member) if member else None)
        step = months * 30
        days = sorted({-step * n for n in range(1, 360 // step + 1)} | {14, 14 + step})
        held: list[Meeting] = []
        for offset in days:
            starts = datetime.combine(today + timedelta(days=offset), time(10))
            with frozen_at(from_oslo(starts) - timedelta(days=21)):
                meeting = agenda.plan_meeting(sec, group, starts_at=from_oslo(starts),
                                              ends_at=from_oslo(starts + timedelta(hours=3)),
                                              place="Oslo rådhus, møterom 3",
                                              video_url="https://meet.example.org/osloregionen")
                for item_kind, title in SUBSTANTIVE[: 2 + len(held) % 3]:
                    agenda.add_item(sec, meeting, kind=item_kind, title=title,
                                    case_officer="Ola Rådgiver",
                                    background="Saken legges fram for drøfting.")
                if kind == GroupKind.BOARD and offset > 0 and open_case is not None:
                    agenda.add_item(sec, meeting, kind=ItemKind.DECISION,
                                    title=open_case.title, proposal=open_case)
                if kind == GroupKind.BOARD and offset in (days[0], days[-2]):
                    agenda.add_item(sec, meeting, kind=ItemKind.DISCUSSION,
                                    title="Personalsak: tilsetting av daglig leder",
                                    background="Vurdering av søkerne til stillingen.",
                                    exempt_basis=EXEMPT_BASIS)
                if kind == GroupKind.BOARD and offset == days[-3] and decided is not None:
                    agenda.add_item(sec, meeting, kind=ItemKind.DECISION,
                                    title=decided.title, proposal=decided)
            if offset == days[-1]:
                continue  # the one after next: planned, the notice not yet out
            with frozen_at(from_oslo(starts) - timedelta(days=14)):
                agenda.publish_notice(sec, meeting)
            if offset > 0:
                continue
            with frozen_at(from_oslo(starts) + timedelta(hours=3)):
                minutes.mark_held(sec, meeting)
                for item in queries.active_items(meeting):
                    minutes.save_item_minutes(
                        sec, item, lock_version=item.lock_version,
                        notes="Saken ble drøftet.", decision_text=_decision_text(item.kind))
            held.append(meeting)
        # Every held meeting's minutes but the last are approved by the next meeting.
        for earlier, later in zip(held, held[1:], strict=False):
            item = next(i for i in later.items if i.kind == ItemKind.APPROVE_MINUTES)
            with frozen_at(later.starts_at + timedelta(hours=3)):
                minutes.approve_minutes(sec, earlier, by_item=item)
        if kind == GroupKind.BOARD:  # the last minutes wait for the chair's approval
            with frozen_at(held[-1].starts_at + timedelta(days=2)):
                minutes.mark_minutes_ready(sec, held[-1])
        db.session.flush()


def _decision_text(kind: ItemKind) -> str:
    return {
        ItemKind.APPROVE_NOTICE: "Innkalling og saksliste godkjennes.",
        ItemKind.APPROVE_MINUTES: "Protokollen godkjennes.",
        ItemKind.ORIENTATION: "Orienteringen tas til orientering.",
        ItemKind.REFERENCE: "Referatsakene tas til orientering.",
        ItemKind.OTHER_BUSINESS: "Ingen saker under eventuelt.",
    }.get(kind, "Styret slutter seg til forslaget.")
