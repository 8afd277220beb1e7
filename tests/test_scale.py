"""Every page runs the same number of SQL queries at alliance scale (64 members) and at
national scale (372 members): nothing a page shows is loaded row by row.

Both scales are made by `decisions.demo.scale`, the generator behind `flask demo scale`, with
one year of history instead of the presets' ten, to keep this test to about a minute per
database: the member count, which is what the pages must not depend on, is the real one,
and one year already gives every page what it shows after ten (paged lists, rounds with
every member in them, 15-item agendas with linked proposals, approved minutes, hundreds of
notifications and thousands of audit entries). Each scale is first checked to be what
the app itself would have written.
"""


from datetime import timedelta

import pytest
from sqlalchemy import func, select

from decisions.accounts.models import User
from decisions.audit.chain import verify
from decisions.audit.models import AuditEntry
from decisions.clock import now
from decisions.clock import oslo_today as today
from decisions.demo import scale
from decisions.demo.data import DEMO_PASSWORD
from decisions.extensions import db
from decisions.meetings.models import Group, GroupKind, Meeting, MeetingState
from decisions.members.models import Member
from decisions.proposals import queries
from decisions.proposals.models import (
    Outcome,
    Position,
    Procedure,
    Proposal,
    ProposalStatus,
    Round,
    RoundMember,
)
from decisions.proposals.rules import evaluate
from decisions.ratification import services as ratification
from decisions.ratification.models import Body, InForce, LocalOutcome
from decisions.register.models import Decision
from tests.counting import counting_queries

pytestmark = pytest.mark.heavy  # long in all: run first (tests/conftest.py)

YEARS = 1
SEARCH = "plan"


def login(app, email: str):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 303, (email, response.text[:300])
    return client


def count(app, client, method: str, url: str, expected: int = 200, **kw) -> int:
    # A fresh app context gives the request its own session, as in production: nothing
    # an earlier request loaded stands in for a query.
    with app.app_context(), counting_queries() as statements:
        response = client.open(url, method=method, **kw)
    assert response.status_code == expected, (url, response.status_code, response.text[:300])
    return len(statements)


def open_round_and_member() -> tuple[int, int]:
    """The first open consent round, and its first member that has not answered."""
    round_id = db.session.scalar(
        select(Round.id).where(Round.outcome.is_(None), Round.procedure == Procedure.CONSENT)
        .order_by(Round.id))
    answered = select(Position.member_id).where(Position.round_id == round_id)
    member_id = db.session.scalar(
        select(Member.id).where(Member.id.not_in(answered)).order_by(Member.id))
    waiting = db.session.scalar(select(func.count()).select_from(Member)
                                .where(Member.id.not_in(answered)))
    assert waiting >= 2, "registering one position would close the round"
    return round_id, member_id


def measure(app) -> dict[str, int]:
    board_id = db.session.scalar(select(Group.id).where(Group.kind == GroupKind.BOARD))
    meeting_id = db.session.scalar(
        select(Meeting.id).where(Meeting.group_id == board_id,
                                 Meeting.state == MeetingState.MINUTES_APPROVED)
        .order_by(Meeting.starts_at.desc()))
    decided_id = db.session.scalar(
        select(Proposal.id).where(Proposal.status == ProposalStatus.DECIDED)
        .order_by(Proposal.id.desc()))
    round_id, member_id = open_round_and_member()
    ratified_id = with_ratifications(decided_id)
    db.session.commit()

    # The second page of the trail, and the page before that page's oldest entry.
    newest = select(AuditEntry.id).order_by(AuditEntry.id.desc())
    older = db.session.scalar(newest.offset(49).limit(1))
    newer = db.session.scalar(newest.offset(149).limit(1))
    secretariat = login(app, "sekretariat@samraad.test")
    board = login(app, "styre@samraad.test")
    oslo = login(app, scale.REP_EMAIL.format(member_id=1))
    member = login(app, scale.REP_EMAIL.format(member_id=member_id))
    anonymous = app.test_client()
    position = f"/rounds/{round_id}/members/{member_id}/position"
    pages = {
        "start page (secretariat)": (secretariat, "GET", "/"),
        "start page (representative)": (oslo, "GET", "/"),
        "start page (board)": (board, "GET", "/"),
        "proposal list": (secretariat, "GET", "/proposals/"),
        "proposal list, page 2": (secretariat, "GET", "/proposals/?page=2"),
        "proposal list, open (representative)": (oslo, "GET", "/proposals/?status=open"),
        "a decided proposal": (secretariat, "GET", f"/proposals/{decided_id}"),
        "round board (secretariat)": (secretariat, "GET", f"/rounds/{round_id}"),
        "round board fragment": (secretariat, "GET", f"/rounds/{round_id}/board"),
        "round board (representative)": (member, "GET", f"/rounds/{round_id}"),
        "position form": (member, "GET", position),
        "meeting page (15 items)": (secretariat, "GET", f"/meetings/{meeting_id}"),
        "meeting page (board member)": (board, "GET", f"/meetings/{meeting_id}"),
        "minutes page": (secretariat, "GET", f"/meetings/{meeting_id}/minutes"),
        "meetings list (groups)": (secretariat, "GET", "/groups/"),
        "a group's meetings": (board, "GET", f"/groups/{board_id}"),
        "decision register": (board, "GET", "/decisions/"),
        "decision register, search": (board, "GET", f"/decisions/?q={SEARCH}"),
        "search": (secretariat, "GET", f"/search?q={SEARCH}"),
        "public register": (anonymous, "GET", "/public/"),
        "public register, search": (anonymous, "GET", f"/public/?q={SEARCH}"),
        "public minutes list": (anonymous, "GET", "/public/minutes/"),
        "public minutes": (anonymous, "GET", f"/public/minutes/{meeting_id}"),
        "notifications": (oslo, "GET", "/notifications/"),
        "audit list": (secretariat, "GET", "/audit/"),
        "audit list, an older page": (secretariat, "GET", f"/audit/?after={older}"),
        "audit list, a newer page": (secretariat, "GET", f"/audit/?before={newer}"),
        "members": (board, "GET", "/members/"),
        "ratification board": (secretariat, "GET", f"/ratification/decisions/{ratified_id}"),
        "ratification board (representative)": (
            oslo, "GET", f"/ratification/decisions/{ratified_id}"),
        "public decision with ratifications": (
            anonymous, "GET", "/public/decisions/{}/{}".format(*db.session.execute(
                select(Decision.year, Decision.number)
                .where(Decision.id == ratified_id)).one())),
        "decision register, awaiting ratification": (
            board, "GET", "/decisions/?ratification=awaiting"),
    }
    counts = {name: count(app, client, method, url)
              for name, (client, method, url) in pages.items()}
    counts["registering a position"] = count(app, member, "POST", position, expected=303,
                                             data={"kind": "support", "comment": ""})
    return counts


