"""Which sessions a person sees: those of the modules they study and those they teach.

The same selection feeds the "your sessions" page and the personal calendar feed, so both always
agree, and neither ever holds anything about other trainees.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, lazyload, load_only

from ..accounts.models import Role, User
from ..curriculum.models import Module, ModuleStatus, module_trainers
from ..db_types import utcnow
from ..extensions import db
from ..learning.models import Enrolment, EnrolmentStatus
from .models import Attendance, LiveSession


def trainer_name():
    """Loader option: each session's trainer, just enough to show the name (roles not loaded)."""
    return joinedload(LiveSession.trainer).options(load_only(User.id, User.display_name), lazyload(User.roles))


def _visible_to(user: User):
    """The condition on ``LiveSession`` that selects ``user``'s sessions (false when none)."""
    return _visible_by_roles(user.id, trainee=user.has_role(Role.TRAINEE), trainer=user.has_role(Role.TRAINER))


def _visible_by_roles(user_id, *, trainee: bool, trainer: bool):
    """The sessions a person with ``user_id`` (a value or a bound parameter) and these roles sees."""
    clauses = []
    if trainee:
        studied = (
            sa.select(Enrolment.module_id)
            .join(Module, Module.id == Enrolment.module_id)
            .where(Enrolment.user_id == user_id, Enrolment.status != EnrolmentStatus.WITHDRAWN,
                   Module.status == ModuleStatus.PUBLISHED)
        )
        clauses.append(LiveSession.module_id.in_(studied))
    if trainer:
        taught = sa.select(module_trainers.c.module_id).where(module_trainers.c.user_id == user_id)
        clauses.append(LiveSession.module_id.in_(taught))  # a session's own trainer teaches its module
    return sa.or_(*clauses) if clauses else sa.false()


def sessions_of(user: User, *, upcoming: bool | None = None, now: datetime | None = None) -> sa.Select:
    """``user``'s sessions with module and trainer loaded: all, those not yet over
    (``upcoming=True``, soonest first) or those over (``upcoming=False``, latest first)."""
    return _sessions(_visible_to(user), upcoming=upcoming, now=now or utcnow())


def _sessions(visible, *, upcoming: bool | None, now) -> sa.Select:
    """The sessions matching ``visible``, in the order ``sessions_of`` describes; ``now`` is a
    value or a bound parameter."""
    query = (
        sa.select(LiveSession)
        .options(joinedload(LiveSession.module).load_only(Module.id, Module.title, Module.status, Module.language),
                 trainer_name())
        .where(visible)
    )
    if upcoming is True:
        return query.where(LiveSession.ends_at > now).order_by(LiveSession.starts_at, LiveSession.id)
    if upcoming is False:
        return query.where(LiveSession.ends_at <= now).order_by(LiveSession.starts_at.desc(),
                                                                LiveSession.id.desc())
    return query.order_by(LiveSession.starts_at, LiveSession.id)


@cache
def _upcoming_query(*, trainee: bool, trainer: bool, limit: int) -> sa.Select:
    """The statement behind ``upcoming_sessions`` for one combination of roles, built once (on
    the trainee's home, building it took longer than running it). Parameters: ``user_id``, ``now``."""
    visible = _visible_by_roles(sa.bindparam("user_id"), trainee=trainee, trainer=trainer)
    return _sessions(visible, upcoming=True, now=sa.bindparam("now")).limit(limit)


def upcoming_sessions(user: User, *, now: datetime, limit: int = 10) -> list[LiveSession]:
    """The next ``limit`` sessions of ``user`` that are not over yet (for a home page)."""
    query = _upcoming_query(trainee=user.has_role(Role.TRAINEE), trainer=user.has_role(Role.TRAINER), limit=limit)
    return list(db.session.scalars(query, {"user_id": user.id, "now": now}))


def taught_modules(user: User, *, limit: int = 50) -> list[Module]:
    """The modules ``user`` is a trainer of, by title (where they schedule sessions)."""
    if not user.has_role(Role.TRAINER):
        return []
    return list(db.session.scalars(
        sa.select(Module).join(module_trainers, module_trainers.c.module_id == Module.id)
        .where(module_trainers.c.user_id == user.id)
        .options(load_only(Module.id, Module.title, Module.language))
        .order_by(Module.title, Module.id).limit(limit)
    ))


def attendance_to_take(user: User, *, now: datetime, within: timedelta, limit: int = 5) -> list[LiveSession]:
    """Sessions of the modules ``user`` teaches that ended in the last ``within`` with
    trainees enrolled and no attendance recorded yet, the latest first (for the home page)."""
    if not user.has_role(Role.TRAINER):
        return []
    enrolled = sa.select(Enrolment.id).where(Enrolment.module_id == LiveSession.module_id,
                                             Enrolment.status != EnrolmentStatus.WITHDRAWN)
    recorded = sa.select(Attendance.session_id).where(Attendance.session_id == LiveSession.id)
    query = (_sessions(_visible_by_roles(user.id, trainee=False, trainer=True), upcoming=False, now=now)
             .where(LiveSession.ends_at > now - within, enrolled.exists(), ~recorded.exists())
             .limit(limit))
    return list(db.session.scalars(query))
