"""The acts of administering accounts. Each checks the actor may do it
(permissions.can "manage"/"invite"/"reset_second_factor" and grantable_roles), writes
its audit entry in the same transaction and sends its event. `actor` None is the
command line, which may do anything."""

import hashlib
import json
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from decisions.accounts import services as accounts
from decisions.accounts.models import (
    NO_PASSWORD,
    Invitation,
    PasswordReset,
    PendingLogin,
    Role,
    User,
)
from decisions.audit.services import record, snapshot
from decisions.clock import now
from decisions.database import begin_writes
from decisions.errors import Conflict, DomainError, NotAllowed
from decisions.extensions import db
from decisions.members.models import Member
from decisions.permissions import can, grantable_roles
from decisions.signals import invitation_sent, user_deactivated

FIELDS = ("email", "name", "role", "member_id", "is_main_representative", "active")
INVALID_LINK = _l("This invitation has expired or has been used. Ask the secretariat "
                  "for a new one.")


def _allowed(actor: User | None, action: str, person: User | None = None, *,
             role: Role | None = None) -> None:
    if actor is None:
        return
    if person is None and not can(actor, action, kind="person"):
        raise NotAllowed(_l("You may not manage this account."))
    if person is not None and not can(actor, action, person):
        raise NotAllowed(_l("You may not manage this account."))
    if role is not None and role not in grantable_roles(actor):
        raise DomainError(_l("You may not give this role."),
                          field="role")


def _lock_member_representatives(member: Member) -> list[User]:
    """The member's representatives, locked: the main one is chosen one at a time."""
    return list(db.session.scalars(select(User).where(User.member_id == member.id)
                                   .order_by(User.id).with_for_update()))


def _set_representation(actor: User | None, user: User, member: Member | None,
                        main: bool) -> None:
    """The member the user speaks for, as main representative or deputy. Making one the
    main representative makes the member's former main one a deputy (audited)."""
    user.member = member
    user.member_id = member.id if member is not None else None
    if member is None or not main:
        user.is_main_representative = False
        return
    for other in _lock_member_representatives(member):
        if other.id != user.id and other.is_main_representative:
            other.is_main_representative = False
            db.session.flush()
            record(actor, "user.main_representative_replaced", other,
                   before={"is_main_representative": True},
                   after={"is_main_representative": False, "by": user.id})
    user.is_main_representative = True


def _new_invitation(actor: User | None, user: User) -> Invitation:
    """A new link for the user; every earlier link of theirs stops working."""
    moment = now()
    db.session.execute(update(Invitation).where(
        Invitation.user_id == user.id, Invitation.used_at.is_(None)).values(used_at=moment))
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        user_id=user.id, token_hash=accounts.hash_token(token),
        invited_by_id=actor.id if actor is not None else None, created_at=moment,
        expires_at=moment + timedelta(days=current_app.config["INVITATION_VALID_DAYS"]))
    db.session.add(invitation)
    db.session.flush()
    invitation.token = token  # for the email; never stored
    invitation_sent.send(invitation=invitation)
    return invitation


def invite(actor: User | None, *, email: str, name: str, role: Role,
           member: Member | None = None, main: bool = False,
           locale: str | None = None) -> Invitation:
    """A new account without a password, and an email with a link to choose one."""
    _allowed(actor, "invite", role=role)
    email, name = accounts.checked_person(email=email, name=name, role=role, member=member)
    user = User(email=email, name=name, role=role, password_hash=NO_PASSWORD, locale=locale,
                active=True, created_at=now())
    db.session.add(user)
    _set_representation(actor, user, member, main)
    db.session.flush()
    record(actor, "user.invited", user, after=snapshot(user, *FIELDS))
    return _new_invitation(actor, user)


def resend_invitation(actor: User | None, user: User) -> Invitation:
    """A new link for someone who has not come yet; the old one is dead."""
    _allowed(actor, "manage", user)
    if not user.invited:
        raise DomainError(_l("%(name)s has already chosen a password.", name=user.name))
    if not user.active:
        raise DomainError(_l("Reactivate the account before inviting again."))
    invitation = _new_invitation(actor, user)
    record(actor, "user.invitation_resent", user)
    return invitation


def invitation_for(token: str) -> Invitation | None:
    """The unused, unexpired invitation of this token, for an active account."""
    invitation = db.session.scalar(select(Invitation).where(
        Invitation.token_hash == accounts.hash_token(token)))
    if (invitation is None or invitation.used_at is not None
            or invitation.expires_at <= now() or not invitation.user.active):
        return None
    return invitation


