"""Trainees learning: enrolments, lesson progress and quiz attempts."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db_types import UTCDateTime, enum_type, utcnow
from ..extensions import db


class EnrolmentStatus(enum.Enum):
    ACTIVE = "active"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


class Enrolment(db.Model):
    """A trainee taking a module. Completes exactly once: ``completed_at`` is set one time only."""

    __tablename__ = "enrolments"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "module_id", name="uq_enrolments_user_id_module_id"),
        sa.CheckConstraint(
            "(status = 'completed') = (completed_at IS NOT NULL)", name="completed_has_time"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    status: Mapped[EnrolmentStatus] = mapped_column(enum_type(EnrolmentStatus, "enrolment_status"),
                                                    default=EnrolmentStatus.ACTIVE, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Who enrolled the trainee (an admin or trainer; later the invitation of an edition).
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The edition (intake) the trainee joined this module through, when they came by nomination.
    edition_id: Mapped[int | None] = mapped_column(sa.ForeignKey("editions.id", ondelete="SET NULL"), index=True)

    user = relationship("User", foreign_keys=[user_id], lazy="raise")
    module = relationship("Module", lazy="raise")
    edition = relationship("Edition", lazy="raise")
    progress: Mapped[list["LessonProgress"]] = relationship(back_populates="enrolment", lazy="raise",
                                                            cascade="all, delete-orphan")


class LessonProgress(db.Model):
    """A lesson marked complete within an enrolment."""

    __tablename__ = "lesson_progress"

    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolments.id", ondelete="CASCADE"), primary_key=True)
    lesson_id: Mapped[int] = mapped_column(sa.ForeignKey("lessons.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    enrolment: Mapped[Enrolment] = relationship(back_populates="progress", lazy="raise")


class QuizAttempt(db.Model):
    """One attempt at a module's quiz: the order shown, the answers given, the score."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (
        sa.CheckConstraint("score_percent IS NULL OR score_percent BETWEEN 0 AND 100", name="score_range"),
        sa.CheckConstraint("(submitted_at IS NULL) = (score_percent IS NULL)", name="score_when_submitted"),
        sa.CheckConstraint("number >= 1", name="number_positive"),
        # Two attempts started at once get the same number: one of them fails here, so the
        # attempt limit holds without a read-then-write race.
        sa.UniqueConstraint("enrolment_id", "quiz_id", "number", name="uq_quiz_attempts_enrolment_id_quiz_id_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    quiz_id: Mapped[int] = mapped_column(sa.ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    #: 1 for the enrolment's first attempt at this quiz, 2 for the second, …
    number: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Question id → choice ids in the shuffled order shown to the trainee.
    choice_order: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: Question id → choice ids the trainee selected.
    answers: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    score_percent: Mapped[int | None]
    passed: Mapped[bool] = mapped_column(default=False)

    enrolment: Mapped[Enrolment] = relationship(lazy="raise")
    quiz = relationship("Quiz", lazy="raise")
