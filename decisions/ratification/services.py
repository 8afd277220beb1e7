"""Every act on ratification: the requirement, a member's row, the reminders and the
report-back item. The only code that writes them; each checks permission and rules,
writes its audit entry and flushes (the request commits)."""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from decisions.accounts.models import User
from decisions.audit.services import record, snapshot
from decisions.clock import now, oslo_today
from decisions.errors import Conflict, DomainError, NotAllowed
from decisions.extensions import db
from decisions.files.services import store_pdf
from decisions.markdown import render_markdown
from decisions.meetings import agenda
from decisions.meetings.models import AgendaItem, GroupKind, ItemKind, Meeting
from decisions.members.models import Member
from decisions.permissions import can
from decisions.proposals.models import Proposal, ProposalStatus
from decisions.ratification import queries, report
from decisions.ratification.models import (
    Body,
    InForce,
    LocalOutcome,
    Ratification,
    ReportBackItem,
    Requirement,
)
from decisions.ratification.rules import (
    MAX_REMIND_DAYS,
    StateKind,
    public_link,
    reminders_due,
)
from decisions.register.models import Decision
from decisions.signals import ratification_reminder_due

REQUIREMENT_FIELDS = ("body", "body_other", "deadline", "in_force", "required_count",
                      "remind_days")
ROW_FIELDS = ("body", "meeting_date", "case_number", "record_url", "outcome",
              "change_text", "pdf_filename", "pdf_sha256", "on_behalf")
REPORT_BACK_TITLE = "Oppfølging av vedtak"  # a document's words: the alliance's language
REPORT_BACK_GROUPS = (GroupKind.BOARD, GroupKind.COUNCIL)


def _lock(model, id_: int):
    return db.session.execute(
        select(model).where(model.id == id_).with_for_update()
        .execution_options(populate_existing=True)).scalar_one()


# --- The requirement ------------------------------------------------------------------

def set_requirement(actor: User, proposal: Proposal, *, body: Body, deadline: date,
                    in_force: InForce, required_count: int | None = None,
                    body_other: str = "", remind_days: int = 14,
                    lock_version: int | None = None) -> Requirement:
    """That the proposal's decision needs each member's own adoption: in which body, by
    when and what brings it into force. Set when it is circulated or on its decision;
    changed until the first member has recorded its handling. A draft may have it
    before it goes out, from the circulate form."""
    if not can(actor, "require", kind="ratification"):
        raise NotAllowed(_l("You are not allowed to do this."))
    if proposal.status == ProposalStatus.WITHDRAWN:
        raise DomainError(_l("A withdrawn proposal is decided by no one."))
    body_other = (body_other or "").strip()
    if body == Body.OTHER and not body_other:
        raise DomainError(_l("Name the body."), field="body_other")
    if in_force == InForce.COUNT and not required_count:
        raise DomainError(_l("Give how many members must adopt it."),
                          field="required_count")
    if required_count is not None and required_count < 1:
        raise DomainError(_l("Give how many members must adopt it."),
                          field="required_count")
    if not 0 <= remind_days <= MAX_REMIND_DAYS:
        raise DomainError(_l("Enter between 0 and %(max)s days.", max=MAX_REMIND_DAYS),
                          field="remind_days")
    requirement = queries.requirement_for(proposal.id)
    if requirement is not None:
        requirement = _lock(Requirement, requirement.id)
        if lock_version is not None and lock_version != requirement.lock_version:
            raise Conflict(_l("Someone else changed the ratification while you were "
                              "editing it. Open it again to see the change."))
        decision = queries.decision_for_requirement(requirement)
        if decision is not None and db.session.scalar(
                select(Ratification.id).where(Ratification.decision_id == decision.id)
                .limit(1)) is not None:
            raise DomainError(_l("Members have recorded their handling: the requirement "
                                 "can no longer be changed."))
    elif deadline <= oslo_today():
        raise DomainError(_l("The deadline must be in the future."), field="deadline")
    before = snapshot(requirement, *REQUIREMENT_FIELDS) if requirement else None
    if requirement is None:
        requirement = Requirement(proposal_id=proposal.id)
        db.session.add(requirement)
    requirement.body, requirement.body_other = body, body_other if body == Body.OTHER else ""
    requirement.deadline, requirement.in_force = deadline, in_force
    requirement.required_count = required_count if in_force == InForce.COUNT else None
    requirement.remind_days = remind_days
    requirement.set_by_id, requirement.set_at = actor.id, now()
    after = snapshot(requirement, *REQUIREMENT_FIELDS)
    if before == after:
        return requirement
    db.session.flush()
    record(actor, "ratification.required" if before is None
           else "ratification.requirement_changed", requirement, before=before,
           after={**after, "proposal_id": proposal.id})
    return requirement


