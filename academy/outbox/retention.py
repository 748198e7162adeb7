"""E-mail does not stay forever: its body holds names, addresses and decisions about people.

Sent mail goes after ``OUTBOX_RETENTION_DAYS``. So does mail that was tried a few times and never
went out in that time (a mailbox that no longer exists, a server that refuses it): it is given
up, or it would keep a nominee's name and decision after the retention purge removed them
everywhere else. Mail never tried at all stays: nothing has delivered it yet (the delivery job
is not running), and it still has to go out.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from ..extensions import db
from .models import OutboxMessage
from .operations import unclaimed


def _cutoff(now: datetime, retention_days: int) -> datetime | None:
    """``retention_days`` before ``now``; None for a retention longer than the calendar."""
    if retention_days < 0:
        raise ValueError("retention_days must be 0 or more")
    try:
        return now - timedelta(days=retention_days)
    except OverflowError:
        return None


def _expired(now: datetime, retention_days: int):
    cutoff = _cutoff(now, retention_days)
    if cutoff is None:
        return sa.false()
    return sa.and_(OutboxMessage.sent_at.is_not(None), OutboxMessage.sent_at < cutoff)


#: Tries before mail counts as undeliverable: one refusal may be temporary (greylisting).
GIVE_UP_AFTER_ATTEMPTS = 3


def _undeliverable(now: datetime, retention_days: int):
    cutoff = _cutoff(now, retention_days)
    if cutoff is None:
        return sa.false()
    # Not while a delivery holds it: it may be going out right now.
    return sa.and_(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts >= GIVE_UP_AFTER_ATTEMPTS,
                   OutboxMessage.created_at < cutoff, unclaimed(now))


def count_sent_expired(now: datetime, retention_days: int) -> int:
    """How many sent messages ``delete_sent_expired`` would delete at ``now``."""
    return db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)).where(_expired(now, retention_days)))


def delete_sent_expired(now: datetime, retention_days: int) -> int:
    """Delete messages sent more than ``retention_days`` before ``now``. Returns how many; the
    caller commits."""
    return db.session.execute(sa.delete(OutboxMessage).where(_expired(now, retention_days))).rowcount


def count_undeliverable(now: datetime, retention_days: int) -> int:
    """How many messages ``delete_undeliverable`` would give up at ``now``."""
    return db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)).where(_undeliverable(now, retention_days)))


def delete_undeliverable(now: datetime, retention_days: int) -> int:
    """Give up the messages queued more than ``retention_days`` before ``now`` that were tried
    ``GIVE_UP_AFTER_ATTEMPTS`` times and never went out, unless a delivery holds one right now.
    Returns how many; the caller commits."""
    return db.session.execute(sa.delete(OutboxMessage).where(_undeliverable(now, retention_days))).rowcount
