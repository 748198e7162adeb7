"""People, their roles, their open sessions and their single-use links."""
from __future__ import annotations

import enum
import hashlib
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..config import LANGUAGES
from ..db_types import UTCDateTime, enum_type, utcnow
from ..extensions import db


class Role(enum.Enum):
    """What a person may do here; one person may hold several."""

    ADMIN = "admin"
    COORDINATOR = "coordinator"
    TRAINER = "trainer"
    TRAINEE = "trainee"

    @property
    def label(self) -> str:
        """The role's name in the reader's language."""
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.COORDINATOR: _l("Coordinator"),
    Role.TRAINER: _l("Trainer"),
    Role.TRAINEE: _l("Trainee"),
}


def hash_token(token: str) -> str:
    """The SHA-256 of a secret token: only this is stored, so a database leak opens nothing."""
    return hashlib.sha256(token.encode()).hexdigest()


_LANGUAGE_LIST = ", ".join(f"'{code}'" for code in LANGUAGES)


class User(db.Model):
    """A person with an account: trainee, trainer, coordinator, admin or several of these."""

    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
        sa.CheckConstraint(f"preferred_language IN ({_LANGUAGE_LIST})", name="preferred_language_known"),
        sa.CheckConstraint("failed_sign_ins >= 0", name="failed_sign_ins_not_negative"),
        sa.CheckConstraint("lock_count >= 0", name="lock_count_not_negative"),
        # The admins' list is sorted by name: read in index order, not sorted per page view.
        sa.Index("ix_users_display_name_id", "display_name", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Sign-in address, stored lower-case so uniqueness ignores letter case.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    #: The name shown in the interface (and, unless corrected, on certificates).
    display_name: Mapped[str] = mapped_column(sa.String(250))
    #: Language of the interface and of every e-mail sent to this person.
    preferred_language: Mapped[str] = mapped_column(sa.String(2), default="en")
    #: IANA time zone in which dates and times are shown to this person.
    time_zone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    #: The member organisation this person belongs to, if any.
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    #: Disabled accounts cannot sign in and lose their open sessions.
    is_active: Mapped[bool] = mapped_column(default=True, index=True)
    #: argon2id hash; empty until an invited person sets a password.
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Consecutive failed sign-ins; reset on success. Reaching the limit locks the account a while.
    failed_sign_ins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Locks since the account was last opened (a sign-in, a new password, an admin): each lasts
    #: twice as long as the one before, so guessing slows to a few tries a day.
    lock_count: Mapped[int] = mapped_column(default=0, server_default="0")
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Two-step verification: the authenticator app's shared secret, encrypted (``two_factor``).
    totp_secret: Mapped[str | None] = mapped_column(sa.String(255))
    #: When two-step verification was turned on; None while it is off.
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The 30-second step of the last code accepted: a code never works twice, nor an older one.
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger())

    organisation = relationship("Organisation", lazy="raise")
    roles: Mapped[list["UserRole"]] = relationship(
        back_populates="user", lazy="selectin", cascade="all, delete-orphan"
    )

    # Flask-Login protocol. The id handed to Flask-Login is the token of the current session
    # (see ``accounts.sessions``), not the user's id, so that sessions can be ended one by one.
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return True

    def get_id(self) -> str | None:
        return getattr(self, "session_token", None)

    @property
    def role_names(self) -> frozenset[str]:
        return frozenset(role.role.value for role in self.roles)

    def has_role(self, *roles: Role) -> bool:
        """Whether the person holds one of ``roles`` (see ``acting_role_names`` for what it opens)."""
        return any(role.value in self.role_names for role in roles)

    @property
    def acting_role_names(self) -> frozenset[str]:
        """The roles that open pages now: those held, except coordinating for an organisation that
        is not an active member. A deactivated organisation's coordinators keep the role (for when
        it is activated again) but see none of its nominations, nominees or certificates."""
        names = self.role_names
        if Role.COORDINATOR.value in names and self.organisation_id is not None and not self.coordinates():
            return names - {Role.COORDINATOR.value}
        return names  # a coordinator not yet tied to an organisation is told so on its pages

    def coordinates(self, organisation_id: int | None = None) -> bool:
        """Whether the person acts as a coordinator now (for ``organisation_id``, when given): they
        hold the role and belong to an organisation that is an active member of the alliance."""
        if not self.has_role(Role.COORDINATOR) or self.organisation_id is None:
            return False
        if organisation_id is not None and organisation_id != self.organisation_id:
            return False
        from ..organisations.models import Organisation

        # Loaded with the signed-in user (``accounts.sessions``): from the identity map, no query.
        organisation = db.session.get(Organisation, self.organisation_id)
        return organisation is not None and organisation.is_active

    @property
    def is_admin(self) -> bool:
        return self.has_role(Role.ADMIN)

    @property
    def has_accepted_invitation(self) -> bool:
        """Whether the person has a password (invited people have none until they accept)."""
        return self.password_hash is not None

    @property
    def has_two_factor(self) -> bool:
        """Whether signing in also asks for a code from an authenticator app."""
        return self.totp_enabled_at is not None

    def is_locked(self, now: datetime) -> bool:
        """Whether too many failed sign-ins keep the account closed at ``now``."""
        return self.locked_until is not None and self.locked_until > now

    def unlock(self) -> None:
        """Forget failed sign-ins and locks: the owner proved who they are (or an admin vouched)."""
        self.failed_sign_ins = 0
        self.locked_until = None
        self.lock_count = 0

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class UserRole(db.Model):
    """One role held by one user."""

    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"), primary_key=True, index=True)

    user: Mapped[User] = relationship(back_populates="roles", lazy="raise")


class UserSession(db.Model):
    """An open sign-in. Deleting the row ends the session wherever its cookie is."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the random token kept in the session cookie.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Refreshed at most once a minute; older than the idle timeout means ended.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(lazy="raise")


class RecoveryCode(db.Model):
    """A single-use code that stands in for the authenticator app (a lost or broken phone)."""

    __tablename__ = "recovery_codes"
    __table_args__ = (sa.UniqueConstraint("user_id", "code_hash", name="one_code_per_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: Keyed hash of the code (``two_factor.recovery_code_hash``); the code itself is shown once.
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Set when the code is used; a used code never works again.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class TokenPurpose(enum.Enum):
    """What a single-use link is for."""

    RESET = "reset"
    INVITATION = "invitation"


class AccountToken(db.Model):
    """A single-use, expiring link sent by e-mail: password reset or invitation."""

    __tablename__ = "account_tokens"
    __table_args__ = (sa.CheckConstraint("expires_at > created_at", name="expires_after_creation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(enum_type(TokenPurpose, "token_purpose"), index=True)
    #: SHA-256 of the token in the link.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: Set when the link is used; a used link never works again.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="raise")

    def is_expired(self, now: datetime) -> bool:
        """Whether the link is past its expiry at ``now``."""
        return self.expires_at <= now

    @property
    def is_used(self) -> bool:
        """Whether the link has served already (it never works twice)."""
        return self.used_at is not None
