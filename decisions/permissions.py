"""Who may do what to which object: one rule function per object kind.

Views, templates (`can(...)`) and services all ask here, so the answer is the
same wherever it is asked. State rules (a closed round takes no positions) are
the services' business; these functions answer by role and ownership.
"""

from collections.abc import Callable

from flask_login import AnonymousUserMixin

from decisions.accounts.models import Role, User
from decisions.clock import oslo
from decisions.files.models import Attachment
from decisions.meetings.models import (
    Group,
    GroupRole,
    Meeting,
    MeetingState,
)
from decisions.members.models import Member
from decisions.proposals.models import Proposal, Round
from decisions.register.models import Decision

SECRETARIAT = Role.SECRETARIAT
READERS = (Role.SECRETARIAT, Role.REPRESENTATIVE, Role.BOARD, Role.ADMIN)


def _signed_in(user) -> bool:
    return isinstance(user, User) and user.is_active


def proposal_rule(user: User, action: str, proposal: Proposal | None) -> bool:
    if action in ("create", "edit", "circulate", "revise", "withdraw"):
        return user.role == SECRETARIAT
    if action == "list":
        return user.role in READERS
    if action == "view":
        # Members see a proposal once it has been circulated (it has a case number);
        # a draft, even one withdrawn before it went out, is the secretariat's.
        if proposal is not None and proposal.case_number is None:
            return user.role == SECRETARIAT
        return user.role in READERS
    return False


def round_rule(user: User, action: str, round_: Round | None) -> bool:
    if action == "view":
        return round_ is not None and proposal_rule(user, "view", round_.proposal)
    if action == "answer_objection":
        return user.role == SECRETARIAT
    return False


def member_rule(user: User, action: str, member: Member | None) -> bool:
    if action in ("list", "view"):
        return user.role in READERS
    if action == "register_position":
        # A representative speaks for their own member only; the secretariat may
        # register on a member's written behalf (recorded as such).
        if user.role == SECRETARIAT:
            return True
        return (user.role == Role.REPRESENTATIVE and member is not None
                and user.member_id == member.id)
    if action == "reply_to_objection":
        # The objecting member's own voice: the secretariat answers, it does not reply.
        return (user.role == Role.REPRESENTATIVE and member is not None
                and user.member_id == member.id)
    return False


def decision_rule(user: User, action: str, decision: Decision | None) -> bool:
    return action in ("list", "view") and user.role in READERS


def audit_rule(user: User, action: str, _obj: None) -> bool:
    # The trail holds every draft's text: the secretariat's alone.
    return action == "view" and user.role == SECRETARIAT


def group_rule(user: User, action: str, group: Group | None) -> bool:
    if action in ("list", "view"):
        return user.role in READERS
    return action == "manage" and user.role == SECRETARIAT


def _is_chair(user: User, meeting: Meeting) -> bool:
    day = oslo(meeting.starts_at).date()
    return any(seat.user_id == user.id and seat.role == GroupRole.CHAIR
               and seat.serves_on(day) for seat in meeting.group.memberships)


def meeting_rule(user: User, action: str, meeting: Meeting | None) -> bool:
    if action in ("manage", "write_minutes"):
        return user.role == SECRETARIAT
    if meeting is None:
        return False
    if action == "view":
        # A meeting is the secretariat's until its notice goes out.
        return user.role == SECRETARIAT or (
            user.role in READERS and meeting.notice_revision > 0)
    if action == "view_minutes":
        # Draft minutes are read by the secretariat and the chair who approves them.
        if meeting.state == MeetingState.MINUTES_APPROVED:
            return meeting_rule(user, "view", meeting)
        return user.role == SECRETARIAT or _is_chair(user, meeting)
    if action == "approve_as_chair":
        return _is_chair(user, meeting)
    return False


def attachment_rule(user: User, action: str, attachment: Attachment | None) -> bool:
    if action == "upload":
        return user.role == SECRETARIAT
    if action == "view" and attachment is not None:
        if attachment.item_id is not None:
            item = attachment.item
            return not item.removed and meeting_rule(user, "view", item.meeting)
        return proposal_rule(user, "view", attachment.proposal)
    return False


RULES: dict[str, Callable[[User, str, object], bool]] = {
    "proposal": proposal_rule,
    "round": round_rule,
    "member": member_rule,
    "decision": decision_rule,
    "audit": audit_rule,
    "group": group_rule,
    "meeting": meeting_rule,
    "attachment": attachment_rule,
}
KINDS: dict[type, str] = {
    Proposal: "proposal", Round: "round", Member: "member", Decision: "decision",
    Group: "group", Meeting: "meeting", Attachment: "attachment",
}


def can(user: User | AnonymousUserMixin, action: str, obj: object = None, *,
        kind: str | None = None) -> bool:
    """May `user` do `action` to `obj`? Pass `kind` when there is no object yet."""
    if not _signed_in(user):
        return False
    kind = kind or KINDS[type(obj)]
    return RULES[kind](user, action, obj)
