"""Recording decisions in the register. Called when a round's outcome adopts its text."""

from datetime import datetime

from sqlalchemy import select

from decisions.audit.services import record, snapshot
from decisions.clock import oslo
from decisions.extensions import db
from decisions.numbering import next_number
from decisions.proposals.models import Position, PositionKind, Round
from decisions.register.models import Decision, DecisionNote

NOTED_KINDS = (PositionKind.RESERVATION, PositionKind.STAND_ASIDE)


def record_decision(round_: Round, adopted_at: datetime) -> Decision:
    year = oslo(adopted_at).year
    version = round_.version
    decision = Decision(
        year=year, number=next_number("decision", year), round_id=round_.id,
        proposal_id=round_.proposal_id, title=version.title, resolution=version.resolution,
        procedure=round_.procedure, adopted_at=adopted_at)
    db.session.add(decision)
    db.session.flush()
    notes = db.session.scalars(
        select(Position).where(Position.round_id == round_.id, Position.kind.in_(NOTED_KINDS))
        .order_by(Position.member_id)
    )
    db.session.add_all(
        DecisionNote(decision_id=decision.id, member_id=p.member_id, kind=p.kind,
                     comment=p.comment) for p in notes)
    db.session.flush()
    record(None, "decision.recorded", decision,
           after=snapshot(decision, "year", "number", "round_id", "title"))
    return decision
