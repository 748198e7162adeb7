"""Live sessions of a module and who attended them."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db_types import UTCDateTime, enum_type, utcnow
from ..extensions import db


class LiveSession(db.Model):
    """A scheduled session, in person or online. Times are stored in UTC, shown in the viewer's zone."""

    __tablename__ = "live_sessions"
    __table_args__ = (
        sa.CheckConstraint("duration_minutes BETWEEN 5 AND 1440", name="duration_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    duration_minutes: Mapped[int] = mapped_column(default=90)
    #: A room and address for sessions in person.
    location: Mapped[str | None] = mapped_column(sa.String(300))
    #: An https link for online sessions.
    online_url: Mapped[str | None] = mapped_column(sa.String(500))
    trainer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    module = relationship("Module", lazy="raise")
    trainer = relationship("User", lazy="raise")


class AttendanceStatus(enum.Enum):
    PRESENT = "present"
    LATE = "late"
    EXCUSED = "excused"
    ABSENT = "absent"

    @property
    def counts_as_attended(self) -> bool:
        return self in (AttendanceStatus.PRESENT, AttendanceStatus.LATE)


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
