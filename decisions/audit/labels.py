"""Readable names for audit acts and object types; unknown ones show as they are."""

from flask_babel import lazy_gettext as _l

ACTS = {
    "proposal.created": _l("Proposal drafted"),
    "proposal.edited": _l("Draft edited"),
    "proposal.circulated": _l("Proposal circulated"),
    "proposal.revised": _l("Proposal revised"),
    "proposal.withdrawn": _l("Proposal withdrawn"),
    "proposal.decided": _l("Proposal decided"),
    "version.frozen": _l("Version frozen"),
    "round.opened": _l("Round opened"),
    "round.closed": _l("Round closed"),
    "position.registered": _l("Position registered"),
    "position.changed": _l("Position changed"),
    "position.confirmed": _l("Position confirmed from the previous version"),
    "objection.answered": _l("Objection answered"),
    "decision.recorded": _l("Decision recorded"),
    "member.created": _l("Member created"),
    "area.created": _l("Area of operation created"),
    "user.created": _l("User created"),
    "user.locked": _l("Account locked after failed logins"),
    "user.logged_in": _l("Logged in"),
    "user.logged_out": _l("Logged out"),
    "user.language_changed": _l("Language changed"),
    "group.created": _l("Group created"),
    "group.membership_added": _l("Seat in a group added"),
    "group.membership_ended": _l("Seat in a group ended"),
    "meeting.planned": _l("Meeting planned"),
    "meeting.edited": _l("Meeting time or place changed"),
    "meeting.cancelled": _l("Meeting cancelled"),
    "meeting.notice_published": _l("Notice published"),
    "meeting.held": _l("Meeting held"),
    "agenda.item_added": _l("Item added to the agenda"),
    "agenda.item_edited": _l("Agenda item edited"),
    "agenda.item_removed": _l("Item removed from the agenda"),
    "agenda.reordered": _l("Agenda reordered"),
    "minutes.drafted": _l("Minutes started"),
    "minutes.item_saved": _l("Minutes of an item saved"),
    "minutes.attendance_set": _l("Attendance recorded"),
    "minutes.attendance_removed": _l("Attendance line removed"),
    "minutes.entry_added": _l("Protocol entry added"),
    "minutes.absence_added": _l("Absence from an item recorded"),
    "minutes.action_added": _l("Action added"),
    "minutes.protocol_entries_removed": _l("Protocol entry removed"),
    "minutes.item_absences_removed": _l("Absence from an item removed"),
    "minutes.action_items_removed": _l("Action removed"),
    "minutes.approved": _l("Minutes approved"),
    "attachment.added": _l("Attachment added"),
    "attachment.removed": _l("Attachment removed"),
    "calendar.feed_created": _l("Calendar address created"),
    "calendar.feed_revoked": _l("Calendar address revoked"),
}
OBJECT_TYPES = {
    "proposals": _l("Proposal"),
    "proposal_versions": _l("Version"),
    "rounds": _l("Round"),
    "positions": _l("Position"),
    "objection_answers": _l("Answer to objection"),
    "decisions": _l("Decision"),
    "members": _l("Member"),
    "areas": _l("Area of operation"),
    "users": _l("User"),
    "groups": _l("Group"),
    "group_memberships": _l("Seat in a group"),
    "meetings": _l("Meeting"),
    "agenda_items": _l("Agenda item"),
    "attendance": _l("Attendance"),
    "protocol_entries": _l("Protocol entry"),
    "item_absences": _l("Absence from an item"),
    "action_items": _l("Action"),
    "attachments": _l("Attachment"),
    "calendar_feeds": _l("Calendar address"),
}


def act_label(act: str) -> str:
    return str(ACTS.get(act, act))


def object_type_label(object_type: str) -> str:
    return str(OBJECT_TYPES.get(object_type, object_type))
