"""Readable names of the meetings domain's kinds and states, for pages, forms and PDFs."""

from flask_babel import lazy_gettext as _l

from decisions.meetings.models import (
    AbsenceKind,
    AttendanceStatus,
    EntryKind,
    GroupRole,
    ItemKind,
)

GROUP_ROLE_LABELS = {
    GroupRole.CHAIR: _l("Chair"),
    GroupRole.DEPUTY_CHAIR: _l("Deputy chair"),
    GroupRole.MEMBER: _l("Member"),
    GroupRole.DEPUTY: _l("Deputy"),
    GroupRole.SECRETARY: _l("Secretary"),
    GroupRole.OBSERVER: _l("Observer"),
}

ITEM_KIND_LABELS = {
    ItemKind.APPROVE_NOTICE: _l("Approval of notice and agenda"),
    ItemKind.APPROVE_MINUTES: _l("Approval of minutes"),
    ItemKind.DECISION: _l("Decision item"),
    ItemKind.DISCUSSION: _l("Discussion item"),
    ItemKind.ORIENTATION: _l("Orientation item"),
    ItemKind.REFERENCE: _l("Reference item"),
    ItemKind.OTHER_BUSINESS: _l("Any other business"),
}
ATTENDANCE_LABELS = {
    AttendanceStatus.PRESENT: _l("Present"),
    AttendanceStatus.APOLOGIES: _l("Apologies"),
    AttendanceStatus.DEPUTY: _l("Deputy"),
    AttendanceStatus.OTHER: _l("Also present"),
}
ENTRY_LABELS = {
    EntryKind.DISSENT: _l("Dissent"),
    EntryKind.RESERVATION: _l("Reservation"),
    EntryKind.STAND_ASIDE: _l("Stands aside"),
    EntryKind.OTHER: _l("Other entry"),
}
ABSENCE_LABELS = {
    AbsenceKind.LEFT: _l("Left the meeting"),
    AbsenceKind.DISQUALIFIED: _l("Disqualified"),
}
