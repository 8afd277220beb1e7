"""What a notification says: its subject, its text, where it leads, what comes with it.

One place for both the list in the app and the emails. Everything is built in the
language active when it is called: the mailer calls it under the recipient's.
"""

import base64
from dataclasses import dataclass, field
from datetime import date

from flask import url_for
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from decisions.clock import oslo
from decisions.extensions import db
from decisions.followup.models import OPEN_STATUSES, FollowupItem
from decisions.locale import format_moment
from decisions.meetings.calendar import calendar_file
from decisions.meetings.models import MeetingState
from decisions.notifications.models import Notification, NotificationKind
from decisions.proposals.forms import OUTCOME_LABELS, PROCEDURE_LABELS
from decisions.proposals.models import ObjectionEntry, Outcome, Position, PositionChange
from decisions.proposals.services import current_state
from decisions.ratification.models import Ratification, Requirement
from decisions.register.models import Decision


@dataclass
class Message:
    subject: str
    paragraphs: list[str] = field(default_factory=list)
    details: list[tuple[str, str]] = field(default_factory=list)
    quote: str = ""
    action: tuple[str, str] | None = None  # (label, absolute URL)
    attachments: list[dict[str, str]] = field(default_factory=list)


def _when(moment) -> str:
    return format_moment(moment)


def _day(moment) -> str:
    return format_date(oslo(moment).date(), "long")


def target(n: Notification) -> tuple[str, dict]:
    """The page a notification leads to, as (endpoint, values)."""
    if n.kind == NotificationKind.RATIFICATION:
        if n.user.member_id:  # straight to the form where the member's handling is recorded
            return "ratification.record", {"id": n.params["decision_id"],
                                           "member_id": n.user.member_id}
        return "ratification.show", {"id": n.params["decision_id"]}
    if n.round_id is not None:
        member_id = n.user.member_id
        if n.kind in (NotificationKind.ROUND_OPENED, NotificationKind.REMINDER) and member_id:
            # Straight to the form where the representative answers.
            return "proposals.position", {"id": n.round_id, "member_id": member_id}
        return "proposals.round", {"id": n.round_id}
    if n.kind == NotificationKind.MINUTES_READY:
        return "meetings.minutes", {"id": n.meeting_id}
    if n.kind == NotificationKind.FOLLOWUP_DUE:
        return "followup.show", {"id": n.params["item_id"]}
    return "meetings.meeting", {"id": n.meeting_id}


def link(n: Notification, *, external: bool = False) -> str:
    endpoint, values = target(n)
    return url_for(endpoint, _external=external, **values)


def still_relevant(n: Notification) -> bool:
    """Whether an email about this is still worth sending. A reminder is not, once the
    member has answered or the round has closed; an invitation to a round that has
    already closed is not; a notice that a newer revision replaced is not."""
    if n.kind in (NotificationKind.ROUND_OPENED, NotificationKind.REMINDER):
        if not current_state(n.round).is_open:
            return False
        if n.kind == NotificationKind.REMINDER and n.user.member_id is not None:
            return db.session.scalar(select(Position.id).where(
                Position.round_id == n.round_id,
                Position.member_id == n.user.member_id)) is None
    if n.kind == NotificationKind.FOLLOWUP_DUE:  # not once done or dropped, or moved
        item = db.session.get(FollowupItem, n.params["item_id"])
        return (item is not None and item.status in OPEN_STATUSES
                and item.due.isoformat() == n.params["due"])
    if n.kind == NotificationKind.RATIFICATION and n.user.member_id is not None:
        # Not once the member has recorded its handling.
        return db.session.scalar(select(Ratification.id).where(
            Ratification.decision_id == n.params["decision_id"],
            Ratification.member_id == n.user.member_id)) is None
    if n.kind == NotificationKind.MINUTES_READY:  # not once they are approved
        return n.meeting.state == MeetingState.MINUTES_DRAFTED
    if n.kind == NotificationKind.NOTICE and not n.params.get("cancelled"):
        meeting = n.meeting
        return (meeting.state != MeetingState.CANCELLED
                and n.params.get("revision") == meeting.notice_revision)
    return True


