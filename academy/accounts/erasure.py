"""Deleting an account and the personal data that hangs on it, for good.

A trainee may ask for it on their profile page, and an administrator may do it for anyone else
(someone who can no longer sign in, or who asks by other means). What goes:

- the account itself, with its roles, sessions, links, calendar feed and two-step secrets;
- the person's learning: enrolments, completed lessons, quiz attempts, attendance;
- their certificates, with their stored PDF files: the verification page then knows none of
  their codes (a certificate is a statement about a named person, and the person asked to go);
- their nominations (by account or address): drafts are deleted, pending ones withdrawn (a seat
  goes to the waiting list), and every one loses its personal data as the retention purge
  removes it (``nominations.purge``): the reports keep counting them, their gender and country;
- the mail queued or kept for their address, and their names in mail to others;
- in the audit trail, the details and addresses of the events about the account, the addresses
  of the events done by it, and the free-text reasons of the events about its nominations and
  certificates (the events stay, so the trail keeps its shape).

What stays, without a name: modules, lessons, materials and sessions the person wrote or led
(their author becomes empty), decisions they took, nominations they made for others.
"""
from __future__ import annotations

import unicodedata

import sqlalchemy as sa

from ..audit.models import AuditEvent
from ..audit.operations import record
from ..certificates import storage as certificate_storage
from ..certificates.models import Certificate, CertificatePdf
from ..db_types import utcnow
from ..extensions import db
from ..learning.models import Enrolment
from ..nominations.models import Nomination, NominationStatus as S
from ..nominations.operations import apply_transition, delete_draft, hold_editions
from ..nominations.purge import PURGED_VALUES, blank_audit_reasons
from ..outbox.models import OutboxMessage
from .models import User
from .operations import hold_admin_power, lock_account

#: What an audit event about an erased account holds instead of its details.
ERASED_DETAILS = {"details_removed": True}
#: Names shorter than this are not looked for in other people's mail (a short one would also be a
#: piece of other words there), unless they are a full name or written in wide characters.
MIN_NAME_TO_REDACT = 5
#: Nominations taken out of the running when their nominee's account is deleted.
WITHDRAWN_ON_ERASURE = frozenset({S.SUBMITTED, S.WAITLISTED, S.ACCEPTED})


class AccountGone(Exception):
    """Another request deleted the account a moment ago (a double click, two admins)."""


def erase_account(user: User, *, actor: User | None, now=None) -> dict:
    """Delete ``user`` and their personal data (see the module's description); return how much
    of each kind went, as audited. ``actor`` is the administrator doing it (``NoLongerAdmin``
    if they just lost the role), None for the owner. Flushes; the caller commits, then calls
    ``remove_files``.

    The account's row is locked first: of two requests deleting it at the same moment, the
    second waits, then raises ``AccountGone`` before changing anything. A nomination changed by
    someone else meanwhile raises ``NominationRefused`` (the caller rolls back)."""
    now = now or utcnow()
    if actor is not None:
        hold_admin_power(actor, user)
    user_id, email = user.id, user.email
    if not lock_account(user_id):
        raise AccountGone()
    names = {user.display_name}
    nominations, drafts = _nominations_of(user_id, email, names, actor=actor, now=now)
    certificates = list(db.session.scalars(sa.select(Certificate.id).where(Certificate.user_id == user_id)))
    enrolments = list(db.session.scalars(sa.select(Enrolment.id).where(Enrolment.user_id == user_id)))
    pdfs = list(db.session.scalars(
        sa.select(CertificatePdf.sha256).where(CertificatePdf.certificate_id.in_(certificates))))
    # An admin's reason for issuing, revoking or reissuing a certificate may name the person.
    blank_audit_reasons(certificates, Certificate.__tablename__)
    mails = _mail_without(email, names)
    _audit_without(user_id, {Nomination.__tablename__: nominations + drafts, Certificate.__tablename__: certificates,
                             Enrolment.__tablename__: enrolments})
    # The database deletes what belongs to the account (ON DELETE CASCADE) and empties the
    # references to it (ON DELETE SET NULL), on SQLite and PostgreSQL alike.
    db.session.expunge(user)
    db.session.execute(sa.delete(User).where(User.id == user_id).execution_options(synchronize_session=False))
    db.session.expire_all()
    summary = dict(nominations=len(nominations), certificates=len(certificates), mails=mails,
                   by_owner=actor is None)
    # The event names the account by id only; nothing about the person remains to name, not
    # even the address they asked from.
    event = record("account.erase", actor=actor, object_type=User.__tablename__, object_id=user_id, **summary)
    if actor is None:
        event.ip_address = None
    db.session.flush()
    return {"pdfs": pdfs, **summary}


