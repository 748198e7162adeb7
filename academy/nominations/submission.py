"""Creating nominations and submitting them: one draft, a woman and a man together, or many at once.

Every submission obeys the rules of the status machine (``operations``: the window, eligibility and
the ``pairs`` rule) and is checked in full before anything changes, so a refusal leaves every draft
as it was. Like every operation these flush, audit and queue e-mail; the caller commits (or rolls
back on ``NominationRefused``).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.operations import record, record_many
from ..db_types import utcnow
from ..extensions import db
from ..organisations.models import Organisation
from . import notifications, rules
from .models import Edition, Nomination, NominationStatus as S, ParityRule
from .operations import (
    DUPLICATE_EMAIL, ILLEGAL_TRANSITION, PAIRS_MESSAGE, PARITY, NominationRefused, allow_lists, apply_transition,
    check_allowed, check_submission, check_window, eligibility_refusal_from,
)


def nominate(edition: Edition, organisation: Organisation, *, nominated_by, now: datetime | None = None,
             **fields) -> Nomination:
    """Add a draft nomination for ``organisation`` while the window is open (flushes, audits)."""
    now = now or utcnow()
    check_window(edition, now)
    email = fields.pop("email").strip().lower()
    # Only this organisation's nominations: whether another organisation nominated the same
    # person is not this coordinator's to learn (the admins see both).
    exists = db.session.scalar(sa.select(sa.literal(True)).where(
        Nomination.edition_id == edition.id, Nomination.organisation_id == organisation.id,
        Nomination.email == email))
    if exists:
        raise NominationRefused(DUPLICATE_EMAIL, _l("This person has already been nominated for this edition."))
    nomination = Nomination(edition_id=edition.id, organisation_id=organisation.id,
                            nominated_by_id=getattr(nominated_by, "id", None), email=email,
                            status=S.DRAFT, **fields)
    db.session.add(nomination)
    db.session.flush()
    record("nomination.created", actor=nominated_by, target=nomination, edition_id=edition.id)
    return nomination


def submit_pair(first: Nomination, second: Nomination, *, actor, now: datetime | None = None) -> None:
    """Submit a woman and a man of one organisation together (how the ``pairs`` rule nominates)."""
    now = now or utcnow()
    if (first.edition_id != second.edition_id or first.organisation_id != second.organisation_id
            or not rules.is_pair(first.gender, second.gender)):
        raise NominationRefused(PARITY, _l(
            "A pair is one woman and one man of the same organisation for the same edition."))
    # Check both before changing either, so that a refusal leaves nothing half submitted.
    for nomination in (first, second):
        check_allowed(nomination, S.SUBMITTED)
        check_submission(nomination, now, paired=True)
    for nomination in (first, second):
        apply_transition(nomination, S.SUBMITTED, actor=actor, reason=None, now=now, paired=True)


def submit_many(nominations: list[Nomination], *, actor, now: datetime | None = None) -> None:
    """Submit many drafts at once (a CSV import) under the rules ``transition`` applies to one.

    Everything is checked before anything changes, so a refusal leaves every draft as it was: the
    window and the ``pairs`` rule once per edition (women and men of a ``pairs`` edition are
    refused, as they are one by one), eligibility per nominee against allow-lists read once. Then
    one conditional UPDATE, one audit event per nominee in one INSERT, and one batch of mail: each
    nominee their own notice, each coordinator one summary.
    """
    now = now or utcnow()
    db.session.flush()  # new nominations get their ids
    nominations = list({nomination.id: nomination for nomination in nominations}.values())
    if not nominations:
        return
    _check_many_submissions(nominations, now)
    # Conditional on every row still being a draft: another request may have changed one since
    # they were read. The savepoint undoes a partial UPDATE, so the refusal writes nothing.
    savepoint = db.session.begin_nested()
    result = db.session.execute(
        sa.update(Nomination)
        .where(Nomination.id.in_([nomination.id for nomination in nominations]), Nomination.status == S.DRAFT)
        .values(status=S.SUBMITTED, submitted_at=now, updated_at=now))
    if result.rowcount != len(nominations):
        savepoint.rollback()
        for nomination in nominations:
            db.session.expire(nomination, ["status", "submitted_at", "updated_at"])
        raise NominationRefused(ILLEGAL_TRANSITION, _l(
            "Some of these nominations were changed meanwhile: nothing was submitted. Please try again."))
    savepoint.commit()
    record_many(f"nomination.{S.SUBMITTED.value}", actor=actor, targets=nominations, reason=None,
                from_status=S.DRAFT.value)
    notifications.notify_submitted_many(nominations)


def _check_many_submissions(nominations: list[Nomination], now: datetime) -> None:
    by_edition: dict[int, list[Nomination]] = defaultdict(list)
    for nomination in nominations:
        check_allowed(nomination, S.SUBMITTED)
        by_edition[nomination.edition_id].append(nomination)
    organisation_ids = {nomination.organisation_id for nomination in nominations}
    organisations = {organisation.id: organisation for organisation in db.session.scalars(
        sa.select(Organisation).where(Organisation.id.in_(organisation_ids)))}
    for edition_id, group in by_edition.items():
        edition = db.session.get(Edition, edition_id)
        check_window(edition, now)
        if edition.parity_rule is ParityRule.PAIRS and any(
                nomination.gender in rules.PARITY_GENDERS for nomination in group):
            raise NominationRefused(PARITY, PAIRS_MESSAGE)
        allowed_organisations, allowed_regions = allow_lists(edition.id)
        for nomination in group:
            refusal = eligibility_refusal_from(edition, nomination, organisations[nomination.organisation_id],
                                               allowed_organisations, allowed_regions)
            if refusal is not None:
                raise refusal