def with_ratifications(proposal_id: int) -> int:
    """The decided proposal's decision needs its members' own adoption; every third
    member of its round has recorded a handling, in turn each outcome. Returns the
    decision's id."""
    decision = db.session.scalar(select(Decision).where(Decision.proposal_id == proposal_id))
    sec = db.session.scalar(select(User).where(User.email == "sekretariat@samraad.test"))
    day = today(now())
    ratification.set_requirement(sec, decision.proposal, body=Body.COUNCIL,
                                 deadline=day + timedelta(days=60), in_force=InForce.COUNT,
                                 required_count=10)
    outcomes = list(LocalOutcome)
    members = db.session.scalars(select(RoundMember.member_id).where(
        RoundMember.round_id == decision.round_id).order_by(RoundMember.member_id)).all()
    for n, member_id in enumerate(members[::3]):
        outcome = outcomes[n % len(outcomes)]
        ratification.record_handling(
            sec, decision, db.session.get(Member, member_id), body=Body.COUNCIL,
            meeting_date=day, case_number=f"{day.year}/{n}", outcome=outcome,
            change_text="Endret." if outcome == LocalOutcome.ADOPTED_WITH_CHANGES else "")
    return decision.id


def check_history() -> None:
    """What the generator wrote is what the app would have: every recorded outcome is
    the one the consensus rules give for the round's positions at its close (and a
    superseded or withdrawn round was still open then), decisions are numbered 1, 2, 3
    … per year in the order they were adopted, and the audit chain verifies."""
    rounds = list(db.session.scalars(select(Round).where(Round.outcome.is_not(None))))
    members = queries.member_ids_for(r.id for r in rounds)
    answers = queries.answers_for(r.id for r in rounds)
    carried = queries.carried_objections(rounds)
    for round_ in rounds:
        state = evaluate(
            round_.procedure, round_.quorum_percent, members[round_.id],
            answers.get(round_.id, {}), round_.deadline, round_.closed_at,
            carried_objections=carried.get(round_.id, {}))
        if round_.outcome in (Outcome.SUPERSEDED, Outcome.WITHDRAWN):
            assert state.is_open, (round_.id, round_.outcome, state)
        else:
            assert (state.outcome, state.closed_at) == (round_.outcome, round_.closed_at), \
                round_.id
    decisions = db.session.execute(
        select(Decision.year, Decision.number).order_by(Decision.adopted_at, Decision.id)).all()
    numbered: dict[int, int] = {}
    for year, number in decisions:
        numbered[year] = numbered.get(year, 0) + 1
        assert number == numbered[year], (year, number)
    assert verify(db.session) == []


def test_every_page_runs_the_same_queries_at_alliance_and_national_scale(app):
    app.config["WTF_CSRF_ENABLED"] = False
    counts = {}
    for name, members in (("alliance", 64), ("national", 372)):
        scale.empty_database()
        scale.generate(members, YEARS)
        check_history()
        counts[name] = measure(app)
    differences = [f"{page}: {alliance} queries with 64 members, "
                   f"{counts['national'][page]} with 372"
                   for page, alliance in counts["alliance"].items()
                   if alliance != counts["national"][page]]
    assert not differences, "\n".join(differences)
