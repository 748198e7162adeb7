"""Removing the personal data of nominations once it is no longer needed.

A nomination keeps its personal data while its edition runs and for ``NOMINATION_RETENTION_DAYS``
after the edition ends (questions, complaints, a late reversal), then ``purge_expired`` removes
it, whatever became of the nomination, except for an enrolled one (the nominee took up the
invitation and is a trainee: the nomination is their enrolment's record). So drafts, submitted,
waitlisted, declined and withdrawn nominations are purged, and accepted ones whose invitation was
never taken up. Removed: names, e-mail address, date of birth, languages, role, motivation, the
decision's free-text reason and the invitation. What the reports count stays: edition,
organisation, status, gender and country (the gender balance and the regional spread of the
nominations are reported per edition), and the time and version of the consent given.

The audit trail keeps ids and statuses, never names or addresses; the only free text the
nomination operations write there is the decision's reason, which the purge blanks in the
nomination's own events (``details["reason"]`` becomes None, ``details["reason_removed"]`` True):
the one change the application ever makes to past audit events.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from ..audit.models import AuditEvent
from ..audit.operations import record
from ..extensions import db
from .models import Edition, Nomination, NominationStatus

#: Nominations purged once their retention is over: every status but ``enrolled``.
PURGEABLE_STATUSES = tuple(status for status in NominationStatus if status is not NominationStatus.ENROLLED)
#: Nominations blanked per UPDATE, so that one statement never holds a huge IN list.
BATCH_SIZE = 500

#: What a purged nomination holds instead of its personal data.
PURGED_VALUES = dict(
    given_names="", family_name="", email=None, date_of_birth=None, languages=[], party_role="",
    motivation="", decision_reason=None, invitation_token_hash=None, invitation_sent_at=None,
    invitation_expires_at=None, invitation_used_at=None,
)
#: The key of the decision's reason in a nomination's audit events (``operations.apply_transition``).
AUDIT_REASON_KEY = "reason"


def _expired(now: datetime, retention_days: int):
    """The condition selecting nominations due for purging at ``now``."""
    if retention_days < 0:
        raise ValueError("retention_days must be 0 or more")
    try:
        last_end = (now - timedelta(days=retention_days)).date()
    except OverflowError:  # a retention longer than the calendar: nothing has expired
        last_end = date.min
    ended = sa.select(Edition.id).where(Edition.ends_on < last_end)
    return sa.and_(Nomination.status.in_(PURGEABLE_STATUSES), Nomination.purged_at.is_(None),
                   Nomination.edition_id.in_(ended))


def count_expired(now: datetime, retention_days: int) -> int:
    """How many nominations ``purge_expired`` would purge at ``now`` (writes nothing)."""
    return db.session.scalar(sa.select(sa.func.count(Nomination.id)).where(_expired(now, retention_days)))


def purge_expired(now: datetime, retention_days: int) -> int:
    """Purge the personal data of every nomination but the enrolled ones whose edition ended more
    than ``retention_days`` days before ``now``, and the reasons in their audit events; returns
    how many nominations (flushes and audits, the caller commits).

    Idempotent: purged nominations are marked with ``purged_at`` and never selected again.
    """
    ids = db.session.scalars(sa.select(Nomination.id).where(_expired(now, retention_days))
                             .order_by(Nomination.id)).all()
    purged = 0
    for start in range(0, len(ids), BATCH_SIZE):
        batch = ids[start:start + BATCH_SIZE]
        # ``purged_at IS NULL`` again: a purge running at the same moment is not counted twice.
        result = db.session.execute(
            sa.update(Nomination)
            .where(Nomination.id.in_(batch), Nomination.purged_at.is_(None),
                   Nomination.status.in_(PURGEABLE_STATUSES))
            .values(purged_at=now, updated_at=now, **PURGED_VALUES)
            .execution_options(synchronize_session=False))
        purged += result.rowcount
        blank_audit_reasons(batch)
    if purged:
        # Objects already in the session must not keep (or write back) the removed data.
        db.session.expire_all()
        record("nomination.purge", count=purged, retention_days=retention_days)
    return purged


def blank_audit_reasons(object_ids: list[int], object_type: str = Nomination.__tablename__) -> None:
    """Blank the free-text reason in the audit events of these objects (nominations unless said
    otherwise; the deletion of an account also blanks its certificates' reasons).

    Audit events name their object by table name and id as text (``audit.operations.record``).
    JSON is read and written back whole: the same on SQLite and PostgreSQL.
    """
    events = db.session.execute(
        sa.select(AuditEvent.id, AuditEvent.details)
        .where(AuditEvent.object_type == object_type,
               AuditEvent.object_id.in_([str(object_id) for object_id in object_ids]))).all()
    blanked = [dict(id=event_id, details={**details, AUDIT_REASON_KEY: None, "reason_removed": True})
               for event_id, details in events
               if isinstance(details, dict) and details.get(AUDIT_REASON_KEY) not in (None, "")]
    if blanked:
        db.session.execute(sa.update(AuditEvent), blanked)
