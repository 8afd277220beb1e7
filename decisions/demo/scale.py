"""Scale data: years of realistic history for hundreds of members, written in bulk so that
pages and benchmarks can be measured at the size of a real alliance or of the whole country.

The services would take hours at this size, so this module writes rows directly (SQLAlchemy
Core executemany in chunks, COPY on PostgreSQL), but it writes what the services would have
written: versions, rounds whose outcomes are what `proposals.rules.evaluate` says of their
positions, the position history, decisions numbered in the order they were adopted, agenda
items numbered per group and year, notifications, and an audit trail whose hash chain
verifies. Everything is drawn from one seeded random generator, so a run is repeatable.
"""

import itertools
import json
import random
import time as timer
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from types import SimpleNamespace
from typing import Any

from flask import current_app
from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import Connection

from decisions.accounts.models import Role, User
from decisions.accounts.services import hash_password
from decisions.audit.chain import GENESIS, HEAD_ID, entry_hash
from decisions.audit.models import AuditChain, AuditEntry
from decisions.clock import from_oslo, now, oslo
from decisions.demo.data import AREAS, COUNTIES, DEMO_PASSWORD, DEMO_USERS, SUBREGIONS
from decisions.extensions import db
from decisions.markdown import render_or_escape
from decisions.meetings.models import (
    AgendaItem,
    Attendance,
    AttendanceStatus,
    EntryKind,
    Group,
    GroupKind,
    GroupMembership,
    GroupRole,
    ItemKind,
    Meeting,
    MeetingState,
    ProtocolEntry,
)
from decisions.members.models import Member, MemberKind, Subregion
from decisions.notifications.models import EmailState, Notification, NotificationKind
from decisions.numbering import Counter
from decisions.proposals.diff import compare
from decisions.proposals.models import (
    Area,
    ObjectionEntry,
    ObjectionThread,
    Outcome,
    Position,
    PositionChange,
    PositionKind,
    Procedure,
    Proposal,
    ProposalStatus,
    ProposalVersion,
    Round,
    RoundMember,
    ThreadEntryKind,
    VersionDiff,
)
from decisions.proposals.rules import Answer, evaluate
from decisions.register.models import Decision, DecisionNote
from decisions.search.index import rebuild as rebuild_search_index

PRESETS = {"alliance": (64, 10), "national": (372, 10)}
PROPOSALS_PER_YEAR = 150
MEETINGS_PER_YEAR = 10
ITEMS_PER_MEETING = 15
REP_EMAIL = "rep-{member_id}@samraad.test"  # one representative login per member
SEED = 2026

# --- Names ----------------------------------------------------------------------------

# The demo's members first (its representatives' members at the very front), then the
# rest of the country's municipalities by county.
_FIRST = ["Oslo", "Bærum", "Asker", "Lillestrøm", "Moss", "Drammen", "Ullensaker", "Hurdal"]
MORE_MUNICIPALITIES = {
    "Innlandet": ["Kongsvinger", "Hamar", "Lillehammer", "Elverum", "Ringsaker", "Løten",
                  "Stange", "Nord-Odal", "Sør-Odal", "Eidskog", "Grue", "Åsnes", "Trysil",
                  "Åmot", "Stor-Elvdal", "Rendalen", "Engerdal", "Tolga", "Tynset", "Alvdal",
                  "Folldal", "Os", "Dovre", "Lesja", "Skjåk", "Lom", "Vågå", "Nord-Fron",
                  "Sel", "Sør-Fron", "Ringebu", "Øyer", "Gausdal", "Etnedal", "Nord-Aurdal",
                  "Sør-Aurdal", "Vestre Slidre", "Øystre Slidre", "Vang"],
    "Telemark": ["Porsgrunn", "Skien", "Notodden", "Siljan", "Bamble", "Kragerø",
                 "Drangedal", "Nome", "Midt-Telemark", "Seljord", "Hjartdal", "Tinn",
                 "Kviteseid", "Nissedal", "Fyresdal", "Tokke", "Vinje"],
    "Agder": ["Risør", "Grimstad", "Arendal", "Kristiansand", "Lindesnes", "Farsund",
              "Flekkefjord", "Gjerstad", "Vegårshei", "Tvedestrand", "Froland", "Lillesand",
              "Birkenes", "Åmli", "Iveland", "Evje og Hornnes", "Bygland", "Valle", "Bykle",
              "Vennesla", "Åseral", "Lyngdal", "Hægebostad", "Kvinesdal", "Sirdal"],
    "Rogaland": ["Eigersund", "Stavanger", "Haugesund", "Sandnes", "Sokndal", "Lund",
                 "Bjerkreim", "Hå", "Klepp", "Time", "Gjesdal", "Sola", "Randaberg", "Strand",
                 "Hjelmeland", "Suldal", "Sauda", "Kvitsøy", "Bokn", "Tysvær", "Karmøy",
                 "Utsira", "Vindafjord"],
    "Vestland": ["Bergen", "Kinn", "Etne", "Sveio", "Bømlo", "Stord", "Fitjar", "Tysnes",
                 "Kvinnherad", "Ullensvang", "Eidfjord", "Ulvik", "Voss", "Kvam", "Samnanger",
                 "Bjørnafjorden", "Austevoll", "Øygarden", "Askøy", "Vaksdal", "Modalen",
                 "Osterøy", "Alver", "Austrheim", "Fedje", "Masfjorden", "Gulen", "Solund",
                 "Hyllestad", "Høyanger", "Vik", "Sogndal", "Aurland", "Lærdal", "Årdal",
                 "Luster", "Askvoll", "Fjaler", "Sunnfjord", "Bremanger", "Stad", "Gloppen",
                 "Stryn"],
    "Møre og Romsdal": ["Kristiansund", "Molde", "Ålesund", "Vanylven", "Sande", "Herøy",
                        "Ulstein", "Hareid", "Ørsta", "Stranda", "Sykkylven", "Sula", "Giske",
                        "Vestnes", "Rauma", "Aukra", "Averøy", "Gjemnes", "Tingvoll",
                        "Sunndal", "Surnadal", "Smøla", "Aure", "Volda", "Fjord",
                        "Hustadvika", "Haram"],
    "Trøndelag": ["Trondheim", "Steinkjer", "Namsos", "Frøya", "Osen", "Oppdal", "Rennebu",
                  "Røros", "Holtålen", "Midtre Gauldal", "Melhus", "Skaun", "Malvik", "Selbu",
                  "Tydal", "Meråker", "Stjørdal", "Frosta", "Levanger", "Verdal", "Snåsa",
                  "Lierne", "Røyrvik", "Namsskogan", "Grong", "Høylandet", "Overhalla",
                  "Flatanger", "Leka", "Inderøy", "Indre Fosen", "Heim", "Hitra", "Ørland",
                  "Åfjord", "Orkland", "Nærøysund", "Rindal"],
    "Nordland": ["Bodø", "Narvik", "Bindal", "Sømna", "Brønnøy", "Vega", "Vevelstad",
                 "Alstahaug", "Leirfjord", "Vefsn", "Grane", "Hattfjelldal", "Dønna", "Nesna",
                 "Hemnes", "Rana", "Lurøy", "Træna", "Rødøy", "Meløy", "Gildeskål", "Beiarn",
                 "Saltdal", "Fauske", "Sørfold", "Steigen", "Lødingen", "Evenes", "Røst",
                 "Værøy", "Flakstad", "Vestvågøy", "Vågan", "Hadsel", "Bø", "Øksnes",
                 "Sortland", "Andøy", "Moskenes", "Hamarøy"],
    "Troms": ["Tromsø", "Harstad", "Kvæfjord", "Tjeldsund", "Ibestad", "Gratangen",
              "Lavangen", "Bardu", "Salangen", "Målselv", "Sørreisa", "Dyrøy", "Senja",
              "Balsfjord", "Karlsøy", "Lyngen", "Storfjord", "Kåfjord", "Skjervøy",
              "Nordreisa", "Kvænangen"],
    "Finnmark": ["Alta", "Hammerfest", "Vardø", "Vadsø", "Sør-Varanger", "Hasvik", "Måsøy",
                 "Nordkapp", "Porsanger", "Karasjok", "Lebesby", "Gamvik", "Berlevåg", "Tana",
                 "Nesseby", "Båtsfjord", "Loppa", "Kautokeino"],
}
MORE_COUNTIES = ["Telemark fylkeskommune", "Agder fylkeskommune", "Rogaland fylkeskommune",
                 "Vestland fylkeskommune", "Møre og Romsdal fylkeskommune",
                 "Trøndelag fylkeskommune", "Nordland fylkeskommune", "Troms fylkeskommune",
                 "Finnmark fylkeskommune", "Oslo kommune (fylkesoppgaver)"]
