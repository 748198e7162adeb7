"""Where each enrolment stands — lessons, quiz, attendance — for many enrolments in one query.

Every page that shows progress (the trainee's home, the module page, the trainers' progress
table) and the completion rule read it from ``progress_for``, so they always agree and their
query count does not grow with the number of enrolments, lessons or attempts.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from datetime import datetime
from typing import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..curriculum.models import Lesson, Quiz
from ..db_types import utcnow
from ..extensions import db
from ..live.models import Attendance, AttendanceStatus, LiveSession
from .models import Enrolment, LessonProgress, QuizAttempt

#: Attendance statuses that count towards the completion rule.
ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)


def percent(part: int, whole: int) -> int:
    """``part`` as a whole percentage of ``whole``, rounded half up (0 when ``whole`` is 0)."""
    if whole <= 0:
        return 0
    return (200 * part + whole) // (2 * whole)


@dataclass(frozen=True)
class Progress:
    """One enrolment's progress through its module."""

    lessons_total: int
    lessons_done: int
    #: Whether the module has a quiz at all.
    has_quiz: bool
    #: Attempts started, submitted or not (they all count against the quiz's limit).
    attempts_used: int
    #: Best score of the submitted attempts, in percent; None before the first submission.
    best_score: int | None
    quiz_passed: bool
    #: The module's sessions that count for this enrolment, held or not: those starting at or
    #: after the enrolment was created, plus any earlier one it has an attendance record at.
    sessions_total: int
    #: Of those, the sessions that have started.
    sessions_held: int
    #: Of those, the sessions attended (present or late).
    sessions_attended: int
    #: The first lesson, in module order, not yet marked complete.
    next_lesson_id: int | None
    next_lesson_title: str | None

    @property
    def lessons_percent(self) -> int:
        return percent(self.lessons_done, self.lessons_total)

    @property
    def all_lessons_done(self) -> bool:
        return self.lessons_done >= self.lessons_total

    @property
    def attendance_rate(self) -> int | None:
        """Sessions attended as a percentage of sessions held; None when none has been held."""
        return percent(self.sessions_attended, self.sessions_held) if self.sessions_held else None


def counted_sessions() -> tuple:
    """Conditions on ``LiveSession`` (correlated with ``Enrolment``): the sessions that count for
    an enrolment. They are its module's sessions from the moment it was created on, and any earlier
    one at which its attendance was recorded; cancelled sessions are deleted, so they are gone too.
    The completion rule and the trainers' attendance rates (``live.attendance``) both count these."""
    recorded = sa.exists().where(Attendance.session_id == LiveSession.id,
                                 Attendance.enrolment_id == Enrolment.id).correlate_except(Attendance)
    return (LiveSession.module_id == Enrolment.module_id,
            sa.or_(LiveSession.starts_at >= Enrolment.created_at, recorded))


@cache
def _progress_query() -> sa.Select:
    """The statement behind ``progress_for``, built once: building it (a dozen correlated
    subqueries) took longer than running it. Parameters: ``ids`` (the enrolments), ``now``."""
    enrolment = Enrolment
    now = sa.bindparam("now")
    lessons_total = (
        sa.select(sa.func.count(Lesson.id)).where(Lesson.module_id == enrolment.module_id).scalar_subquery()
    )
    lessons_done = (
        sa.select(sa.func.count())
        .select_from(LessonProgress)
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(LessonProgress.enrolment_id == enrolment.id, Lesson.module_id == enrolment.module_id)
        .scalar_subquery()
    )
    own_attempts = (QuizAttempt.enrolment_id == enrolment.id, QuizAttempt.quiz_id == Quiz.id)
    attempts_used = sa.select(sa.func.count(QuizAttempt.id)).where(*own_attempts).scalar_subquery()
    best_score = sa.select(sa.func.max(QuizAttempt.score_percent)).where(*own_attempts).scalar_subquery()
    quiz_passed = sa.exists().where(*own_attempts, QuizAttempt.passed == sa.true())
    counted = counted_sessions()
    sessions_total = sa.select(sa.func.count(LiveSession.id)).where(*counted).scalar_subquery()
    sessions_held = (
        sa.select(sa.func.count(LiveSession.id)).where(*counted, LiveSession.starts_at <= now).scalar_subquery()
    )
    # A recorded attendance makes its session count, so no need to repeat ``counted`` here.
    sessions_attended = (
        sa.select(sa.func.count())
        .select_from(Attendance)
        .join(LiveSession, LiveSession.id == Attendance.session_id)
        .where(Attendance.enrolment_id == enrolment.id, Attendance.status.in_(ATTENDED),
               LiveSession.module_id == enrolment.module_id, LiveSession.starts_at <= now)
        .scalar_subquery()
    )
    # Two levels deep: auto-correlation reaches only the nearest query, so name the outer ones.
    lesson_done = sa.exists().where(LessonProgress.enrolment_id == enrolment.id,
                                    LessonProgress.lesson_id == Lesson.id).correlate_except(LessonProgress)
    next_lesson_id = (
        sa.select(Lesson.id)
        .where(Lesson.module_id == enrolment.module_id, ~lesson_done)
        .order_by(Lesson.position, Lesson.id)
        .limit(1)
        .scalar_subquery()
    )
    next_lesson = aliased(Lesson, name="next_lesson")
    return (
        sa.select(
            enrolment.id, lessons_total, lessons_done, Quiz.id, attempts_used, best_score,
            quiz_passed, sessions_total, sessions_held, sessions_attended, next_lesson.id,
            next_lesson.title,
        )
        .outerjoin(Quiz, Quiz.module_id == enrolment.module_id)
        .outerjoin(next_lesson, next_lesson.id == next_lesson_id)
        .where(enrolment.id.in_(sa.bindparam("ids", expanding=True)))
    )


def progress_for(enrolment_ids: Iterable[int], *, now: datetime | None = None) -> dict[int, Progress]:
    """The progress of each enrolment in ``enrolment_ids``, keyed by enrolment id (one query).

    Sessions count as held once they have started (``starts_at <= now``); only those that count
    for the enrolment (see ``Progress.sessions_total``) are counted, so a trainee who joins late is
    not measured against sessions held before they joined.
    """
    ids = sorted(set(enrolment_ids))
    if not ids:
        return {}
    rows = db.session.execute(_progress_query(), {"ids": ids, "now": now or utcnow()}).all()
    return {
        row[0]: Progress(
            lessons_total=row[1], lessons_done=row[2], has_quiz=row[3] is not None,
            attempts_used=row[4] if row[3] is not None else 0, best_score=row[5],
            quiz_passed=bool(row[6]) and row[3] is not None, sessions_total=row[7],
            sessions_held=row[8], sessions_attended=row[9], next_lesson_id=row[10],
            next_lesson_title=row[11],
        )
        for row in rows
    }
