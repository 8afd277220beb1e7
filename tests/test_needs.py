"""'What needs you' on the start page: per user what waits for their act, from the rules
that authorize the act, each linking to where it is done; and the page costs the same
queries however many rounds, objections and meetings there are."""

from datetime import timedelta

import pytest

from decisions.accounts.models import Role
from decisions.clock import now
from decisions.extensions import db
from decisions.meetings import agenda, minutes
from decisions.meetings import queries as meeting_queries
from decisions.meetings.models import GroupRole
from decisions.permissions import can
from decisions.proposals import queries as proposal_queries
from decisions.proposals import services
from decisions.proposals.models import PositionKind
from tests.test_board_queries import queries_for

EN = {"Accept-Language": "en"}


def needs(client) -> str:
    """The 'What needs you' section of the start page."""
    page = client.get("/", headers=EN).text
    start = page.index('id="needs-h"')
    return page[start:page.index("</section>", start)]


class Alliance:
    def __init__(self, make):
        self.sec = make.user(Role.SECRETARIAT)
        self.member, self.objector = make.member(), make.member()
        self.rep = make.representative(self.member)
        self.objector_rep = make.representative(self.objector)
        self.chair, self.board = make.user(Role.BOARD), make.user(Role.BOARD)
        self.group = make.group("Styret")
        make.seat(self.group, person_name=self.chair.name, role=GroupRole.CHAIR,
                  user_=self.chair)
        self.make = make

    def open_round(self, title: str, objection: bool = False):
        round_ = self.make.round_(self.sec, [self.member, self.objector],
                                  self.make.proposal(self.sec, title=title))
        if objection:
            self.make.position(self.objector_rep, round_, self.objector, PositionKind.OBJECT,
                               comment="Kostnadene er ikke utredet.")
        return round_

    def drafted_minutes(self, days_ago: int):
        meeting = self.make.meeting(self.group, starts_at=now() - timedelta(days=days_ago))
        item = self.make.item(self.sec, meeting, f"Sak {days_ago}")
        agenda.publish_notice(self.sec, meeting)
        minutes.mark_held(self.sec, meeting)
        minutes.save_item_minutes(self.sec, item, lock_version=item.lock_version,
                                   notes="Notater.", decision_text="Vedtatt.")
        db.session.commit()
        return meeting


@pytest.fixture
def alliance(app, make):
    return Alliance(make)


def test_a_representative_sees_the_rounds_her_member_has_not_answered_with_a_link_to_answer(
        app, client, make, alliance):
    waiting = alliance.open_round("Felles ladestrategi")
    answered = alliance.open_round("Regional sykkelplan")
    make.position(alliance.rep, answered, alliance.member, PositionKind.SUPPORT)
    make.login(client, alliance.rep)

    section = needs(client)

    assert f"/rounds/{waiting.id}/members/{alliance.member.id}/position" in section
    assert "Felles ladestrategi" in section and "Deadline" in section
    assert "Regional sykkelplan" not in section


def test_a_representative_sees_her_members_open_rounds_answered_or_not_and_no_other(
        app, client, clock, make, alliance):
    later = alliance.open_round("Felles ladestrategi")
    sooner = alliance.open_round("Regional sykkelplan")
    sooner.deadline = later.deadline - timedelta(days=1)
    answered = alliance.open_round("Felles innkjøp")
    make.position(alliance.rep, answered, alliance.member, PositionKind.SUPPORT)
    make.round_(alliance.sec, [alliance.objector],
                make.proposal(alliance.sec, title="Andres sak"))
    closed = alliance.open_round("Avsluttet sak")
    closed.closed_at = now()
    db.session.commit()
    make.login(client, alliance.rep)

    rounds = proposal_queries.member_open_rounds(alliance.member.id, now())
    page = client.get("/", headers=EN).text

    assert rounds == [(sooner, False), (later, False), (answered, True)]
    assert page.index("Regional sykkelplan") < page.index("Felles ladestrategi")
    answered_section = page[page.index('id="answered-h"'):]
    assert f"/rounds/{answered.id}\"" in answered_section
    assert "Felles innkjøp" not in needs(client)  # answered: not among those waiting
    assert "Andres sak" not in page and "Avsluttet sak" not in page
    clock.advance(days=8)  # past every deadline: none is open any more
    assert proposal_queries.member_open_rounds(alliance.member.id, now()) == []