FIRST_NAMES = ["Anne", "Kari", "Ingrid", "Marit", "Hanne", "Silje", "Ida", "Nora", "Tone",
               "Randi", "Liv", "Eli", "Mona", "Hilde", "Berit", "Solveig", "Astrid", "Guro",
               "Ole", "Lars", "Per", "Jon", "Knut", "Arne", "Bjørn", "Geir", "Tor", "Svein",
               "Trond", "Even", "Magnus", "Håkon", "Eirik", "Sindre", "Øystein", "Rune",
               "Terje", "Kjetil", "Sigrid", "Ragnhild"]
LAST_NAMES = ["Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen",
              "Kristiansen", "Jensen", "Karlsen", "Johnsen", "Pettersen", "Eriksen",
              "Berg", "Haugen", "Hagen", "Bakken", "Lie", "Dahl", "Lund", "Moen", "Strand",
              "Solberg", "Holm", "Sæther", "Rønning", "Aasen", "Myhre", "Nygård", "Fjeld",
              "Brekke", "Vik", "Tangen", "Lunde", "Sand", "Eide", "Hovland", "Bråten"]
CASE_OFFICERS = ["Ola Rådgiver", "Ingrid Sekretær", "Marte Utreder", "Jonas Fagsjef"]

HEARINGS = ["forslag til endringer i plan- og bygningsloven", "Nasjonal transportplan",
            "ny forskrift om rammer for vann- og avløpsgebyrer", "statsbudsjettet",
            "nytt inntektssystem for kommunene", "endringer i kommuneloven",
            "nasjonale forventninger til regional og kommunal planlegging",
            "forslag til ny klimalov", "strategi for statlig lokalisering",
            "regionreformens oppgavefordeling", "ny lov om offentlige anskaffelser",
            "tiltakspakke for kollektivtrafikken", "veileder for arealregnskap",
            "forslag til nasjonal strategi for bolig"]
PLAN_TOPICS = ["areal og transport", "klimatilpasning", "handel og senterstruktur",
               "vannforvaltning", "kollektivtrafikk", "grønnstruktur", "næringsarealer",
               "massehåndtering", "sykkelveinett", "energi og kraftnett", "boligbygging",
               "kulturminner", "friluftsliv", "godstransport og logistikk"]
STRATEGY_TOPICS = ["talentattraksjon", "ladeinfrastruktur", "næringssamarbeid",
                   "internasjonal profilering", "innovasjon i offentlig sektor",
                   "sirkulær økonomi", "samordnet innkjøp", "digital infrastruktur",
                   "beredskap og samfunnssikkerhet", "reiseliv", "kompetanse i helse",
                   "utslippsfrie byggeplasser"]
RESERVATIONS = ["{m} forutsetter at kostnadene fordeles etter innbyggertall.",
                "{m} ber om at tiltaket evalueres etter to år.",
                "{m} slutter seg til forslaget, men ber om at distriktshensyn vektlegges.",
                "Tiltak 3 må samordnes med kommuneplanen i {m}.",
                "{m} kan ikke bidra økonomisk før budsjettet for neste år er vedtatt."]
STAND_ASIDES = ["", "Lite relevant for oss.", "Saken berører ikke {m} direkte.",
                "{m} avventer politisk behandling."]
OBJECTIONS = ["Kostnadsfordelingen er ikke utredet.",
              "Forslaget tar ikke hensyn til distriktskommunenes behov.",
              "{m} trenger mer tid til politisk behandling av saken.",
              "Tiltaket overlapper med vedtatt regional plan og må samordnes først.",
              "Finansieringen må avklares før {m} kan slutte seg til forslaget.",
              "Forslaget binder kommunens arealpolitikk for sterkt."]
AMENDMENTS = ["{m} foreslår at fristen i punkt 2 forlenges med ett år.",
              "{m} foreslår å stryke siste setning i forslaget til vedtak."]
ANSWERS = ["Finansieringen tas opp i handlingsprogrammet som legges fram i februar.",
           "Sekretariatet foreslår å justere teksten i neste versjon.",
           "Kostnadene fordeles etter innbyggertall, som i tidligere saker.",
           "Saken er samordnet med den regionale planen; se vedlegg 2.",
           "Vi foreslår å la teksten stå, og følge opp innspillet i styret."]
ITEM_TITLES = {
    ItemKind.DECISION: ["Budsjett og handlingsplan", "Revidert budsjett", "Årsmelding og "
                        "regnskap", "Valg av representanter til faggruppene",
                        "Møteplan for neste år", "Samarbeidsavtale med fylkeskommunene"],
    ItemKind.DISCUSSION: ["Regional transportplan: videre arbeid", "Innspill til "
                          "statsbudsjettet", "Arbeidsform i faggruppene", "Boligpolitikk i "
                          "regionen", "Oppfølging av klimastrategien",
                          "Næringsarealer langs E18"],
    ItemKind.ORIENTATION: ["Orientering fra sekretariatet", "Orientering om Nasjonal "
                           "transportplan", "Orientering fra faggruppe for næringssamarbeid",
                           "Status for talentattraksjon", "Orientering om EU-arbeid"],
    ItemKind.REFERENCE: ["Referatsaker"],
}


def member_names(count: int) -> list[tuple[str, MemberKind, str]]:
    """`count` members (name, kind, subregion): municipalities and about one county for
    every 25 members (15 of 372), the demo's members first."""
    counties = min(len(COUNTIES) + len(MORE_COUNTIES), max(1, round(count * 15 / 372)))
    municipalities = [(n, r) for r, names in SUBREGIONS.items() for n in names]
    municipalities.sort(key=lambda nr: _FIRST.index(nr[0]) if nr[0] in _FIRST else 99)
    municipalities += [(n, r) for r, names in MORE_MUNICIPALITIES.items() for n in names]
    wanted = count - counties
    for i in itertools.count(1):
        if len(municipalities) >= wanted:
            break
        municipalities.append((f"Kommune {i}", "Andre"))
    result = [(n, MemberKind.MUNICIPALITY, r) for n, r in municipalities[:wanted]]
    result += [(n, MemberKind.COUNTY, "Fylkeskommuner")
               for n in (COUNTIES + MORE_COUNTIES)[:counties]]
    return result


# --- Writing --------------------------------------------------------------------------

