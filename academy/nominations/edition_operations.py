"""Creating, changing and moving editions through their statuses; each change flushes and is audited.

Like every operation, these never commit: the view commits once, or rolls back on a refusal.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.operations import record
from ..db_types import utcnow
from ..extensions import db
from .models import Edition, EditionStatus, Nomination, NominationStatus
from .waitlist import fill_seats_from_waitlist

#: Columns an administrator edits on the edition form (seats apart: see ``_set_seats``).
EDITION_FIELDS = ("name", "description", "language", "format", "venue", "starts_on", "ends_on",
                  "nominations_open_at", "nominations_close_at", "quota_per_organisation", "min_age",
                  "max_age", "required_language", "parity_rule")
#: Allow-lists and modules, set as lists of objects.
EDITION_COLLECTIONS = ("modules", "allowed_regions", "allowed_organisations")


class EditionAction(enum.Enum):
    """The status buttons of an edition and the statuses each one starts from and leads to."""

    OPEN = "open"
    CLOSE = "close"
    ARCHIVE = "archive"
    REOPEN = "reopen"

    @property
    def moves(self) -> tuple[frozenset[EditionStatus], EditionStatus]:
        return _MOVES[self]

    @property
    def label(self):
        return _ACTION_LABELS[self]


_MOVES = {
    EditionAction.OPEN: (frozenset({EditionStatus.DRAFT, EditionStatus.CLOSED}), EditionStatus.OPEN),
    EditionAction.REOPEN: (frozenset({EditionStatus.CLOSED}), EditionStatus.OPEN),
    EditionAction.CLOSE: (frozenset({EditionStatus.OPEN}), EditionStatus.CLOSED),
    EditionAction.ARCHIVE: (frozenset({EditionStatus.CLOSED}), EditionStatus.ARCHIVED),
}
_ACTION_LABELS = {
    EditionAction.OPEN: _l("Open for nominations"),
    EditionAction.REOPEN: _l("Reopen for nominations"),
    EditionAction.CLOSE: _l("Close nominations"),
    EditionAction.ARCHIVE: _l("Archive"),
}


class EditionRefused(Exception):
    """A change the edition's state does not allow; ``message`` says why, to people."""

    def __init__(self, code: str, message):
        super().__init__(code)
        self.code = code
        self.message = message


def actions_for(status: EditionStatus) -> list[EditionAction]:
    """The status buttons offered for an edition in ``status`` (reopen, not open, from closed)."""
    if status is EditionStatus.CLOSED:
        return [EditionAction.REOPEN, EditionAction.ARCHIVE]
    return [action for action in EditionAction if status in action.moves[0]]


def _audit_value(value):
    """A JSON-friendly form of a value for the audit trail."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return sorted(item.id for item in value)
    return value


def create_edition(*, actor, seats: int, modules, allowed_regions=(), allowed_organisations=(),
                   **fields) -> Edition:
    """Add an edition in draft; nobody can nominate for it until it is opened."""
    unknown = set(fields) - set(EDITION_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {', '.join(sorted(unknown))}")
    edition = Edition(seats=seats, seats_taken=0, status=EditionStatus.DRAFT, **fields)
    edition.modules = list(modules)
    edition.allowed_regions = list(allowed_regions)
    edition.allowed_organisations = list(allowed_organisations)
    db.session.add(edition)
    db.session.flush()
    record("edition.created", actor=actor, target=edition, name=edition.name, seats=seats,
           modules=_audit_value(edition.modules))
    return edition


def update_edition(edition: Edition, *, actor, seats: int, **values) -> dict:
    """Change an edition's settings; return ``{field: {"from", "to"}}`` (nothing audited when empty).

    Raises ``EditionRefused`` for an archived edition (its settings are history) and when fewer
    seats are asked for than are already taken.
    """
    if edition.status is EditionStatus.ARCHIVED:
        raise EditionRefused("archived", _l("This edition is archived: its settings can no longer change."))
    unknown = set(values) - set(EDITION_FIELDS) - set(EDITION_COLLECTIONS)
    if unknown:
        raise TypeError(f"not editable: {', '.join(sorted(unknown))}")
    changes = {}
    if seats != edition.seats:
        old_seats = edition.seats
        _set_seats(edition, seats)
        changes["seats"] = {"from": old_seats, "to": seats}
    for name, new in values.items():
        old = getattr(edition, name)
        if name in EDITION_COLLECTIONS:
            new = list(new)
            if {item.id for item in old} != {item.id for item in new}:
                changes[name] = {"from": _audit_value(list(old)), "to": _audit_value(new)}
                setattr(edition, name, new)
        elif old != new:
            changes[name] = {"from": _audit_value(old), "to": _audit_value(new)}
            setattr(edition, name, new)
    if changes:
        # Changes to the modules and allow-lists alone would not touch the editions row.
        edition.updated_at = utcnow()
        db.session.flush()
        record("edition.updated", actor=actor, target=edition, changes=changes)
        if {"seats", "quota_per_organisation", "parity_rule"} & changes.keys():
            # More seats, a larger quota or a looser parity rule may let waitlisted nominees in.
            fill_seats_from_waitlist(edition.id, actor=actor)
    return changes


def _set_seats(edition: Edition, seats: int) -> None:
    # Acceptances take seats concurrently: the number changes only where it still covers them.
    changed = db.session.execute(
        sa.update(Edition).where(Edition.id == edition.id, Edition.seats_taken <= seats)
        .values(seats=seats).execution_options(synchronize_session=False)).rowcount
    db.session.expire(edition, ["seats", "seats_taken"])
    if changed != 1:
        raise EditionRefused("seats_below_taken", _l(
            "%(taken)d seats are already taken: the edition cannot have fewer seats than that.",
            taken=edition.seats_taken))


def change_status(edition: Edition, action: EditionAction, *, actor) -> EditionStatus:
    """Move ``edition`` as ``action`` says; return the status it left.

    The move is one conditional UPDATE, so two administrators pressing buttons at once cannot
    both succeed from the same status. Raises ``EditionRefused`` when the status does not allow it.
    """
    from_statuses, to_status = action.moves
    from_status = edition.status
    moved = db.session.execute(
        sa.update(Edition).where(Edition.id == edition.id, Edition.status.in_(from_statuses))
        .values(status=to_status).execution_options(synchronize_session=False)).rowcount
    db.session.expire(edition, ["status", "updated_at"])
    if moved != 1:
        raise EditionRefused("illegal_status_change", _l(
            "An edition that is “%(status)s” cannot be moved like this (%(action)s).",
            status=edition.status.label, action=action.label))
    record(f"edition.{to_status.value}", actor=actor, target=edition, move=action.value,
           from_status=from_status.value, to_status=to_status.value)
    return from_status


def nomination_counts(edition_ids) -> dict[int, dict[NominationStatus, int]]:
    """How many nominations each edition has in each status, in one grouped query."""
    edition_ids = list(edition_ids)
    counts: dict[int, dict[NominationStatus, int]] = {edition_id: {} for edition_id in edition_ids}
    if not edition_ids:
        return counts
    rows = db.session.execute(
        sa.select(Nomination.edition_id, Nomination.status, sa.func.count())
        .where(Nomination.edition_id.in_(edition_ids))
        .group_by(Nomination.edition_id, Nomination.status))
    for edition_id, status, count in rows:
        counts[edition_id][status] = count
    return counts
