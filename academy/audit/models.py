"""The audit trail: who did what, to what, when and from where."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db_types import UTCDateTime, utcnow
from ..extensions import db


class AuditEvent(db.Model):
    """One sensitive action. Never deleted by the application, and never updated except that the
    nomination purge blanks the free-text reason of a purged nomination's events (personal data),
    and deleting an account (``accounts.erasure``) blanks the details of the events about it."""

    __tablename__ = "audit_events"
    #: An object's history (a nomination's page, the purge of its reasons) is found by type and id.
    __table_args__ = (sa.Index("ix_audit_events_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    #: Who acted; empty for anonymous actions (a failed sign-in) and for the command line.
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: Dotted verb such as ``account.sign_in`` or ``organisation.update``.
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    object_id: Mapped[str | None] = mapped_column(sa.String(64))
    #: Client address as seen by the application (behind a proxy: configure ProxyFix).
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
    #: Plain facts about the change (never secrets).
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    actor = relationship("User", lazy="raise")
