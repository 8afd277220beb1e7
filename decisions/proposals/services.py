"""Every act on proposals, rounds and positions. The only code that writes them.

Each function checks permission and rules (raising a DomainError), writes its
audit entry and flushes; the request commits once.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from decisions.accounts.models import User
from decisions.audit.services import record, snapshot
from decisions.clock import now, oslo
from decisions.errors import Conflict, DomainError, NotAllowed
from decisions.extensions import db
from decisions.members.models import Member
from decisions.numbering import next_number
from decisions.permissions import can
from decisions.proposals import queries
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
from decisions.proposals.rules import (
    DEFAULT_REMINDER_HOURS,
    MAX_REMINDER_HOURS,
    Answer,
    RoundState,
    allowed_kinds,
    raises_objection,
    remind_at,
    reminder_hours_valid,
)
from decisions.register.services import record_decision
from decisions.signals import (
    objection_answered,
    objection_registered,
    objection_replied,
    reminder_due,
    round_closed,
    round_opened,
)

TEXT_FIELDS = ("title", "background", "resolution")
MAX_ROUND_LENGTH = timedelta(days=366)  # a later deadline is a typo, not a plan


def _require(user: User, action: str, obj=None, *, kind: str | None = None) -> None:
    if not can(user, action, obj, kind=kind):
        raise NotAllowed(_l("You are not allowed to do this."))


def _lock(model, id_: int):
    """Re-read a row with a lock (FOR UPDATE on PostgreSQL; SQLite writes are
    serialized by BEGIN IMMEDIATE), so concurrent acts on it queue."""
    return db.session.execute(
        select(model).where(model.id == id_).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


AREA_FIELDS = ("name_nb", "name_en", "strategy", "active")


def _area_names(name_nb: str, name_en: str, *, other_than: int | None = None
                ) -> tuple[str, str]:
    name_nb, name_en = name_nb.strip(), name_en.strip() or name_nb.strip()
    if not name_nb or len(name_nb) > 120 or len(name_en) > 120:
        raise DomainError(_l("An area needs a name of at most 120 characters."),
                          field="name_nb")
    same = select(Area.id).where(func.lower(Area.name_nb) == name_nb.lower())
    if other_than is not None:
        same = same.where(Area.id != other_than)
    if db.session.scalar(same):
        raise DomainError(_l("That area exists already."), field="name_nb")
    return name_nb, name_en


def create_area(actor: User | None, *, name_nb: str, name_en: str,
                strategy: bool = False) -> Area:
    """An area of operation of the alliance, or a strategy area, named in both
    languages. `actor` None: the command line."""
    if actor is not None:
        _require(actor, "create", kind="area")
    name_nb, name_en = _area_names(name_nb, name_en)
    area = Area(name_nb=name_nb, name_en=name_en, strategy=strategy, active=True)
    db.session.add(area)
    db.session.flush()
    record(actor, "area.created", area, after=snapshot(area, *AREA_FIELDS))
    return area


def edit_area(actor: User | None, area: Area, *, name_nb: str, name_en: str,
              strategy: bool, lock_version: int | None = None) -> None:
    """Rename an area, or make it a strategy area or an area of operation: its
    proposals go with it. `lock_version`: the version the form was made from."""
    if actor is not None:
        _require(actor, "edit", area)
    area = _lock(Area, area.id)
    if lock_version is not None and lock_version != area.lock_version:
        raise Conflict(_l("Someone else changed this area while you were editing it. "
                          "Open it again to see the change."))
    name_nb, name_en = _area_names(name_nb, name_en, other_than=area.id)
    before = snapshot(area, *AREA_FIELDS)
    area.name_nb, area.name_en, area.strategy = name_nb, name_en, strategy
    if snapshot(area, *AREA_FIELDS) == before:
        return
    db.session.flush()
    record(actor, "area.edited", area, before=before, after=snapshot(area, *AREA_FIELDS))


def set_area_active(actor: User | None, area: Area, active: bool) -> None:
    """Deactivate an area (no new proposal is filed under it; its proposals keep it),
    or take it into use again."""
    if actor is not None:
        _require(actor, "edit", area)
    area = _lock(Area, area.id)
    if area.active == active:
        raise DomainError(_l("The area is already in use.") if active
                          else _l("The area is already deactivated."))
    area.active = active
    db.session.flush()
    record(actor, "area.reactivated" if active else "area.deactivated", area,
           before={"active": not active}, after={"active": active})


def _check_area(area: Area, proposal: Proposal | None = None) -> None:
    """A new proposal goes under an area in use; a draft keeps the area it has."""
    if area is None or (not area.active and (proposal is None or proposal.area_id != area.id)):
        raise DomainError(_l("Choose an area in use."), field="area")


def create_proposal(actor: User, *, title: str, area: Area, background: str,
                    resolution: str) -> Proposal:
    _require(actor, "create", kind="proposal")
    _check_area(area)
    moment = now()
    proposal = Proposal(title=title, area=area, background=background, resolution=resolution,
                        status=ProposalStatus.DRAFT, created_by=actor, created_at=moment,
                        updated_at=moment)
    db.session.add(proposal)
    db.session.flush()
    record(actor, "proposal.created", proposal,
           after=snapshot(proposal, *TEXT_FIELDS, "area_id"))
    return proposal


def edit_draft(actor: User, proposal: Proposal, *, title: str, area: Area, background: str,
               resolution: str, lock_version: int) -> None:
    _require(actor, "edit", proposal)
    if proposal.status != ProposalStatus.DRAFT:
        raise DomainError(_l("Only a draft can be edited. Revise the proposal instead."))
    if lock_version != proposal.lock_version:
        raise Conflict(_l("Someone else saved this draft while you were editing it."))
    _check_area(area, proposal)
    before = snapshot(proposal, *TEXT_FIELDS, "area_id")
    proposal.title, proposal.area = title, area
    proposal.background, proposal.resolution = background, resolution
    proposal.updated_at = now()
    try:
        db.session.flush()
    except StaleDataError:  # saved by someone else between our read and our write
        raise Conflict(_l("Someone else saved this draft while you were editing it.")) from None
    record(actor, "proposal.edited", proposal, before=before,
           after=snapshot(proposal, *TEXT_FIELDS, "area_id"))


def _freeze_version(actor: User, proposal: Proposal) -> ProposalVersion:
    latest = proposal.versions[-1] if proposal.versions else None
    if latest is not None and all(
        getattr(latest, f) == getattr(proposal, f) for f in TEXT_FIELDS
    ):
        return latest
    version = ProposalVersion(
        proposal=proposal, number=(latest.number + 1) if latest else 1,
        title=proposal.title, background=proposal.background,
        resolution=proposal.resolution, created_by_id=actor.id, created_at=now())
    db.session.add(version)
    db.session.flush()
    # Against every earlier version: a member is shown what changed since the version it
    # answered, which may be older than the one just before.
    for earlier in proposal.versions:
        if earlier is not version:
            db.session.add(VersionDiff(old_version_id=earlier.id, new_version_id=version.id,
                                       **compare(earlier, version)))
    record(actor, "version.frozen", version, after=snapshot(version, "number", *TEXT_FIELDS))
    return version


def _check_round_settings(members: Sequence[Member], deadline: datetime,
                          procedure: Procedure, quorum_percent: int | None,
                          reminder_hours: int) -> None:
    if not members:
        raise DomainError(_l("Choose at least one member."), field="members")
    if deadline <= now():
        raise DomainError(_l("The deadline must be in the future."), field="deadline")
    if deadline > now() + MAX_ROUND_LENGTH:
        raise DomainError(_l("The deadline must be within a year."), field="deadline")
    if quorum_percent is not None and procedure == Procedure.SILENCE:
        raise DomainError(_l("A silence procedure has no quorum."), field="quorum_percent")
    if quorum_percent is not None and not 1 <= quorum_percent <= 100:
        raise DomainError(_l("The quorum is a share between 1 and 100 %."),
                          field="quorum_percent")
    if not reminder_hours_valid(reminder_hours):
        raise DomainError(_l("Enter between 0 and %(max)s hours.", max=MAX_REMINDER_HOURS),
                          field="reminder_hours")


def _lock_for_change(proposal: Proposal) -> tuple[Proposal, Round | None]:
    """Lock the proposal, then its current round (read under the proposal's lock, so
    a round opened meanwhile cannot be missed). Every act takes the proposal first
    and then a round, so concurrent acts on PostgreSQL queue instead of deadlocking."""
    proposal = _lock(Proposal, proposal.id)
    current_id = db.session.scalar(
        select(func.max(Round.id)).where(Round.proposal_id == proposal.id))
    return proposal, _lock(Round, current_id) if current_id is not None else None


def lock_round(round_: Round) -> Round:
    """Lock a round's proposal, then the round (the order of `_lock_for_change`)."""
    _lock(Proposal, round_.proposal_id)
    return _lock(Round, round_.id)


