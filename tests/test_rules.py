"""The consensus rules of DESIGN.md, as unit tests of the pure functions in rules.py."""

from datetime import UTC, datetime, timedelta

import pytest

from decisions.proposals.models import Outcome, PositionKind, Procedure
from decisions.proposals.rules import Answer, allowed_kinds, evaluate, quorum_met, tally

OPENED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DEADLINE = OPENED + timedelta(days=7)
BEFORE = DEADLINE - timedelta(days=1)
MEMBERS = (1, 2, 3)

SUPPORT = PositionKind.SUPPORT
RESERVATION = PositionKind.RESERVATION
STAND_ASIDE = PositionKind.STAND_ASIDE
OBJECT = PositionKind.OBJECT
AMENDMENT = PositionKind.AMENDMENT


def at(hours: float) -> datetime:
    return OPENED + timedelta(hours=hours)


def answers(*kinds_and_hours: tuple[PositionKind, float]) -> dict[int, Answer]:
    """Answers for members 1, 2, 3... in order, each with its time in hours after opening."""
    return {i + 1: Answer(kind, at(hours)) for i, (kind, hours) in enumerate(kinds_and_hours)}


def consent(answers_, now, *, members=MEMBERS, quorum=None, recorded=None):
    return evaluate(Procedure.CONSENT, quorum, members, answers_, DEADLINE, now, recorded)


def silence(answers_, now, *, members=MEMBERS, recorded=None):
    return evaluate(Procedure.SILENCE, None, members, answers_, DEADLINE, now, recorded)


# Consent round: early close


def test_consent_round_stays_open_while_a_member_has_not_responded():
    state = consent(answers((SUPPORT, 1), (SUPPORT, 2)), BEFORE)
    assert state.is_open
    assert state.closed_at is None


def test_consent_round_closes_early_with_consensus_when_everyone_responded_without_objection():
    state = consent(answers((SUPPORT, 1), (RESERVATION, 5), (STAND_ASIDE, 3)), at(6))
    assert state.outcome == Outcome.CONSENSUS
    assert state.closed_at == at(5)  # the moment of the last answer, not "now"


def test_consent_round_early_close_does_not_wait_for_the_clock_to_move():
    # The last answer and the evaluation happen at the same moment.
    state = consent(answers((SUPPORT, 1), (SUPPORT, 2), (SUPPORT, 3)), at(3))
    assert state.outcome == Outcome.CONSENSUS
    assert state.closed_at == at(3)


def test_consent_round_does_not_close_early_while_a_member_objects():
    state = consent(answers((SUPPORT, 1), (OBJECT, 2), (SUPPORT, 3)), BEFORE)
    assert state.is_open


def test_consent_round_closes_early_when_the_objection_is_withdrawn_last():
    # Member 2 objected, then changed to support at hour 30: that is the closing moment.
    state = consent(answers((SUPPORT, 1), (SUPPORT, 30), (SUPPORT, 3)), at(31))
    assert state.outcome == Outcome.CONSENSUS
    assert state.closed_at == at(30)


def test_consent_round_early_close_ignores_answers_of_members_outside_the_round():
    round_answers = answers((SUPPORT, 1), (SUPPORT, 2))
    round_answers[99] = Answer(SUPPORT, at(3))
    assert consent(round_answers, BEFORE).is_open
    round_answers[99] = Answer(OBJECT, at(3))
    assert consent(round_answers, BEFORE, members=(1, 2)).outcome == Outcome.CONSENSUS


# Consent round: at the deadline


def test_objection_at_the_deadline_means_no_consensus():
    state = consent(answers((SUPPORT, 1), (OBJECT, 2), (SUPPORT, 3)), DEADLINE)
    assert state.outcome == Outcome.NO_CONSENSUS
    assert state.closed_at == DEADLINE


def test_single_objection_blocks_even_when_everyone_else_supports():
    members = tuple(range(1, 65))
    all_support = {m: Answer(SUPPORT, at(1)) for m in members}
    all_support[64] = Answer(OBJECT, at(2))
    assert consent(all_support, BEFORE, members=members).is_open
    assert consent(all_support, DEADLINE, members=members).outcome == Outcome.NO_CONSENSUS


def test_consent_round_is_open_until_the_deadline_and_closed_from_it():
    partial = answers((SUPPORT, 1))
    assert consent(partial, DEADLINE - timedelta(microseconds=1)).is_open
    assert not consent(partial, DEADLINE).is_open
    assert not consent(partial, DEADLINE + timedelta(days=30)).is_open


