"""What waits for someone on nominations, for the home page: one query each.

Admins see the editions with nominations waiting for a decision; coordinators see the editions
still open for nominations in which their organisation has drafts nobody has submitted (a draft
is never reviewed: forgotten, it costs the person their chance), and their accepted nominees
whose link to join expired unused.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import contains_eager

from ..extensions import db
from .models import Edition, EditionStatus, Nomination, NominationStatus


def _editions_with(status: NominationStatus, *conditions, limit: int) -> list[tuple[Edition, int]]:
    count = db.func.count(Nomination.id)
    rows = db.session.execute(
        db.select(Edition, count).join(Nomination, Nomination.edition_id == Edition.id)
        .where(Nomination.status == status, *conditions)
        .group_by(Edition.id).order_by(Edition.nominations_close_at, Edition.id).limit(limit))
    return [(edition, number) for edition, number in rows]


def awaiting_decision(*, limit: int = 5) -> list[tuple[Edition, int]]:
    """Editions (not archived) with submitted nominations, and how many, soonest window close first."""
    return _editions_with(NominationStatus.SUBMITTED, Edition.status != EditionStatus.ARCHIVED, limit=limit)


def unsubmitted_drafts(organisation_id: int, *, now: datetime, limit: int = 5) -> list[tuple[Edition, int]]:
    """Editions whose window is open at ``now`` with the organisation's drafts, and how many."""
    return _editions_with(NominationStatus.DRAFT, Nomination.organisation_id == organisation_id,
                          Edition.status == EditionStatus.OPEN, Edition.nominations_open_at <= now,
                          Edition.nominations_close_at > now, limit=limit)


def expired_invitations(organisation_id: int, *, now: datetime, limit: int = 5) -> list[Nomination]:
    """The organisation's accepted nominees whose link to join expired unused, the oldest first
    (their seat waits for them; only a new link brings them in)."""
    return list(db.session.scalars(
        db.select(Nomination).join(Nomination.edition)
        .options(contains_eager(Nomination.edition))
        .where(Nomination.organisation_id == organisation_id, Nomination.status == NominationStatus.ACCEPTED,
               Nomination.invitation_used_at.is_(None), Nomination.invitation_expires_at <= now,
               Edition.status != EditionStatus.ARCHIVED)
        .order_by(Nomination.invitation_expires_at, Nomination.id).limit(limit)))
