"""Deleting an account and the personal data that hangs on it, for good.

A trainee may ask for it on their profile page, and an administrator may do it for anyone else
(someone who can no longer sign in, or who asks by other means). What goes:

- the account itself, with its roles, sessions, links, calendar feed and two-step secrets;
- the person's learning: enrolments, completed lessons, quiz attempts, attendance;
- their certificates, with their stored PDF files: the verification page then knows none of
  their codes (a certificate is a statement about a named person, and the person asked to go);
- the personal data of every nomination of them (by account or address), as the retention purge
  removes it (``nominations.purge``): the reports keep counting the seat, its gender and country;
- the mail queued or kept for their address;
- in the audit trail, the details and addresses of the events about the account, the addresses
  of the events done by it, and the free-text reasons of the events about its nominations and
  certificates (the events stay, so the trail keeps its shape).

What stays, without a name: modules, lessons, materials and sessions the person wrote or led
(their author becomes empty), decisions they took, nominations they made for others.
"""
from __future__ import annotations

import sqlalchemy as sa

from ..audit.models import AuditEvent
from ..audit.operations import record
from ..certificates import storage as certificate_storage
from ..certificates.models import Certificate, CertificatePdf
from ..db_types import utcnow
from ..extensions import db
from ..nominations.models import Nomination
from ..nominations.purge import PURGED_VALUES, blank_audit_reasons
from ..outbox.models import OutboxMessage
from .models import User
from .operations import hold_admin_power

#: What an audit event about an erased account holds instead of its details.
ERASED_DETAILS = {"details_removed": True}


def erase_account(user: User, *, actor: User | None, now=None) -> dict:
    """Delete ``user`` and their personal data (see the module's description); return how much
    of each kind went, as audited. ``actor`` is the administrator doing it (``NoLongerAdmin``
    if they just lost the role), None for the owner. Flushes; the caller commits, then calls
    ``remove_files``."""
    now = now or utcnow()
    if actor is not None:
        hold_admin_power(actor, user)
    user_id, email = user.id, user.email
    nominations = list(db.session.scalars(
        sa.select(Nomination.id).where(sa.or_(Nomination.user_id == user_id, Nomination.email == email))
        .order_by(Nomination.id)))
    if nominations:
        db.session.execute(
            sa.update(Nomination).where(Nomination.id.in_(nominations))
            .values(purged_at=now, updated_at=now, user_id=None, **PURGED_VALUES)
            .execution_options(synchronize_session=False))
        blank_audit_reasons(nominations)
    pdfs = list(db.session.scalars(
        sa.select(CertificatePdf.sha256).join(Certificate, Certificate.id == CertificatePdf.certificate_id)
        .where(Certificate.user_id == user_id)))
    certificates = list(db.session.scalars(sa.select(Certificate.id).where(Certificate.user_id == user_id)))
    # An admin's reason for issuing, revoking or reissuing one may name the person.
    blank_audit_reasons(certificates, Certificate.__tablename__)
    mails = db.session.execute(
        sa.delete(OutboxMessage).where(sa.func.lower(OutboxMessage.recipient) == email)
        .execution_options(synchronize_session=False)).rowcount
    db.session.execute(
        sa.update(AuditEvent)
        .where(AuditEvent.object_type == User.__tablename__, AuditEvent.object_id == str(user_id))
        .values(details=ERASED_DETAILS, ip_address=None)
        .execution_options(synchronize_session=False))
    db.session.execute(
        sa.update(AuditEvent).where(AuditEvent.actor_id == user_id).values(ip_address=None)
        .execution_options(synchronize_session=False))
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


def remove_files(erased: dict) -> None:
    """Remove the stored PDF files of an erased account's certificates (after the commit: a
    rolled-back erasure keeps its files)."""
    for sha256 in erased["pdfs"]:
        certificate_storage.pdf_path(sha256).unlink(missing_ok=True)
