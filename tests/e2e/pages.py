"""Every page of the demo data, who may see it, and the GET routes that are not pages.

Used by test_accessibility.py. The list is written per endpoint, so that a test can
check without a database that every GET route of the app is either visited here or
skipped with a reason; the ids come from the demo data once it is loaded (`DemoIds`).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import url_for
from sqlalchemy import select

from decisions.accounts.models import User
from decisions.extensions import db
from decisions.followup.models import FollowupItem, FollowupStatus
from decisions.meetings.models import AgendaItem, Group, GroupMembership, Meeting, MeetingState
from decisions.members.models import Member
from decisions.proposals.models import Proposal, Round
from decisions.register.models import Decision

# The roles, and the demo user who plays each (None: not logged in).
ROLES: dict[str, str | None] = {
    "anonymous": None,
    "secretariat": "sekretariat@samraad.test",
    "representative": "oslo@samraad.test",  # Oslo's representative
    "board": "styre@samraad.test",  # chairs the board (Styret)
    "admin": "admin@samraad.test",
}
LANGUAGES = ("nb", "en")

# Who sees a page (the roles above).
SIGNED_IN = frozenset(ROLES) - {"anonymous"}
EVERYONE = frozenset(ROLES)
ANONYMOUS = frozenset({"anonymous"})
SECRETARIAT = frozenset({"secretariat"})
CHAIR = frozenset({"secretariat", "board"})  # the board's draft minutes
OWN_MEMBER = frozenset({"secretariat", "representative"})  # Oslo's position form
PEOPLE = frozenset({"secretariat", "admin"})  # people and accounts
MEMBER_MANAGERS = frozenset({"secretariat", "admin"})  # members, subregions, CSV files
SEAT_MANAGERS = frozenset({"secretariat", "admin"})  # groups and their seats

# GET routes that are not HTML pages, or are checked otherwise. A new GET route must
# be added to PAGES or here, or test_every_get_route_is_visited_or_skipped fails.
SKIPPED = {
    "static": "CSS, JavaScript and fonts, not pages",
    "main.health": "JSON for monitoring",
    "main.favicon": "the site's icon, not a page",
    "members.export_members": "CSV file, not HTML",
    "members.export_representatives": "CSV file, not HTML",
    "meetings.document": "PDF (notice, meeting pack, minutes), not HTML",
    "files.download": "PDF attachment, not HTML",
    "ratification.export": "CSV file, not HTML",
    "ratification.local_pdf": "PDF of a member's local decision, not HTML",
    "calendar.meeting": "iCalendar (.ics), not HTML",
    "calendar.feed": "iCalendar (.ics) feed, not HTML",
    "public.calendar_feed": "iCalendar (.ics) feed, not HTML",
    "public.document": "a PDF, not HTML",
    "public.meetings_download": "CSV or JSON, not HTML",
    "register.download": "CSV or JSON, not HTML",
    "papers.document": "PDF for a seat holder outside Samråd, not HTML",
    **{f"oparl.{endpoint}": "OParl JSON (tests/test_oparl.py), not HTML" for endpoint in (
        "system", "bodies", "body", "legislative_terms", "legislative_term",
        "organizations", "group", "member", "persons", "person", "membership", "meetings",
        "meeting", "location", "agenda_item", "files", "file", "papers", "paper",
        "round_consultation", "item_consultation", "ratification_consultation",
        "paper_file")},
    "oparl.file_content": "PDF (OParl File's accessUrl), not HTML",
    "oparl.file_download": "PDF (OParl File's downloadUrl), not HTML",
    "oparl.paper_file_content": "PDF (OParl File's accessUrl), not HTML",
    "oparl.paper_file_download": "PDF (OParl File's downloadUrl), not HTML",
    # The demo (development) asks no code; tests/test_totp.py covers the page.
    "accounts.second_factor": "only during a login with a code (not in the demo)",
    "followup.new_for_action": "the form of followup.new_for_decision, for an action",
}


@dataclass
class DemoIds:
    """The ids of the demo objects the pages show; plain values, read once."""

    proposals: dict[str, int]  # state -> proposal id
    rounds: dict[str, int]  # state -> round id
    oslo: int  # member id of Oslo (the representative's)
    decision: tuple[int, int]  # (year, number) of the adopted decision
    groups: dict[str, int]  # group name -> id
    board_meetings: dict[str, int]  # state -> meeting id of the board (Styret)
    board_item: int  # an agenda item of the board's next meeting (notice published)
    people: dict[str, int]  # role (of ROLES) -> id of the demo user who plays it
    area: int  # the area of the open proposal
    decision_id: int = 0  # the adopted decision (it awaits its members' ratification)

    @classmethod
    def read(cls) -> "DemoIds":
        """Ask the demo database (inside an app context)."""
        def proposal(title: str) -> Proposal:
            found = db.session.scalar(select(Proposal).where(Proposal.title == title))
            assert found is not None, f"demo proposal {title!r} is missing"
            return found

        def rounds_of(p: Proposal) -> list[int]:
            return list(db.session.scalars(
                select(Round.id).where(Round.proposal_id == p.id).order_by(Round.id)))

        decided = proposal("Felles satsing på talentattraksjon 2027")
        open_ = proposal("Regional strategi for ladeinfrastruktur")
        revised = proposal("Osloregionens konferanse 2027")
        silence = proposal("Uttalelse om statsbudsjettet 2027")
        failed = proposal("Revisjon av arealstrategien")
        draft = proposal("Felles innspill til Nasjonal transportplan 2029–2040")
        withdrawn = proposal("Felles innkjøp av kurs i klimaregnskap")
        revised_rounds = rounds_of(revised)
        assert len(revised_rounds) == 2, revised_rounds
        decision = db.session.scalar(select(Decision).where(Decision.proposal_id == decided.id))
        assert decision is not None
        oslo = db.session.scalar(select(Member.id).where(Member.name == "Oslo"))
        oslo_user = db.session.scalar(select(User).where(User.email == ROLES["representative"]))
        assert oslo_user.member_id == oslo

        groups = {g.name: g.id for g in db.session.scalars(select(Group).order_by(Group.id))}
        board = groups["Styret"]
        by_state: dict[MeetingState, list[Meeting]] = {}
        for meeting in db.session.scalars(select(Meeting).where(Meeting.group_id == board)
                                          .order_by(Meeting.starts_at)):
            by_state.setdefault(meeting.state, []).append(meeting)
        board_meetings = {
            "planned": by_state[MeetingState.PLANNED][-1].id,
            "notice_published": by_state[MeetingState.NOTICE_PUBLISHED][-1].id,
            "minutes_drafted": by_state[MeetingState.MINUTES_DRAFTED][-1].id,
            "minutes_approved": by_state[MeetingState.MINUTES_APPROVED][-1].id,
        }
        item = db.session.scalar(select(AgendaItem.id).where(
            AgendaItem.meeting_id == board_meetings["notice_published"],
            AgendaItem.proposal_id == open_.id))
        assert item is not None
        return cls(
            proposals={"draft": draft.id, "open": open_.id, "revised": revised.id,
                       "silence": silence.id, "no_consensus": failed.id,
                       "decided": decided.id, "withdrawn": withdrawn.id},
            rounds={"open": rounds_of(open_)[-1], "revised": revised_rounds[-1],
                    "superseded": revised_rounds[0], "silence": rounds_of(silence)[-1],
                    "no_consensus": rounds_of(failed)[-1], "decided": rounds_of(decided)[-1]},
            oslo=oslo, decision=(decision.year, decision.number), groups=groups,
            board_meetings=board_meetings, board_item=item, area=open_.area_id,
            decision_id=decision.id,
            people={role: db.session.scalar(select(User.id).where(User.email == email))
                    for role, email in ROLES.items() if email})


Args = dict | Callable[[DemoIds], dict]


@dataclass(frozen=True)
class PageSpec:
    name: str
    endpoint: str
    audience: frozenset[str]
    args: Args = field(default_factory=dict)
    query: str = ""
    status: int = 200
    # "submit": the page's main form sent empty (no data changes), to see its errors.
    action: str = ""


@dataclass(frozen=True)
class Page:
    """A page resolved against the demo data: a path to visit."""

    name: str
    endpoint: str
    path: str
    audience: frozenset[str]
    status: int
    action: str


def _p(key: str) -> Callable[[DemoIds], dict]:
    return lambda ids: {"id": ids.proposals[key]}


def _r(key: str) -> Callable[[DemoIds], dict]:
    return lambda ids: {"id": ids.rounds[key]}


def _m(key: str) -> Callable[[DemoIds], dict]:
    return lambda ids: {"id": ids.board_meetings[key]}


def _g(name: str) -> Callable[[DemoIds], dict]:
    return lambda ids: {"id": ids.groups[name]}


def _seat(name: str) -> Callable[[DemoIds], dict]:
    """The first seat of the group (asked when the pages are resolved)."""
    return lambda ids: {"id": db.session.scalar(
        select(GroupMembership.id).where(GroupMembership.group_id == ids.groups[name])
        .order_by(GroupMembership.id).limit(1))}


def _decision(ids: DemoIds) -> dict:
    return {"year": ids.decision[0], "number": ids.decision[1]}


def _followup(status: FollowupStatus) -> Callable[[DemoIds], dict]:
    """A demo follow-up item in `status` (asked when the pages are resolved)."""
    return lambda ids: {"id": db.session.scalar(
        select(FollowupItem.id).where(FollowupItem.status == status)
        .order_by(FollowupItem.id).limit(1))}


def _followed_decision(ids: DemoIds, *, by_id: bool = False) -> dict:
    """The demo decision with follow-up items."""
    decision = db.session.scalar(select(Decision).join(
        FollowupItem, FollowupItem.decision_id == Decision.id).limit(1))
    if by_id:
        return {"id": decision.id}
    return {"year": decision.year, "number": decision.number}


PAGES: list[PageSpec] = [
    # Not logged in.
    PageSpec("login", "accounts.login", ANONYMOUS),
    PageSpec("login, wrong password", "accounts.login", ANONYMOUS, status=401,
             action="wrong-password"),
    PageSpec("public register", "public.index", EVERYONE),
    PageSpec("public register, search", "public.index", EVERYONE, query="q=talent"),
    PageSpec("public decision", "public.decision", EVERYONE, args=_decision),
    PageSpec("public decision with follow-up", "public.decision", EVERYONE,
             args=_followed_decision),
    PageSpec("accessibility statement", "main.accessibility", EVERYONE),
    PageSpec("forgotten password", "accounts.forgot", ANONYMOUS),
    PageSpec("reset link expired", "accounts.reset", ANONYMOUS, args={"token": "expired"},
             status=410),
    PageSpec("invitation link expired", "people.accept", ANONYMOUS,
             args={"token": "expired"}, status=410),
    PageSpec("public minutes list", "public.meetings", EVERYONE),
    PageSpec("public meeting calendar", "public.calendar", EVERYONE),
    PageSpec("public minutes (board, approved)", "public.minutes", EVERYONE,
             args=_m("minutes_approved")),
    PageSpec("error 404", "public.decision", ANONYMOUS, args={"year": 1999, "number": 999},
             status=404),
    # Every signed-in role.
    PageSpec("start", "main.index", SIGNED_IN),
    PageSpec("change password", "accounts.password", SIGNED_IN),
    PageSpec("log in with a code", "accounts.code", SIGNED_IN),
    PageSpec("members", "members.index", SIGNED_IN),
    PageSpec("member (Oslo)", "members.show", SIGNED_IN, args=lambda ids: {"id": ids.oslo}),
    PageSpec("proposals", "proposals.index", SIGNED_IN),
    *[PageSpec(f"proposal ({state})", "proposals.show", SIGNED_IN, args=_p(state))
      for state in ("open", "revised", "silence", "no_consensus", "decided")],
    *[PageSpec(f"round ({state})", "proposals.round", SIGNED_IN, args=_r(state))
      for state in ("open", "revised", "superseded", "silence", "no_consensus", "decided")],
    PageSpec("round's whole history (open)", "proposals.history", SIGNED_IN, args=_r("open")),
    PageSpec("decision register", "register.index", SIGNED_IN),
    PageSpec("decision", "register.show", SIGNED_IN, args=_decision),
    PageSpec("decision with follow-up", "register.show", SIGNED_IN, args=_followed_decision),
    PageSpec("decision register, overdue follow-up", "register.index", SIGNED_IN,
             query="followup=overdue"),
    PageSpec("follow-up item (in progress)", "followup.show", SIGNED_IN,
             args=_followup(FollowupStatus.IN_PROGRESS)),
    PageSpec("follow-up item (done)", "followup.show", SIGNED_IN,
             args=_followup(FollowupStatus.DONE)),
    PageSpec("decision register, awaiting ratification", "register.index", SIGNED_IN,
             query="ratification=awaiting"),
    PageSpec("ratification board", "ratification.show", SIGNED_IN,
             args=lambda ids: {"id": ids.decision_id}),
    PageSpec("ratification, Oslo's handling", "ratification.record", OWN_MEMBER,
             args=lambda ids: {"id": ids.decision_id, "member_id": ids.oslo}),
    PageSpec("ratification, Oslo's handling, sent empty", "ratification.record", OWN_MEMBER,
             args=lambda ids: {"id": ids.decision_id, "member_id": ids.oslo},
             status=422, action="submit"),
    PageSpec("ratification requirement", "ratification.requirement", SECRETARIAT,
             args=_p("decided")),
    PageSpec("ratifications of Oslo", "ratification.member", SIGNED_IN,
             args=lambda ids: {"id": ids.oslo}),
    PageSpec("search", "search.index", SIGNED_IN, query="q=transport"),
    PageSpec("search, proposals and people", "search.index", SIGNED_IN, query="q=oslo"),
    PageSpec("search, filtered", "search.index", SIGNED_IN,
             query="q=transport&kind=decision&year=2026"),
    PageSpec("areas", "areas.index", SIGNED_IN),
    PageSpec("area", "areas.show", SIGNED_IN, args=lambda ids: {"id": ids.area}),
    PageSpec("groups", "meetings.groups", SIGNED_IN),
    *[PageSpec(f"group ({name})", "meetings.group", SIGNED_IN, args=_g(name))
      for name in ("Styret", "Representantskapet", "Administrativ koordineringsgruppe",
                   "Faggruppe for næringssamarbeid")],
    *[PageSpec(f"board meeting ({state})", "meetings.meeting", SIGNED_IN, args=_m(state))
      for state in ("notice_published", "minutes_drafted", "minutes_approved")],
    PageSpec("minutes (board, approved)", "meetings.minutes", SIGNED_IN,
             args=_m("minutes_approved")),
    PageSpec("notifications", "notifications.index", SIGNED_IN),
    PageSpec("notification settings", "notifications.settings", SIGNED_IN),
    PageSpec("calendar subscription", "calendar.settings", SIGNED_IN),
    # The chair of the board and the secretariat: draft minutes.
    PageSpec("minutes (board, draft)", "meetings.minutes", CHAIR, args=_m("minutes_drafted")),
    # Oslo's representative and the secretariat: Oslo's position form.
    PageSpec("position form (open round)", "proposals.position", OWN_MEMBER,
             args=lambda ids: {"id": ids.rounds["open"], "member_id": ids.oslo}),
    PageSpec("position form (revised round)", "proposals.position", OWN_MEMBER,
             args=lambda ids: {"id": ids.rounds["revised"], "member_id": ids.oslo}),
    # The secretariat's pages.
    PageSpec("new proposal", "proposals.new", SECRETARIAT),
    PageSpec("new proposal, sent empty", "proposals.new", SECRETARIAT, status=422,
             action="submit"),
    PageSpec("proposal (draft)", "proposals.show", SECRETARIAT, args=_p("draft")),
    # Withdrawn before it was circulated: like a draft, the secretariat's only.
    PageSpec("proposal (withdrawn draft)", "proposals.show", SECRETARIAT,
             args=_p("withdrawn")),
    PageSpec("edit draft", "proposals.edit", SECRETARIAT, args=_p("draft")),
    PageSpec("circulate draft", "proposals.circulate", SECRETARIAT, args=_p("draft")),
    PageSpec("revise proposal", "proposals.revise", SECRETARIAT, args=_p("open")),
    PageSpec("proposal attachments", "files.upload_to_proposal", SECRETARIAT, args=_p("open")),
    PageSpec("plan a meeting", "meetings.new_meeting", SECRETARIAT, args=_g("Styret")),
    PageSpec("board meeting (planned)", "meetings.meeting", SECRETARIAT, args=_m("planned")),
    PageSpec("edit meeting", "meetings.edit_meeting", SECRETARIAT, args=_m("planned")),
    PageSpec("edit agenda item", "meetings.edit_item", SECRETARIAT,
             args=lambda ids: {"id": ids.board_item}),
    PageSpec("agenda item attachments", "files.upload_to_item", SECRETARIAT,
             args=lambda ids: {"id": ids.board_item}),
    PageSpec("audit log", "audit.index", SECRETARIAT),
    PageSpec("follow-up items", "followup.index", SECRETARIAT),
    PageSpec("follow-up items, overdue", "followup.index", SECRETARIAT, query="overdue=1"),
    PageSpec("new follow-up item", "followup.new_for_decision", SECRETARIAT,
             args=lambda ids: _followed_decision(ids, by_id=True)),
    PageSpec("new follow-up item, sent empty", "followup.new_for_decision", SECRETARIAT,
             args=lambda ids: _followed_decision(ids, by_id=True), status=422,
             action="submit"),
    PageSpec("edit follow-up item", "followup.edit", SECRETARIAT,
             args=_followup(FollowupStatus.PLANNED)),
    PageSpec("review date", "followup.review", SECRETARIAT,
             args=lambda ids: _followed_decision(ids, by_id=True)),
    # The admin's and the secretariat's: people and accounts.
    PageSpec("people", "people.index", PEOPLE),
    PageSpec("people, filtered", "people.index", PEOPLE,
             query="role=representative&active=yes&last_login=never"),
    PageSpec("person (representative)", "people.show", PEOPLE,
             args=lambda ids: {"id": ids.people["representative"]}),
    PageSpec("invite a person", "people.invite", PEOPLE),
    PageSpec("invite a person, sent empty", "people.invite", PEOPLE, status=422,
             action="submit"),
    PageSpec("change a person", "people.edit", PEOPLE,
             args=lambda ids: {"id": ids.people["representative"]}),
    PageSpec("undeliverable email", "notifications.outbox", SECRETARIAT),
    PageSpec("add an area", "areas.new", SECRETARIAT),
    PageSpec("add an area, sent empty", "areas.new", SECRETARIAT, status=422,
             action="submit"),
    PageSpec("edit area", "areas.edit", SECRETARIAT, args=lambda ids: {"id": ids.area}),
    # The secretariat's and the admin's member administration.
    PageSpec("add member", "members.new", MEMBER_MANAGERS),
    PageSpec("add member, sent empty", "members.new", MEMBER_MANAGERS, status=422,
             action="submit"),
    PageSpec("edit member (Oslo)", "members.edit", MEMBER_MANAGERS,
             args=lambda ids: {"id": ids.oslo}),
    PageSpec("merge members", "members.merge", MEMBER_MANAGERS),
    PageSpec("merge members, sent empty", "members.merge", MEMBER_MANAGERS, status=422,
             action="submit"),
    PageSpec("subregions and counties", "members.places", MEMBER_MANAGERS),
    PageSpec("import members (CSV)", "members.import_file", MEMBER_MANAGERS),
    PageSpec("groups and seats", "meetings.manage_groups", SEAT_MANAGERS),
    PageSpec("new group", "meetings.new_group", SEAT_MANAGERS),
    PageSpec("edit group", "meetings.edit_group", SEAT_MANAGERS, args=_g("Styret")),
    PageSpec("new seat", "meetings.new_seat", SEAT_MANAGERS, args=_g("Styret")),
    PageSpec("edit seat", "meetings.edit_seat", SEAT_MANAGERS, args=_seat("Styret")),
    PageSpec("change the chair", "meetings.change_chair", SEAT_MANAGERS, args=_g("Styret")),
    PageSpec("new term", "meetings.change_term", SEAT_MANAGERS, args=_g("Styret")),
    # An error page once per language: the representative may not draft proposals.
    PageSpec("error 403", "proposals.new", frozenset({"representative"}), status=403),
]


@dataclass(frozen=True)
class SwapSpec:
    """An htmx swap on a page, checked again after it: `script` runs in the page and
    resolves when the swap has settled."""

    name: str
    page: str  # the PageSpec name it happens on
    endpoint: str  # the fragment route it fetches
    script: str


SWAPS: list[SwapSpec] = [
    SwapSpec("round (open), board refreshed", "round (open)", "proposals.board",
             # What the board's `every 15s` poll does, without waiting 15 s.
             """async () => {
                 const board = document.querySelector('#board[hx-get]');
                 if (!board) throw new Error('no polling board on the page');
                 board.dataset.beforeSwap = 'yes';
                 // Without the version the board shows (?v=), so that it is sent again.
                 await htmx.ajax('GET', board.getAttribute('hx-get').split('?')[0],
                                 {target: '#board', swap: 'outerHTML',
                                  headers: {'X-Samraad-Poll': '1'}});
                 await new Promise(r => setTimeout(r, 50));
                 const now = document.querySelector('#board');
                 if (!now || now.dataset.beforeSwap) throw new Error('the board was not swapped');
             }"""),
    SwapSpec("round (open), unread count refreshed", "round (open)", "notifications.count",
             """async () => {
                 const count = document.querySelector('#unread-count[hx-get]');
                 if (!count) throw new Error('no unread count on the page');
                 count.dataset.beforeSwap = 'yes';
                 await htmx.ajax('GET', count.getAttribute('hx-get'),
                                 {target: '#unread-count', swap: 'outerHTML'});
                 await new Promise(r => setTimeout(r, 50));
                 const now = document.querySelector('#unread-count');
                 if (!now || now.dataset.beforeSwap) throw new Error('the count was not swapped');
             }"""),
]


def covered_endpoints() -> set[str]:
    return {spec.endpoint for spec in PAGES} | {swap.endpoint for swap in SWAPS}


def resolve(ids: DemoIds) -> list[Page]:
    """The pages with their paths (inside a request context of the app)."""
    pages = []
    for spec in PAGES:
        args = spec.args(ids) if callable(spec.args) else spec.args
        path = url_for(spec.endpoint, **args) + (f"?{spec.query}" if spec.query else "")
        pages.append(Page(spec.name, spec.endpoint, path, spec.audience, spec.status,
                          spec.action))
    return pages
