"""The nomination status machine: the only code that changes a nomination's status or a seat count.

Seats change only through conditional UPDATEs whose row count is checked. Acceptance takes the
seat *first*: that UPDATE locks the edition's row on PostgreSQL and takes the write lock on
SQLite, so the quota and parity counts that follow cannot be raced by another acceptance in the
same edition; if they refuse, the seat is handed back in the same transaction before raising.
Operations flush, audit and queue e-mail (``notifications``); the caller commits (or rolls back
on ``NominationRefused``). Acceptance also issues the nominee's single-use link to join.
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
from .invitation_links import issue_invitation, revoke_invitation
from .models import (
    SEATED_STATUSES, Edition, Gender, Nomination, NominationStatus as S, ParityRule, edition_organisations,
    edition_regions,
)

#: Which statuses each status may move to.
ALLOWED_TRANSITIONS: dict[S, frozenset[S]] = {
    S.DRAFT: frozenset({S.SUBMITTED}),
    S.SUBMITTED: frozenset({S.ACCEPTED, S.WAITLISTED, S.DECLINED, S.WITHDRAWN}),
    S.WAITLISTED: frozenset({S.ACCEPTED, S.WITHDRAWN}),
    S.ACCEPTED: frozenset({S.WITHDRAWN, S.ENROLLED}),
    S.DECLINED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.ENROLLED: frozenset(),
}

#: Decision reason stored on a nominee moved up from the waiting list into a freed seat.
PROMOTED_REASON = "promoted from the waiting list"
REASON_MAX = 1000

SEATS_FULL = "seats_full"
QUOTA_REACHED = "quota_reached"
PARITY = "parity"
NOT_ELIGIBLE = "not_eligible"
WINDOW_CLOSED = "window_closed"
ILLEGAL_TRANSITION = "illegal_transition"
DUPLICATE_EMAIL = "duplicate_email"

_PAIRS_MESSAGE = _l("This edition takes women and men in pairs: submit a woman and a man together.")


class NominationRefused(Exception):
    """A rule refused a nomination change; ``code`` says which, ``message`` says it to people."""

    def __init__(self, code: str, message):
        super().__init__(code)
        self.code = code
        #: A lazy translated string, rendered in the reader's language.
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def _refuse(code: str, message) -> None:
    raise NominationRefused(code, message)


def can_transition(from_status: S, to_status: S) -> bool:
    """Whether the status machine has an arrow from ``from_status`` to ``to_status``."""
    return to_status in ALLOWED_TRANSITIONS[from_status]


# --- Creating a nomination --------------------------------------------------------------------


def nominate(edition: Edition, organisation: Organisation, *, nominated_by, now: datetime | None = None,
             **fields) -> Nomination:
    """Add a draft nomination for ``organisation`` while the window is open (flushes, audits)."""
    now = now or utcnow()
    _check_window(edition, now)
    email = fields.pop("email").strip().lower()
    exists = db.session.scalar(sa.select(sa.literal(True)).where(
        Nomination.edition_id == edition.id, Nomination.email == email))
    if exists:
        _refuse(DUPLICATE_EMAIL, _l("This person has already been nominated for this edition."))
    nomination = Nomination(edition_id=edition.id, organisation_id=organisation.id,
                            nominated_by_id=getattr(nominated_by, "id", None), email=email,
                            status=S.DRAFT, **fields)
    db.session.add(nomination)
    db.session.flush()
    record("nomination.created", actor=nominated_by, target=nomination, edition_id=edition.id)
    return nomination


# --- The status machine -----------------------------------------------------------------------


def transition(nomination: Nomination, to_status: S, *, actor, reason=None, now: datetime | None = None,
               user=None) -> Nomination | None:
    """Move ``nomination`` to ``to_status`` if the machine and the edition's rules allow it.

    Raises ``NominationRefused`` naming the rule that refused. ``user`` is the trainee account,
    required for ``enrolled``. Returns the waitlisted nominee promoted into a seat this change
    freed, if any (the caller may tell them).
    """
    return _transition(nomination, to_status, actor=actor, reason=reason, now=now or utcnow(), user=user)


def submit_pair(first: Nomination, second: Nomination, *, actor, now: datetime | None = None) -> None:
    """Submit a woman and a man of one organisation together (how the ``pairs`` rule nominates)."""
    now = now or utcnow()
    if (first.edition_id != second.edition_id or first.organisation_id != second.organisation_id
            or not rules.is_pair(first.gender, second.gender)):
        _refuse(PARITY, _l("A pair is one woman and one man of the same organisation for the same edition."))
    # Check both before changing either, so that a refusal leaves nothing half submitted.
    for nomination in (first, second):
        _check_allowed(nomination, S.SUBMITTED)
        _check_submission(nomination, now, paired=True)
    for nomination in (first, second):
        _transition(nomination, S.SUBMITTED, actor=actor, reason=None, now=now, paired=True)


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
        _refuse(ILLEGAL_TRANSITION, _l("Some of these nominations were changed meanwhile: nothing was submitted. "
                                       "Please try again."))
    savepoint.commit()
    record_many(f"nomination.{S.SUBMITTED.value}", actor=actor, targets=nominations, reason=None,
                from_status=S.DRAFT.value)
    notifications.notify_submitted_many(nominations)


def _check_many_submissions(nominations: list[Nomination], now: datetime) -> None:
    by_edition: dict[int, list[Nomination]] = defaultdict(list)
    for nomination in nominations:
        _check_allowed(nomination, S.SUBMITTED)
        by_edition[nomination.edition_id].append(nomination)
    organisation_ids = {nomination.organisation_id for nomination in nominations}
    organisations = {organisation.id: organisation for organisation in db.session.scalars(
        sa.select(Organisation).where(Organisation.id.in_(organisation_ids)))}
    for edition_id, group in by_edition.items():
        edition = db.session.get(Edition, edition_id)
        _check_window(edition, now)
        if edition.parity_rule is ParityRule.PAIRS and any(
                nomination.gender in rules.PARITY_GENDERS for nomination in group):
            _refuse(PARITY, _PAIRS_MESSAGE)
        allowed_organisations, allowed_regions = _allow_lists(edition.id)
        for nomination in group:
            refusal = _eligibility_refusal(edition, nomination, organisations[nomination.organisation_id],
                                           allowed_organisations, allowed_regions)
            if refusal is not None:
                raise refusal


def _transition(nomination: Nomination, to_status: S, *, actor, reason, now: datetime, user=None,
                paired: bool = False, promotion: bool = False) -> Nomination | None:
    from_status = nomination.status
    _check_allowed(nomination, to_status)
    reason_text = None if reason is None else str(reason)
    if reason_text is not None and len(reason_text) > REASON_MAX:
        raise ValueError(f"reason longer than {REASON_MAX} characters")
    promoted = token = None

    if to_status is S.SUBMITTED:
        _check_submission(nomination, now, paired=paired)
        nomination.submitted_at = now
    elif to_status is S.ACCEPTED:
        _take_seat_within_rules(nomination)
        _decide(nomination, actor, reason_text, now)
        token = issue_invitation(nomination, now)
    elif to_status is S.WAITLISTED:
        _decide(nomination, actor, reason_text, now)
        nomination.waitlisted_at = now
    elif to_status is S.DECLINED:
        _decide(nomination, actor, reason_text, now)
    elif to_status is S.ENROLLED:
        if user is None:
            raise ValueError("enrolling a nominee needs the trainee's account")
        nomination.user_id = user.id
    elif to_status is S.WITHDRAWN and from_status is S.ACCEPTED:
        _release_seat(nomination.edition_id)
        revoke_invitation(nomination)

    nomination.status = to_status
    db.session.flush()
    record(f"nomination.{to_status.value}", actor=actor, target=nomination, reason=reason_text,
           from_status=from_status.value)
    notifications.notify(nomination, notifications.PROMOTED if promotion else to_status.value,
                         reason=None if promotion else reason_text, token=token,
                         was_seated=from_status in SEATED_STATUSES)
    if to_status is S.WITHDRAWN and from_status is S.ACCEPTED:
        promoted = _promote_from_waitlist(nomination.edition_id, actor=actor, now=now)
    return promoted


def _check_allowed(nomination: Nomination, to_status: S) -> None:
    if not can_transition(nomination.status, to_status):
        _refuse(ILLEGAL_TRANSITION, _l("A nomination cannot go from “%(from)s” to “%(to)s”.",
                                       **{"from": nomination.status.label, "to": to_status.label}))


def _decide(nomination: Nomination, actor, reason: str | None, now: datetime) -> None:
    nomination.decided_at = now
    nomination.decided_by_id = getattr(actor, "id", None)
    nomination.decision_reason = reason


# --- Submission: window and eligibility ---------------------------------------------------------


def _edition_of(nomination: Nomination) -> Edition:
    return db.session.get(Edition, nomination.edition_id)


def _check_window(edition: Edition, now: datetime) -> None:
    if not rules.window_is_open(edition.status, edition.nominations_open_at, edition.nominations_close_at, now):
        _refuse(WINDOW_CLOSED, _l("Nominations for this edition are not open."))


def _check_submission(nomination: Nomination, now: datetime, *, paired: bool) -> None:
    edition = _edition_of(nomination)
    _check_window(edition, now)
    refusal = eligibility_refusal(edition, nomination)
    if refusal is not None:
        raise refusal
    if edition.parity_rule is ParityRule.PAIRS and nomination.gender in rules.PARITY_GENDERS and not paired:
        _refuse(PARITY, _PAIRS_MESSAGE)


def eligibility_refusal(edition: Edition, nomination: Nomination) -> NominationRefused | None:
    """The reason ``nomination`` is not eligible for ``edition``, or None when it is."""
    organisation = db.session.get(Organisation, nomination.organisation_id)
    return _eligibility_refusal(edition, nomination, organisation, *_allow_lists(edition.id))


def _allow_lists(edition_id: int) -> tuple[list[int], list[int]]:
    """The organisations and the regions the edition is open to (both empty: everyone)."""
    allowed_organisations = db.session.scalars(
        sa.select(edition_organisations.c.organisation_id)
        .where(edition_organisations.c.edition_id == edition_id)).all()
    allowed_regions = db.session.scalars(
        sa.select(edition_regions.c.region_id).where(edition_regions.c.edition_id == edition_id)).all()
    return allowed_organisations, allowed_regions


def _eligibility_refusal(edition: Edition, nomination: Nomination, organisation: Organisation,
                         allowed_organisations, allowed_regions) -> NominationRefused | None:
    if not rules.age_allowed(nomination.date_of_birth, edition.starts_on, edition.min_age, edition.max_age):
        return NominationRefused(NOT_ELIGIBLE, _l(
            "Not eligible: nominees must be %(min)d to %(max)d years old on the first day of the edition.",
            min=edition.min_age, max=edition.max_age))
    if not rules.language_allowed(edition.required_language, nomination.languages):
        return NominationRefused(NOT_ELIGIBLE, _l(
            "Not eligible: nominees must speak the edition's required language (%(language)s).",
            language=edition.required_language))
    if not organisation.is_active or not rules.organisation_allowed(
            organisation.id, organisation.region_id, allowed_organisations, allowed_regions):
        return NominationRefused(NOT_ELIGIBLE, _l(
            "Not eligible: this edition is not open to nominees of this organisation."))
    return None


# --- Seats, quota and parity ----------------------------------------------------------------------


def _take_seat_within_rules(nomination: Nomination) -> None:
    # The seat UPDATE comes first so that it takes the lock the counts below rely on.
    if not _take_seat(nomination.edition_id):
        _refuse(SEATS_FULL, _l("All seats of this edition are taken."))
    edition = _edition_of(nomination)
    counts = seated_counts(edition.id, nomination.organisation_id)
    refusal = None
    if not rules.quota_allows(edition.quota_per_organisation, sum(counts.values())):
        refusal = NominationRefused(QUOTA_REACHED, _l(
            "The organisation already has %(quota)d accepted nominees, its quota for this edition.",
            quota=edition.quota_per_organisation))
    elif not rules.parity_allows(edition.parity_rule, counts[Gender.WOMAN], counts[Gender.MAN],
                                 nomination.gender):
        refusal = NominationRefused(PARITY, _l(
            "Accepting this nominee would break the edition's parity rule: the organisation's accepted "
            "women and men may differ by at most one."))
    if refusal is not None:
        _release_seat(edition.id)
        raise refusal


def _take_seat(edition_id: int) -> bool:
    result = db.session.execute(
        sa.update(Edition)
        .where(Edition.id == edition_id, Edition.seats_taken < Edition.seats)
        .values(seats_taken=Edition.seats_taken + 1)
        .execution_options(synchronize_session=False))
    _expire_seats(edition_id)
    return result.rowcount == 1


def _release_seat(edition_id: int) -> None:
    db.session.execute(
        sa.update(Edition)
        .where(Edition.id == edition_id, Edition.seats_taken > 0)
        .values(seats_taken=Edition.seats_taken - 1)
        .execution_options(synchronize_session=False))
    _expire_seats(edition_id)


def _expire_seats(edition_id: int) -> None:
    edition = db.session.identity_map.get(db.session.identity_key(Edition, edition_id))
    if edition is not None:
        db.session.expire(edition, ["seats_taken"])


def seated_counts(edition_id: int, organisation_id: int) -> dict[Gender, int]:
    """How many of an organisation's nominees hold a seat in the edition, by gender."""
    counts: dict[Gender, int] = defaultdict(int)
    rows = db.session.execute(
        sa.select(Nomination.gender, sa.func.count())
        .where(Nomination.edition_id == edition_id, Nomination.organisation_id == organisation_id,
               Nomination.status.in_(SEATED_STATUSES))
        .group_by(Nomination.gender))
    for gender, count in rows:
        counts[gender] = count
    return counts