def drop_requirement(actor: User, proposal: Proposal) -> None:
    """The decision needs no local adoption after all (before anyone recorded one)."""
    if not can(actor, "require", kind="ratification"):
        raise NotAllowed(_l("You are not allowed to do this."))
    requirement = queries.requirement_for(proposal.id)
    if requirement is None:
        return
    decision = queries.decision_for_requirement(requirement)
    if decision is not None and db.session.scalar(
            select(Ratification.id).where(Ratification.decision_id == decision.id)
            .limit(1)) is not None:
        raise DomainError(_l("Members have recorded their handling: the requirement "
                             "can no longer be changed."))
    record(actor, "ratification.requirement_dropped", requirement,
           before=snapshot(requirement, *REQUIREMENT_FIELDS))
    db.session.delete(requirement)
    db.session.flush()


# --- A member's handling --------------------------------------------------------------

def record_handling(actor: User, decision: Decision, member: Member, *, body: Body,
                    meeting_date: date, case_number: str, outcome: LocalOutcome,
                    record_url: str = "", change_text: str = "",
                    pdf: tuple[bytes, str] | None = None,
                    lock_version: int | None = None) -> Ratification:
    """How the member's own body handled the decision: by its representative, or by the
    secretariat on the member's written behalf (recorded as such). A later save
    corrects it (`lock_version`: the row the form was made from)."""
    existing = queries.row(decision.id, member.id)
    if not can(actor, "record", existing or Ratification(member_id=member.id)):
        raise NotAllowed(_l("You can record this only for your own member."))
    requirement = queries.requirement_for(decision.proposal_id)
    if requirement is None:
        raise DomainError(_l("This decision needs no ratification by the members."))
    if not queries.is_in_round(decision.round_id, member.id):
        raise DomainError(_l("%(member)s was not part of this decision.", member=member.name))
    case_number, record_url = (case_number or "").strip(), (record_url or "").strip()
    change_text = (change_text or "").strip()
    if not case_number or len(case_number) > 60:
        raise DomainError(_l("Give the member's case number (at most 60 characters)."),
                          field="case_number")
    if meeting_date > oslo_today():
        raise DomainError(_l("The meeting date cannot be in the future."),
                          field="meeting_date")
    if meeting_date < decision.adopted_at.date():
        raise DomainError(_l("The meeting date cannot be before the decision."),
                          field="meeting_date")
    if record_url and (len(record_url) > 500 or not public_link(record_url)):
        raise DomainError(_l("Give a web address starting with http:// or https://."),
                          field="record_url")
    if outcome == LocalOutcome.ADOPTED_WITH_CHANGES and not change_text:
        raise DomainError(_l("Write what was changed."), field="change_text")
    if outcome != LocalOutcome.ADOPTED_WITH_CHANGES:
        change_text = ""
    on_behalf = not can(actor, "speak_for", member)
    if existing is not None:
        existing = _lock(Ratification, existing.id)
        if lock_version is not None and lock_version != existing.lock_version:
            raise Conflict(_l("Someone else recorded this member's handling while you "
                              "were editing it. Open it again to see it."))
    before = snapshot(existing, *ROW_FIELDS) if existing else None
    row = existing or Ratification(decision_id=decision.id, member_id=member.id)
    if pdf is not None:
        data, filename = pdf
        name, _pages, key, digest = store_pdf(data, filename)
        row.pdf_key, row.pdf_sha256, row.pdf_filename, row.pdf_size = (
            key, digest, name, len(data))
    row.body, row.meeting_date, row.case_number = body, meeting_date, case_number
    row.record_url, row.outcome, row.change_text = record_url, outcome, change_text
    if existing is None or snapshot(row, *ROW_FIELDS[:-1]) != {
            k: v for k, v in (before or {}).items() if k != "on_behalf"}:
        row.registered_by_id, row.on_behalf, row.registered_at = actor.id, on_behalf, now()
    else:
        return row  # nothing changed: nothing to record
    if existing is None:
        db.session.add(row)
    db.session.flush()
    record(actor, "ratification.recorded" if before is None else "ratification.corrected",
           row, before=before, after={**snapshot(row, *ROW_FIELDS),
                                      "decision_id": decision.id, "member_id": member.id})
    return row


