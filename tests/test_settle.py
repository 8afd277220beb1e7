"""Settling on read asks the database only when a round may be due: each process keeps
the earliest deadline of the unrecorded rounds (decisions/proposals/settle.py)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from decisions.accounts.models import Role
from decisions.extensions import db
from decisions.proposals import settle
from decisions.proposals.models import Round
from decisions.register.models import Decision
from tests.counting import counting_queries


@pytest.fixture
def sec(app, make):
    return make.user(Role.SECRETARIAT)


def _asks_for_deadlines(statements: list[str]) -> bool:
    return any("FROM rounds" in s and "outcome IS NULL" in s for s in statements)


def _outcome(round_id: int):
    db.session.rollback()
    return db.session.get(Round, round_id).outcome


def test_pages_before_the_earliest_deadline_ask_nothing_about_due_rounds(
        sec, make, client):
    round_ = make.round_(sec, [make.member()], deadline=timedelta(days=7))
    make.login(client, sec)
    client.get("/proposals/")  # reads the earliest deadline once

    with counting_queries(as_a_new_process=False) as statements:
        assert client.get("/proposals/").status_code == 200
        assert client.get(f"/rounds/{round_.id}").status_code == 200

    assert statements  # the pages themselves did ask
    assert not _asks_for_deadlines(statements)


def test_the_first_page_after_the_kept_deadline_records_the_round(sec, make, clock, client):
    a = make.member()
    round_ = make.round_(sec, [a], deadline=timedelta(days=7))
    make.login(client, sec)
    client.get("/proposals/")

    clock.set(round_.deadline + timedelta(minutes=1))
    client.get("/proposals/")

    assert _outcome(round_.id) is not None
    assert db.session.scalars(select(Decision.round_id)).all() == [round_.id]


def test_a_round_opened_in_this_process_is_settled_after_its_deadline(
        sec, make, clock, client):
    make.login(client, sec)
    client.get("/proposals/")  # kept: no round is unrecorded
    assert client.application.extensions[settle.KEY].deadline is None

    round_ = make.round_(sec, [make.member()], deadline=timedelta(hours=1))
    clock.set(round_.deadline + timedelta(seconds=1))
    client.get("/proposals/")

    assert _outcome(round_.id) is not None


def test_a_round_another_process_opened_is_seen_once_the_kept_deadline_is_read_again(
        app, sec, make, clock, client):
    make.login(client, sec)
    round_ = make.round_(sec, [make.member()], deadline=timedelta(hours=1))
    clock.set(round_.deadline + timedelta(seconds=1))
    # What a process that did not see the round open holds: no round unrecorded.
    kept = settle.NextDue(None, read_at=settle.time.monotonic())
    app.extensions[settle.KEY] = kept

    client.get("/proposals/")
    assert _outcome(round_.id) is None  # within RECHECK it trusts what it read

    app.extensions[settle.KEY] = settle.NextDue(None, kept.read_at - settle.RECHECK)
    client.get("/proposals/")
    assert _outcome(round_.id) is not None