def _check_standing_objections(proposal: Proposal, members: Sequence[Member]) -> None:
    """A member whose objection stands must be in the next round: leaving it out would
    overrule the objection, which only the member can withdraw."""
    chosen = {m.id for m in members}
    left_out = [name for member_id, (name, _version) in
                queries.standing_objections(proposal.id).items() if member_id not in chosen]
    if left_out:
        raise DomainError(_l("Include the members whose objection stands: %(members)s.",
                             members=", ".join(sorted(left_out))), field="members")


def _settle_current(current: Round | None) -> RoundState | None:
    """The current round's state, recorded if it has ended; refuses when it adopted
    the text, since a decided proposal takes no further acts."""
    if current is None:
        return None
    state = settle_round(current)
    if state.outcome is not None and state.outcome.adopts:
        raise DomainError(_l("This proposal has been decided."))
    return state


def open_round(actor: User, proposal: Proposal, *, members: Sequence[Member],
               deadline: datetime, procedure: Procedure,
               quorum_percent: int | None = None,
               reminder_hours: int = DEFAULT_REMINDER_HOURS) -> Round:
    """Circulate the proposal's current text to members: freezes a version, numbers
    the case on first circulation, opens a round."""
    _require(actor, "circulate", proposal)
    proposal, current = _lock_for_change(proposal)
    if proposal.status in (ProposalStatus.DECIDED, ProposalStatus.WITHDRAWN):
        raise DomainError(_l("This proposal is closed."))
    state = _settle_current(current)
    if state is not None and state.is_open:
        raise DomainError(_l("A round is already open. Revise the proposal to change it."))
    _check_round_settings(members, deadline, procedure, quorum_percent, reminder_hours)
    _check_standing_objections(proposal, members)

    version = _freeze_version(actor, proposal)
    before = snapshot(proposal, "status", "case_year", "case_number")
    moment = now()
    if proposal.case_number is None:
        proposal.case_year = oslo(moment).year
        proposal.case_number = next_number("case", proposal.case_year)
    proposal.status = ProposalStatus.CIRCULATED
    proposal.updated_at = moment
    round_ = Round(proposal=proposal, version=version, procedure=procedure,
                   quorum_percent=quorum_percent, opened_at=moment, deadline=deadline,
                   opened_by_id=actor.id, reminder_hours=reminder_hours,
                   remind_at=remind_at(moment, deadline, reminder_hours))
    db.session.add(round_)
    db.session.flush()
    db.session.add_all(RoundMember(round_id=round_.id, member_id=m.id) for m in members)
    db.session.flush()
    record(actor, "proposal.circulated", proposal, before=before,
           after=snapshot(proposal, "status", "case_year", "case_number"))
    record(actor, "round.opened", round_, after={
        "version": version.number, "procedure": procedure, "deadline": deadline,
        "quorum_percent": quorum_percent, "members": len(members),
        "reminder_hours": reminder_hours})
    round_opened.send(round_=round_)
    return round_