def test_consensus_at_the_deadline_without_objection_and_without_quorum():
    state = consent(answers((SUPPORT, 1)), DEADLINE + timedelta(hours=2))
    assert state.outcome == Outcome.CONSENSUS
    assert state.closed_at == DEADLINE  # the deadline, not when somebody looked


def test_consensus_at_the_deadline_when_the_quorum_is_met():
    state = consent(answers((SUPPORT, 1), (STAND_ASIDE, 2)), DEADLINE, quorum=60)
    assert state.outcome == Outcome.CONSENSUS


def test_no_consensus_at_the_deadline_when_the_quorum_is_not_met():
    state = consent(answers((SUPPORT, 1)), DEADLINE, quorum=50)
    assert state.outcome == Outcome.NO_CONSENSUS
    assert state.closed_at == DEADLINE


def test_objection_blocks_at_the_deadline_even_with_the_quorum_met():
    state = consent(answers((SUPPORT, 1), (OBJECT, 2), (SUPPORT, 3)), DEADLINE, quorum=50)
    assert state.outcome == Outcome.NO_CONSENSUS


@pytest.mark.parametrize("kind", [RESERVATION, STAND_ASIDE])
def test_reservation_and_stand_aside_do_not_block(kind):
    assert not kind.blocks
    early = consent(answers((kind, 1), (kind, 2), (kind, 3)), at(4))
    assert early.outcome == Outcome.CONSENSUS
    late = consent(answers((kind, 1)), DEADLINE)
    assert late.outcome == Outcome.CONSENSUS


@pytest.mark.parametrize("kind", [RESERVATION, STAND_ASIDE])
def test_reservation_and_stand_aside_count_as_responses_for_the_quorum(kind):
    assert consent(answers((kind, 1), (kind, 2)), DEADLINE, quorum=66).outcome == Outcome.CONSENSUS
    assert consent(answers((kind, 1)), DEADLINE, quorum=66).outcome == Outcome.NO_CONSENSUS


def test_objection_and_amendment_block_but_other_positions_do_not():
    assert {k for k in PositionKind if k.blocks} == {OBJECT, AMENDMENT}


# Quorum


@pytest.mark.parametrize("percent, members, needed", [
    (50, 64, 32),    # exact
    (50, 65, 33),    # 32.5 rounds up
    (67, 3, 3),      # 2.01 rounds up
    (66, 3, 2),      # 1.98 rounds up to 2
    (1, 64, 1),      # 0.64 rounds up: at least one response
    (100, 64, 64),
    (33, 100, 33),
    (10, 7, 1),
])
def test_quorum_rounds_the_needed_number_of_responses_up(percent, members, needed):
    assert quorum_met(percent, members, needed)
    assert not quorum_met(percent, members, needed - 1)


@pytest.mark.parametrize("percent", [None, 0])
def test_no_quorum_is_always_met(percent):
    assert quorum_met(percent, 64, 0)


