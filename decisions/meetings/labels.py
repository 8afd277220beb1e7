"""Readable names of the meetings domain's kinds and states, for pages, forms and PDFs."""

from flask_babel import lazy_gettext as _l

from decisions.meetings.models import (
    AbsenceKind,
    AttendanceStatus,
    EntryKind,
    GroupKind,
    GroupRole,
    ItemKind,
)
from decisions.proposals.labels import POSITION_LABELS
from decisions.proposals.models import PositionKind

GROUP_KIND_LABELS = {
    GroupKind.BOARD: _l("Board"),
    GroupKind.COUNCIL: _l("Council"),
    GroupKind.COORDINATION: _l("Coordination group"),
    GroupKind.COMMITTEE: _l("Committee"),
    GroupKind.EXPERT: _l("Expert group"),
}

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
# A protocol entry of a reservation or a stand-aside records that position: it has
# the position's name.
ENTRY_LABELS = {
    EntryKind.DISSENT: _l("Dissent"),
    EntryKind.RESERVATION: POSITION_LABELS[PositionKind.RESERVATION],
    EntryKind.STAND_ASIDE: POSITION_LABELS[PositionKind.STAND_ASIDE],
    EntryKind.OTHER: _l("Other entry"),
}
ABSENCE_LABELS = {
    AbsenceKind.LEFT: _l("Left the meeting"),
    AbsenceKind.DISQUALIFIED: _l("Disqualified"),
}
