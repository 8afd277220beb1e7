"""The audit trail is a hash chain: `flask audit verify` finds an edited, deleted or
removed-at-the-end entry; concurrent writers keep one chain; on PostgreSQL the app's
role may only read and add entries."""

import pytest
from sqlalchemy import delete, event, func, select, text, update
from sqlalchemy.orm import Session

from decisions.accounts.models import Role
from decisions.audit import chain
from decisions.audit.chain import privileges_sql, verify
from decisions.audit.models import AuditEntry
from decisions.clock import now
from decisions.database import expect_writes
from decisions.extensions import db
from decisions.proposals.models import PositionKind
from tests import world as worlds
from tests.test_concurrency import register_all_at_once


@pytest.fixture
def trail(make):
    """A world with meetings: entries of every kind of act."""
    worlds.build(make, with_meetings=True)
    db.session.commit()
    ids = db.session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)).all()
    assert len(ids) >= 50
    return ids


def test_the_chain_of_a_world_full_of_acts_verifies(app, runner, trail):
    assert verify(db.session) == []
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert f"{len(trail)} " in result.output


def test_an_edited_entry_is_found(app, runner, trail):
    target = trail[len(trail) // 2]
    db.session.execute(update(AuditEntry).where(AuditEntry.id == target)
                       .values(after={"kind": "support"}))
    db.session.commit()

    assert verify(db.session) == [f"entry {target}: its content was changed"]
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"entry {target}" in result.output


def test_an_entry_rehashed_after_editing_still_breaks_the_next_link(app, trail):
    from decisions.audit.chain import entry_hash, fields

    target = db.session.get(AuditEntry, trail[10])
    target.act = "position.withdrawn"
    target.hash = entry_hash(target.prev_hash, fields(target))  # a careful forger
    db.session.commit()

    assert verify(db.session) == [
        f"entry {trail[11]}: the entry before it is missing or changed"]


def test_a_deleted_entry_is_found_in_the_middle_and_at_the_end(app, trail):
    db.session.execute(delete(AuditEntry).where(AuditEntry.id == trail[5]))
    db.session.execute(delete(AuditEntry).where(AuditEntry.id == trail[-1]))
    db.session.commit()

    assert verify(db.session) == [
        f"entry {trail[6]}: the entry before it is missing or changed",
        f"the entries after {trail[-2]} were deleted"]


def test_an_act_committed_while_the_chain_is_read_is_not_taken_for_a_deleted_entry(
        app, trail):
    """`make bench` once reported the chain of a live PostgreSQL database broken: the
    entries and the head were read in two snapshots, and an act committed between
    them moved the head past the last entry read. Here one is committed the moment the
    entries are being read; the chain verifies, and again with the new entry."""
    committed = []

    def commit_an_act_meanwhile(conn, cursor, statement, *args):
        if committed or "FROM audit_entries" not in statement:
            return
        committed.append(True)
        with Session(db.engine) as other:
            chain.queue(other, AuditEntry(at=now(), act="test.meanwhile", object_type="tests",
                                          object_id=1))
            other.commit()

    db.session.commit()
    expect_writes(False)  # as `flask audit verify` (reads_only): SQLite's BEGIN deferred
    event.listen(db.engine, "after_cursor_execute", commit_an_act_meanwhile)
    try:
        assert verify(db.session) == []
    finally:
        event.remove(db.engine, "after_cursor_execute", commit_an_act_meanwhile)
    assert committed
    db.session.commit()  # the reading transaction ends: the entry is seen
    assert db.session.scalar(select(func.max(AuditEntry.id))) > trail[-1]
    assert verify(db.session) == []


def test_concurrent_writers_keep_one_chain(app, make):
    sec = make.user(Role.SECRETARIAT)
    members = make.members(8)
    pairs = []
    for member in members:  # a round each: the writers do not queue on one round
        rep = make.representative(member)
        pairs.append((rep.id, make.round_(sec, [member], make.proposal(sec)).id, member.id))
    db.session.commit()

    errors = register_all_at_once(app, pairs, kind=PositionKind.OBJECT, comment="Nei.")

    assert errors == []
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.act == "position.registered")) == 8
    assert verify(db.session) == []


def test_on_postgresql_the_apps_role_can_read_and_add_entries_but_never_change_them(
        app, make):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("roles and privileges are PostgreSQL's")
    make.proposal(make.user(Role.SECRETARIAT))  # a few entries
    db.session.commit()
    with db.engine.connect() as conn:
        conn.execute(text("DROP ROLE IF EXISTS samraad_app_test"))
        conn.execute(text("CREATE ROLE samraad_app_test"))
        conn.execute(text("GRANT USAGE ON SCHEMA public TO samraad_app_test"))
        for statement in privileges_sql("samraad_app_test"):
            conn.execute(text(statement))
        conn.commit()
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SET ROLE samraad_app_test"))
            assert conn.execute(text("SELECT count(*) FROM audit_entries")).scalar() > 0
            conn.execute(text(
                "INSERT INTO audit_entries (at, act, object_type, prev_hash, hash) "
                "VALUES (now(), 'test.added', 'tests', 'x', 'y')"))
            for forbidden in ("UPDATE audit_entries SET act = 'changed'",
                              "DELETE FROM audit_entries", "TRUNCATE audit_entries"):
                conn.execute(text("SAVEPOINT attempt"))
                with pytest.raises(Exception, match="permission denied"):
                    conn.execute(text(forbidden))
                conn.execute(text("ROLLBACK TO SAVEPOINT attempt"))
            conn.rollback()
    finally:
        with db.engine.connect() as conn:
            conn.execute(text("DROP OWNED BY samraad_app_test"))
            conn.execute(text("DROP ROLE samraad_app_test"))
            conn.commit()
