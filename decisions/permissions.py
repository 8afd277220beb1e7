"""Who may do what to which object: one rule function per object kind.

Views, templates (`can(...)`) and services all ask here, so the answer is the
same wherever it is asked. State rules (a closed round takes no positions) are
the services' business; these functions answer by role and ownership.

Who may see which objects is written once per kind, as a `Seen`: each condition
in it carries its Python test and its SQL expression side by side, so that
`can(user, "view", obj)` and `visible(user, kind)` (a where-clause for queries and
search) are two readings of one rule. tests/test_visibility.py holds them equal.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from flask_login import AnonymousUserMixin
from sqlalchemy import ColumnElement, and_, false, not_, or_, select, true

from decisions.accounts.models import Role, User
from decisions.audit.models import AuditEntry
from decisions.clock import from_oslo, now, oslo
from decisions.extensions import db
from decisions.files.models import Attachment
from decisions.followup.models import ANSWERING_SEATS, FollowupItem, OwnerKind
from decisions.meetings.models import (
    ActionItem,
    AgendaItem,
    Group,
    GroupMembership,
    GroupRole,
    Meeting,
    MeetingState,
)
from decisions.members.models import Member
from decisions.notifications.models import Notification, OutboundEmail
from decisions.proposals.models import Area, Proposal, Round
from decisions.ratification.models import Ratification
from decisions.register.models import Decision

SECRETARIAT = Role.SECRETARIAT
READERS = (Role.SECRETARIAT, Role.REPRESENTATIVE, Role.BOARD, Role.ADMIN)


def _signed_in(user) -> bool:
    return isinstance(user, User) and user.is_active


# --- Conditions in both forms ----------------------------------------------------------

@dataclass(frozen=True)
class Seen:
    """A condition on objects of one kind: `test(obj)` for an object in hand, `sql()`
    the same condition as a where-clause (built on demand: some need a query)."""

    test: Callable[[Any], bool]
    sql: Callable[[], ColumnElement[bool]]

    def __and__(self, other: "Seen") -> "Seen":
        return Seen(lambda o: self.test(o) and other.test(o),
                    lambda: and_(self.sql(), other.sql()))

    def __or__(self, other: "Seen") -> "Seen":
        return Seen(lambda o: self.test(o) or other.test(o),
                    lambda: or_(self.sql(), other.sql()))

    def __invert__(self) -> "Seen":
        return Seen(lambda o: not self.test(o), lambda: not_(self.sql()))

    def via(self, relation) -> "Seen":
        """This condition on the object `relation` (a many-to-one) leads to; false
        where it leads nowhere."""
        key = relation.key
        return Seen(lambda o: getattr(o, key) is not None and self.test(getattr(o, key)),
                    lambda: relation.has(self.sql()))


ALL = Seen(lambda o: True, true)
NONE = Seen(lambda o: False, false)
CIRCULATED = Seen(lambda p: p.case_number is not None,
                  lambda: Proposal.case_number.is_not(None))
NOTICE_OUT = Seen(lambda m: m.notice_revision > 0, lambda: Meeting.notice_revision > 0)
MINUTES_APPROVED = Seen(lambda m: m.state == MeetingState.MINUTES_APPROVED,
                        lambda: Meeting.state == MeetingState.MINUTES_APPROVED)
ITEM_KEPT = Seen(lambda i: not i.removed, lambda: AgendaItem.removed.is_(False))
ON_ITEM = Seen(lambda a: a.item_id is not None, lambda: Attachment.item_id.is_not(None))


def _chair_seats_sql(user: User) -> ColumnElement[bool]:
    # A seat serves on the Oslo day of the meeting's start: its term, as UTC moments
    # from Oslo midnight to Oslo midnight, holds the start.
    seats = db.session.scalars(select(GroupMembership).where(
        GroupMembership.user_id == user.id, GroupMembership.role == GroupRole.CHAIR)).all()
    return or_(false(), *(and_(
        Meeting.group_id == seat.group_id,
        Meeting.starts_at >= from_oslo(datetime.combine(seat.term_start, time())),
        true() if seat.term_end is None else
        Meeting.starts_at < from_oslo(datetime.combine(seat.term_end + timedelta(days=1),
                                                       time()))) for seat in seats))


def _chaired_by(user: User) -> Seen:
    return Seen(lambda m: _is_chair(user, m), lambda: _chair_seats_sql(user))


def _by_role(user: User, secretariat: Seen, readers: Seen) -> Seen:
    if user.role == SECRETARIAT:
        return secretariat
    return readers if user.role in READERS else NONE


def proposals_seen(user: User) -> Seen:
    # Members see a proposal once it has been circulated (it has a case number);
    # a draft, even one withdrawn before it went out, is the secretariat's.
    return _by_role(user, ALL, CIRCULATED)


def meetings_seen(user: User) -> Seen:
    # A meeting is the secretariat's until its notice goes out.
    return _by_role(user, ALL, NOTICE_OUT)


def minutes_seen(user: User) -> Seen:
    """Whose minutes (of a meeting) `user` reads: draft minutes are read by the
    secretariat and the chair who approves them; approved ones by whoever sees the
    meeting."""
    if user.role == SECRETARIAT:
        return ALL
    return (MINUTES_APPROVED & meetings_seen(user)) | (~MINUTES_APPROVED & _chaired_by(user))


def items_seen(user: User) -> Seen:
    return ITEM_KEPT & meetings_seen(user).via(AgendaItem.meeting)


def attachments_seen(user: User) -> Seen:
    # An attachment follows what it is attached to: its item, or else its proposal.
    return ((ON_ITEM & items_seen(user).via(Attachment.item))
            | (~ON_ITEM & proposals_seen(user).via(Attachment.proposal)))


ON_DECISION = Seen(lambda f: f.decision_id is not None,
                   lambda: FollowupItem.decision_id.is_not(None))


def followups_seen(user: User) -> Seen:
    # A decision's follow-up is read by whoever reads the register; an action's follows
    # the minutes it was recorded in.
    of_action = (minutes_seen(user).via(AgendaItem.meeting).via(ActionItem.item)
                 .via(FollowupItem.action))
    return _by_role(user, ALL, ON_DECISION | (~ON_DECISION & of_action))


def notifications_seen(user: User) -> Seen:
    return Seen(lambda n: n.user_id == user.id, lambda: Notification.user_id == user.id)


SEEN: dict[str, tuple[type, Callable[[User], Seen]]] = {
    "proposal": (Proposal, proposals_seen),
    "round": (Round, lambda user: proposals_seen(user).via(Round.proposal)),
    "member": (Member, lambda user: _by_role(user, ALL, ALL)),
    "decision": (Decision, lambda user: _by_role(user, ALL, ALL)),
    "group": (Group, lambda user: _by_role(user, ALL, ALL)),
    "meeting": (Meeting, meetings_seen),
    "minutes": (Meeting, minutes_seen),
    "item": (AgendaItem, items_seen),
    "attachment": (Attachment, attachments_seen),
    "notification": (Notification, notifications_seen),
    "followup": (FollowupItem, followups_seen),
    "area": (Area, lambda user: _by_role(user, ALL, ALL)),
    # A member's handling of a decision is read by everyone signed in (the public
    # register shows it too, without names).
    "ratification": (Ratification, lambda user: _by_role(user, ALL, ALL)),
    # Emails in the outbox name their recipients and carry their texts: the
    # secretariat looks after the ones that did not get through.
    "email": (OutboundEmail, lambda user: _by_role(user, ALL, NONE)),
    # The trail holds every draft's text: the secretariat's alone.
    "audit": (AuditEntry, lambda user: _by_role(user, ALL, NONE)),
}


def _seen(user: User, kind: str, obj: object) -> bool:
    return SEEN[kind][1](user).test(obj)


# The kinds whose rule reads nothing of the user but the role (`_by_role`,
# `proposals_seen`): their where-clause is built once per role and kept, so that a query
# built once (functools.cache) can be kept per clause. The others read the user's id or
# seats, and are built each time.
BY_ROLE_ONLY = frozenset({"proposal", "round", "member", "decision", "group", "meeting",
                          "area", "ratification", "email", "audit"})
NOTHING = false()
_clauses_by_role: dict[tuple[str, Role], ColumnElement[bool]] = {}


def visible(user: User | AnonymousUserMixin, kind: str) -> ColumnElement[bool]:
    """Where-clause selecting the objects of `kind` that `user` may view: the same
    rule as `can(user, "view", obj)`. For the kinds of BY_ROLE_ONLY, the same clause
    object for every user of a role."""
    if not _signed_in(user):
        return NOTHING
    if kind not in BY_ROLE_ONLY:
        return SEEN[kind][1](user).sql()
    key = (kind, user.role)
    clause = _clauses_by_role.get(key)
    if clause is None:
        clause = _clauses_by_role[key] = SEEN[kind][1](user).sql()
    return clause


def chaired(user: User | AnonymousUserMixin) -> ColumnElement[bool]:
    """Where-clause selecting the meetings `user` chairs on the meeting's day: the SQL
    of `can(user, "approve_as_chair", meeting)`."""
    if not _signed_in(user):
        return false()
    return _chaired_by(user).sql()


def proposal_rule(user: User, action: str, proposal: Proposal | None) -> bool:
    # follow_up: the work list of open rounds and proposals back with the secretariat.
    if action in ("create", "edit", "circulate", "revise", "withdraw", "follow_up"):
        return user.role == SECRETARIAT
    if action == "list" or (action == "view" and proposal is None):
        return user.role in READERS
    if action == "view":
        return _seen(user, "proposal", proposal)
    return False


def round_rule(user: User, action: str, round_: Round | None) -> bool:
    if action == "view":
        return round_ is not None and _seen(user, "round", round_)
    if action == "answer_objection":
        return user.role == SECRETARIAT
    return False


def member_rule(user: User, action: str, member: Member | None) -> bool:
    if action == "list":
        return user.role in READERS
    if action == "manage":
        # Members, subregions, counties, mergers and the CSV files: the secretariat's
        # daily work, and the admin's.
        return user.role in (SECRETARIAT, Role.ADMIN)
    if action == "view":
        return _seen(user, "member", member)
    if action == "speak_for":
        # A representative speaks for their own member only.
        return (user.role == Role.REPRESENTATIVE and member is not None
                and user.member_id == member.id)
    if action == "register_on_behalf":
        # The secretariat registers on a member's written behalf (recorded as such).
        return user.role == SECRETARIAT
    if action == "register_position":
        return (member_rule(user, "register_on_behalf", member)
                or member_rule(user, "speak_for", member))
    if action == "find":
        # Search lists members for the secretariat's work (the member list is open).
        return user.role == SECRETARIAT
    if action == "reply_to_objection":
        # The objecting member's own voice: the secretariat answers, it does not reply.
        return member_rule(user, "speak_for", member)
    return False


def decision_rule(user: User, action: str, decision: Decision | None) -> bool:
    if action == "list":
        return user.role in READERS
    return action == "view" and _seen(user, "decision", decision)


def ratification_rule(user: User, action: str, row: Ratification | None) -> bool:
    """A member's own adoption of a decision. `record` takes the member's row (a new,
    unsaved one when there is none yet)."""
    if action == "require":  # whether and how a decision needs it; the reminders
        return user.role == SECRETARIAT
    if action == "list":
        return user.role in READERS
    if action == "view":
        return row is not None and _seen(user, "ratification", row)
    if action == "record":
        # Its representative, or the secretariat on its written behalf (shown as such).
        return row is not None and (
            user.role == SECRETARIAT
            or (user.role == Role.REPRESENTATIVE and user.member_id == row.member_id))
    return False


def audit_rule(user: User, action: str, entry: AuditEntry | None) -> bool:
    return action == "view" and _seen(user, "audit", entry)


def group_rule(user: User, action: str, group: Group | None) -> bool:
    if action == "list":
        return user.role in READERS
    if action == "view":
        return _seen(user, "group", group)
    if action == "manage_seats":  # groups themselves, their seats, chairs and terms
        return user.role in (SECRETARIAT, Role.ADMIN)
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
        return _seen(user, "meeting", meeting)
    if action == "view_minutes":
        return _seen(user, "minutes", meeting)
    if action == "approve_as_chair":
        return _is_chair(user, meeting)
    return False


def attachment_rule(user: User, action: str, attachment: Attachment | None) -> bool:
    if action == "upload":
        return user.role == SECRETARIAT
    if action == "view" and attachment is not None:
        return _seen(user, "attachment", attachment)
    return False


def item_rule(user: User, action: str, item: AgendaItem | None) -> bool:
    return action == "view" and item is not None and _seen(user, "item", item)


def minutes_rule(user: User, action: str, meeting: Meeting | None) -> bool:
    """The minutes of `meeting`; `can(user, "view", meeting, kind="minutes")` is
    `can(user, "view_minutes", meeting)`."""
    return action == "view" and meeting_rule(user, "view_minutes", meeting)


# People and accounts: the admin manages every account; the secretariat those of
# representatives and board members (never the roles that manage accounts).
PEOPLE_MANAGERS = (Role.ADMIN, Role.SECRETARIAT)
ROLES_THE_SECRETARIAT_GRANTS = (Role.REPRESENTATIVE, Role.BOARD)


def grantable_roles(user: User) -> tuple[Role, ...]:
    """The roles `user` may give (by invitation or change) and take away."""
    if not _signed_in(user):
        return ()
    if user.role == Role.ADMIN:
        return tuple(Role)
    return ROLES_THE_SECRETARIAT_GRANTS if user.role == SECRETARIAT else ()


def person_rule(user: User, action: str, person: User | None) -> bool:
    if action in ("list", "view", "invite"):
        return user.role in PEOPLE_MANAGERS
    if action == "find":  # people by name or email address in search
        return user.role == SECRETARIAT
    if action == "manage":  # edit, deactivate, reactivate, resend the invitation
        return person is not None and person.role in grantable_roles(user)
    if action == "reset_second_factor":
        return user.role == Role.ADMIN and person is not None
    return False


def notification_rule(user: User, action: str, notification: Notification | None) -> bool:
    return (action == "view" and notification is not None
            and _seen(user, "notification", notification))


def area_rule(user: User, action: str, area: Area | None) -> bool:
    if action in ("create", "edit"):
        return user.role == SECRETARIAT
    if action == "list":
        return user.role in READERS
    return action == "view" and area is not None and _seen(user, "area", area)


def owns_followup(user: User, item: FollowupItem) -> bool:
    """Whether `user` answers for the item: a representative of the owning member, the
    holder (with a login) of a chair or secretary seat of the owning group serving
    today, or the secretariat for the secretariat's items."""
    if item.owner_kind == OwnerKind.MEMBER:
        return user.role == Role.REPRESENTATIVE and user.member_id == item.owner_member_id
    if item.owner_kind == OwnerKind.GROUP:
        today = oslo(now()).date()
        return item.owner_group is not None and any(
            seat.user_id == user.id and seat.role in ANSWERING_SEATS and seat.serves_on(today)
            for seat in item.owner_group.memberships)
    return user.role == SECRETARIAT