def revise_proposal(actor: User, proposal: Proposal, *, title: str, background: str,
                    resolution: str, members: Sequence[Member], deadline: datetime,
                    procedure: Procedure, quorum_percent: int | None = None,
                    reminder_hours: int = DEFAULT_REMINDER_HOURS) -> Round:
    """A new version and a new round; an open round of the old text is superseded."""
    _require(actor, "revise", proposal)
    proposal, current = _lock_for_change(proposal)
    if proposal.status != ProposalStatus.CIRCULATED:
        raise DomainError(_l("Only a circulated proposal can be revised."))
    latest = proposal.versions[-1]
    if (title, background, resolution) == (latest.title, latest.background, latest.resolution):
        raise DomainError(_l("The text is the same as version %(n)s. Change it to revise.",
                             n=latest.number), field="resolution")
    _check_round_settings(members, deadline, procedure, quorum_percent, reminder_hours)
    _check_standing_objections(proposal, members)
    if _settle_current(current).is_open:
        _end_round(actor, current, Outcome.SUPERSEDED)
    before = snapshot(proposal, *TEXT_FIELDS)
    proposal.title, proposal.background, proposal.resolution = title, background, resolution
    db.session.flush()
    record(actor, "proposal.revised", proposal, before=before,
           after=snapshot(proposal, *TEXT_FIELDS))
    return open_round(actor, proposal, members=members, deadline=deadline,
                      procedure=procedure, quorum_percent=quorum_percent,
                      reminder_hours=reminder_hours)


