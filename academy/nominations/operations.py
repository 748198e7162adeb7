"""The nomination status machine: the only code that changes a nomination's status or a seat count.

It owns the rules every change obeys: the arrows between statuses, the nominations window and
eligibility (checked at submission), seats, quota and parity (checked at acceptance). Creating and
submitting nominations in pairs or in bulk is in ``submission``; moving waitlisted nominees up into
free seats is in ``waitlist``. Both go through ``apply_transition`` here.

Seats change only through conditional UPDATEs whose row count is checked. Acceptance takes the
seat *first*: that UPDATE locks the edition's row on PostgreSQL and takes the write lock on
SQLite, so the quota and parity counts that follow cannot be raced by another acceptance in the
same edition; if they refuse, the seat is handed back in the same transaction before raising.
The status itself changes by a conditional UPDATE too, from the status that was read, last (so
that one change locks the edition's row before the nomination's): of two requests making a change
to the same nomination at the same moment, the second is refused (``CHANGED_MEANWHILE``) and its
seat change rolled back with it, instead of, say, giving a withdrawn nominee's seat away twice.
Code that changes several nominations in one transaction (bulk decisions, deleting an account)
locks their editions first (``hold_editions``), so that no two transactions wait for each other.
An archived edition accepts nobody any more (its invitation links no longer work).
Operations flush, audit and queue e-mail (``notifications``); the caller commits (or rolls back
on ``NominationRefused``). Acceptance also issues the nominee's single-use link to join.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import set_committed_value

from ..audit.operations import record
from ..db_types import utcnow
from ..extensions import db
from ..organisations.models import Organisation
from . import notifications, rules
from .invitation_links import issue_invitation, revoke_invitation
from .languages import lazy_language_name
from .models import (
    SEATED_STATUSES, Edition, EditionStatus, Gender, Nomination, NominationStatus as S, ParityRule,
    edition_organisations, edition_regions,
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

REASON_MAX = 1000

SEATS_FULL = "seats_full"
QUOTA_REACHED = "quota_reached"
PARITY = "parity"
NOT_ELIGIBLE = "not_eligible"
WINDOW_CLOSED = "window_closed"
ILLEGAL_TRANSITION = "illegal_transition"
DUPLICATE_EMAIL = "duplicate_email"
ALREADY_SEATED = "already_seated"
CHANGED_MEANWHILE = "changed_meanwhile"
EDITION_ARCHIVED = "edition_archived"
CHANGED_MEANWHILE_MESSAGE = _l("Someone else changed this nomination a moment ago, so nothing was changed. "
                               "Please look at it again.")

#: Why a woman or a man of a ``pairs`` edition is not submitted alone.
PAIRS_MESSAGE = _l("This edition takes women and men in pairs: submit a woman and a man together.")


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


# --- The status machine -----------------------------------------------------------------------


def transition(nomination: Nomination, to_status: S, *, actor, reason=None, now: datetime | None = None,
               user=None) -> Nomination | None:
    """Move ``nomination`` to ``to_status`` if the machine and the edition's rules allow it.

    Raises ``NominationRefused`` naming the rule that refused. ``user`` is the trainee account,
    required for ``enrolled``. Returns the waitlisted nominee promoted into a seat this change
    freed, if any (the caller may tell them).
    """
    return apply_transition(nomination, to_status, actor=actor, reason=reason, now=now or utcnow(), user=user)


def apply_transition(nomination: Nomination, to_status: S, *, actor, reason, now: datetime, user=None,
                     paired: bool = False, promotion: bool = False, triggered_by=None,
                     quiet: bool = False) -> Nomination | None:
    """``transition`` for this package's own paths: ``paired`` when submitted with its pair
    (``submission.submit_pair``), ``promotion`` when accepted from the waiting list (``waitlist``),
    ``quiet`` when nobody is to be told (the nominee's account is being deleted).

    A promotion is the system's doing, not a person's: its ``actor`` must be None (no
    ``decided_by``, no audit actor) and it carries no free-text reason (the page and the mail say
    what happened in the reader's language). ``triggered_by``, the person whose change freed the
    seat (perhaps a coordinator of another organisation), is kept only in the audit event's details.
    """
    if promotion and (actor is not None or reason is not None):
        raise ValueError("a promotion from the waiting list has no actor and no reason")
    from_status = nomination.status
    check_allowed(nomination, to_status)
    reason_text = None if reason is None else str(reason)
    if reason_text is not None and len(reason_text) > REASON_MAX:
        raise ValueError(f"reason longer than {REASON_MAX} characters")
    promoted = token = None

    if to_status is S.SUBMITTED:
        check_submission(nomination, now, paired=paired)
        nomination.submitted_at = now
    elif to_status is S.ACCEPTED:
        if _edition_of(nomination).status is EditionStatus.ARCHIVED:
            _refuse(EDITION_ARCHIVED, _l("This edition is archived: nobody can be accepted into it any more."))
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

    _claim_status(nomination, from_status, to_status)
    db.session.flush()
    details = {"promotion": True, "triggered_by_id": getattr(triggered_by, "id", None)} if promotion else {}
    record(f"nomination.{to_status.value}", actor=actor, target=nomination, reason=reason_text,
           from_status=from_status.value, **details)
    if not quiet:
        notifications.notify(nomination, notifications.PROMOTED if promotion else to_status.value,
                             reason=reason_text, token=token, was_seated=from_status in SEATED_STATUSES)
    if to_status is S.WITHDRAWN and from_status is S.ACCEPTED:
        # Imported here because the waiting list promotes through this function (it imports this module).
        from .waitlist import promote_from_waitlist
        promoted = promote_from_waitlist(nomination.edition_id, actor=actor, now=now)
    return promoted


def delete_draft(nomination: Nomination, *, actor) -> bool:
    """Delete a draft (seen by nobody outside its organisation) with the personal data it holds;
    False, with nothing written, when it is no longer a draft. Audited without the person's data."""
    deleted = db.session.execute(sa.delete(Nomination).where(
        Nomination.id == nomination.id, Nomination.status == S.DRAFT).execution_options(
        synchronize_session=False)).rowcount
    if deleted:
        record("nomination.draft_deleted", actor=actor, target=nomination, edition_id=nomination.edition_id)
    return bool(deleted)


def hold_editions(edition_ids) -> None:
    """Lock these editions' rows for the rest of the transaction, in id order (a no-op UPDATE),
    before changing several of their nominations: a single change locks the edition's row before
    the nomination's, and so must they, or two transactions can each wait for the other."""
    for edition_id in sorted(set(edition_ids)):
        db.session.execute(sa.update(Edition).where(Edition.id == edition_id)
                           .values(seats_taken=Edition.seats_taken).execution_options(synchronize_session=False))


def _claim_status(nomination: Nomination, from_status: S, to_status: S) -> None:
    """Set the status, unless another transaction changed it since it was read (then refuse)."""
    claimed = db.session.execute(
        sa.update(Nomination).where(Nomination.id == nomination.id, Nomination.status == from_status)
        .values(status=to_status).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        _refuse(CHANGED_MEANWHILE, CHANGED_MEANWHILE_MESSAGE)
    set_committed_value(nomination, "status", to_status)


def check_allowed(nomination: Nomination, to_status: S) -> None:
    """Refuse unless the status machine has an arrow from the nomination's status to ``to_status``."""
    if not can_transition(nomination.status, to_status):
        _refuse(ILLEGAL_TRANSITION, _l("A nomination cannot go from “%(from)s” to “%(to)s”.",
                                       **{"from": nomination.status.label, "to": to_status.label}))


def _decide(nomination: Nomination, actor, reason: str | None, now: datetime) -> None:
    nomination.decided_at = now
    nomination.decided_by_id = getattr(actor, "id", None)
    nomination.decision_reason = reason


# --- Submission rules: window and eligibility ---------------------------------------------------


def _edition_of(nomination: Nomination) -> Edition:
    return db.session.get(Edition, nomination.edition_id)


def check_window(edition: Edition, now: datetime) -> None:
    """Refuse unless the edition takes nominations at ``now``."""
    if not rules.window_is_open(edition.status, edition.nominations_open_at, edition.nominations_close_at, now):
        _refuse(WINDOW_CLOSED, _l("Nominations for this edition are not open."))


def check_submission(nomination: Nomination, now: datetime, *, paired: bool) -> None:
    """Refuse the submission of one nominee outside the window, not eligible, or alone under ``pairs``."""
    edition = _edition_of(nomination)
    check_window(edition, now)
    refusal = eligibility_refusal(edition, nomination)
    if refusal is not None:
        raise refusal
    if edition.parity_rule is ParityRule.PAIRS and nomination.gender in rules.PARITY_GENDERS and not paired:
        _refuse(PARITY, PAIRS_MESSAGE)


def eligibility_refusal(edition: Edition, nomination: Nomination) -> NominationRefused | None:
    """The reason ``nomination`` is not eligible for ``edition``, or None when it is."""
    organisation = db.session.get(Organisation, nomination.organisation_id)
    return eligibility_refusal_from(edition, nomination, organisation, *allow_lists(edition.id))


def allow_lists(edition_id: int) -> tuple[list[int], list[int]]:
    """The organisations and the regions the edition is open to (both empty: everyone)."""
    allowed_organisations = db.session.scalars(
        sa.select(edition_organisations.c.organisation_id)
        .where(edition_organisations.c.edition_id == edition_id)).all()
    allowed_regions = db.session.scalars(
        sa.select(edition_regions.c.region_id).where(edition_regions.c.edition_id == edition_id)).all()
    return allowed_organisations, allowed_regions


def eligibility_refusal_from(edition: Edition, nomination: Nomination, organisation: Organisation,
                             allowed_organisations, allowed_regions) -> NominationRefused | None:
    """``eligibility_refusal`` judged on values already read (a batch reads them once per edition)."""
    if not rules.age_allowed(nomination.date_of_birth, edition.starts_on, edition.min_age, edition.max_age):
        return NominationRefused(NOT_ELIGIBLE, _l(
            "Not eligible: nominees must be %(min)d to %(max)d years old on the first day of the edition.",
            min=edition.min_age, max=edition.max_age))
    if not rules.language_allowed(edition.required_language, nomination.languages):
        return NominationRefused(NOT_ELIGIBLE, _l(
            "Not eligible: nominees must speak the edition's required language (%(language)s).",
            language=lazy_language_name(edition.required_language)))
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
    if _seated_through_another_nomination(nomination):
        refusal = NominationRefused(ALREADY_SEATED, _l(
            "This person already has a seat in this edition: another organisation nominated the same "
            "address, and that nomination was accepted."))
    elif not rules.quota_allows(edition.quota_per_organisation, sum(counts.values())):
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


def _seated_through_another_nomination(nomination: Nomination) -> bool:
    """Whether the nominee already holds a seat in the edition, nominated by another organisation."""
    if nomination.email is None:
        return False
    return bool(db.session.scalar(sa.select(sa.exists().where(
        Nomination.edition_id == nomination.edition_id, Nomination.email == nomination.email,
        Nomination.id != nomination.id, Nomination.status.in_(SEATED_STATUSES)))))


def seated_addresses(edition_id: int) -> set[str]:
    """The addresses of the people who hold a seat in the edition (a person holds one at most,
    however many organisations nominated them)."""
    return set(db.session.scalars(
        sa.select(Nomination.email)
        .where(Nomination.edition_id == edition_id, Nomination.status.in_(SEATED_STATUSES),
               Nomination.email.is_not(None))))


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