def test_the_chair_of_the_meeting_day_sees_draft_minutes_to_approve_and_no_one_else(
        app, client, make, alliance):
    drafted = alliance.drafted_minutes(10)
    make.login(client, alliance.chair)
    assert f"/meetings/{drafted.id}/minutes" in needs(client)

    for user in (alliance.board, alliance.rep, alliance.sec):
        other = app.test_client()
        make.login(other, user)
        assert "Minutes for you to approve as chair" not in needs(other), user.role
    minutes.approve_minutes(alliance.chair, drafted)
    db.session.commit()
    assert "Minutes for you to approve as chair" not in needs(client)


def test_the_secretariat_sees_an_objection_until_it_answers_and_again_after_a_reply(
        app, client, make, alliance):
    round_ = alliance.open_round("Felles ladestrategi", objection=True)
    make.login(client, alliance.sec)
    link = f"/rounds/{round_.id}#answer-{alliance.objector.id}"
    assert link in needs(client)

    services.answer_objection(alliance.sec, round_, alliance.objector, "Utredes i mars.")
    db.session.commit()
    assert link not in needs(client)

    services.reply_to_objection(alliance.objector_rep, round_, alliance.objector,
                                "Det holder ikke.")
    db.session.commit()
    assert link in needs(client)


def test_the_secretariat_sees_meetings_without_approved_minutes(app, client, make, alliance):
    drafted = alliance.drafted_minutes(10)
    never_held = make.meeting(alliance.group, starts_at=now() - timedelta(days=3))
    coming = make.meeting(alliance.group, starts_at=now() + timedelta(days=3))
    make.login(client, alliance.sec)

    section = needs(client)

    assert f"/meetings/{drafted.id}/minutes" in section
    assert f"/meetings/{never_held.id}\"" in section and "not marked as held" in section
    assert f"/meetings/{coming.id}\"" not in section
    rep = app.test_client()
    make.login(rep, alliance.rep)
    assert "Meetings without approved minutes" not in needs(rep)


def test_rounds_past_their_deadline_not_recorded_are_listed_for_the_secretariat(
        app, clock, alliance):
    round_ = alliance.open_round("Felles ladestrategi")
    assert proposal_queries.unrecorded_rounds(now()) == []
    clock.advance(days=8)  # no settling has run
    assert proposal_queries.unrecorded_rounds(now()) == [round_]


def test_nothing_waits_says_so(app, client, make, alliance):
    make.login(client, alliance.board)
    assert "Nothing waits for you right now." in needs(client)


def test_the_draft_minutes_listed_are_the_ones_the_chair_rule_allows(app, make, alliance):
    drafted = [alliance.drafted_minutes(days) for days in (5, 20)]
    for user in (alliance.chair, alliance.board, alliance.sec):
        listed = meeting_queries.minutes_to_approve(user, now())
        assert listed == [m for m in sorted(drafted, key=lambda m: m.starts_at)
                          if can(user, "approve_as_chair", m)], user.role


def _grow(alliance, n: int) -> None:
    for i in range(n):
        alliance.open_round(f"Sak nummer {n}-{i}", objection=True)
        alliance.drafted_minutes(40 + 10 * i + n)


@pytest.mark.parametrize("role", ["sec", "rep", "chair"])
def test_the_start_page_costs_the_same_queries_for_few_and_many_rounds(
        app, client, make, alliance, role):
    _grow(alliance, 1)
    make.login(client, getattr(alliance, role))
    few = queries_for(app, client, "/")
    _grow(alliance, 6)
    many = queries_for(app, client, "/")
    assert few == many