def withdraw_proposal(actor: User, proposal: Proposal) -> None:
    _require(actor, "withdraw", proposal)
    proposal, current = _lock_for_change(proposal)
    if proposal.status in (ProposalStatus.DECIDED, ProposalStatus.WITHDRAWN):
        raise DomainError(_l("This proposal is closed."))
    state = _settle_current(current)
    if state is not None and state.is_open:
        _end_round(actor, current, Outcome.WITHDRAWN)
    _set_status(actor, proposal, ProposalStatus.WITHDRAWN, "proposal.withdrawn")


def _set_status(actor: User | None, proposal: Proposal, status: ProposalStatus,
                act: str) -> None:
    before = snapshot(proposal, "status")
    proposal.status = status
    proposal.updated_at = now()
    db.session.flush()
    record(actor, act, proposal, before=before, after=snapshot(proposal, "status"))


def _end_round(actor: User | None, round_: Round, outcome: Outcome,
               at: datetime | None = None) -> None:
    round_.outcome, round_.closed_at = outcome, at or now()
    db.session.flush()
    record(actor, "round.closed", round_,
           after={"outcome": outcome, "closed_at": round_.closed_at})
    round_closed.send(round_=round_)


def current_state(round_: Round) -> RoundState:
    return queries.states_of([round_], now())[round_.id]


def settle_round(round_: Round, actor: User | None = None) -> RoundState:
    """Record a round's outcome once the rules say it has ended; idempotent.

    Called after every position, by the first request after a deadline and by the
    sweep; pages compute the same state without it.
    """
    return _settle(round_, actor)[0]


def record_outcome(round_: Round) -> bool:
    """Settle the round; True when this call recorded its outcome (not another
    transaction before it, and not still open)."""
    return _settle(round_, None)[1]


def _settle(round_: Round, actor: User | None,
            state: RoundState | None = None) -> tuple[RoundState, bool]:
    if round_.outcome is not None:
        return RoundState(round_.outcome, round_.closed_at), False
    if state is None:
        state = current_state(round_)
    if state.is_open:
        return state, False
    round_ = lock_round(round_)
    if round_.outcome is not None:  # another transaction settled it first
        return RoundState(round_.outcome, round_.closed_at), False
    _end_round(actor, round_, state.outcome, state.closed_at)
    if state.outcome.adopts:
        _set_status(actor, round_.proposal, ProposalStatus.DECIDED, "proposal.decided")
        record_decision(round_, state.closed_at)
    return state, True


def settle_due_rounds() -> int:
    """Settle every round whose deadline has passed but whose outcome is not recorded."""
    ids = queries.due_rounds(now(), limit=None)
    due = db.session.scalars(
        select(Round).where(Round.id.in_(ids)).order_by(Round.id)).all() if ids else []
    for round_ in due:
        settle_round(round_)
    return len(due)