def _plain(value: Any) -> Any:
    """A value as the audit trail stores it (see audit.services._plain)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


class Writer:
    """Rows per table, inserted in chunks, parents before children (foreign keys are
    checked at once on both databases)."""

    def __init__(self, conn: Connection, chunk: int = 10_000):
        self.conn = conn
        self.chunk = chunk
        self.postgres = conn.dialect.name == "postgresql"
        self.order = {t: i for i, t in enumerate(db.metadata.sorted_tables)}
        self.buffers: dict[Table, list[dict]] = defaultdict(list)
        self.counts: dict[str, int] = defaultdict(int)

    def add(self, model, **row) -> None:
        for name in getattr(model, "markdown_fields", ()):  # as the ORM's setter would
            row[f"{name}_html"] = str(render_or_escape(row.get(name) or ""))
        table = model.__table__
        buffer = self.buffers[table]
        buffer.append(row)
        if len(buffer) >= self.chunk:
            self.flush()

    def flush(self) -> None:
        for table in sorted(self.buffers, key=self.order.__getitem__):
            rows = self.buffers[table]
            if rows:
                self._insert(table, rows)
                self.counts[table.name] += len(rows)
                rows.clear()

    def _insert(self, table: Table, rows: list[dict]) -> None:
        columns = list(rows[0])
        for row in rows[1:]:
            if len(row) != len(columns):
                columns += [c for c in row if c not in columns]
        if not self.postgres:
            # executemany with each column's own bind processor, as SQLAlchemy would
            # bind it (three times faster than letting it build every parameter set).
            dialect = self.conn.dialect
            processors = [table.c[c].type._cached_bind_processor(dialect) for c in columns]
            names = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join("?" for _c in columns)
            self.conn.exec_driver_sql(
                f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})',  # noqa: S608
                list(zip(*_converted(rows, columns, processors), strict=True)))
            return
        # COPY: an order of magnitude faster than executemany on PostgreSQL. The values
        # are made here as the column types would make them.
        types = [table.c[c].type for c in columns]
        converters = [_pg_value(t) for t in types]
        cursor = self.conn.connection.driver_connection.cursor()
        names = ", ".join(f'"{c}"' for c in columns)
        with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in zip(*_converted(rows, columns, converters), strict=True):
                copy.write_row(row)
        cursor.close()


def _converted(rows: list[dict], columns: list[str],
               converters: list[Callable[[Any], Any] | None]) -> list[list]:
    """The rows' values column by column, each made by its column's converter (None:
    as it is). A value many rows share (the one moment or parameters of a notification
    sent to every representative) is converted once: the rows keep it alive, so its
    id() names it for the whole call."""
    found = []
    for column, convert in zip(columns, converters, strict=True):
        values = [row.get(column) for row in rows]
        if convert is not None:
            done: dict[int, Any] = {}
            values = [done[id(v)] if id(v) in done else done.setdefault(id(v), convert(v))
                      for v in values]
        found.append(values)
    return found


def _pg_value(type_) -> Callable[[Any], Any]:
    from sqlalchemy import JSON
    from sqlalchemy import Enum as SAEnum

    if isinstance(type_, JSON):
        # None is JSON null, as SQLAlchemy's JSON type writes it (none_as_null=False).
        return lambda v: json.dumps(v, ensure_ascii=False)
    if isinstance(type_, SAEnum):
        return lambda v: None if v is None else str(v.value if isinstance(v, Enum) else v)

    def plain(v):
        if isinstance(v, datetime):
            return v.astimezone(UTC).replace(tzinfo=None)
        if isinstance(v, Enum):
            return v.value
        return v
    return plain


# --- The history ----------------------------------------------------------------------

@dataclass
class RoundPlan:
    id: int
    proposal_id: int
    version_id: int
    version: int
    procedure: Procedure
    quorum: int | None
    opened: datetime
    deadline: datetime
    # member id -> list of (at, kind, comment, user id, on_behalf, confirmed_from)
    changes: dict[int, list[tuple]] = field(default_factory=dict)
    outcome: Outcome | None = None
    closed: datetime | None = None


class History:
    def __init__(self, writer: Writer, members: int, years: int, seed: int,
                 log: Callable[[str], None]):
        self.w = writer
        # Repeatable data, not secrets. What happens to proposals and meetings is drawn
        # from streams of their own, so it is the same at every member count; how members
        # answer is drawn from `people`.
        self.seed = seed
        self.rng = self.stream("timeline")
        self.people = self.stream("people")
        self.log = log
        self.moment = now().replace(microsecond=0)
        self.today = oslo(self.moment).date()
        self.start = self.today - timedelta(days=round(365.25 * years))
        self.years = years
        self.n_members = members
        self.alliance = current_app.config.get("ALLIANCE_NAME", "Osloregionen")
        self.ids = defaultdict(lambda: itertools.count(1))
        # (at, seq, actor_id, act, object_type, object_id, before, after)
        self.audit: list[tuple] = []
        # (created_at, seq, key, user_id, kind, round_id, meeting_id, params)
        self.notes: list[tuple] = []
        self.seq = itertools.count()
        self.counters: dict[tuple[str, int], int] = defaultdict(int)
        self.decisions: list[tuple] = []
        self.proposal_rounds: dict[int, list[tuple[int, datetime]]] = {}
        self.circulated: list[tuple] = []  # (first circulated, id, title, resolution, status)
        self.noted: dict[int, list[tuple]] = {}  # round id -> reservations, stand-asides
        self.resolutions: dict[int, str] = {}

    # helpers
    def stream(self, name: str) -> random.Random:
        return random.Random(f"{self.seed}:{name}")  # noqa: S311

    def next_id(self, name: str) -> int:
        return next(self.ids[name])

    def record(self, at: datetime, actor_id: int | None, act: str, object_type: str,
               object_id: int, before: dict | None = None, after: dict | None = None):
        self.audit.append((at, next(self.seq), actor_id, act, object_type, object_id,
                           before, after))

    def notify(self, at: datetime, kind: NotificationKind, user_ids: Iterable[int], event: str,
               round_id: int | None = None, meeting_id: int | None = None,
               params: dict | None = None):
        params = params or {}
        for user_id in dict.fromkeys(user_ids):
            self.notes.append((at, next(self.seq), f"{event}:user:{user_id}", user_id, kind,
                               round_id, meeting_id, params))

    def number(self, series: str, year: int) -> int:
        self.counters[series, year] += 1
        return self.counters[series, year]

    def at_day(self, day: date, hour: int, minute: int = 0) -> datetime:
        return from_oslo(datetime.combine(day, time(hour, minute)))

    def working_moment(self, day: date, rng: random.Random | None = None) -> datetime:
        rng = rng or self.rng
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return self.at_day(day, rng.randint(8, 15), rng.randrange(0, 60))

    def name(self) -> str:
        return f"{self.people.choice(FIRST_NAMES)} {self.people.choice(LAST_NAMES)}"

    # --- setup: members, areas, users ---------------------------------------------------

    def setup(self) -> None:
        w, at = self.w, self.at_day(self.start - timedelta(days=7), 9)
        self.setup_at = at
        subregions: dict[str, int] = {}
        self.members: list[tuple[int, str]] = []
        for name, kind, region in member_names(self.n_members):
            if region not in subregions:
                subregions[region] = self.next_id("subregion")
                w.add(Subregion, id=subregions[region], name=region)
            member_id = self.next_id("member")
            w.add(Member, id=member_id, name=name, kind=kind, subregion_id=subregions[region],
                  active=True, created_at=at, updated_at=at)
            self.record(at, None, "member.created", "members", member_id,
                        after={"name": name, "kind": kind.value,
                               "subregion_id": subregions[region]})
            self.members.append((member_id, name))
        self.member_name = dict(self.members)
        self.member_ids = [m for m, _ in self.members]
        self.areas = []
        for nb, en in AREAS + [("Bolig og byutvikling", "Housing and urban development")]:
            area_id = self.next_id("area")
            w.add(Area, id=area_id, name_nb=nb, name_en=en)
            self.record(at, None, "area.created", "areas", area_id,
                        after={"name_nb": nb, "name_en": en})
            self.areas.append(area_id)

        password_hash = hash_password(DEMO_PASSWORD)  # once: argon2 costs ~0.1 s a hash
        by_name = {name: member_id for member_id, name in self.members}
        self.reps: dict[int, list[int]] = defaultdict(list)
        self.users: dict[str, int] = {}
        self.user_name: dict[int, str] = {}

        def user(email, name, role, member_id):
            user_id = self.next_id("user")
            w.add(User, id=user_id, email=email, name=name, password_hash=password_hash,
                  role=role, member_id=member_id, active=True, created_at=at)
            self.record(at, None, "user.created", "users", user_id,
                        after={"email": email, "name": name, "role": role.value,
                               "member_id": member_id})
            if member_id is not None:
                self.reps[member_id].append(user_id)
            self.users[email] = user_id
            self.user_name[user_id] = name
            return user_id

        for email, role, member, name in DEMO_USERS:
            if member is None or member in by_name:
                user(email, name, role, by_name.get(member))
        for member_id, _name in self.members:
            user(REP_EMAIL.format(member_id=member_id), self.name(), Role.REPRESENTATIVE,
                 member_id)
        self.secretariat = [self.users[e] for e, r, _m, _n in DEMO_USERS
                            if r == Role.SECRETARIAT]
        self.sec = self.secretariat[0]
        self.rep_user = {m: users[-1] for m, users in self.reps.items()}  # rep-<id>

    # --- proposals ----------------------------------------------------------------------

    def proposals(self) -> None:
        rng = self.rng
        days = (self.today - self.start).days
        count = round(PROPOSALS_PER_YEAR * days / 365.25)
        starts = sorted(self.working_moment(self.start + timedelta(days=rng.uniform(0, days)))
                        for _ in range(count))
        # Circulated in the order they were first sent out, as the case numbers are.
        plans = []
        for created in starts:
            first = self.working_moment(oslo(created).date() + timedelta(days=rng.randint(0, 4)))
            first = max(first, created + timedelta(minutes=30))
            plans.append((first, created))
        plans.sort()
        for first, created in plans:
            if first >= self.moment:
                self.draft(created)
            else:
                self.proposal(created, first)
        # A few drafts the secretariat is working on.
        for days_ago in (1, 3, 6):
            self.draft(self.working_moment(self.today - timedelta(days=days_ago)))

    def texts(self, created: datetime, rng: random.Random) -> tuple[str, str, str]:
        year = oslo(created).year
        kind = rng.random()
        if kind < 0.35:
            hearing = rng.choice(HEARINGS)
            if hearing in ("statsbudsjettet",):
                hearing += f" {year + 1}"
            title = f"Høringsuttalelse: {hearing}"
            resolution = (f"{self.alliance} avgir høringsuttalelse om {hearing} slik den "
                          "foreligger.")
        elif kind < 0.65:
            topic = rng.choice(PLAN_TOPICS)
            title = f"Regional plan for {topic}"
            resolution = (f"{self.alliance} slutter seg til forslaget til regional plan for "
                          f"{topic} og ber sekretariatet følge opp handlingsprogrammet.")
        elif kind < 0.85:
            topic = rng.choice(STRATEGY_TOPICS)
            title = f"Felles strategi for {topic} {year}–{year + 3}"
            resolution = (f"{self.alliance} vedtar felles strategi for {topic} for perioden "
                          f"{year}–{year + 3}, innenfor en ramme på "
                          f"{rng.randint(2, 40) * 50} 000 kroner.")
        else:
            topic = rng.choice(STRATEGY_TOPICS)
            title = f"Felles satsing på {topic}"
            resolution = (f"{self.alliance} gjennomfører en felles satsing på {topic} i "
                          f"{year + 1}.")
        background = (f"Saken gjelder {title[0].lower()}{title[1:]}. Sekretariatet har "
                      "innhentet innspill fra faggruppene og administrativ "
                      "koordineringsgruppe.\n\n- **Bakgrunn:** vedtak i styret\n"
                      "- **Økonomi:** innenfor vedtatt budsjett\n- **Videre arbeid:** "
                      "oppfølging i handlingsplanen")
        return title, background, resolution

    def draft(self, created: datetime) -> None:
        proposal_id = self.next_id("proposal")
        title, background, resolution = self.texts(created, self.rng)
        area_id = self.rng.choice(self.areas)
        self.w.add(Proposal, id=proposal_id, title=title, background=background,
                   resolution=resolution, area_id=area_id,
                   status=ProposalStatus.DRAFT, case_year=None, case_number=None,
                   created_by_id=self.sec, created_at=created, updated_at=created,
                   lock_version=1)
        self.record(created, self.sec, "proposal.created", "proposals", proposal_id,
                    after={"title": title, "background": background,
                           "resolution": resolution, "area_id": area_id})

    def proposal(self, created: datetime, first: datetime) -> None:
        sec = self.sec
        proposal_id = self.next_id("proposal")
        rng = self.stream(f"proposal:{proposal_id}")
        title, background, resolution = self.texts(created, rng)
        area_id = rng.choice(self.areas)
        self.record(created, sec, "proposal.created", "proposals", proposal_id,
                    after={"title": title, "background": background,
                           "resolution": resolution, "area_id": area_id})
        case_year = oslo(first).year
        case_number = self.number("case", case_year)
        plan = rng.random()
        rounds_planned = 1 if plan < 0.6 else 2 if plan < 0.88 else 3
        ending = rng.choices(["adopt", "reject", "withdraw"], [0.88, 0.07, 0.05])[0]
        procedure = Procedure.SILENCE if rng.random() < 0.15 else Procedure.CONSENT
        quorum = rng.choice([None, None, None, 50, 60]) if procedure == Procedure.CONSENT \
            else None

        status = ProposalStatus.CIRCULATED
        updated = first
        lock = 2
        opened = first
        rounds: list[RoundPlan] = []
        text_ = (title, background, resolution)
        versions = []
        status_before = ProposalStatus.DRAFT
        for k in range(rounds_planned):
            last = k == rounds_planned - 1
            if k > 0:
                # The secretariat revises: a new version in a new round.
                old = text_
                revised = (title, background + f"\n\nRevidert etter innspill, versjon {k + 1}.",
                           resolution + rng.choice([" Tiltakene evalueres etter to år.",
                                                    " Kostnadene fordeles etter innbyggertall.",
                                                    " Saken legges fram for styret på nytt "
                                                    "om ett år."]))
                text_ = revised
                self.record(opened, sec, "proposal.revised", "proposals", proposal_id,
                            before=dict(zip(("title", "background", "resolution"), old,
                                            strict=True)),
                            after=dict(zip(("title", "background", "resolution"), text_,
                                           strict=True)))
                if rng.random() < 0.3:
                    procedure = Procedure.CONSENT
                    quorum = None
            version_id = self.next_id("version")
            versions.append((version_id, k + 1, text_, opened))
            self.record(opened, sec, "version.frozen", "proposal_versions", version_id,
                        after={"number": k + 1, "title": text_[0], "background": text_[1],
                               "resolution": text_[2]})
            self.record(opened, sec, "proposal.circulated", "proposals", proposal_id,
                        before={"status": status_before.value,
                                "case_year": case_year if k else None,
                                "case_number": case_number if k else None},
                        after={"status": "circulated", "case_year": case_year,
                               "case_number": case_number})
            status_before = ProposalStatus.CIRCULATED
            deadline = self.at_day(oslo(opened).date() + timedelta(days=rng.choice(
                [10, 14, 14, 14, 21])), 12)
            round_ = RoundPlan(id=self.next_id("round"), proposal_id=proposal_id,
                               version_id=version_id, version=k + 1, procedure=procedure,
                               quorum=quorum, opened=opened, deadline=deadline)
            updated = opened
            self.record(opened, sec, "round.opened", "rounds", round_.id, after={
                "version": k + 1, "procedure": procedure.value,
                "deadline": deadline.isoformat(), "quorum_percent": quorum,
                "members": len(self.member_ids), "reminder_hours": 48})
            self.notify(opened, NotificationKind.ROUND_OPENED, self.reps_of(self.member_ids),
                        f"round_opened:{round_.id}", round_id=round_.id,
                        params={"version": k + 1})
            # What ends the round, if the rules do not end it first.
            end = None
            if not last:
                end = opened + (deadline - opened) * rng.uniform(0.4, 0.8) \
                    if procedure == Procedure.CONSENT and rng.random() < 0.6 else None
                mode = "object"
            elif ending == "withdraw":
                end = opened + (deadline - opened) * rng.uniform(0.3, 0.9)
                mode = "object"
            elif ending == "reject":
                mode = "object"
            else:
                mode = "agree"
            self.answers(round_, rounds, mode, end, rng.random() < 0.08)
            planned_end = end is not None and end < self.moment
            state, settler = self.settle(round_, rounds, end if planned_end else self.moment)
            rounds.append(round_)
            lock += 1
            if state.outcome is None and not planned_end:
                break  # still open: a live round
            if state.outcome is None:
                outcome = Outcome.WITHDRAWN if last else Outcome.SUPERSEDED
                self.close(round_, outcome, end, sec)
            else:
                self.close(round_, state.outcome, state.closed_at, settler)
            if round_.outcome.adopts:
                status, updated = ProposalStatus.DECIDED, round_.closed
                lock += 1
                self.record(self.settled_at(round_, settler), settler, "proposal.decided",
                            "proposals", proposal_id, before={"status": "circulated"},
                            after={"status": "decided"})
                self.decisions.append((round_.closed, round_, text_, proposal_id, settler))
                break
            if round_.outcome == Outcome.WITHDRAWN:
                status, updated = ProposalStatus.WITHDRAWN, round_.closed
                self.record(round_.closed, sec, "proposal.withdrawn", "proposals",
                            proposal_id, before={"status": "circulated"},
                            after={"status": "withdrawn"})
                break
            updated = round_.closed
            if last:
                if ending == "withdraw" or rng.random() < 0.3:
                    withdrawn_at = self.working_moment(
                        oslo(round_.closed).date() + timedelta(days=rng.randint(3, 20)), rng)
                    if withdrawn_at < self.moment:
                        status, updated = ProposalStatus.WITHDRAWN, withdrawn_at
                        self.record(withdrawn_at, sec, "proposal.withdrawn", "proposals",
                                    proposal_id, before={"status": "circulated"},
                                    after={"status": "withdrawn"})
                break
            # The next version goes out when the round is superseded, or some days after
            # it ended without consensus.
            if round_.outcome == Outcome.SUPERSEDED:
                opened = round_.closed
            else:
                opened = round_.closed + timedelta(hours=rng.randint(2, 96))
            if opened >= self.moment:
                break
        self.w.add(Proposal, id=proposal_id, title=text_[0], background=text_[1],
                   resolution=text_[2], area_id=area_id, status=status, case_year=case_year,
                   case_number=case_number, created_by_id=sec, created_at=created,
                   updated_at=updated, lock_version=lock)
        made = []
        for version_id, number, (t, b, r), at in versions:
            self.w.add(ProposalVersion, id=version_id, proposal_id=proposal_id, number=number,
                       title=t, background=b, resolution=r, created_by_id=sec, created_at=at)
            version = SimpleNamespace(id=version_id, title=t, background=b, resolution=r)
            for old in made:  # as the service stores them when it makes a version
                self.w.add(VersionDiff, old_version_id=old.id, new_version_id=version_id,
                           **compare(old, version))
            made.append(version)
        self.plan_threads(proposal_id, rounds)
        for round_ in rounds:
            self.write_round(round_)
        # After the rounds they name (a chunk may be written between two adds), and
        # the answers after their threads.
        for row in (row for own in self.threads.values() for row in own):
            self.w.add(ObjectionThread, **row)
        for row in self.thread_entries:
            self.w.add(ObjectionEntry, **row)
        self.proposal_rounds[proposal_id] = [(r.id, r.opened) for r in rounds]
        self.circulated.append((first, proposal_id, text_[0], text_[2], status))

    def reps_of(self, member_ids: Iterable[int]) -> list[int]:
        return [u for m in member_ids for u in self.reps[m]]

    def answers(self, round_: RoundPlan, earlier: list[RoundPlan], mode: str,
                end: datetime | None, objection_withdrawn: bool) -> None:
        """Positions and their history: most members answer, a few object (mode
        "object") or none keeps an objection (mode "agree")."""
        rng = self.people
        silence = round_.procedure == Procedure.SILENCE
        span = ((end or round_.deadline) - round_.opened).total_seconds()
        previous = earlier[-1] if earlier else None
        objectors: set[int] = set()
        if mode == "object":
            objectors = set(rng.sample(self.member_ids, min(len(self.member_ids),
                                                            rng.randint(1, 3))))
        carried = {m for m, (kind, *_r) in self.latest(earlier).items() if kind.blocks}
        withdrawn_objection = mode == "agree" and not silence and objection_withdrawn
        respond = 0.45 if silence else rng.uniform(0.84, 0.96)
        for member_id in self.member_ids:
            blocking = member_id in objectors or (member_id in carried and mode != "agree")
            must = member_id in carried and mode == "agree"
            if not (blocking or must or rng.random() < respond):
                continue
            at = round_.opened + timedelta(seconds=span * min(rng.betavariate(1.2, 3), 0.98))
            user = rng.choice(self.reps[member_id])
            name = self.member_name[member_id]
            prev = previous.changes.get(member_id) if previous else None
            if blocking:
                if silence and rng.random() < 0.25:
                    kind, comment = PositionKind.AMENDMENT, rng.choice(AMENDMENTS)
                else:
                    kind, comment = PositionKind.OBJECT, rng.choice(OBJECTIONS)
                comment = comment.format(m=name)
                round_.changes[member_id] = [(at, kind, comment, user, False, None)]
                continue
            if prev and not prev[-1][1].blocks and rng.random() < 0.5:
                # Confirmed in one step: the position on the previous version.
                kind, comment = prev[-1][1], prev[-1][2]
                round_.changes[member_id] = [(at, kind, comment, user, False, previous.id)]
                continue
            kind, comment = self.kind(name, silence)
            on_behalf = rng.random() < 0.03 and member_id not in carried
            if on_behalf:
                user = rng.choice(self.secretariat)
            changes = [(at, kind, comment, user, on_behalf, None)]
            if rng.random() < 0.03:  # changed its mind later in the round
                later = at + (round_.opened + timedelta(seconds=span) - at) * rng.uniform(0.2, 0.9)
                kind2, comment2 = self.kind(name, silence)
                if (kind2, comment2) != (kind, comment) or on_behalf:
                    changes.append((later, kind2, comment2, rng.choice(self.reps[member_id]),
                                    False, None))
            round_.changes[member_id] = changes
        if withdrawn_objection:
            member_id = rng.choice(self.member_ids)
            name = self.member_name[member_id]
            user = self.reps[member_id][-1]
            t1 = round_.opened + timedelta(seconds=span * rng.uniform(0.05, 0.3))
            t3 = round_.opened + timedelta(seconds=span * rng.uniform(0.6, 0.9))
            round_.changes[member_id] = [
                (t1, PositionKind.OBJECT, rng.choice(OBJECTIONS).format(m=name), user, False,
                 None),
                (t3, PositionKind.RESERVATION, rng.choice(RESERVATIONS).format(m=name), user,
                 False, None)]

    def kind(self, name: str, silence: bool) -> tuple[PositionKind, str]:
        draw = self.people.random()
        if draw < (0.9 if silence else 0.82):
            return PositionKind.SUPPORT, ""
        if draw < 0.93:
            return PositionKind.RESERVATION, self.people.choice(RESERVATIONS).format(m=name)
        return PositionKind.STAND_ASIDE, self.people.choice(STAND_ASIDES).format(m=name)

    @staticmethod
    def latest(rounds: list[RoundPlan]) -> dict[int, tuple]:
        """Each member's latest answer over these rounds: (kind, version)."""
        latest = {}
        for round_ in rounds:
            for member_id, changes in round_.changes.items():
                latest[member_id] = (changes[-1][1], round_.version)
        return latest

    def settle(self, round_: RoundPlan, earlier: list[RoundPlan], moment: datetime):
        """The round's state at `moment` as the app would have recorded it: the answers
        in the order they came, the round settled after each (a consent round closes
        the moment everyone has answered and none objects; a silence procedure at the
        first objection), then the deadline. Answers after the close are dropped.
        Returns the state and who closed it (None: the sweep)."""
        silence = round_.procedure == Procedure.SILENCE
        total = len(self.member_ids)
        events = sorted((c[0], m, i) for m, changes in round_.changes.items()
                        for i, c in enumerate(changes))
        current: dict[int, PositionKind] = {}
        blocking, closed_at, settler = 0, None, None
        for at, member_id, i in events:
            if at > moment or at >= round_.deadline:
                break
            change = round_.changes[member_id][i]
            old = current.get(member_id)
            blocking -= bool(old is not None and old.blocks)
            current[member_id] = change[1]
            blocking += change[1].blocks
            if (silence and blocking) or (not silence and not blocking
                                          and len(current) == total):
                closed_at, settler = at, change[3]
                break
        cutoff = closed_at or moment
        self.trim(round_, cutoff)
        answers = {m: Answer(c[-1][1], c[-1][0]) for m, c in round_.changes.items()}
        carried = {m for m, (kind, _v) in self.latest(earlier).items() if kind.blocks} \
            if not silence else set()
        state = evaluate(round_.procedure, round_.quorum, self.member_ids, answers,
                         round_.deadline, cutoff, carried_objections=carried)
        assert closed_at is None or state.closed_at == closed_at, (state, closed_at)
        return state, settler

    def trim(self, round_: RoundPlan, until: datetime) -> None:
        """Nothing is registered after the round closed (or after now)."""
        for member_id in list(round_.changes):
            kept = [c for c in round_.changes[member_id] if c[0] <= until]
            if kept:
                round_.changes[member_id] = kept
            else:
                del round_.changes[member_id]

    def settled_at(self, round_: RoundPlan, settler: int | None) -> datetime:
        return round_.closed if settler is not None else round_.closed + timedelta(seconds=30)

    def close(self, round_: RoundPlan, outcome: Outcome, at: datetime, actor: int | None):
        round_.outcome, round_.closed = outcome, at
        recorded = self.settled_at(round_, actor) if outcome not in (
            Outcome.SUPERSEDED, Outcome.WITHDRAWN) else at
        self.record(recorded, actor, "round.closed", "rounds", round_.id,
                    after={"outcome": outcome.value, "closed_at": at.isoformat()})
        if outcome != Outcome.SUPERSEDED:
            self.notify(recorded, NotificationKind.ROUND_CLOSED,
                        self.reps_of(self.member_ids), f"round_closed:{round_.id}",
                        round_id=round_.id, params={"outcome": outcome.value})

    def plan_threads(self, proposal_id: int, rounds: list[RoundPlan]) -> None:
        """Each member's objection threads on the proposal, as the app keeps them: an
        objection opens one, a position that does not block closes it."""
        threads: dict[int, list[dict]] = defaultdict(list)
        for round_ in rounds:
            for member_id, changes in sorted(round_.changes.items()):
                for at, kind, *_rest in changes:
                    own = threads[member_id]
                    open_ = own[-1] if own and own[-1]["closed_at"] is None else None
                    if kind.blocks and open_ is None:
                        own.append({"id": self.next_id("thread"), "proposal_id": proposal_id,
                                    "member_id": member_id, "opened_round_id": round_.id,
                                    "opened_at": at, "closed_round_id": None,
                                    "closed_at": None})
                    elif not kind.blocks and open_ is not None:
                        open_["closed_round_id"], open_["closed_at"] = round_.id, at
        self.threads, self.thread_entries = threads, []

    def write_round(self, round_: RoundPlan) -> None:
        w, rng = self.w, self.people
        remind_at = round_.deadline - timedelta(hours=48)
        remind_at = remind_at if remind_at > round_.opened else None
        ended = round_.closed or self.moment
        reminded = remind_at + timedelta(seconds=40) \
            if remind_at is not None and remind_at < ended else None
        w.add(Round, id=round_.id, proposal_id=round_.proposal_id, version_id=round_.version_id,
              procedure=round_.procedure, quorum_percent=round_.quorum, opened_at=round_.opened,
              deadline=round_.deadline, opened_by_id=self.sec, closed_at=round_.closed,
              outcome=round_.outcome, reminder_hours=48, remind_at=remind_at,
              reminded_at=reminded)
        for member_id in self.member_ids:
            w.add(RoundMember, round_id=round_.id, member_id=member_id)
        noted = []
        for member_id, changes in round_.changes.items():
            position_id = self.next_id("position")
            from_kind = None
            for i, (at, kind, comment, user, on_behalf, confirmed) in enumerate(changes):
                change_id = self.next_id("change")
                w.add(PositionChange, id=change_id, round_id=round_.id, member_id=member_id,
                      from_kind=from_kind, kind=kind, comment=comment, registered_by_id=user,
                      on_behalf=on_behalf, confirmed_from_round_id=confirmed, at=at)
                act = "position.confirmed" if confirmed else (
                    "position.registered" if i == 0 else "position.changed")
                before = None if i == 0 else {"kind": changes[i - 1][1].value,
                                              "comment": changes[i - 1][2]}
                self.record(at, user, act, "positions", position_id, before=before,
                            after={"kind": kind.value, "comment": comment,
                                   "member_id": member_id, "round_id": round_.id,
                                   "on_behalf": on_behalf})
                if kind.blocks and not (from_kind is not None and from_kind.blocks):
                    self.notify(at, NotificationKind.OBJECTION, self.secretariat,
                                f"objection:{change_id}", round_id=round_.id,
                                params={"member": self.member_name[member_id],
                                        "kind": kind.value, "change_id": change_id})
                    answer_at = at + timedelta(hours=rng.randint(2, 72))
                    still = i + 1 == len(changes) or changes[i + 1][0] > answer_at
                    if rng.random() < 0.6 and still and answer_at < ended:
                        self.answer(round_, member_id, answer_at)
                from_kind = kind
            at, kind, comment, user, on_behalf, _confirmed = changes[-1]
            w.add(Position, id=position_id, round_id=round_.id, member_id=member_id, kind=kind,
                  comment=comment, registered_by_id=user, on_behalf=on_behalf,
                  registered_at=at, lock_version=len(changes))
            if kind in (PositionKind.RESERVATION, PositionKind.STAND_ASIDE):
                noted.append((member_id, kind, comment))
        self.noted[round_.id] = sorted(noted)
        if reminded is not None:
            waiting = [m for m in self.member_ids
                       if m not in round_.changes or round_.changes[m][0][0] > remind_at]
            people = self.reps_of(waiting)
            self.notify(reminded, NotificationKind.REMINDER, people, f"reminder:{round_.id}",
                        round_id=round_.id)
            self.record(reminded, None, "round.reminded", "rounds", round_.id,
                        after={"members": len(waiting), "people": len(people)})


    def answer(self, round_: RoundPlan, member_id: int, at: datetime) -> None:
        answer_id = self.next_id("answer")
        text_ = self.people.choice(ANSWERS)
        thread = [t for t in self.threads[member_id] if t["opened_at"] <= at][-1]
        self.thread_entries.append(dict(
            id=answer_id, thread_id=thread["id"], round_id=round_.id,
            kind=ThreadEntryKind.ANSWER, text=text_, author_id=self.sec, at=at))
        self.record(at, self.sec, "objection.answered", "objection_entries", answer_id,
                    after={"round_id": round_.id, "member_id": member_id,
                           "thread_id": thread["id"], "text": text_})
        self.notify(at, NotificationKind.OBJECTION_ANSWERED, self.reps[member_id],
                    f"objection_answered:{answer_id}", round_id=round_.id,
                    params={"answer_id": answer_id})

    def write_decisions(self) -> None:
        """Numbered in the order they were adopted, per year, as the register does."""
        self.decisions.sort(key=lambda d: (d[0], d[1].id))
        for adopted_at, round_, (title, _background, resolution), proposal_id, settler \
                in self.decisions:
            year = oslo(adopted_at).year
            decision_id = self.next_id("decision")
            number = self.number("decision", year)
            self.w.add(Decision, id=decision_id, year=year, number=number, round_id=round_.id,
                       proposal_id=proposal_id, title=title, resolution=resolution,
                       procedure=round_.procedure, adopted_at=adopted_at)
            for member_id, kind, comment in self.noted[round_.id]:
                self.w.add(DecisionNote, id=self.next_id("note"), decision_id=decision_id,
                           member_id=member_id, kind=kind, comment=comment)
            self.record(self.settled_at(round_, settler), None, "decision.recorded",
                        "decisions", decision_id, after={
                            "year": year, "number": number, "round_id": round_.id,
                            "title": title})

    # --- groups and meetings ------------------------------------------------------------

    def groups(self) -> None:
        w, rng, at = self.w, self.people, self.setup_at
        term_start = self.start - timedelta(days=30)
        board_user = self.users.get("styre@samraad.test")
        specs = [
            ("Styret", GroupKind.BOARD, [
                ("Bjørn Styremedlem", GroupRole.CHAIR, 1, board_user),
                *[(self.name(), GroupRole.DEPUTY_CHAIR if i == 0 else GroupRole.MEMBER,
                   m, None) for i, m in enumerate(self.member_ids[1:7])],
                *[(self.name(), GroupRole.DEPUTY, m, None) for m in self.member_ids[7:10]],
                ("Ingrid Sekretær", GroupRole.SECRETARY, None, None)]),
            # The council: one seat for each member, held by its representative.
            ("Representantskapet", GroupKind.COUNCIL, [
                *[(self.user_name[self.rep_user[m]],
                   GroupRole.CHAIR if i == 0 else GroupRole.MEMBER, m, self.rep_user[m])
                  for i, m in enumerate(self.member_ids)],
                ("Ola Rådgiver", GroupRole.SECRETARY, None, None)]),
            ("Administrativ koordineringsgruppe", GroupKind.COORDINATION, [
                *[(self.name(), GroupRole.CHAIR if i == 0 else GroupRole.MEMBER, m, None)
                  for i, m in enumerate(self.member_ids[:12])],
                ("Ola Rådgiver", GroupRole.SECRETARY, None, None)]),
            *[(name, GroupKind.EXPERT, [
                *[(self.name(), GroupRole.CHAIR if i == 0 else GroupRole.MEMBER, m, None)
                  for i, m in enumerate(rng.sample(self.member_ids,
                                                   min(8, len(self.member_ids))))],
                (self.name(), GroupRole.OBSERVER, None, None),
                ("Marte Utreder", GroupRole.SECRETARY, None, None)])
              for name in ("Faggruppe for næringssamarbeid", "Faggruppe for areal og transport",
                           "Faggruppe for klima og miljø")],
        ]
        self.groups_ = []
        for name, kind, seats in specs:
            group_id = self.next_id("group")
            w.add(Group, id=group_id, name=name, kind=kind, active=True, created_at=at,
                  updated_at=at)
            self.record(at, None, "group.created", "groups", group_id,
                        after={"name": name, "kind": kind.value})
            rows = []
            for person, role, member_id, user_id in seats:
                seat_id = self.next_id("seat")
                w.add(GroupMembership, id=seat_id, group_id=group_id, person_name=person,
                      user_id=user_id, member_id=member_id, role=role, term_start=term_start,
                      term_end=None, created_at=at, updated_at=at)
                self.record(at, None, "group.membership_added", "group_memberships", seat_id,
                            after={"group_id": group_id, "person_name": person,
                                   "role": role.value, "term_start": term_start.isoformat(),
                                   "term_end": None, "user_id": user_id})
                rows.append((seat_id, person, role, member_id, user_id))
            self.groups_.append((group_id, name, kind, rows))

    def meetings(self) -> None:
        for group_id, name, kind, seats in self.groups_:
            self.group_meetings(group_id, name, kind, seats)

    def group_meetings(self, group_id: int, name: str, kind: GroupKind, seats) -> None:
        """Ten meetings a year: the minutes of each approved by the next, the last one
        held with its minutes in draft, the next with its notice out, one planned."""
        rng, w, sec = self.stream(f"group:{group_id}"), self.w, self.sec
        step = 365.25 / MEETINGS_PER_YEAR
        first = self.start + timedelta(days=rng.randint(3, 20))
        days: list[date] = []
        while True:
            day = first + timedelta(days=round(step * len(days)))
            while day.weekday() >= 5:
                day += timedelta(days=1)
            days.append(day)
            if self.at_day(day, 10) > self.moment and len(
                    [d for d in days if self.at_day(d, 10) > self.moment]) == 2:
                break
        starts_of = [self.at_day(day, 10) for day in days]
        recipients = [s[4] for s in seats if s[4] is not None]
        expected = [s for s in seats if s[2] in (GroupRole.CHAIR, GroupRole.DEPUTY_CHAIR,
                                                 GroupRole.MEMBER, GroupRole.SECRETARY)]
        body = name if kind in (GroupKind.BOARD, GroupKind.COUNCIL) else "Gruppen"
        place, video = "Oslo rådhus, møterom 3", "https://meet.example.org/osloregionen"
        previous: int | None = None
        for index, starts in enumerate(starts_of):
            ends = starts + timedelta(hours=3)
            meeting_id = self.next_id("meeting")
            created = starts - timedelta(days=21)
            published = starts - timedelta(days=14)
            notice = published <= self.moment
            held = ends <= self.moment
            following = starts_of[index + 1] + timedelta(hours=3, minutes=30) \
                if index + 1 < len(starts_of) else None
            approved = held and following is not None and following <= self.moment
            state = (MeetingState.MINUTES_APPROVED if approved else
                     MeetingState.MINUTES_DRAFTED if held else
                     MeetingState.NOTICE_PUBLISHED if notice else MeetingState.PLANNED)
            w.add(Meeting, id=meeting_id, group_id=group_id, starts_at=starts, ends_at=ends,
                  place=place, video_url=video, state=state,
                  notice_revision=1 if notice else 0,
                  notice_published_at=published if notice else None,
                  minutes_approved_at=following if approved else None,
                  minutes_approved_by_id=sec if approved else None,
                  minutes_approved_by_chair=False if approved else None, created_at=created,
                  lock_version=1 + notice + 2 * held + approved)
            self.record(created, sec, "meeting.planned", "meetings", meeting_id, after={
                "group_id": group_id, "starts_at": starts.isoformat(),
                "ends_at": ends.isoformat(), "place": place, "video_url": video})
            # The agenda: approving the notice and the last minutes, the cases, reports,
            # any other business.
            items = [(ItemKind.APPROVE_NOTICE, "Godkjenning av innkalling og saksliste",
                      None, None)]
            if previous is not None:
                items.append((ItemKind.APPROVE_MINUTES, "Godkjenning av protokoll fra møte "
                              + oslo(starts_of[index - 1]).strftime("%d.%m.%Y"), None,
                              previous))
            if kind == GroupKind.BOARD:
                items += [(ItemKind.DECISION, title, proposal_id, None)
                          for proposal_id, title in self.cases_for(meeting_id, created, 4)]
            while len(items) < ITEMS_PER_MEETING - 2:
                item_kind = rng.choice([ItemKind.DECISION, ItemKind.DISCUSSION,
                                        ItemKind.ORIENTATION, ItemKind.ORIENTATION])
                items.append((item_kind, rng.choice(ITEM_TITLES[item_kind]), None, None))
            items.append((ItemKind.REFERENCE, "Referatsaker", None, None))
            items.append((ItemKind.OTHER_BUSINESS, "Eventuelt", None, None))
            year = oslo(starts).year
            approving_item = None
            for position, (item_kind, title, proposal_id, approves) in enumerate(items, 1):
                item_id = self.next_id("item")
                if item_kind == ItemKind.APPROVE_MINUTES:
                    approving_item = item_id
                default = item_kind in (ItemKind.APPROVE_NOTICE, ItemKind.APPROVE_MINUTES,
                                        ItemKind.OTHER_BUSINESS)
                exempt = ("Unntatt offentlighet, offl. § 23 første ledd"
                          if item_kind == ItemKind.DECISION and rng.random() < 0.03 else "")
                background = "" if default else "Saken legges fram for drøfting."
                officer = "" if default else rng.choice(CASE_OFFICERS)
                resolution = self.resolutions.get(proposal_id, "") if proposal_id else ""
                decision_text = _decision_text(item_kind, body)
                w.add(AgendaItem, id=item_id, meeting_id=meeting_id, group_id=group_id,
                      position=position, kind=item_kind, title=title,
                      year=year if notice else None,
                      number=self.number(f"agenda-item:{group_id}", year) if notice else None,
                      proposal_id=proposal_id, approves_meeting_id=approves,
                      case_officer=officer, proposed_resolution=resolution,
                      background=background, exempt_basis=exempt, removed=False,
                      notes="Saken ble drøftet." if held else "",
                      decision_text=decision_text if held else "",
                      lock_version=2 if held else 1)
                if not default:
                    self.record(created + timedelta(minutes=position), sec,
                                "agenda.item_added", "agenda_items", item_id, after={
                                    "meeting_id": meeting_id, "position": position,
                                    "year": None, "number": None, "title": title,
                                    "kind": item_kind.value, "case_officer": officer,
                                    "proposed_resolution": resolution,
                                    "background": background, "exempt_basis": exempt,
                                    "proposal_id": proposal_id})
                if held and proposal_id is not None:
                    self.prefill(item_id, proposal_id, starts)
                if held:
                    saved = ends + timedelta(minutes=10 + position)
                    self.record(saved, sec, "minutes.item_saved", "agenda_items", item_id,
                                before={"notes": "", "decision_text": ""},
                                after={"notes": "Saken ble drøftet.",
                                       "decision_text": decision_text})
                    if position == 1:
                        self.record(saved, sec, "minutes.drafted", "meetings", meeting_id,
                                    before={"state": "held"},
                                    after={"state": "minutes_drafted"})
            if notice:
                self.record(published, sec, "meeting.notice_published", "meetings",
                            meeting_id, before={"state": "planned", "notice_revision": 0},
                            after={"state": "notice_published", "notice_revision": 1})
                self.notify(published, NotificationKind.NOTICE, recipients,
                            f"notice:{meeting_id}:1", meeting_id=meeting_id,
                            params={"revision": 1})
            if held:
                for seat_id, person, _role, _member, _user in expected:
                    status = AttendanceStatus.APOLOGIES if self.people.random() < 0.06 \
                        else AttendanceStatus.PRESENT
                    w.add(Attendance, id=self.next_id("attendance"), meeting_id=meeting_id,
                          person_name=person, membership_id=seat_id, status=status,
                          stands_in_for="", note="")
                self.record(ends, sec, "meeting.held", "meetings", meeting_id,
                            before={"state": "notice_published"}, after={"state": "held"})
                if previous is not None:  # this meeting approved the last one's minutes
                    at = ends + timedelta(minutes=30)
                    self.record(at, sec, "minutes.approved", "meetings", previous,
                                before={"state": "minutes_drafted"},
                                after={"state": "minutes_approved",
                                       "minutes_approved_by_chair": False,
                                       "by_item": approving_item, "sha256": None})
                    self.notify(at, NotificationKind.MINUTES_APPROVED, recipients,
                                f"minutes:{previous}", meeting_id=previous)
            previous = meeting_id

    def cases_for(self, meeting_id: int, before: datetime,
                  count: int) -> list[tuple[int, str]]:
        """Proposals circulated in the two months before an agenda was made."""
        since = before - timedelta(days=60)
        found = [(pid, title) for first, pid, title, _r, status in self.circulated
                 if since <= first < before and status != ProposalStatus.WITHDRAWN]
        return self.stream(f"cases:{meeting_id}").sample(found, min(count, len(found)))

    def prefill(self, item_id: int, proposal_id: int, starts: datetime) -> None:
        """Protocol entries from the reservations and stand-asides of the proposal's
        latest round, as mark_held makes them."""
        rounds = [r for r, opened in self.proposal_rounds.get(proposal_id, []) if opened < starts]
        if not rounds:
            return
        for member_id, kind, comment in self.noted.get(rounds[-1], []):
            self.w.add(ProtocolEntry, id=self.next_id("entry"), item_id=item_id,
                       kind=EntryKind.RESERVATION if kind == PositionKind.RESERVATION
                       else EntryKind.STAND_ASIDE, member_id=member_id, text=comment or "")

    # --- the audit chain, notifications, counters ---------------------------------------

    def write_audit(self) -> None:
        """The entries in the order they happened, each chained to the one before (as
        audit.chain does at each commit)."""
        self.audit.sort(key=lambda e: (e[0], e[1]))
        prev = GENESIS
        entry_id = 0
        for at, _seq, actor_id, act, object_type, object_id, before, after in self.audit:
            entry_id += 1
            content = {"at": at, "actor_id": actor_id, "act": act, "object_type": object_type,
                       "object_id": object_id, "before": before, "after": after}
            digest = entry_hash(prev, content)
            self.w.add(AuditEntry, id=entry_id, prev_hash=prev, hash=digest, **content)
            prev = digest
        self.w.flush()
        # The head (the migration that made the chain wrote an empty one).
        self.w.conn.execute(AuditChain.__table__.delete())
        self.w.add(AuditChain, id=HEAD_ID, last_entry_id=entry_id or None, hash=prev)

    def write_notifications(self) -> None:
        """The history's notifications: never emailed (as the demo's), read when older
        than three days."""
        self.notes.sort(key=lambda n: (n[0], n[1]))
        read_before = self.moment - timedelta(days=3)
        for i, (at, _seq, key, user_id, kind, round_id, meeting_id, params) in \
                enumerate(self.notes, 1):
            self.w.add(Notification, id=i, key=key, user_id=user_id, kind=kind,
                       round_id=round_id, meeting_id=meeting_id, params=params,
                       created_at=at,
                       read_at=at + timedelta(hours=5) if at < read_before else None,
                       email_state=EmailState.NOT_SENT, email_id=None)

    def write_counters(self) -> None:
        for (name, year), value in sorted(self.counters.items()):
            self.w.add(Counter, name=name, year=year, value=value)


