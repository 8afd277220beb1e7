"""Demo data: the Oslo Region Alliance's members, areas, users and proposals in every state.

Everything is made through the services, so the demo has the same audit trail
and numbers as real use.
"""

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from decisions.accounts.models import Role, User
from decisions.accounts.services import create_user
from decisions.clock import from_oslo, frozen_at, now, oslo
from decisions.extensions import db
from decisions.members.models import Member
from decisions.members.services import import_members
from decisions.proposals import services
from decisions.proposals.models import Area, PositionKind, Procedure, Round

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


def members_csv() -> str:
    lines = ["name,kind,subregion"]
    for subregion, names in SUBREGIONS.items():
        lines += [f"{name},municipality,{subregion}" for name in names]
    lines += [f"{name},county,Fylkeskommuner" for name in COUNTIES]
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
    for email, role, member, name in DEMO_USERS:
        users[email] = create_user(None, email=email, name=name, role=role,
                                   password=DEMO_PASSWORD,
                                   member=by_name[member] if member else None)
    _proposals(users, by_name)
    return True


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
