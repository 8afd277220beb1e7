"""Users with one role each, their server-side login sessions and failed logins."""

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from decisions.accounts.totp_keys import EncryptedSecret
from decisions.enums import enum_column
from decisions.extensions import db
from decisions.members.models import Member


class Role(StrEnum):
    SECRETARIAT = "secretariat"
    REPRESENTATIVE = "representative"
    BOARD = "board"
    ADMIN = "admin"


# The password hash of an account whose owner has not yet chosen one (an invitation):
# no password verifies against it.
NO_PASSWORD = "!invited"  # noqa: S105 - a marker, not a password


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        # A representative speaks for exactly one member; nobody else speaks for any.
        CheckConstraint(
            "(role = 'representative' AND member_id IS NOT NULL)"
            " OR (role <> 'representative' AND member_id IS NULL)",
            name="representative_has_one_member",
        ),
        # A member has at most one main representative; the others are deputies.
        Index("uq_users_main_representative", "member_id", unique=True,
              sqlite_where=text("is_main_representative"),
              postgresql_where=text("is_main_representative")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        enum_column(Role, "role")
    )
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    locale: Mapped[str | None] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(default=True)
    # A representative is the main one of their member, or a deputy.
    is_main_representative: Mapped[bool] = mapped_column(default=False,
                                                         server_default=text("false"))
    # The second factor (TOTP, RFC 6238): the shared secret once the user has proved
    # an authenticator holds it (encrypted at rest), and the last time step used (a
    # code works once).
    totp_secret: Mapped[str | None] = mapped_column(EncryptedSecret)
    totp_last_step: Mapped[int | None]
    created_at: Mapped[datetime]
    # Agreed to be published (name and seats) in the open data interface (decisions/oparl).
    publish_consent: Mapped[bool] = mapped_column(default=False,
                                                  server_default=text("false"))

    member: Mapped[Member | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def invited(self) -> bool:
        """Invited and not yet come: no password chosen (see people.services)."""
        return self.password_hash == NO_PASSWORD

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class LoginSession(db.Model):
    """One login. The cookie holds a random token; the row holds its hash.

    Logging out ends the row, so a cookie copied before logout is refused after it.
    """

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    # A second factor being set up at /account/code, until a code made from it is shown.
    totp_setup_secret: Mapped[str | None] = mapped_column(EncryptedSecret)

    user: Mapped[User] = relationship()


class PendingLogin(db.Model):
    """A right password waiting for its code: the session cookie holds a random token,
    the row its hash. It works for a few minutes, once."""

    __tablename__ = "pending_logins"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    next_url: Mapped[str] = mapped_column(String(2000), default="")
    created_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    # The second factor being set up at this login, for a role that needs one.
    totp_secret: Mapped[str | None] = mapped_column(EncryptedSecret)

    user: Mapped[User] = relationship()


class FailureKind(StrEnum):
    PASSWORD = "password"  # noqa: S105 - a kind of failure, not a password
    CODE = "code"


class LoginFailure(db.Model):
    """A failed password or code, insert-only so concurrent workers all count. Keyed by
    a digest of the email typed, known or not, so that a lock looks the same for an
    address without an account; and by a digest of the client address."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(64), index=True)
    client: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[FailureKind] = mapped_column(enum_column(FailureKind, "failure_kind"))
    at: Mapped[datetime] = mapped_column(index=True)


class PasswordReset(db.Model):
    """A link to choose a new password, sent by email: only its token's hash is kept;
    it works once, for an hour."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class Invitation(db.Model):
    """A link to join Samråd, sent by email: only its token's hash is kept; it works
    once, until it expires or a newer invitation (or deactivation) ends it."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id])
