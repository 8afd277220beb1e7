"""The names of the positions a member can take: the one place every page, form, PDF
and email takes them from, so that one thing has one name everywhere (DESIGN:
support / support with reservations / stand aside / object)."""

from flask_babel import lazy_gettext as _l

from decisions.proposals.models import PositionKind

POSITION_LABELS = {
    PositionKind.SUPPORT: _l("Support"),
    PositionKind.RESERVATION: _l("Support with reservations"),
    PositionKind.STAND_ASIDE: _l("Stand aside"),
    PositionKind.OBJECT: _l("Object"),
    PositionKind.AMENDMENT: _l("Propose an amendment (breaks silence)"),
}
