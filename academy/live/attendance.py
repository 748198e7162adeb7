"""Attendance rates and per-session tallies, for many trainees or sessions in one query each.

A trainee *attended* a session when marked present or late. The rate counts the sessions that
count for the enrolment (``learning.progress.counted_sessions``) and have started, as the
completion rule does.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

import sqlalchemy as sa

from ..db_types import utcnow
from ..extensions import db
from ..learning.models import Enrolment
from ..learning.progress import counted_sessions, percent
from .models import Attendance, AttendanceStatus, LiveSession

#: Statuses that count as having attended.
ATTENDED = tuple(status for status in AttendanceStatus if status.counts_as_attended)


@dataclass(frozen=True)
class AttendanceRate:
    """How many of its module's started sessions one enrolment attended."""

    held: int
    attended: int

    @property
    def percent(self) -> int | None:
        """Attended as a whole percentage of held; None while no session has started."""
        return percent(self.attended, self.held) if self.held else None


def attendance_rates(enrolment_ids: Iterable[int], *, now: datetime | None = None) -> dict[int, AttendanceRate]:
    """The attendance rate of each enrolment in ``enrolment_ids``, keyed by its id (one query)."""
    ids = sorted(set(enrolment_ids))
    if not ids:
        return {}
    now = now or utcnow()
    started = LiveSession.starts_at <= now
    sessions_held = sa.select(sa.func.count(LiveSession.id)).where(*counted_sessions(), started).scalar_subquery()
    # A recorded attendance makes its session count, so the module and the start suffice here.
    sessions_attended = (
        sa.select(sa.func.count())
        .select_from(Attendance)
        .join(LiveSession, LiveSession.id == Attendance.session_id)
        .where(Attendance.enrolment_id == Enrolment.id, Attendance.status.in_(ATTENDED),
               LiveSession.module_id == Enrolment.module_id, started)
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(Enrolment.id, sessions_held, sessions_attended).where(Enrolment.id.in_(ids))
    ).all()
    return {row[0]: AttendanceRate(held=row[1], attended=row[2]) for row in rows}


def attendance_rate(enrolment_id: int, *, now: datetime | None = None) -> AttendanceRate | None:
    """The attendance rate of one enrolment (None when there is no such enrolment)."""
    return attendance_rates([enrolment_id], now=now).get(enrolment_id)


@dataclass(frozen=True)
class SessionTally:
    """How many trainees were recorded with each status at one session."""

    counts: dict[AttendanceStatus, int]

    @property
    def recorded(self) -> int:
        return sum(self.counts.values())

    @property
    def attended(self) -> int:
        return sum(self.counts.get(status, 0) for status in ATTENDED)

    def count(self, status: AttendanceStatus) -> int:
        return self.counts.get(status, 0)


def session_tallies(session_ids: Iterable[int]) -> dict[int, SessionTally]:
    """Per session in ``session_ids``, the number of trainees with each status (one query)."""
    ids = sorted(set(session_ids))
    counters: dict[int, Counter] = {session_id: Counter() for session_id in ids}
    if ids:
        rows = db.session.execute(
            sa.select(Attendance.session_id, Attendance.status, sa.func.count())
            .where(Attendance.session_id.in_(ids))
            .group_by(Attendance.session_id, Attendance.status)
        ).all()
        for session_id, status, count in rows:
            counters[session_id][status] = count
    return {session_id: SessionTally(counts=dict(counter)) for session_id, counter in counters.items()}
