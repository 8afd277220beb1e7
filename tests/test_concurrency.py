"""Concurrent writers: every position is kept and the round is decided exactly once."""

import threading

from sqlalchemy import func, select

from decisions.accounts.models import Role
from decisions.audit.models import AuditEntry
from decisions.extensions import db
from decisions.members.models import Member
from decisions.proposals import services
from decisions.proposals.models import Outcome, PositionChange, PositionKind, Round
from decisions.register.models import Decision


def register_all_at_once(app, registrations: list[tuple[int, int, int]],
                         kind: PositionKind = PositionKind.SUPPORT,
                         comment: str = "") -> list[Exception]:
    """Each (user id, round id, member id) registers `kind` in its own thread, all
    released at once, each in its own app and request context, as separate requests
    would. Returns the errors."""
    from decisions.accounts.models import User

    barrier = threading.Barrier(len(registrations))
    errors: list[Exception] = []

    def work(user_id: int, round_id: int, member_id: int) -> None:
        with app.app_context(), app.test_request_context(method="POST"):
            try:
                barrier.wait()
                services.register_position(db.session.get(User, user_id),
                                           db.session.get(Round, round_id),
                                           db.session.get(Member, member_id),
                                           kind=kind, comment=comment)
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - collected and asserted below
                errors.append(error)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=one) for one in registrations]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_simultaneous_positions_are_all_kept_and_the_round_is_decided_once(app, make):
    sec = make.user(Role.SECRETARIAT)
    members = make.members(16)
    reps = [make.representative(m) for m in members]
    round_ = make.round_(sec, members)
    pairs = [(rep.id, m.id) for rep, m in zip(reps, members, strict=True)]
    round_id = round_.id
    db.session.commit()

    errors = register_all_at_once(app, [(u, round_id, m) for u, m in pairs])

    assert errors == []
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(PositionChange)) == 16
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.act == "position.registered")) == 16
    assert db.session.get(Round, round_id).outcome == Outcome.CONSENSUS
    assert db.session.scalar(select(func.count()).select_from(Decision)) == 1