def _nominations_of(user_id: int, email: str, names: set[str], *, actor, now) -> tuple[list[int], list[int]]:
    """Take the person's nominations (by account or address) out of the running and remove their
    personal data; return the ids kept (purged) and those deleted. Their full names join ``names``.

    Drafts are deleted. Submitted, waitlisted and accepted ones are withdrawn through the status
    machine, without mail: a seat held goes to the next on the waiting list, and nobody can
    accept, promote or seat a nomination that nobody can take up any more. Enrolled ones stay
    enrolled (the seat was taken) and are purged like the rest.
    """
    found = list(db.session.scalars(
        sa.select(Nomination).where(sa.or_(Nomination.user_id == user_id, Nomination.email == email))
        .order_by(Nomination.id)))
    names.update(nomination.full_name for nomination in found if nomination.purged_at is None)
    hold_editions(nomination.edition_id for nomination in found if nomination.status in WITHDRAWN_ON_ERASURE)
    kept, deleted = [], []
    # Seated ones last: withdrawing one promotes from the waiting list, which must not pick the
    # person's own nomination by another organisation.
    for nomination in sorted(found, key=lambda nomination: (nomination.status is S.ACCEPTED, nomination.id)):
        if nomination.status is S.DRAFT and delete_draft(nomination, actor=actor):
            deleted.append(nomination.id)
            continue
        if nomination.status in WITHDRAWN_ON_ERASURE:
            apply_transition(nomination, S.WITHDRAWN, actor=actor, reason=None, now=now, quiet=True)
        kept.append(nomination.id)
    if kept:
        db.session.execute(
            sa.update(Nomination).where(Nomination.id.in_(kept))
            .values(purged_at=now, updated_at=now, user_id=None, **PURGED_VALUES)
            .execution_options(synchronize_session=False))
        blank_audit_reasons(kept)
    return kept, deleted


def _mail_without(email: str, names: set[str]) -> int:
    """Delete the mail to ``email``; write ``…`` for the person's names in mail to others (a
    coordinator told that they joined). Return how many messages to them went."""
    deleted = db.session.execute(
        sa.delete(OutboxMessage).where(sa.func.lower(OutboxMessage.recipient) == email)
        .execution_options(synchronize_session=False)).rowcount
    # The longest first ("Ana Lopez" before "Ana").
    names = sorted((name.strip() for name in names if _specific(name.strip())), key=len, reverse=True)
    if names:
        naming = db.session.scalars(sa.select(OutboxMessage).where(sa.or_(*(
            OutboxMessage.subject.contains(name, autoescape=True)
            | OutboxMessage.body_text.contains(name, autoescape=True) for name in names))))
        for message in naming:
            for name in names:
                message.subject = message.subject.replace(name, "…")
                message.body_text = message.body_text.replace(name, "…")
    return deleted


def _specific(name: str) -> bool:
    """Whether ``name`` is unlikely to be a piece of other words: long enough, or a full name
    (given and family names: "Li Na"), or written in Chinese, Japanese or Korean characters, where
    two or three make a whole name (王芳, 김민수)."""
    if len(name) >= MIN_NAME_TO_REDACT:
        return True
    if len(name) >= 3 and " " in name:
        return True
    return len(name) >= 2 and any(unicodedata.east_asian_width(char) in ("W", "F") for char in name)


def _audit_without(user_id: int, objects: dict[str, list[int]]) -> None:
    """The audit trail keeps its events, without the person: the details of the events about the
    account, and the addresses of the events done by it or about its nominations, certificates and
    enrolments (some are written during the person's own requests without an actor)."""
    db.session.execute(
        sa.update(AuditEvent)
        .where(AuditEvent.object_type == User.__tablename__, AuditEvent.object_id == str(user_id))
        .values(details=ERASED_DETAILS, ip_address=None)
        .execution_options(synchronize_session=False))
    about = [sa.and_(AuditEvent.object_type == object_type, AuditEvent.object_id.in_([str(i) for i in ids]))
             for object_type, ids in objects.items() if ids]
    db.session.execute(
        sa.update(AuditEvent).where(sa.or_(AuditEvent.actor_id == user_id, *about)).values(ip_address=None)
        .execution_options(synchronize_session=False))


def remove_files(erased: dict) -> None:
    """Remove the stored PDF files of an erased account's certificates (after the commit: a
    rolled-back erasure keeps its files), and every PDF no certificate records: one left by an
    issuance that was rolled back may print the erased person's name."""
    for sha256 in erased["pdfs"]:
        certificate_storage.pdf_path(sha256).unlink(missing_ok=True)
    certificate_storage.remove_unrecorded()
