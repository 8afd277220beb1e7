"""The life of a meeting (decisions/meetings/rules.py): one table of the moves between
its states, the questions asked of it, and the acts that follow it.

The table is spelled out here once more, as the rules say it in words: planned ->
notice_published -> held -> minutes_drafted -> minutes_approved, cancelled from planned
or notice_published; a notice may be published again and drafted minutes drafted on."""

from datetime import UTC, datetime, timedelta
from itertools import product
from types import SimpleNamespace as Obj

import pytest
from flask_babel import force_locale

from decisions.accounts.models import Role
from decisions.errors import DomainError
from decisions.extensions import db
from decisions.meetings import acts, agenda, minutes, queries, rules
from decisions.meetings.models import ItemKind, Meeting, MeetingState

PLANNED, NOTICE = MeetingState.PLANNED, MeetingState.NOTICE_PUBLISHED
HELD, DRAFTED = MeetingState.HELD, MeetingState.MINUTES_DRAFTED
APPROVED, CANCELLED = MeetingState.MINUTES_APPROVED, MeetingState.CANCELLED

ALLOWED = {
    (PLANNED, NOTICE), (PLANNED, CANCELLED),
    (NOTICE, NOTICE), (NOTICE, HELD), (NOTICE, CANCELLED),
    (HELD, DRAFTED),
    (DRAFTED, DRAFTED), (DRAFTED, APPROVED),
}
START = datetime(2026, 5, 5, 8, tzinfo=UTC)


@pytest.mark.parametrize(("state", "to"), list(product(MeetingState, MeetingState)))
def test_a_meeting_moves_only_as_the_table_allows(state, to):
    assert rules.may_move(state, to) == ((state, to) in ALLOWED)


def test_the_table_names_every_state_and_ends_in_approved_minutes_or_cancellation():
    assert set(rules.MOVES) == set(MeetingState)
    assert [s for s in MeetingState if not rules.MOVES[s]] == [APPROVED, CANCELLED]


# What may be done in each state: (agenda open, minutes open, has minutes, may be
# cancelled, may be marked held once started, minutes approvable once drafted).
IN_STATE = {
    PLANNED: (True, False, False, True, False, False),
    NOTICE: (True, False, False, True, True, False),
    HELD: (False, True, True, False, False, False),
    DRAFTED: (False, True, True, False, False, True),
    APPROVED: (False, False, True, False, False, False),
    CANCELLED: (False, False, False, False, False, False),
}


@pytest.mark.parametrize("state", list(MeetingState))
def test_what_may_be_done_follows_from_the_state(app, state):
    meeting = Obj(id=1, state=state, starts_at=START)
    after = START + timedelta(hours=3)
    with force_locale("en"):
        answers = (rules.agenda_open(state), rules.minutes_open(state),
                   rules.has_minutes(state), rules.why_not_cancelled(meeting) is None,
                   rules.why_not_held(meeting, after) is None,
                   rules.why_not_approved_by_chair(meeting, after) is None)
        assert answers == IN_STATE[state]
        assert (rules.why_not_edited(meeting) is None) == IN_STATE[state][0]
        assert (rules.why_not_agenda_changed(meeting) is None) == IN_STATE[state][0]
        assert (rules.why_not_minutes_written(meeting) is None) == IN_STATE[state][1]


@pytest.mark.parametrize(("state", "reason"), [
    (APPROVED, "Approved minutes are final and cannot be changed."),
    (NOTICE, "Minutes are written once the meeting has been held."),
    (CANCELLED, "Minutes are written once the meeting has been held."),
])
def test_minutes_that_cannot_be_written_say_why(app, state, reason):
    with force_locale("en"):
        assert str(rules.why_not_minutes_written(Obj(state=state))) == reason


@pytest.mark.parametrize(("state", "to"), sorted(
    set(product(MeetingState, MeetingState)) - ALLOWED))
def test_the_last_guard_refuses_a_move_outside_the_table(state, to):
    meeting = Obj(state=state)
    with pytest.raises(ValueError, match="cannot become"):
        acts.move(meeting, to)
    assert meeting.state == state


# --- The acts follow the table ---------------------------------------------------------

@pytest.fixture
def sec(app, make):
    return make.user(Role.SECRETARIAT)


def _in_state(make, state: MeetingState) -> Meeting:
    meeting = make.meeting(make.group())
    meeting.state = state  # as if it had got there; the acts read only the state
    db.session.commit()
    return meeting


# act, the states it is allowed in, the rule that says why not
ACTS = {
    "change the agenda": (lambda sec, m: agenda.add_item(
        sec, m, kind=ItemKind.DECISION, title="Ny sak"),
        rules.agenda_open, rules.why_not_agenda_changed),
    "cancel": (agenda.cancel_meeting, lambda s: rules.may_move(s, CANCELLED),
               rules.why_not_cancelled),
    "write the minutes": (lambda sec, m: minutes.set_minutes_officers(
        sec, m, meeting_leader="Kari Leder", minute_taker="Per Skriver"),
        rules.minutes_open, rules.why_not_minutes_written),
}


@pytest.mark.parametrize(("act", "state"), list(product(ACTS, MeetingState)))
def test_each_act_is_allowed_exactly_in_the_states_the_rules_allow(app, make, sec, act,
                                                                    state):
    do, allowed, why_not = ACTS[act]
    meeting = _in_state(make, state)
    if allowed(state):
        do(sec, meeting)
        db.session.commit()
    else:
        with force_locale("en"):
            reason = str(why_not(meeting))
            with pytest.raises(DomainError) as refused:
                do(sec, meeting)
            assert str(refused.value.message) == reason
        db.session.rollback()
        assert db.session.get(Meeting, meeting.id).state == state
        assert len(queries.active_items(db.session.get(Meeting, meeting.id))) == 2