def followup_rule(user: User, action: str, item: FollowupItem | None) -> bool:
    # create: items and a decision's review date; list: the secretariat's list of all.
    if action in ("create", "list"):
        return user.role == SECRETARIAT
    if item is None:
        return False
    if action == "edit":
        return user.role == SECRETARIAT
    if action == "view":
        return _seen(user, "followup", item)
    if action == "update":  # a dated update of status and progress
        return _seen(user, "followup", item) and (user.role == SECRETARIAT
                                                   or owns_followup(user, item))
    return False


def email_rule(user: User, action: str, email: OutboundEmail | None) -> bool:
    if action in ("list", "retry") and email is None:
        return user.role == SECRETARIAT
    if action in ("view", "retry"):
        return email is not None and _seen(user, "email", email)
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
    "item": item_rule,
    "minutes": minutes_rule,
    "notification": notification_rule,
    "area": area_rule,
    "email": email_rule,
    "followup": followup_rule,
    "person": person_rule,
    "ratification": ratification_rule,
}
KINDS: dict[type, str] = {
    Proposal: "proposal", Round: "round", Member: "member", Decision: "decision",
    Group: "group", Meeting: "meeting", Attachment: "attachment", AgendaItem: "item",
    Notification: "notification", AuditEntry: "audit", User: "person",
    Area: "area",
    OutboundEmail: "email",
    FollowupItem: "followup",
    Ratification: "ratification",
}


def can(user: User | AnonymousUserMixin, action: str, obj: object = None, *,
        kind: str | None = None) -> bool:
    """May `user` do `action` to `obj`? Pass `kind` when there is no object yet."""
    if not _signed_in(user):
        return False
    kind = kind or KINDS[type(obj)]
    return RULES[kind](user, action, obj)