def fill_seats_from_waitlist(edition_id: int, *, actor, now: datetime | None = None) -> list[Nomination]:
    """Give free seats to waitlisted nominees, in waiting-list order, as quota and parity allow
    (after an edition gains seats or loosens its rules); each is told as on any promotion."""
    now = now or utcnow()
    promoted = []
    while (candidate := _promote_from_waitlist(edition_id, actor=actor, now=now)) is not None:
        promoted.append(candidate)
    return promoted


def _promote_from_waitlist(edition_id: int, *, actor, now: datetime) -> Nomination | None:
    """Give a freed seat to the first waitlisted nominee that quota and parity allow."""
    edition = db.session.get(Edition, edition_id)
    if edition.seats_left <= 0:
        return None
    waiting = db.session.scalars(
        sa.select(Nomination)
        .where(Nomination.edition_id == edition_id, Nomination.status == S.WAITLISTED)
        .order_by(Nomination.waitlisted_at, Nomination.id)).all()
    counts: dict[int, dict[Gender, int]] = {}
    for candidate in waiting:
        if candidate.organisation_id not in counts:
            counts[candidate.organisation_id] = seated_counts(edition_id, candidate.organisation_id)
        seated = counts[candidate.organisation_id]
        if (rules.quota_allows(edition.quota_per_organisation, sum(seated.values()))
                and rules.parity_allows(edition.parity_rule, seated[Gender.WOMAN], seated[Gender.MAN],
                                        candidate.gender)):
            _transition(candidate, S.ACCEPTED, actor=actor, reason=PROMOTED_REASON, now=now, promotion=True)
            return candidate
    return None