def test_quorum_is_exact_for_every_share_and_size():
    # Integer arithmetic as the reference: needed = ceil(members * percent / 100).
    for members in range(1, 130):
        for percent in range(1, 101):
            needed = -(-members * percent // 100)
            assert quorum_met(percent, members, needed), (percent, members)
            assert not quorum_met(percent, members, needed - 1), (percent, members)


# Silence procedure


def test_silence_procedure_never_closes_early_when_everyone_agrees():
    state = silence(answers((SUPPORT, 1), (SUPPORT, 2), (SUPPORT, 3)), BEFORE)
    assert state.is_open


def test_silence_procedure_is_adopted_at_the_deadline_when_silence_holds():
    state = silence({}, DEADLINE)
    assert state.outcome == Outcome.ADOPTED
    assert state.closed_at == DEADLINE


def test_silence_procedure_with_stand_aside_and_reservation_is_adopted_at_the_deadline():
    state = silence(answers((STAND_ASIDE, 1), (RESERVATION, 2)), DEADLINE + timedelta(days=1))
    assert state.outcome == Outcome.ADOPTED
    assert state.closed_at == DEADLINE


def test_silence_procedure_needs_no_responses_at_all():
    assert silence({}, DEADLINE - timedelta(seconds=1)).is_open
    assert silence({}, DEADLINE).outcome == Outcome.ADOPTED


@pytest.mark.parametrize("kind", [OBJECT, AMENDMENT])
def test_broken_silence_ends_the_procedure_at_once_as_not_adopted(kind):
    state = silence(answers((SUPPORT, 1), (kind, 10)), at(10))
    assert state.outcome == Outcome.NOT_ADOPTED
    assert state.closed_at == at(10)  # when silence was broken, not the deadline


@pytest.mark.parametrize("kind", [OBJECT, AMENDMENT])
def test_broken_silence_stays_not_adopted_after_the_deadline(kind):
    state = silence(answers((kind, 10)), DEADLINE + timedelta(days=3))
    assert state.outcome == Outcome.NOT_ADOPTED
    assert state.closed_at == at(10)


def test_silence_is_broken_at_the_first_objection_or_amendment():
    state = silence(answers((AMENDMENT, 20), (SUPPORT, 1), (OBJECT, 12)), at(21))
    assert state.outcome == Outcome.NOT_ADOPTED
    assert state.closed_at == at(12)


# Recorded outcomes


@pytest.mark.parametrize("outcome", list(Outcome))
def test_a_recorded_outcome_wins_over_the_positions_and_the_clock(outcome):
    recorded = (outcome, at(2))
    open_positions = answers((SUPPORT, 1))
    for procedure in Procedure:
        for now in (at(3), DEADLINE + timedelta(days=1)):
            state = evaluate(procedure, None, MEMBERS, open_positions, DEADLINE, now, recorded)
            assert (state.outcome, state.closed_at) == recorded


def test_a_recorded_superseded_round_is_not_reopened_by_everyone_agreeing():
    everyone = answers((SUPPORT, 1), (SUPPORT, 2), (SUPPORT, 3))
    state = consent(everyone, at(4), recorded=(Outcome.SUPERSEDED, at(0.5)))
    assert state.outcome == Outcome.SUPERSEDED


# Allowed positions


def test_amendment_is_not_a_position_in_a_consent_round():
    kinds = allowed_kinds(Procedure.CONSENT)
    assert AMENDMENT not in kinds
    assert set(kinds) == {SUPPORT, RESERVATION, STAND_ASIDE, OBJECT}


def test_amendment_breaks_silence_so_it_is_allowed_in_a_silence_procedure():
    assert AMENDMENT in allowed_kinds(Procedure.SILENCE)
    assert OBJECT in allowed_kinds(Procedure.SILENCE)


@pytest.mark.parametrize("kind, needs", [
    (SUPPORT, False), (RESERVATION, True), (STAND_ASIDE, False), (OBJECT, True),
    (AMENDMENT, True),
])
def test_a_comment_is_required_for_reservation_objection_and_amendment(kind, needs):
    assert kind.needs_comment is needs


# Tally


def test_tally_counts_positions_of_round_members_and_derives_no_response():
    round_answers = answers((SUPPORT, 1), (OBJECT, 2))
    round_answers[99] = Answer(SUPPORT, at(1))  # not in the round
    result = tally((1, 2, 3, 4), round_answers)
    assert result.counts[SUPPORT] == 1
    assert result.counts[OBJECT] == 1
    assert result.no_response == 2
    assert result.total == 4


# An objection to an earlier version stands until the member answers the new round


def test_an_objection_to_an_earlier_version_blocks_consensus_at_the_deadline():
    state = evaluate(Procedure.CONSENT, None, MEMBERS, answers((SUPPORT, 1), (SUPPORT, 2)),
                     DEADLINE, DEADLINE, carried_objections={3})

    assert state.outcome == Outcome.NO_CONSENSUS


def test_an_earlier_objection_no_longer_counts_once_the_member_answers_the_new_round():
    state = evaluate(Procedure.CONSENT, None, MEMBERS,
                     answers((SUPPORT, 1), (SUPPORT, 2), (STAND_ASIDE, 3)),
                     DEADLINE, DEADLINE, carried_objections={3})

    assert (state.outcome, state.closed_at) == (Outcome.CONSENSUS, at(3))


def test_a_new_silence_period_starts_afresh_after_broken_silence():
    state = evaluate(Procedure.SILENCE, None, MEMBERS, {}, DEADLINE, DEADLINE,
                     carried_objections={3})

    assert state.outcome == Outcome.ADOPTED
