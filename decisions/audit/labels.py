"""Readable names for audit acts and object types; unknown ones show as they are."""

from collections.abc import Callable

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
    "objection.replied": _l("Reply on an objection"),
    "decision.recorded": _l("Decision recorded"),
    "decision.review_date_set": _l("Review date of a decision set"),
    "decision.public_document_rendered": _l("Public PDF of a decision made"),
    "followup.created": _l("Follow-up item created"),
    "followup.edited": _l("Follow-up item changed"),
    "followup.updated": _l("Follow-up item updated by its owner"),
    "followup.reminded": _l("Owner of a follow-up item reminded"),
    "member.created": _l("Member created"),
    "member.renamed": _l("Member renamed"),
    "member.changed": _l("Member changed"),
    "member.deactivated": _l("Member closed"),
    "member.activated": _l("Member reopened"),
    "member.merged": _l("Member merged into another"),
    "user.member_changed": _l("Representative moved to another member"),
    "subregion.created": _l("Subregion created"),
    "subregion.renamed": _l("Subregion renamed"),
    "subregion.deactivated": _l("Subregion closed"),
    "subregion.activated": _l("Subregion reopened"),
    "county.created": _l("County created"),
    "county.renamed": _l("County renamed"),
    "county.deactivated": _l("County closed"),
    "county.activated": _l("County reopened"),
    "area.created": _l("Area of operation created"),
    "user.created": _l("User created"),
    "user.locked": _l("Account locked after failed logins"),
    "user.logged_in": _l("Logged in"),
    "user.logged_out": _l("Logged out"),
    "user.language_changed": _l("Language changed"),
    "user.password_changed": _l("Password changed"),
    "user.password_reset_requested": _l("Password reset requested"),
    "user.password_reset": _l("Password reset by email"),
    "user.totp_enabled": _l("Login with a code turned on"),
    "user.totp_disabled": _l("Login with a code turned off"),
    "user.totp_reset": _l("Authenticator code removed"),
    "user.totp_key_rotated": _l("Authenticator code encrypted with a new key"),
    "user.invited": _l("Invited by email"),
    "user.invitation_resent": _l("Invitation sent again"),
    "user.invitation_accepted": _l("Invitation accepted, password chosen"),
    "user.changed": _l("Name, email, role or member changed"),
    "user.main_representative_replaced": _l("No longer the member's main representative"),
    "user.deactivated": _l("Account deactivated"),
    "user.reactivated": _l("Account reactivated"),
    "user.publish_consent": _l("Consent to be published as open data changed"),
    "notifications.preferences_changed": _l("Notification settings changed"),
    "group.created": _l("Group created"),
    "group.membership_added": _l("Seat in a group added"),
    "group.membership_ended": _l("Seat in a group ended"),
    "group.edited": _l("Group renamed or deactivated"),
    "group.membership_edited": _l("Seat in a group edited"),
    "group.chair_changed": _l("Chair of a group changed from a date"),
    "group.term_changed": _l("New term of a group"),
    "meeting.planned": _l("Meeting planned"),
    "meeting.edited": _l("Meeting time or place changed"),
    "meeting.cancelled": _l("Meeting cancelled"),
    "meeting.notice_published": _l("Notice published"),
    "meeting.held": _l("Meeting held"),
    "meeting.public_document_rendered": _l("Public (redacted) PDF of a meeting made"),
    "agenda.item_added": _l("Item added to the agenda"),
    "agenda.item_edited": _l("Agenda item edited"),
    "agenda.item_removed": _l("Item removed from the agenda"),
    "agenda.reordered": _l("Agenda reordered"),
    "minutes.drafted": _l("Minutes started"),
    "minutes.item_saved": _l("Minutes of an item saved"),
    "minutes.attendance_set": _l("Attendance recorded"),
    "minutes.attendance_removed": _l("Attendance line removed"),
    "minutes.officers_set": _l("Meeting leader and minute-taker named"),
    "minutes.entry_added": _l("Protocol entry added"),
    "minutes.absence_added": _l("Absence from an item recorded"),
    "minutes.action_added": _l("Action added"),
    "minutes.protocol_entries_removed": _l("Protocol entry removed"),
    "minutes.item_absences_removed": _l("Absence from an item removed"),
    "minutes.action_items_removed": _l("Action removed"),
    "minutes.approved": _l("Minutes approved"),
    "minutes.ready": _l("Minutes marked ready for the chair's approval"),
    "attachment.added": _l("Attachment added"),
    "attachment.removed": _l("Attachment removed"),
    "calendar.feed_created": _l("Calendar address created"),
    "calendar.feed_revoked": _l("Calendar address revoked"),
    "ratification.required": _l("Ratification by the members required"),
    "ratification.requirement_changed": _l("Ratification requirement changed"),
    "ratification.requirement_dropped": _l("Ratification requirement dropped"),
    "ratification.recorded": _l("Member's own handling recorded"),
    "ratification.corrected": _l("Member's own handling corrected"),
    "ratification.reminded": _l("Members reminded of ratification"),
    "ratification.report_back_added": _l("Item on following up decisions added"),
    "ratification.report_back_frozen": _l("Following up decisions written into the notice"),
}
OBJECT_TYPES = {
    "proposals": _l("Proposal"),
    "proposal_versions": _l("Version"),
    "rounds": _l("Round"),
    "positions": _l("Position"),
    "objection_answers": _l("Answer to objection"),
    "objection_entries": _l("Entry in an objection's conversation"),
    "decisions": _l("Decision"),
    "members": _l("Member"),
    "subregions": _l("Subregion"),
    "counties": _l("County"),
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
    "followup_items": _l("Follow-up item"),
    "ratification_requirements": _l("Ratification requirement"),
    "ratifications": _l("Member's own handling of a decision"),
}


def act_label(act: str) -> str:
    return str(ACTS.get(act, act))


def object_type_label(object_type: str) -> str:
    return str(OBJECT_TYPES.get(object_type, object_type))


class Labels(dict):
    """The label of each value, made by `label` the first time it is asked for: a page
    of fifty entries of a few acts translates each act once."""

    def __init__(self, label: Callable[[str], str]):
        super().__init__()
        self.label = label

    def __missing__(self, value: str) -> str:
        self[value] = text = self.label(value)
        return text

    def __call__(self, value: str) -> str:
        return self[value]
