"""Sent e-mail does not stay forever: its body holds names, addresses and decisions about people."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from ..extensions import db
from .models import OutboxMessage


def _expired(now: datetime, retention_days: int):
    if retention_days < 0:
        raise ValueError("retention_days must be 0 or more")
    try:
        cutoff = now - timedelta(days=retention_days)
    except OverflowError:  # a retention longer than the calendar: nothing has expired
        return sa.false()
    return sa.and_(OutboxMessage.sent_at.is_not(None), OutboxMessage.sent_at < cutoff)


def count_sent_expired(now: datetime, retention_days: int) -> int:
    """How many sent messages ``delete_sent_expired`` would delete at ``now``."""
    return db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)).where(_expired(now, retention_days)))


def delete_sent_expired(now: datetime, retention_days: int) -> int:
    """Delete messages sent more than ``retention_days`` before ``now``; unsent ones always stay
    (they still have to go out). Returns how many; the caller commits."""
    return db.session.execute(sa.delete(OutboxMessage).where(_expired(now, retention_days))).rowcount
