"""Scheduling, changing and cancelling live sessions, recording attendance, calendar-feed secrets.

Each function flushes, audits and queues e-mail; none commits (the caller does, once).
"""
from __future__ import annotations

import secrets
from datetime import datetime
from typing import Mapping

import sqlalchemy as sa
from babel.dates import format_date, format_time
from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import contains_eager

from ..accounts.models import Role, User, UserRole, hash_token
from ..audit.operations import record
from ..curriculum.models import Module
from ..db_types import utcnow
from ..extensions import db
from ..learning.completion import evaluate_completion, evaluate_module_completions, taught_by_its_trainee
from ..learning.models import Enrolment, EnrolmentStatus
from ..outbox.operations import queue_mail
from .models import Attendance, AttendanceStatus, CalendarFeed, LiveSession
from .times import time_zone_city, zone

#: Session columns that trainers edit.
SESSION_FIELDS = ("title", "starts_at", "duration_minutes", "location", "online_url", "trainer_id")


class ForgedEnrolment(ValueError):
    """Attendance was sent for an enrolment that is not one of the session's module."""


class SessionNotStarted(ValueError):
    """Attendance was sent for a session that has not started yet."""


#: Why attendance cannot be recorded yet, in the reader's language.
NOT_STARTED = _l("This session has not started yet: attendance can be taken once it has begun.")


# --- sessions --------------------------------------------------------------------------------

def schedule_session(module: Module, *, actor: User, title: str, starts_at: datetime,
                     duration_minutes: int, location: str | None, online_url: str | None,
                     trainer_id: int | None) -> LiveSession:
    """Add a session to ``module`` and tell its trainees, unless it is already over (one added
    afterwards so that its attendance can be taken announces nothing)."""
    live_session = LiveSession(module_id=module.id, title=title, starts_at=starts_at,
                               duration_minutes=duration_minutes, location=location or None,
                               online_url=online_url or None, trainer_id=trainer_id)
    db.session.add(live_session)
    db.session.flush()
    record("live_session.create", actor=actor, target=live_session, module_id=module.id,
           starts_at=starts_at.isoformat(), trainer_id=trainer_id)
    if live_session.ends_at > utcnow():
        _tell_trainees(module, live_session, "live_session_scheduled",
                       _l("New session: %(title)s", title=live_session.title))
    return live_session


def already_scheduled(module: Module, *, title: str, starts_at: datetime, **_values) -> bool:
    """Whether ``module`` has a session of this title at this time already (the same form sent
    twice, after the browser's Back button)."""
    return db.session.scalar(sa.select(sa.exists().where(
        LiveSession.module_id == module.id, LiveSession.title == title, LiveSession.starts_at == starts_at)))


def _audit_value(value):
    return value.isoformat() if isinstance(value, datetime) else value