# --- Reminders ------------------------------------------------------------------------

def due_reminders(moment: datetime) -> list[tuple[int, str]]:
    """(requirement id, which) for every reminder due now."""
    return [(r.id, which) for r in queries.reminder_candidates()
            for which in reminders_due(r.deadline, r.remind_days, r.reminded_before_at,
                                       r.reminded_after_at, moment)]


def send_reminder(requirement_id: int, which: str) -> int:
    """Remind the members without a row, once for each of "before" and "after" the
    deadline, while the decision's ratification is awaited (or failed by the deadline
    alone: after it, those who have not handled it are asked to). Returns how many
    people were told."""
    requirement = _lock(Requirement, requirement_id)
    moment = now()
    if which not in reminders_due(requirement.deadline, requirement.remind_days,
                                  requirement.reminded_before_at,
                                  requirement.reminded_after_at, moment):
        return 0
    decision = queries.decision_for_requirement(requirement)
    count = waiting = 0
    if decision is not None:
        board = queries.board(decision, requirement, oslo_today(moment))
        if board.state.kind != StateKind.IN_FORCE and board.waiting:
            waiting = len(board.waiting)
            told = ratification_reminder_due.send(
                decision=decision, member_ids=[m.id for m in board.waiting], which=which)
            count = sum(result or 0 for _receiver, result in told)
    if which == "before":
        requirement.reminded_before_at = moment
    else:
        requirement.reminded_after_at = moment
    db.session.flush()
    record(None, "ratification.reminded", requirement,
           after={"which": which, "members": waiting, "people": count})
    return count


# --- Reporting back on an agenda ------------------------------------------------------

def add_report_back_item(actor: User, meeting: Meeting) -> AgendaItem:
    """An orientation item "Oppfølging av vedtak" on a meeting of the board or the
    council; its case presentation is written when the notice is published."""
    if not can(actor, "manage", meeting):
        raise NotAllowed(_l("You are not allowed to do this."))
    if meeting.group.kind not in REPORT_BACK_GROUPS:
        raise DomainError(_l("Only meetings of the board and the council report back on "
                             "decisions."))
    if db.session.scalar(select(ReportBackItem.item_id).join(
            AgendaItem, AgendaItem.id == ReportBackItem.item_id)
            .where(AgendaItem.meeting_id == meeting.id, AgendaItem.removed.is_(False))):
        raise DomainError(_l("The agenda already has this item."))
    item = agenda.add_item(actor, meeting, kind=ItemKind.ORIENTATION,
                           title=REPORT_BACK_TITLE)
    db.session.add(ReportBackItem(item_id=item.id))
    db.session.flush()
    record(actor, "ratification.report_back_added", item, after={"meeting_id": meeting.id})
    return item


def report_back_items(meeting: Meeting) -> list[AgendaItem]:
    ids = set(db.session.scalars(select(ReportBackItem.item_id).join(
        AgendaItem, AgendaItem.id == ReportBackItem.item_id)
        .where(AgendaItem.meeting_id == meeting.id)))
    return [i for i in meeting.items if i.id in ids and not i.removed]


def fill_report_back(meeting: Meeting) -> None:
    """The case presentation of the meeting's report-back items, as it stands now, put
    on the loaded items without writing (the notice freezes it; `keep_report_back`
    stores it when the notice is recorded)."""
    items = report_back_items(meeting)
    if not items:
        return
    text = report.presentation(report.sections(meeting, now()))
    for item in items:
        set_committed_value(item, "background", text)
        set_committed_value(item, "background_html", str(render_markdown(text)))


def keep_report_back(meeting: Meeting) -> None:
    """Store, with the published notice, the text it froze into the report-back items."""
    for item in report_back_items(meeting):
        db.session.execute(update(AgendaItem).where(AgendaItem.id == item.id).values(
            background=item.background, background_html=item.background_html))
        record(None, "ratification.report_back_frozen", item,
               after={"meeting_id": meeting.id, "revision": meeting.notice_revision,
                      "background": item.background})
