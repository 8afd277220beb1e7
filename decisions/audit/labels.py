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
}


def act_label(act: str) -> str:
    return str(ACTS.get(act, act))


def object_type_label(object_type: str) -> str:
    return str(OBJECT_TYPES.get(object_type, object_type))