def update_session(live_session: LiveSession, module: Module, *, actor: User, **values) -> dict:
    """Change a session; return what changed. Trainees are told about any change."""
    unknown = set(values) - set(SESSION_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {', '.join(sorted(unknown))}")
    values = {name: (value or None) if name in ("location", "online_url") else value
              for name, value in values.items()}
    changes = {}
    for name, new in values.items():
        old = getattr(live_session, name)
        if old != new:
            changes[name] = {"from": _audit_value(old), "to": _audit_value(new)}
            setattr(live_session, name, new)
    if not changes:
        return changes
    live_session.sequence += 1
    db.session.flush()
    record("live_session.update", actor=actor, target=live_session, module_id=module.id, changes=changes)
    _tell_trainees(module, live_session, "live_session_changed",
                   _l("Session changed: %(title)s", title=live_session.title))
    if "starts_at" in changes:  # whether it counts for an enrolment depends on when it starts
        evaluate_module_completions(module, actor=actor)
    return changes


def cancel_session(live_session: LiveSession, module: Module, *, actor: User) -> bool:
    """Delete a session on which no attendance is recorded; return whether it was deleted.

    The check is part of the DELETE, so attendance recorded meanwhile keeps the session. One
    session fewer to attend: the module's active enrolments are evaluated again.
    """
    session_id = live_session.id
    deleted = db.session.execute(
        sa.delete(LiveSession)
        .where(LiveSession.id == session_id,
               ~sa.exists().where(Attendance.session_id == LiveSession.id))
        .execution_options(synchronize_session=False)
    ).rowcount
    if deleted != 1:
        return False
    db.session.expunge(live_session)
    record("live_session.cancel", actor=actor, object_type="live_sessions", object_id=session_id,
           module_id=module.id, title=live_session.title, starts_at=live_session.starts_at.isoformat())
    _tell_trainees(module, live_session, "live_session_cancelled",
                   _l("Session cancelled: %(title)s", title=live_session.title), links=False)
    evaluate_module_completions(module, actor=actor)
    return True


def _recipients(module: Module) -> list[User]:
    """Active trainees enrolled in ``module`` (not withdrawn), if trainees can see it at all. The
    trainee role is checked as the sessions pages check it: someone who is no longer a trainee
    is not sent the online meeting's link."""
    if not module.is_published:
        return []
    return list(db.session.scalars(
        sa.select(User).join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.module_id == module.id, Enrolment.status != EnrolmentStatus.WITHDRAWN,
               User.is_active.is_(True),
               sa.exists().where(UserRole.user_id == User.id, UserRole.role == Role.TRAINEE))
        .order_by(User.id)
    ))


def local_when(moment: datetime, *, language: str, zone_name: str) -> str:
    """``moment`` as a reader in ``zone_name`` reads it in ``language``: date, time and zone."""
    where = zone(zone_name)
    local = moment.astimezone(where)
    city = time_zone_city(where.key, language)
    with force_locale(language):
        # The city in the reader's language, and the zone's name as their profile shows it.
        zone_text = where.key if city == where.key else _("%(city)s, %(zone)s", city=city, zone=where.key)
        return _("%(date)s at %(time)s (%(zone)s)", date=format_date(local, "full", locale=language),
                 time=format_time(local, "short", locale=language), zone=zone_text)


def _tell_trainees(module: Module, live_session: LiveSession, template: str, subject, *,
                   links: bool = True) -> None:
    sessions_link = ics_link = None
    if links:
        from ..accounts.tokens import mail_link

        sessions_link = mail_link("live.my_sessions")
        ics_link = mail_link("live.session_ics", session_id=live_session.id)
    for trainee in _recipients(module):
        queue_mail(trainee.email, trainee.preferred_language, subject, template,
                   name=trainee.display_name, module_title=module.title, title=live_session.title,
                   when=local_when(live_session.starts_at, language=trainee.preferred_language,
                                   zone_name=trainee.time_zone),
                   duration=live_session.duration_minutes, location=live_session.location,
                   online_url=live_session.online_url, sessions_link=sessions_link, ics_link=ics_link)


# --- attendance ------------------------------------------------------------------------------

def _attended_by_others(module_id: int, taker_id: int | None):
    """Enrolments whose attendance someone else takes: not withdrawn, not the taker's own, and
    not of one of the module's trainers (who would take their own attendance and set the rule of
    their own certificate)."""
    conditions = [
        Enrolment.module_id == module_id, Enrolment.status != EnrolmentStatus.WITHDRAWN, ~taught_by_its_trainee(),
    ]
    if taker_id is not None:
        conditions.append(Enrolment.user_id != taker_id)
    return sa.and_(*conditions)


def attendance_query(module_id: int, taker_id: int | None = None) -> sa.Select:
    """The enrolments whose attendance ``taker_id`` takes at ``module_id``'s sessions (see
    ``_attended_by_others``), each with its trainee loaded, by name."""
    return (
        sa.select(Enrolment).join(Enrolment.user)
        .options(contains_eager(Enrolment.user).lazyload(User.roles))
        .where(_attended_by_others(module_id, taker_id))
        .order_by(sa.func.lower(User.display_name), User.id)
    )


def attendance_list(module_id: int, taker_id: int | None = None) -> list[Enrolment]:
    """Every enrolment of ``attendance_query``: the whole list is taken at once, on one page."""
    return list(db.session.scalars(attendance_query(module_id, taker_id)))


