"""The waiting list: waitlisted nominees move up into free seats, in waiting-list order, as far as
the edition's quota and parity rules allow.

A seat frees when an accepted nominee withdraws (the status machine then promotes one nominee) or
when an edition gains seats or loosens its rules (``edition_operations`` fills every free seat).
Each promotion is an acceptance through ``operations.apply_transition``: the seat is taken under
its lock, and the nominee is audited, told and sent their link to join. A promotion is the
system's decision: no ``decided_by``, no audit actor; the person whose change freed the seat
(``actor`` below) is kept in the audit event's details only.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..db_types import utcnow
from ..extensions import db
from . import rules
from .models import Edition, EditionStatus, Gender, Nomination, NominationStatus as S
from .operations import NominationRefused, apply_transition, seated_addresses, seated_counts

#: How a promotion reads where a person's name and reason would stand (the admins' nomination page,
#: its history). Promotions store no free-text reason, so that this is said in the reader's language.
PROMOTED_LABEL = _l("Accepted automatically from the waiting list")


def fill_seats_from_waitlist(edition_id: int, *, actor, now: datetime | None = None) -> list[Nomination]:
    """Give free seats to waitlisted nominees, in waiting-list order, as quota and parity allow
    (after an edition gains seats or loosens its rules); each is told as on any promotion."""
    now = now or utcnow()
    promoted = []
    while (candidate := promote_from_waitlist(edition_id, actor=actor, now=now)) is not None:
        promoted.append(candidate)
    return promoted


def promote_from_waitlist(edition_id: int, *, actor, now: datetime) -> Nomination | None:
    """Give a freed seat to the first waitlisted nominee that quota and parity allow and who holds
    no seat yet through another organisation's nomination; ``actor`` is the person whose change
    freed it, recorded as what triggered the promotion, not as its author."""
    edition = db.session.get(Edition, edition_id)
    if edition.seats_left <= 0 or edition.status is EditionStatus.ARCHIVED:
        return None
    waiting = db.session.scalars(
        sa.select(Nomination)
        .where(Nomination.edition_id == edition_id, Nomination.status == S.WAITLISTED)
        .order_by(Nomination.waitlisted_at, Nomination.id)).all()
    counts: dict[int, dict[Gender, int]] = {}
    seated_elsewhere = seated_addresses(edition_id) if waiting else set()
    for candidate in waiting:
        if candidate.email in seated_elsewhere:  # nominated by two organisations, seated through the other
            continue
        if candidate.organisation_id not in counts:
            counts[candidate.organisation_id] = seated_counts(edition_id, candidate.organisation_id)
        seated = counts[candidate.organisation_id]
        if (rules.quota_allows(edition.quota_per_organisation, sum(seated.values()))
                and rules.parity_allows(edition.parity_rule, seated[Gender.WOMAN], seated[Gender.MAN],
                                        candidate.gender)):
            try:
                with db.session.begin_nested():
                    apply_transition(candidate, S.ACCEPTED, actor=None, reason=None, now=now, promotion=True,
                                     triggered_by=actor)
            except NominationRefused:  # withdrawn or decided by someone else meanwhile: the next one
                continue
            return candidate
    return None
