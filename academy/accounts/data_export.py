"""A copy of the personal data the academy holds about one person ("download my data").

``export_personal_data`` builds a plain dictionary, ready for JSON, from a fixed number of
queries whatever the person's history (one per section, joins instead of lazy loads). Keys are
stable English words, not translated labels, so that scripts reading the file keep working.

What is left out, on purpose:
- secrets: the password hash, the two-step verification secret, recovery codes, the hashes of
  session, invitation and calendar feed tokens;
- other people's personal data: the nominations a coordinator made for others are the nominees'
  data, so only their number is given; audit events name no other person (no actor, no other
  target, no address the event came from unless the person acted), and events the person caused
  on something else give only the action and the time;
- what the academy wrote about the person for its own use: quiz answer keys and reviewers'
  decision reasons.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from ..audit.models import AuditEvent
from ..audit.operations import record
from ..certificates.models import Certificate
from ..curriculum.models import Lesson, Module, Quiz
from ..extensions import db
from ..learning.models import Enrolment, LessonProgress, QuizAttempt
from ..live.models import Attendance, LiveSession
from ..nominations.models import Edition, Nomination
from ..organisations.models import Organisation
from .models import User, UserSession

#: Raised when the file's layout changes, so that readers can tell versions apart.
FORMAT_VERSION = 1


def export_personal_data(user: User, *, now: datetime) -> dict:
    """Everything the academy holds about ``user``, as plain JSON values; audited (caller commits)."""
    export = {
        "format_version": FORMAT_VERSION,
        "generated_at": _moment(now),
        "account": _account(user),
        "open_sessions": _open_sessions(user),
        "enrolments": _enrolments(user),
        "lesson_progress": _lesson_progress(user),
        "quiz_attempts": _quiz_attempts(user),
        "attendance": _attendance(user),
        "certificates": _certificates(user),
        "nominations": _nominations(user),
        "nominations_made_for_others": _nominations_made_for_others(user),
        "audit_events": _audit_events(user),
    }
    record("account.data_exported", actor=user, target=user)
    db.session.flush()
    return export


def _moment(value: datetime | date | None) -> str | None:
    """ISO 8601 text (times in UTC, with their offset), or None."""
    return None if value is None else value.isoformat()


def _account(user: User) -> dict:
    organisation = None
    if user.organisation_id is not None:
        organisation = db.session.scalar(sa.select(Organisation.name).where(Organisation.id == user.organisation_id))
    return {
        "email": user.email,
        "display_name": user.display_name,
        "preferred_language": user.preferred_language,
        "time_zone": user.time_zone,
        "organisation": organisation,
        "roles": sorted(user.role_names),
        "created_at": _moment(user.created_at),
        "last_sign_in_at": _moment(user.last_sign_in_at),
        "password_changed_at": _moment(user.password_changed_at),
        "two_step_verification_on_since": _moment(user.totp_enabled_at),
    }


def _open_sessions(user: User) -> list[dict]:
    rows = db.session.execute(
        sa.select(UserSession.created_at, UserSession.last_seen_at)
        .where(UserSession.user_id == user.id).order_by(UserSession.created_at, UserSession.id))
    return [{"created_at": _moment(row.created_at), "last_seen_at": _moment(row.last_seen_at)} for row in rows]


def _enrolments(user: User) -> list[dict]:
    rows = db.session.execute(
        sa.select(Enrolment.status, Enrolment.created_at, Enrolment.completed_at,
                  Module.title.label("module"), Edition.name.label("edition"))
        .join(Module, Module.id == Enrolment.module_id)
        .outerjoin(Edition, Edition.id == Enrolment.edition_id)
        .where(Enrolment.user_id == user.id).order_by(Enrolment.created_at, Enrolment.id))
    return [{"module": row.module, "edition": row.edition, "status": row.status.value,
             "enrolled_at": _moment(row.created_at), "completed_at": _moment(row.completed_at)}
            for row in rows]


def _lesson_progress(user: User) -> list[dict]:
    rows = db.session.execute(
        sa.select(LessonProgress.completed_at, Lesson.title.label("lesson"), Module.title.label("module"))
        .join(Enrolment, Enrolment.id == LessonProgress.enrolment_id)
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .join(Module, Module.id == Lesson.module_id)
        .where(Enrolment.user_id == user.id).order_by(LessonProgress.completed_at, Lesson.id))
    return [{"module": row.module, "lesson": row.lesson, "completed_at": _moment(row.completed_at)}
            for row in rows]


def _quiz_attempts(user: User) -> list[dict]:
    # Only the outcome: the answers given and their order would hand out the answer key.
    rows = db.session.execute(
        sa.select(QuizAttempt.number, QuizAttempt.started_at, QuizAttempt.submitted_at,
                  QuizAttempt.score_percent, QuizAttempt.passed,
                  Quiz.title.label("quiz"), Module.title.label("module"))
        .join(Enrolment, Enrolment.id == QuizAttempt.enrolment_id)
        .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
        .join(Module, Module.id == Quiz.module_id)
        .where(Enrolment.user_id == user.id).order_by(QuizAttempt.started_at, QuizAttempt.id))
    return [{"module": row.module, "quiz": row.quiz, "attempt": row.number,
             "started_at": _moment(row.started_at), "submitted_at": _moment(row.submitted_at),
             "score_percent": row.score_percent, "passed": row.passed} for row in rows]


def _attendance(user: User) -> list[dict]:
    rows = db.session.execute(
        sa.select(Attendance.status, LiveSession.title, LiveSession.starts_at, Module.title.label("module"))
        .join(Enrolment, Enrolment.id == Attendance.enrolment_id)
        .join(LiveSession, LiveSession.id == Attendance.session_id)
        .join(Module, Module.id == LiveSession.module_id)
        .where(Enrolment.user_id == user.id).order_by(LiveSession.starts_at, LiveSession.id))
    return [{"module": row.module, "session": row.title, "starts_at": _moment(row.starts_at),
             "status": row.status.value} for row in rows]


def _certificates(user: User) -> list[dict]:
    certificates = db.session.scalars(
        sa.select(Certificate).where(Certificate.user_id == user.id).order_by(Certificate.issued_at, Certificate.id))
    return [{"serial": certificate.serial, "kind": certificate.kind.value, "title": certificate.title,
             "holder_name": certificate.holder_name, "language": certificate.language,
             "issued_at": _moment(certificate.issued_at), "status": certificate.status.value,
             "status_changed_at": _moment(certificate.status_changed_at),
             "verification_url": certificate.snapshot.get("verification_url")}
            for certificate in certificates]


def _nominations(user: User) -> list[dict]:
    """Nominations of ``user``: linked to the account, or made out to its e-mail address."""
    rows = db.session.execute(
        sa.select(Nomination, Edition.name.label("edition"), Organisation.name.label("organisation"))
        .join(Edition, Edition.id == Nomination.edition_id)
        .join(Organisation, Organisation.id == Nomination.organisation_id)
        .where(sa.or_(Nomination.user_id == user.id, Nomination.email == user.email))
        .order_by(Nomination.created_at, Nomination.id))
    return [_nomination(row.Nomination, edition=row.edition, organisation=row.organisation) for row in rows]


def _nomination(nomination: Nomination, *, edition: str, organisation: str) -> dict:
    return {
        "edition": edition,
        "organisation": organisation,
        "status": nomination.status.value,
        "created_at": _moment(nomination.created_at),
        "submitted_at": _moment(nomination.submitted_at),
        "decided_at": _moment(nomination.decided_at),
        "given_names": nomination.given_names,
        "family_name": nomination.family_name,
        "email": nomination.email,
        "language": nomination.language,
        "date_of_birth": _moment(nomination.date_of_birth),
        "gender": nomination.gender.value,
        "country": nomination.country,
        "languages": list(nomination.languages or []),
        "role": nomination.party_role,
        "motivation": nomination.motivation,
        "consent_at": _moment(nomination.consent_at),
        "consent_version": nomination.consent_version,
        "personal_data_removed_at": _moment(nomination.purged_at),
    }


def _nominations_made_for_others(user: User) -> int:
    # The nominees' details are theirs, not the coordinator's: only how many.
    return db.session.scalar(
        sa.select(sa.func.count(Nomination.id))
        .where(Nomination.nominated_by_id == user.id,
               sa.or_(Nomination.user_id.is_(None), Nomination.user_id != user.id),
               sa.or_(Nomination.email.is_(None), Nomination.email != user.email)))


def _audit_events(user: User) -> list[dict]:
    about_user = sa.and_(AuditEvent.object_type == User.__tablename__, AuditEvent.object_id == str(user.id))
    rows = db.session.execute(
        sa.select(AuditEvent.action, AuditEvent.occurred_at, AuditEvent.actor_id, AuditEvent.ip_address,
                  AuditEvent.details, about_user.label("about_user"))
        .where(sa.or_(AuditEvent.actor_id == user.id, about_user))
        .order_by(AuditEvent.occurred_at, AuditEvent.id))
    return [_audit_event(row, user) for row in rows]


def _audit_event(row, user: User) -> dict:
    event = {"action": row.action, "occurred_at": _moment(row.occurred_at)}
    if not row.about_user:
        # Something the person did to someone or something else: that other party stays out.
        return event
    by_user = row.actor_id == user.id
    event["by_you"] = by_user
    if by_user:
        # One's own action on one's own account: the address and facts are one's own. Actions
        # of others (an admin, a stranger failing to sign in) keep their address and details.
        event["ip_address"] = row.ip_address
        event["details"] = row.details or {}
    return event
