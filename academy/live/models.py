"""Live sessions of a module, who attended them, and the secret addresses of calendar feeds."""
from __future__ import annotations

import enum
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db_types import UTCDateTime, enum_type, utcnow
from ..extensions import db


DEFAULT_DURATION_MINUTES = 90


class LiveSession(db.Model):
    """A scheduled session, in person or online. Times are stored in UTC, shown in the viewer's zone."""

    __tablename__ = "live_sessions"
    __table_args__ = (
        sa.CheckConstraint("duration_minutes BETWEEN 5 AND 1440", name="duration_range"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint("online_url IS NULL OR online_url LIKE 'https://%'", name="online_url_https"),
        sa.CheckConstraint("sequence >= 0", name="sequence_not_negative"),
        sa.Index("ix_live_sessions_module_id_starts_at", "module_id", "starts_at"),
        # "Not over yet" per module (the trainee's home, the upcoming sessions): reads only the
        # sessions to come, however long the module's history of past sessions grows.
        sa.Index("ix_live_sessions_module_id_ends_at", "module_id", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    duration_minutes: Mapped[int] = mapped_column(default=DEFAULT_DURATION_MINUTES)
    #: ``starts_at`` + ``duration_minutes``, kept by a mapper event so that "not yet over" is
    #: a plain indexed comparison on every database.
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    #: A room and address for sessions in person.
    location: Mapped[str | None] = mapped_column(sa.String(300))
    #: An https link for online sessions.
    online_url: Mapped[str | None] = mapped_column(sa.String(500))
    trainer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: Revision number published in calendars (iCalendar SEQUENCE): raised by every change, so
    #: that calendar programs replace their copy.
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    module = relationship("Module", lazy="raise")
    trainer = relationship("User", lazy="raise")

    def has_started(self, now: datetime) -> bool:
        """Whether the session had begun at ``now`` (only started sessions count in rates)."""
        return self.starts_at <= now

    def is_over(self, now: datetime) -> bool:
        return self.ends_at <= now


@sa.event.listens_for(LiveSession, "before_insert")
@sa.event.listens_for(LiveSession, "before_update")
def _keep_ends_at(mapper, connection, live_session: LiveSession) -> None:
    # Column defaults are applied after this event, so fill the duration's default here first.
    if live_session.duration_minutes is None:
        live_session.duration_minutes = DEFAULT_DURATION_MINUTES
    if live_session.starts_at is not None:
        live_session.ends_at = live_session.starts_at + timedelta(minutes=live_session.duration_minutes)


class AttendanceStatus(enum.Enum):
    PRESENT = "present"
    LATE = "late"
    EXCUSED = "excused"
    ABSENT = "absent"

    @property
    def counts_as_attended(self) -> bool:
        return self in (AttendanceStatus.PRESENT, AttendanceStatus.LATE)

    @property
    def label(self) -> str:
        """The status in the reader's language."""
        return ATTENDANCE_LABELS[self]


ATTENDANCE_LABELS = {
    AttendanceStatus.PRESENT: _l("Present"),
    AttendanceStatus.LATE: _l("Late"),
    AttendanceStatus.EXCUSED: _l("Excused"),
    AttendanceStatus.ABSENT: _l("Absent"),
}


class Attendance(db.Model):
    """One trainee's attendance at one session, as recorded by its trainer."""

    __tablename__ = "attendance"

    session_id: Mapped[int] = mapped_column(sa.ForeignKey("live_sessions.id", ondelete="CASCADE"), primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolments.id", ondelete="CASCADE"), primary_key=True,
                                              index=True)
    status: Mapped[AttendanceStatus] = mapped_column(enum_type(AttendanceStatus, "attendance_status"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)

    session: Mapped[LiveSession] = relationship(lazy="raise")
    enrolment = relationship("Enrolment", lazy="raise")


class CalendarFeed(db.Model):
    """A person's personal calendar feed: the secret in its address is known only by its hash.

    One row per person; regenerating replaces the hash, so the old address stops working. A
    feed made before its owner's last password change stops working too: whoever knew the old
    password may have made it (``is_current``).
    """

    __tablename__ = "calendar_feeds"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    #: SHA-256 of the token in the feed's address.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user = relationship("User", lazy="raise")

    def is_current(self, owner) -> bool:
        """Whether the feed was made since ``owner``'s password last changed."""
        return owner.password_changed_at is None or self.created_at >= owner.password_changed_at

    @staticmethod
    def current_condition():
        """``is_current`` as a SQL condition (with ``User`` joined)."""
        from ..accounts.models import User

        return sa.or_(User.password_changed_at.is_(None), CalendarFeed.created_at >= User.password_changed_at)