def register_position(actor: User, round_: Round, member: Member, *, kind: PositionKind,
                      comment: str = "", confirmed_from: Round | None = None) -> Position:
    """A member's position in a round, new or changed; the history keeps every change."""
    if not can(actor, "register_position", member):
        raise NotAllowed(_l("You can register positions only for your own member."))
    round_ = lock_round(round_)
    # Who is in the round and what each answered, once: the state before and after
    # this position is evaluated from it.
    member_ids, positions = queries.round_positions(round_.id)
    if member.id not in member_ids:
        raise DomainError(_l("%(member)s is not part of this round.", member=member.name))
    comment = (comment or "").strip()
    position = positions.get(member.id)
    if not _state_of(round_, member_ids, positions).is_open:
        if position is not None and (position.kind, position.comment) == (kind, comment):
            # A resend after a lost answer: the position it sent closed the round and
            # is recorded; saying "closed" would tell the member it was lost.
            return position
        raise DomainError(_l("This round is closed; positions can no longer be changed."))
    if kind not in allowed_kinds(round_.procedure):
        raise DomainError(_l("That position is not possible in this procedure."), field="kind")
    if kind.needs_comment and not comment:
        raise DomainError(_l("Write the reason. It is required for this position."),
                          field="comment")
    on_behalf = can(actor, "register_on_behalf", member)
    if on_behalf and member.id in queries.standing_objections(round_.proposal_id):
        # Its objection in this round, or one to an earlier version not yet answered.
        raise NotAllowed(_l("Only the objecting member can withdraw or change its objection."))
    if position is not None and (position.kind, position.comment, position.registered_by_id) == (
            kind, comment, actor.id):
        return position  # nothing changed: nothing to record
    # The same position restated by someone else is kept: who registered it is part of
    # the record (a member confirming what the secretariat registered on its behalf).
    moment = now()
    before = snapshot(position, "kind", "comment") if position else None
    if position is None:
        position = Position(round_id=round_.id, member_id=member.id)
        db.session.add(position)
    from_kind = position.kind
    position.kind, position.comment = kind, comment
    position.registered_by_id, position.on_behalf = actor.id, on_behalf
    position.registered_at = moment
    change = PositionChange(
        round_id=round_.id, member_id=member.id, from_kind=from_kind, kind=kind,
        comment=comment, registered_by_id=actor.id, on_behalf=on_behalf,
        confirmed_from_round_id=confirmed_from.id if confirmed_from else None, at=moment)
    db.session.add(change)
    _follow_objection(round_, member, kind, moment)
    db.session.flush()
    act = "position.confirmed" if confirmed_from else (
        "position.registered" if before is None else "position.changed")
    record(actor, act, position, before=before,
           after={"kind": kind, "comment": comment, "member_id": member.id,
                  "round_id": round_.id, "on_behalf": on_behalf})
    if raises_objection(change.from_kind, change.kind):
        objection_registered.send(change=change)
    positions[member.id] = position
    _settle(round_, actor, _state_of(round_, member_ids, positions))
    return position


def _state_of(round_: Round, member_ids: list[int], positions: dict[int, Position]):
    """The round's state from its members and positions as loaded (and changed) here."""
    moment = now()
    # Earlier objections only weigh once a deadline has passed (as queries.states_of).
    carried = queries.carried_objections([round_] if round_.deadline <= moment else [])
    return queries.state_of(round_, member_ids, {
        m: Answer(p.kind, p.registered_at) for m, p in positions.items()}, moment,
        carried.get(round_.id))


def confirm_previous_position(actor: User, round_: Round, member: Member) -> Position:
    """Register, in one step, the position the member took on the previous version.

    Once the member has answered this round, its answer stands: a confirm sent from a
    page loaded before that answer changes nothing (it would otherwise silently bring
    back, or drop, an objection)."""
    if not can(actor, "register_position", member):
        raise NotAllowed(_l("You can register positions only for your own member."))
    round_ = lock_round(round_)  # before looking, so an answer arriving meanwhile counts
    answered = db.session.scalar(
        select(Position).where(Position.round_id == round_.id, Position.member_id == member.id)
    )
    if answered is not None:
        return answered
    previous = queries.previous_position(round_, member.id)
    if previous is None:
        raise DomainError(_l("There is no earlier position to confirm."))
    position, earlier_round = previous
    if position.kind not in allowed_kinds(round_.procedure):
        raise DomainError(_l("That position is not possible in this procedure."), field="kind")
    return register_position(actor, round_, member, kind=position.kind,
                             comment=position.comment, confirmed_from=earlier_round)