def subject(n: Notification) -> str:
    """One line saying what happened: the email's subject and the entry in the list.
    Built from what the list loads with the notification (no query per line)."""
    kind = n.kind
    if kind == NotificationKind.RATIFICATION:  # the decision's number is in the params
        if n.params.get("which") == "after":
            return _("Deadline passed: decision %(ref)s awaits your member's adoption",
                     ref=n.params["ref"])
        return _("Reminder: decision %(ref)s awaits your member's adoption",
                 ref=n.params["ref"])
    if kind in ROUND_KINDS:
        round_ = n.round
        case = {"ref": round_.proposal.case_ref, "title": round_.proposal.title}
        if kind == NotificationKind.ROUND_OPENED and round_.version.number > 1:
            return _("Revised proposal, case %(ref)s: %(title)s", **case)
        if kind == NotificationKind.ROUND_OPENED:
            return _("Case %(ref)s for your position: %(title)s", **case)
        if kind == NotificationKind.REMINDER:
            return _("Reminder: case %(ref)s closes %(deadline)s", ref=case["ref"],
                     deadline=_when(round_.deadline))
        if kind == NotificationKind.OBJECTION and n.params.get("kind") == "amendment":
            return _("%(member)s proposes an amendment to case %(ref)s: silence is broken",
                     member=n.params["member"], **case)
        if kind == NotificationKind.OBJECTION and n.params.get("kind") == "reply":
            return _("%(member)s replies on its objection to case %(ref)s",
                     member=n.params["member"], **case)
        if kind == NotificationKind.OBJECTION:
            return _("Objection from %(member)s to case %(ref)s", member=n.params["member"],
                     **case)
        if kind == NotificationKind.OBJECTION_ANSWERED:
            return _("The secretariat has answered your objection to case %(ref)s", **case)
        return _("Case %(ref)s: %(outcome)s", ref=case["ref"],
                 outcome=OUTCOME_LABELS[Outcome(n.params["outcome"])])
    if kind == NotificationKind.FOLLOWUP_DUE:
        due = format_date(date.fromisoformat(n.params["due"]), "long")
        if n.params.get("stage") == "on":
            return _("Follow-up due today (%(due)s): %(what)s", due=due,
                     what=n.params["what"])
        return _("Follow-up due %(due)s: %(what)s", due=due, what=n.params["what"])
    meeting = n.meeting
    names = {"group": meeting.group.name, "day": _day(meeting.starts_at)}
    if kind == NotificationKind.MINUTES_APPROVED:
        return _("Minutes approved: meeting of %(group)s %(day)s", **names)
    if kind == NotificationKind.MINUTES_READY:
        return _("Minutes await your approval: meeting of %(group)s %(day)s", **names)
    if n.params.get("cancelled"):
        return _("Cancelled: meeting of %(group)s %(day)s", **names)
    if n.params.get("revision", 1) > 1:
        return _("Revised notice: meeting of %(group)s %(day)s", **names)
    return _("Notice of meeting: %(group)s %(day)s", **names)


ROUND_KINDS = (NotificationKind.ROUND_OPENED, NotificationKind.REMINDER,
               NotificationKind.OBJECTION, NotificationKind.OBJECTION_ANSWERED,
               NotificationKind.ROUND_CLOSED)


