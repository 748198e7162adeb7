"""E-mail waiting to be delivered: written with the action that causes it."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db_types import UTCDateTime, utcnow
from ..extensions import db


class OutboxMessage(db.Model):
    """One e-mail. Delivered after the transaction that wrote it commits; retried when it fails."""

    __tablename__ = "outbox_messages"
    __table_args__ = (sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(255))
    body_text: Mapped[str] = mapped_column(sa.Text)
    #: The recipient's language, in which subject and body were rendered.
    language: Mapped[str] = mapped_column(sa.String(2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Empty until delivered; the delivery command picks the empty ones.
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    #: While a delivery is sending it, the time until which other deliveries leave it alone.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