def accept_invitation(token: str, password: str) -> User:
    """The invitee's chosen password (the rules of any new password); the link is spent."""
    invitation = invitation_for(token)
    if invitation is None:
        raise DomainError(INVALID_LINK)
    new_hash = accounts.hash_password(password, email=invitation.user.email)
    begin_writes()
    invitation = db.session.scalar(select(Invitation).where(
        Invitation.token_hash == accounts.hash_token(token)).with_for_update())
    if invitation is None or invitation_for(token) is None:
        raise DomainError(INVALID_LINK)
    user = invitation.user
    invitation.used_at = now()
    user.password_hash = new_hash
    db.session.flush()
    record(user, "user.invitation_accepted", user)
    return user


def version(user: User) -> str:
    """A digest of what the change form shows: a form made from another version was
    made before someone else's change, which it must not silently overwrite."""
    return hashlib.sha256(json.dumps(snapshot(user, *FIELDS), sort_keys=True)
                          .encode()).hexdigest()[:16]


def update_person(actor: User | None, user: User, *, email: str, name: str, role: Role,
                  member: Member | None, main: bool = False,
                  seen_version: str | None = None) -> None:
    """Name, email, role and member (with main representative or deputy). With
    `seen_version` (the form's), a change made since the form was shown is a Conflict."""
    _allowed(actor, "manage", user, role=role)
    user = db.session.execute(select(User).where(User.id == user.id).with_for_update()
                              .execution_options(populate_existing=True)).scalar_one()
    if seen_version is not None and seen_version != version(user):
        raise Conflict(_l("Someone else changed this person in the meantime. Reload the "
                          "page to see their change."))
    email, name = accounts.checked_person(email=email, name=name, role=role, member=member,
                                          user_id=user.id)
    before = snapshot(user, *FIELDS)
    if user.role == Role.ADMIN and role != Role.ADMIN:
        _not_the_last_admin(user)
    user.email, user.name, user.role = email, name, role
    _set_representation(actor, user, member, main)
    db.session.flush()
    after = snapshot(user, *FIELDS)
    if after != before:
        record(actor, "user.changed", user, before=before, after=after)


def _not_the_last_admin(user: User) -> None:
    """Some other active admin must remain (locked, so two acts at once cannot both
    remove one of the last two)."""
    admins = db.session.scalars(select(User.id).where(
        User.role == Role.ADMIN, User.active.is_(True)).with_for_update()).all()
    if not [admin for admin in admins if admin != user.id]:
        raise DomainError(_l("%(name)s is the last active admin. Make someone else admin "
                             "first.", name=user.name), field="role")


def deactivate(actor: User | None, user: User) -> None:
    """The account stops at once: every login, pending login, reset link, invitation and
    (through the event) calendar feed ends. The person stays in the history."""
    _allowed(actor, "manage", user)
    if actor is not None and actor.id == user.id:
        raise DomainError(_l("You cannot deactivate your own account."))
    if not user.active:
        return
    if user.role == Role.ADMIN:
        _not_the_last_admin(user)
    moment = now()
    user.active = False
    accounts.end_sessions(user)
    for model in (PendingLogin, PasswordReset, Invitation):
        db.session.execute(update(model).where(
            model.user_id == user.id, model.used_at.is_(None)).values(used_at=moment))
    db.session.flush()
    record(actor, "user.deactivated", user, before={"active": True}, after={"active": False})
    user_deactivated.send(user=user)


def reactivate(actor: User | None, user: User) -> None:
    """The account works again with its password (links sent before stay dead)."""
    _allowed(actor, "manage", user)
    if user.active:
        return
    user.active = True
    db.session.flush()
    record(actor, "user.reactivated", user, before={"active": False}, after={"active": True})


def set_publish_consent(actor: User | None, user: User, consent: bool) -> None:
    """The person agreed (or no longer agrees) to be published by name with their seats
    in the open data interface (decisions/oparl); by default nobody is."""
    _allowed(actor, "manage", user)
    if user.publish_consent == consent:
        return
    user.publish_consent = consent
    db.session.flush()
    record(actor, "user.publish_consent", user, before={"publish_consent": not consent},
           after={"publish_consent": consent})


def reset_second_factor(actor: User | None, user: User) -> None:
    """A lost phone: the code is removed and the owner told by email."""
    _allowed(actor, "reset_second_factor", user)
    if user.totp_secret is None:
        raise DomainError(_l("%(name)s has no code to reset.", name=user.name))
    accounts.reset_totp(actor, user)