def compose(n: Notification, *, with_files: bool = True) -> Message:
    """The whole email: subject, text, details, the link, and for a notice its .ics."""
    builders = {
        NotificationKind.ROUND_OPENED: _round_opened,
        NotificationKind.REMINDER: _reminder,
        NotificationKind.OBJECTION: _objection,
        NotificationKind.OBJECTION_ANSWERED: _objection_answered,
        NotificationKind.ROUND_CLOSED: _round_closed,
        NotificationKind.NOTICE: _notice,
        NotificationKind.MINUTES_APPROVED: _minutes_approved,
        NotificationKind.MINUTES_READY: _minutes_ready,
        NotificationKind.FOLLOWUP_DUE: _followup_due,
        NotificationKind.RATIFICATION: _ratification,
    }
    message = Message(subject(n))
    builders[n.kind](n, message)
    if message.action is None:
        message.action = (_("Open in Samråd"), link(n, external=True))
    if with_files and n.kind == NotificationKind.NOTICE:
        message.attachments.append(_calendar_attachment(n.meeting))
    return message


def _ratification(n: Notification, message: Message) -> None:
    decision = db.session.get(Decision, n.params["decision_id"])
    requirement = db.session.scalar(select(Requirement).where(
        Requirement.proposal_id == decision.proposal_id))
    deadline = format_date(requirement.deadline, "long") if requirement else ""
    if n.params.get("which") == "after":
        message.paragraphs = [_(
            "The deadline of %(deadline)s has passed, and %(member)s has not recorded how "
            "its own body handled the decision. Record it when it has been handled.",
            deadline=deadline, member=_member_name(n))]
    else:
        message.paragraphs = [_(
            "The decision needs %(member)s's own adoption by %(deadline)s. When your body "
            "has handled it, record the outcome, the date and your case number.",
            deadline=deadline, member=_member_name(n))]
    message.details = [(_("Decision"), f"{decision.ref} {decision.title}"),
                       (_("Deadline"), deadline)]
    message.action = (_("Record the handling"), link(n, external=True))


# --- Rounds ---------------------------------------------------------------------------

def _round_details(n: Notification) -> list[tuple[str, str]]:
    round_ = n.round
    return [(_("Case"), f"{round_.proposal.case_ref} {round_.proposal.title}"),
            (_("Procedure"), str(PROCEDURE_LABELS[round_.procedure])),
            (_("Version"), str(round_.version.number)),
            (_("Deadline"), _when(round_.deadline))]


def _member_name(n: Notification) -> str:
    return n.user.member.name if n.user.member else ""


def _round_opened(n: Notification, message: Message) -> None:
    deadline = _when(n.round.deadline)
    if n.round.version.number > 1:
        message.paragraphs = [
            _("The secretariat has revised the proposal. %(member)s is asked to answer "
              "again by %(deadline)s: confirm its earlier position in one step, or "
              "change it.", member=_member_name(n), deadline=deadline),
            _("The page shows what changed since the version you answered.")]
    else:
        message.paragraphs = [
            _("%(member)s is asked to register its position on this proposal by "
              "%(deadline)s.", member=_member_name(n), deadline=deadline)]
    message.details = _round_details(n)
    message.action = (_("Register your position"), link(n, external=True))


def _reminder(n: Notification, message: Message) -> None:
    message.paragraphs = [
        _("%(member)s has not registered its position on this proposal yet. The round "
          "closes %(deadline)s.", member=_member_name(n), deadline=_when(n.round.deadline))]
    message.details = _round_details(n)
    message.action = (_("Register your position"), link(n, external=True))


def _objection(n: Notification, message: Message) -> None:
    message.details = _round_details(n)
    if "entry_id" in n.params:  # a reply in the objection's thread
        message.paragraphs = [_("The reply:")]
        message.quote = db.session.get(ObjectionEntry, n.params["entry_id"]).text
        return
    change = db.session.get(PositionChange, n.params["change_id"])
    message.paragraphs = [_("The reason given:")]
    message.quote = change.comment


def _objection_answered(n: Notification, message: Message) -> None:
    answer = db.session.get(ObjectionEntry, n.params["answer_id"])
    message.paragraphs = [_("The objection stands until %(member)s withdraws it. The "
                            "answer:", member=_member_name(n))]
    message.details = _round_details(n)
    message.quote = answer.text