def _decision_text(kind: ItemKind, body: str) -> str:
    return {
        ItemKind.APPROVE_NOTICE: "Innkalling og saksliste godkjennes.",
        ItemKind.APPROVE_MINUTES: "Protokollen godkjennes.",
        ItemKind.ORIENTATION: "Orienteringen tas til orientering.",
        ItemKind.REFERENCE: "Referatsakene tas til orientering.",
        ItemKind.OTHER_BUSINESS: "Ingen saker under eventuelt.",
        ItemKind.DISCUSSION: "Saken ble drøftet. Sekretariatet følger opp innspillene.",
    }.get(kind, f"{body} slutter seg til forslaget.")


# --- Entry points ---------------------------------------------------------------------

CORE_TABLES = (Member, User, Proposal, Meeting, AuditEntry)


def has_data() -> bool:
    return any(db.session.scalar(select(model.id).limit(1)) is not None
               for model in CORE_TABLES)


def empty_database() -> None:
    """Every row of every table goes (the schema and its revision stay)."""
    db.session.close()  # its reads would hold locks that TRUNCATE waits for
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(t.name for t in tables)
                              + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@dataclass
class Result:
    counts: dict[str, int]
    timings: list[tuple[str, float]]
    logins: dict[str, str]


def generate(members: int, years: int, seed: int = SEED,
             log: Callable[[str], None] = lambda _message: None) -> Result:
    """Write `years` of history for `members` members into the (empty) database, in one
    transaction. Returns the row counts, the time each step took and the logins."""
    if members < 2 or years < 1:
        raise ValueError("at least 2 members and 1 year")
    timings: list[tuple[str, float]] = []
    started = last = timer.perf_counter()

    def step(name: str) -> None:
        nonlocal last
        moment = timer.perf_counter()
        timings.append((name, moment - last))
        log(f"  {name:<32} {moment - last:7.1f} s")
        last = moment

    db.session.close()
    with db.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            # A large page cache for this connection: the indexes of tables of a million
            # rows are updated in memory rather than page by page through the WAL.
            conn.exec_driver_sql("PRAGMA cache_size=-1000000")
        else:
            # The foreign-key check of each row copied in runs a plan the server keeps;
            # the app's connections have every plan made anew (decisions/connections.py:
            # plan_cache_mode), which made writing the scale data half as slow again.
            conn.exec_driver_sql("SET LOCAL plan_cache_mode = auto")
        writer = Writer(conn)
        history = History(writer, members, years, seed, log)
        history.setup()
        step("members, areas, users")
        history.proposals()
        writer.flush()
        step("proposals, rounds, positions")
        history.write_decisions()
        writer.flush()
        step("decisions")
        history.resolutions = {pid: resolution for _f, pid, _t, resolution, _s
                               in history.circulated}
        history.groups()
        history.meetings()
        writer.flush()
        step("groups, meetings, minutes")
        history.write_notifications()
        writer.flush()
        step("notifications")
        history.write_counters()
        history.write_audit()
        writer.flush()
        step("audit trail (hash chain)")
        rebuild_search_index(conn)  # the rows above were written without the ORM
        step("search index")
        if conn.dialect.name == "postgresql":
            _reset_sequences(conn)
            conn.execute(text("ANALYZE"))
        else:
            conn.exec_driver_sql("PRAGMA cache_size=-2000")  # SQLite's default again
        step("sequences, statistics")
    timings.append(("total", timer.perf_counter() - started))
    logins = {
        "secretariat": "sekretariat@samraad.test",
        "board": "styre@samraad.test",
        "admin": "admin@samraad.test",
        "representative": REP_EMAIL.format(member_id="<member id>")
        + f" (1 = {history.member_name[1]} … {len(history.member_ids)})",
        "password": DEMO_PASSWORD,
    }
    return Result(dict(sorted(writer.counts.items())), timings, logins)


def _reset_sequences(conn: Connection) -> None:
    """Rows were written with their ids; the sequences must continue after them."""
    for table in db.metadata.sorted_tables:
        column = table.c.get("id")
        if column is None or not column.primary_key or len(table.primary_key.columns) != 1:
            continue
        name = table.name  # from our own metadata
        conn.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608
            f"coalesce(max(id), 1), max(id) IS NOT NULL) FROM \"{name}\""))


def row_counts() -> dict[str, int]:
    return {t.name: db.session.scalar(select(func.count()).select_from(t))
            for t in db.metadata.sorted_tables}
