"""One decision for many nominations at once: each decided in its own savepoint, refusals reported."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from ..audit.operations import record
from ..extensions import db
from .models import Nomination, NominationStatus
from .operations import NominationRefused, hold_editions, transition


class BulkLine(NamedTuple):
    """One nomination of a bulk decision as its outcome lists it (``name`` is None once purged)."""

    nomination_id: int
    name: str | None
    message: str | None = None


@dataclass
class BulkOutcome:
    """What a bulk decision did: the nominations decided, and those a rule refused, with why."""

    decided: list[BulkLine] = field(default_factory=list)
    refused: list[BulkLine] = field(default_factory=list)


def visible_nominations(ids: list[int]) -> list[Nomination]:
    """The nominations among ``ids`` that the review queue shows (drafts are the coordinators' own)."""
    return list(db.session.scalars(db.select(Nomination).where(
        Nomination.id.in_(ids), Nomination.status != NominationStatus.DRAFT)))


def _bulk_order(nomination: Nomination) -> tuple:
    """Waiting nominees first in waiting-list order, then the others in order of submission."""
    waiting = nomination.status is NominationStatus.WAITLISTED
    moment = nomination.waitlisted_at if waiting else nomination.submitted_at
    return (not waiting, moment is None, moment or 0, nomination.id)


def decide_many(nominations: list[Nomination], to_status: NominationStatus, *, actor, decision: str,
                reason: str | None) -> BulkOutcome:
    """Move each nomination to ``to_status`` in ``_bulk_order``, each in its own savepoint.

    One that a rule refuses (seats, quota, parity, an impossible move) is rolled back alone and
    reported, the others stand. Seats are never exceeded: each acceptance takes its seat by the
    same conditional UPDATE as a single decision. Flushes; the caller commits.
    """
    # A write before the first savepoint, so that SQLite's transaction has begun and each
    # RELEASE only ends its savepoint.
    record("nomination.bulk_decision", actor=actor, decision=decision, ids=sorted(n.id for n in nominations))
    db.session.flush()
    hold_editions(nomination.edition_id for nomination in nominations)
    outcome = BulkOutcome()
    for nomination in sorted(nominations, key=_bulk_order):
        # Read before deciding: a rolled-back savepoint expires the object, and reading it again
        # would cost a query per refusal.
        nomination_id = nomination.id
        name = None if nomination.purged_at is not None else nomination.full_name
        try:
            with db.session.begin_nested():
                transition(nomination, to_status, actor=actor, reason=reason)
        except NominationRefused as refusal:
            outcome.refused.append(BulkLine(nomination_id, name, str(refusal.message)))
        else:
            outcome.decided.append(BulkLine(nomination_id, name))
    return outcome