def _round_closed(n: Notification, message: Message) -> None:
    message.paragraphs = [_("The round on “%(title)s” has closed.",
                            title=n.round.proposal.title)]
    message.details = [*_round_details(n)[:3],
                       (_("Outcome"), str(OUTCOME_LABELS[Outcome(n.params["outcome"])]))]
    decision = db.session.scalar(select(Decision).where(Decision.round_id == n.round_id))
    if decision is not None:
        message.details.append((_("Decision"), decision.ref))
        message.quote = decision.resolution


# --- Meetings -------------------------------------------------------------------------

def _meeting_details(meeting) -> list[tuple[str, str]]:
    details = [(_("Group"), meeting.group.name), (_("Time"), _when(meeting.starts_at))]
    if meeting.place:
        details.append((_("Place"), meeting.place))
    if meeting.video_url:
        details.append((_("Video link"), meeting.video_url))
    return details


def _notice(n: Notification, message: Message) -> None:
    meeting = n.meeting
    outside = "papers" in n.params  # a person outside Samråd: no meeting page for them
    message.details = _meeting_details(meeting)
    if outside:
        message.action = (_("Read the notice"), _document_url(n, "notice"))
    if n.params.get("cancelled"):
        message.paragraphs = [_("The meeting has been cancelled. The calendar file "
                                "attached removes it from your calendar.")]
        return
    if n.params.get("revision", 1) > 1:
        message.paragraphs = [_("The notice and agenda have been changed. The calendar "
                                "file attached updates your calendar.")]
    elif outside:
        message.paragraphs = [_("You are called to a meeting. The notice, the agenda and "
                                "the case papers are at the links below; the calendar "
                                "file attached puts the meeting in your calendar.")]
    else:
        message.paragraphs = [_("You are called to a meeting. The notice, the agenda and "
                                "the case papers are on the meeting page; the calendar "
                                "file attached puts the meeting in your calendar.")]
    message.details.append((_("Notice (PDF)"), _document_url(n, "notice")))
    if outside:
        message.details.append((_("Meeting pack (PDF)"), _document_url(n, "pack")))


def _document_url(n: Notification, kind: str) -> str:
    """A meeting's document: for a person outside Samråd (params["papers"], the
    seat's signed token) at the address that needs no login; else the meeting's."""
    if "papers" in n.params:
        return url_for("papers.document", token=n.params["papers"], kind=kind,
                       _external=True)
    return url_for("meetings.document", id=n.meeting_id, kind=kind, _external=True)


def _minutes_approved(n: Notification, message: Message) -> None:
    meeting = n.meeting
    message.paragraphs = [_("The minutes have been approved and are final.")]
    message.details = [*_meeting_details(meeting)[:2],
                       (_("Minutes (PDF)"), _document_url(n, "minutes"))]
    if "papers" in n.params:
        message.action = (_("Read the minutes"), _document_url(n, "minutes"))


def _minutes_ready(n: Notification, message: Message) -> None:
    message.paragraphs = [_("The secretary has marked the minutes of this meeting ready. "
                            "As its chair, read them and approve them.")]
    message.details = _meeting_details(n.meeting)[:2]
    message.action = (_("Read and approve the minutes"), link(n, external=True))


def _followup_due(n: Notification, message: Message) -> None:
    message.paragraphs = [_("You own this follow-up item. Record how far it has come, "
                            "or that it is done.")]
    message.details = [(_("Due"), format_date(date.fromisoformat(n.params["due"]), "long"))]
    message.quote = n.params["what"]
    message.action = (_("Update the follow-up item"), link(n, external=True))


def _calendar_attachment(meeting) -> dict[str, str]:
    data = calendar_file([meeting], name=meeting.group.name)
    return {"filename": f"mote-{oslo(meeting.starts_at):%Y-%m-%d}.ics",
            "content_type": "text/calendar",
            "data": base64.b64encode(data).decode("ascii")}