def _open_thread(proposal_id: int, member_id: int) -> ObjectionThread | None:
    return db.session.scalar(select(ObjectionThread).where(
        ObjectionThread.proposal_id == proposal_id, ObjectionThread.member_id == member_id,
        ObjectionThread.closed_at.is_(None)))


def _follow_objection(round_: Round, member: Member, kind: PositionKind,
                      moment: datetime) -> None:
    """An objection opens the member's thread on the proposal (or goes on in the open
    one); a position that does not block withdraws the objection and closes it. Part
    of the position's act and of its audit entry."""
    thread = _open_thread(round_.proposal_id, member.id)
    if kind.blocks and thread is None:
        db.session.add(ObjectionThread(proposal_id=round_.proposal_id, member_id=member.id,
                                       opened_round_id=round_.id, opened_at=moment))
    elif not kind.blocks and thread is not None:
        thread.closed_round_id, thread.closed_at = round_.id, moment


def _write_to_objection(actor: User, round_: Round, member: Member, kind: ThreadEntryKind,
                        text: str) -> ObjectionEntry:
    """An entry in the member's open objection thread, written in the proposal's open
    round (where the objection is the member's position or is carried from an earlier
    version)."""
    round_ = lock_round(round_)  # a withdrawal meanwhile closes the thread first
    if not current_state(round_).is_open:
        raise DomainError(_l("This round is closed."))
    text = (text or "").strip()
    if not text:
        raise DomainError(_l("Write the answer.") if kind == ThreadEntryKind.ANSWER
                          else _l("Write the reply."), field="text")
    thread = _open_thread(round_.proposal_id, member.id)
    if thread is None or not queries.is_member_of(round_.id, member.id):
        raise DomainError(_l("%(member)s has no open objection in this round.",
                             member=member.name))
    entry = ObjectionEntry(thread=thread, round_id=round_.id, kind=kind, text=text,
                           author_id=actor.id, at=now())
    db.session.add(entry)
    db.session.flush()
    record(actor, "objection.answered" if kind == ThreadEntryKind.ANSWER else "objection.replied",
           entry, after={"round_id": round_.id, "member_id": member.id,
                         "thread_id": thread.id, "text": text})
    return entry


def answer_objection(actor: User, round_: Round, member: Member, text: str) -> ObjectionEntry:
    """The secretariat answers a member's objection; the member's representatives hear."""
    _require(actor, "answer_objection", round_)
    entry = _write_to_objection(actor, round_, member, ThreadEntryKind.ANSWER, text)
    objection_answered.send(entry=entry)
    return entry


def reply_to_objection(actor: User, round_: Round, member: Member,
                       text: str) -> ObjectionEntry:
    """A representative of the objecting member replies; the secretariat hears."""
    if not can(actor, "reply_to_objection", member):
        raise NotAllowed(_l("Only the objecting member can reply in its objection."))
    entry = _write_to_objection(actor, round_, member, ThreadEntryKind.REPLY, text)
    objection_replied.send(entry=entry)
    return entry


def send_reminder(round_id: int) -> int:
    """Remind the members of an open round that have not responded; once per round.
    Returns how many people were reminded (the receivers of `reminder_due` say)."""
    round_ = lock_round(db.session.get(Round, round_id))
    if round_.reminded_at is not None or not current_state(round_).is_open:
        return 0
    answered = select(Position.member_id).where(Position.round_id == round_.id)
    waiting = list(db.session.scalars(
        select(RoundMember.member_id).where(RoundMember.round_id == round_.id,
                                            RoundMember.member_id.not_in(answered))))
    told = reminder_due.send(round_=round_, member_ids=waiting)
    count = sum(result or 0 for _receiver, result in told)
    round_.reminded_at = now()
    db.session.flush()
    record(None, "round.reminded", round_, after={"members": len(waiting), "people": count})
    return count