def recorded_statuses(session_id: int) -> dict[int, AttendanceStatus]:
    """Enrolment id → status recorded at the session."""
    return dict(db.session.execute(
        sa.select(Attendance.enrolment_id, Attendance.status).where(Attendance.session_id == session_id)
    ).all())


def _upsert(model):
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def record_attendance(live_session: LiveSession, statuses: Mapping[int, AttendanceStatus], *,
                      actor: User, now: datetime | None = None) -> dict[int, AttendanceStatus]:
    """Record ``statuses`` (enrolment id → status) at ``live_session``; return those that changed.

    The session must have started by ``now``, else ``SessionNotStarted`` is raised; every id must
    be an enrolment of the session's module whose attendance ``actor`` takes (not withdrawn, not
    their own, not a trainer's of the module), else ``ForgedEnrolment`` is raised:
    both before anything is written. The rows are written by one INSERT … ON CONFLICT DO
    UPDATE; then the completion rule of each changed enrolment is evaluated.
    """
    now = now or utcnow()
    if not live_session.has_started(now):
        raise SessionNotStarted(f"session {live_session.id} starts at {live_session.starts_at.isoformat()}")
    enrolments = {enrolment.id: enrolment for enrolment in db.session.scalars(
        sa.select(Enrolment).where(_attended_by_others(live_session.module_id, actor.id)))}
    forged = set(statuses) - set(enrolments)
    if forged:
        raise ForgedEnrolment(f"not enrolments of module {live_session.module_id} whose attendance "
                              f"user {actor.id} takes: {sorted(forged)}")
    before = recorded_statuses(live_session.id)
    changed = {enrolment_id: status for enrolment_id, status in sorted(statuses.items())
               if before.get(enrolment_id) is not status}
    if not changed:
        return changed
    insert = _upsert(Attendance).values([
        {"session_id": live_session.id, "enrolment_id": enrolment_id, "status": status,
         "recorded_at": now, "recorded_by_id": actor.id}
        for enrolment_id, status in changed.items()
    ])
    db.session.execute(insert.on_conflict_do_update(
        index_elements=[Attendance.session_id, Attendance.enrolment_id],
        set_={"status": insert.excluded.status, "recorded_at": insert.excluded.recorded_at,
              "recorded_by_id": insert.excluded.recorded_by_id},
    ))
    record("attendance.record", actor=actor, target=live_session, module_id=live_session.module_id,
           statuses={str(enrolment_id): status.value for enrolment_id, status in changed.items()})
    for enrolment_id in changed:
        evaluate_completion(enrolments[enrolment_id], actor=actor, now=now)
    return changed


# --- calendar feeds --------------------------------------------------------------------------

def issue_feed_token(user: User) -> str:
    """Give ``user`` a new secret feed address and return its token; any older one stops working."""
    token = secrets.token_urlsafe(32)
    feed = db.session.get(CalendarFeed, user.id)
    regenerated = feed is not None
    if feed is None:
        db.session.add(CalendarFeed(user_id=user.id, token_hash=hash_token(token)))
    else:
        feed.token_hash = hash_token(token)
        feed.created_at = utcnow()
    db.session.flush()
    record("calendar_feed.regenerate" if regenerated else "calendar_feed.create", actor=user, target=user)
    return token


def revoke_feed(user: User, *, actor: User | None = None) -> bool:
    """Turn ``user``'s calendar feed off (by ``actor``, the user by default); return whether there was one."""
    removed = db.session.execute(
        sa.delete(CalendarFeed).where(CalendarFeed.user_id == user.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if removed:
        record("calendar_feed.revoke", actor=actor or user, target=user)
    return bool(removed)


def feed_owner(token: str) -> User | None:
    """The active person whose feed address holds ``token``, or None."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(
        sa.select(User).join(CalendarFeed, CalendarFeed.user_id == User.id)
        .where(CalendarFeed.token_hash == hash_token(token), User.is_active.is_(True),
               CalendarFeed.current_condition())
    )
