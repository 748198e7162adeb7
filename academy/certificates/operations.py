"""Issuing, revoking and reissuing certificates.

Every function flushes, audits and queues e-mail but never commits: the caller (a view, the CLI,
or the transaction that completed an enrolment) commits once. Status changes are conditional
``UPDATE … WHERE status = 'valid'`` statements whose row count is checked, so two admins
revoking at once cannot both succeed, and the partial unique index on ``enrolment_id`` keeps one
current certificate per enrolment whatever the race (one on ``user_id, edition_id`` does the same
for edition certificates).
"""
from __future__ import annotations

import logging
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from ..accounts.models import User
from ..audit.operations import record
from ..curriculum.models import Module
from ..db_types import utcnow
from ..extensions import db
from ..learning.completion import on_enrolment_completed
from ..learning.models import Enrolment, EnrolmentStatus
from ..nominations.models import Edition
from ..outbox.operations import queue_mail
from .codes import new_code
from .editions import current_edition_certificate, edition_progress
from .models import (NAME_MAX_LENGTH, REASON_MAX_LENGTH, Certificate, CertificateKind, CertificatePdf,
                     CertificateStatus, allocate_serial)
from .rendering import clean_text
from .snapshots import build_snapshot, partner_values, public_base_url
from .storage import render, store_pdf

_LOG = logging.getLogger(__name__)

NOT_VALID = _l("This certificate is no longer valid (it was revoked or replaced): nothing was changed.")
REASON_REQUIRED = _l("Give a reason: this enrolment is not completed.")
ALREADY_ISSUED = _l("This enrolment already has a certificate. Reissue that one instead.")
EMPTY_NAME = _l("The name to print is empty once invisible and control characters are removed.")
NO_ENROLMENT = _l("This certificate is not tied to an enrolment and cannot be reissued.")
EDITION_REASON_REQUIRED = _l("Give a reason: this person has not completed every module of the edition.")
EDITION_ALREADY_ISSUED = _l("This person already has a certificate for this edition. Reissue that one instead.")
NO_EDITION = _l("This certificate's edition no longer exists: it cannot be reissued.")
NOT_IN_EDITION = _l("This person is not enrolled in any module through this edition.")


class CertificateError(Exception):
    """A refused certificate operation, with a message for the person who asked."""

    def __init__(self, message):
        super().__init__(message)  # kept lazy: translated where it is shown
        self.message = message


# --- issuing -----------------------------------------------------------------------------------

def current_certificate(enrolment_id: int) -> Certificate | None:
    """The enrolment's certificate that has not been superseded (valid or revoked), if any."""
    return db.session.scalar(sa.select(Certificate).where(
        Certificate.enrolment_id == enrolment_id, Certificate.status != CertificateStatus.SUPERSEDED))


def issue_certificate(enrolment: Enrolment, *, actor: User | None = None, reason: str | None = None,
                      language: str | None = None, holder_name: str | None = None,
                      completed_on: date | None = None, supersedes: Certificate | None = None,
                      now: datetime | None = None) -> Certificate:
    """Issue a certificate for ``enrolment``: snapshot, PDF (stored, hashed), record, audit, e-mail.

    Raises ``CertificateError`` for a name that is empty once cleaned; the database refuses a
    second current certificate for the enrolment (``IntegrityError`` on flush).
    """
    now = (now or utcnow()).replace(microsecond=0)
    module = db.session.execute(sa.select(Module).options(selectinload(Module.partners))
                                .where(Module.id == enrolment.module_id)).scalar_one()
    trainee = db.session.get(User, enrolment.user_id)
    name = clean_text(holder_name if holder_name is not None else trainee.display_name, NAME_MAX_LENGTH)
    if not name:
        raise CertificateError(EMPTY_NAME)
    language = language or module.language
    if completed_on is None:
        completed_on = (enrolment.completed_at or now).date()
    serial, code = allocate_serial(now.year), new_code()
    snapshot = build_snapshot(
        language=language, holder_name=name, title=module.title, summary=module.summary, slug=module.slug,
        hours=module.estimated_hours, completed_on=completed_on, issued_at=now, serial=serial, code=code,
        partners=partner_values(module.partners), base_url=public_base_url())
    sha256 = store_pdf(render(snapshot))
    certificate = Certificate(
        kind=CertificateKind.MODULE, serial=serial, code=code, user_id=trainee.id, module_id=module.id,
        enrolment_id=enrolment.id, language=language, holder_name=name, snapshot=snapshot,
        pdf_sha256=sha256, issued_at=now, issued_by_id=getattr(actor, "id", None),
        issue_reason=(reason or None) and reason[:REASON_MAX_LENGTH],
        supersedes_id=getattr(supersedes, "id", None))
    _save_issued(certificate, trainee, actor=actor, supersedes=supersedes, module_id=module.id)
    return certificate


def _save_issued(certificate: Certificate, trainee: User, *, actor: User | None,
                 supersedes: Certificate | None, **details) -> None:
    """Write a new certificate and its PDF's hash, audit it and tell the trainee."""
    db.session.add(certificate)
    db.session.flush()
    db.session.add(CertificatePdf(sha256=certificate.pdf_sha256, certificate_id=certificate.id,
                                  rendered_at=certificate.issued_at))
    db.session.flush()
    record("certificate.issue", actor=actor, target=certificate, serial=certificate.serial, user_id=trainee.id,
           kind=certificate.kind.value, automatic=actor is None, reason=certificate.issue_reason,
           supersedes=getattr(supersedes, "serial", None), **details)
    _mail_issued(trainee, certificate)


def issue_manually(enrolment: Enrolment, *, actor: User, reason: str | None,
                   language: str | None = None) -> Certificate:
    """An admin issues a certificate by hand; unfinished enrolments need a reason."""
    reason = (reason or "").strip()
    if enrolment.status is not EnrolmentStatus.COMPLETED and not reason:
        raise CertificateError(REASON_REQUIRED)
    if current_certificate(enrolment.id) is not None:
        raise CertificateError(ALREADY_ISSUED)
    return issue_certificate(enrolment, actor=actor, reason=reason or None, language=language)


@on_enrolment_completed
def issue_on_completion(enrolment: Enrolment) -> Certificate | None:
    """Completion hook: issue the enrolment's certificate, once."""
    if current_certificate(enrolment.id) is not None:
        return None
    return _issue_in_savepoint(lambda: issue_certificate(enrolment), enrolment)


def _issue_in_savepoint(issue, enrolment: Enrolment) -> Certificate | None:
    """Run ``issue()`` inside the transaction that completed ``enrolment``, in a savepoint.

    If the certificate cannot be issued (a rendering or disk failure), the completion still
    stands, the failure is logged and audited, and an admin can issue it by hand. A unique
    index refusing it means a concurrent transaction issued it: exactly once holds.
    """
    try:
        with db.session.begin_nested():
            return issue()
    except IntegrityError:
        return None
    except Exception:  # noqa: BLE001 — a certificate problem must not undo a completion
        _LOG.exception("automatic certificate after enrolment %s failed", enrolment.id)
        record("certificate.issue_failed", target=enrolment, user_id=enrolment.user_id)
        return None


# --- edition certificates ----------------------------------------------------------------------

def issue_edition_certificate(trainee: User, edition: Edition, *, actor: User | None = None,
                              reason: str | None = None, language: str | None = None,
                              holder_name: str | None = None, completed_on: date | None = None,
                              supersedes: Certificate | None = None, now: datetime | None = None) -> Certificate:
    """Issue ``trainee``'s certificate for a whole edition: its name and dates, the total hours of
    its modules and every partner foundation of them. The database refuses a second current one."""
    now = (now or utcnow()).replace(microsecond=0)
    edition = db.session.execute(
        sa.select(Edition).options(selectinload(Edition.modules).selectinload(Module.partners))
        .where(Edition.id == edition.id)).scalar_one()
    name = clean_text(holder_name if holder_name is not None else trainee.display_name, NAME_MAX_LENGTH)
    if not name:
        raise CertificateError(EMPTY_NAME)
    language = language or edition.language
    if completed_on is None:
        completed_on = (edition_progress(trainee.id, edition.id).last_completed_at or now).date()
    partners = {partner.id: partner for module in edition.modules for partner in module.partners}
    serial, code = allocate_serial(now.year), new_code()
    snapshot = build_snapshot(
        language=language, holder_name=name, title=edition.name, summary=edition.description,
        slug=str(edition.id), hours=sum(module.estimated_hours for module in edition.modules),
        completed_on=completed_on, issued_at=now, serial=serial, code=code,
        partners=partner_values(sorted(partners.values(), key=lambda item: (item.name, item.id))),
        base_url=public_base_url(),
        edition={"id": edition.id, "starts_on": edition.starts_on, "ends_on": edition.ends_on})
    certificate = Certificate(
        kind=CertificateKind.EDITION, serial=serial, code=code, user_id=trainee.id, edition_id=edition.id,
        language=language, holder_name=name, snapshot=snapshot, pdf_sha256=store_pdf(render(snapshot)),
        issued_at=now, issued_by_id=getattr(actor, "id", None),
        issue_reason=(reason or None) and reason[:REASON_MAX_LENGTH], supersedes_id=getattr(supersedes, "id", None))
    _save_issued(certificate, trainee, actor=actor, supersedes=supersedes, edition_id=edition.id)
    return certificate


def issue_edition_manually(trainee: User, edition: Edition, *, actor: User, reason: str | None,
                           language: str | None = None) -> Certificate:
    """An admin issues an edition certificate by hand: to someone enrolled through the edition,
    with a reason unless they completed all its modules."""
    reason = (reason or "").strip()
    enrolled = db.session.scalar(sa.select(Enrolment.id).where(
        Enrolment.user_id == trainee.id, Enrolment.edition_id == edition.id).limit(1))
    if enrolled is None:
        raise CertificateError(NOT_IN_EDITION)
    if not reason and not edition_progress(trainee.id, edition.id).is_complete:
        raise CertificateError(EDITION_REASON_REQUIRED)
    if current_edition_certificate(trainee.id, edition.id) is not None:
        raise CertificateError(EDITION_ALREADY_ISSUED)
    return issue_edition_certificate(trainee, edition, actor=actor, reason=reason or None, language=language)


@on_enrolment_completed
def issue_edition_on_completion(enrolment: Enrolment) -> Certificate | None:
    """Completion hook: once an enrolment made through an edition completes the person's last
    module of that edition, issue their edition certificate (once: the unique index decides)."""
    if enrolment.edition_id is None:
        return None
    if current_edition_certificate(enrolment.user_id, enrolment.edition_id) is not None:
        return None
    if not edition_progress(enrolment.user_id, enrolment.edition_id).is_complete:
        return None

    def issue():
        edition = db.session.get(Edition, enrolment.edition_id)
        return issue_edition_certificate(db.session.get(User, enrolment.user_id), edition)
    return _issue_in_savepoint(issue, enrolment)


def _mail_issued(trainee: User, certificate: Certificate) -> None:
    from ..accounts.tokens import mail_link

    link = mail_link("certificates.mine")
    queue_mail(trainee.email, trainee.preferred_language,
               _l("Your certificate: %(title)s", title=certificate.title), "certificate_issued",
               name=trainee.display_name, title=certificate.title, serial=certificate.serial,
               link=link, verification_url=certificate.snapshot["verification_url"])


# --- revoking and reissuing --------------------------------------------------------------------

def _change_status(certificate: Certificate, status: CertificateStatus, *, actor: User, reason: str,
                   now: datetime) -> None:
    """Move a valid certificate to ``status`` with one conditional UPDATE (refused otherwise)."""
    values = {"status": status, "status_reason": reason[:REASON_MAX_LENGTH], "status_changed_at": now,
              "status_changed_by_id": actor.id}
    changed = db.session.execute(
        sa.update(Certificate)
        .where(Certificate.id == certificate.id, Certificate.status == CertificateStatus.VALID)
        .values(**values).execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise CertificateError(NOT_VALID)
    for key, value in values.items():
        set_committed_value(certificate, key, value)


def revoke_certificate(certificate: Certificate, *, actor: User, reason: str,
                       now: datetime | None = None) -> Certificate:
    """Revoke a valid certificate, saying why; a revoked or replaced one is refused, unchanged."""
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError(_l("Give the reason for revoking this certificate."))
    _change_status(certificate, CertificateStatus.REVOKED, actor=actor, reason=reason, now=now or utcnow())
    record("certificate.revoke", actor=actor, target=certificate, serial=certificate.serial, reason=reason)
    _mail_revoked(db.session.get(User, certificate.user_id), certificate)
    return certificate


def _mail_revoked(holder: User | None, certificate: Certificate) -> None:
    """Tell the holder, in their language, that their certificate no longer stands, and why."""
    if holder is None:
        return
    queue_mail(holder.email, holder.preferred_language,
               _l("Your certificate %(serial)s was revoked", serial=certificate.serial), "certificate_revoked",
               name=holder.display_name, title=certificate.title, serial=certificate.serial,
               reason=certificate.status_reason, verification_url=certificate.snapshot["verification_url"])


def reissue_certificate(certificate: Certificate, *, actor: User, reason: str, holder_name: str | None = None,
                        language: str | None = None, now: datetime | None = None) -> Certificate:
    """Replace a valid certificate (a corrected name, another language): the old one is superseded
    and keeps its history, the new one points back to it and keeps the completion date."""
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError(_l("Give the reason for reissuing this certificate."))
    is_edition = certificate.kind is CertificateKind.EDITION
    if (certificate.edition_id if is_edition else certificate.enrolment_id) is None:
        raise CertificateError(NO_EDITION if is_edition else NO_ENROLMENT)
    now = now or utcnow()
    _change_status(certificate, CertificateStatus.SUPERSEDED, actor=actor, reason=reason, now=now)
    common = dict(actor=actor, reason=reason, language=language or certificate.language,
                  holder_name=holder_name if holder_name else certificate.holder_name,
                  completed_on=date.fromisoformat(certificate.snapshot["completed_on"]),
                  supersedes=certificate, now=now)
    if is_edition:
        replacement = issue_edition_certificate(db.session.get(User, certificate.user_id),
                                                db.session.get(Edition, certificate.edition_id), **common)
    else:
        replacement = issue_certificate(db.session.get(Enrolment, certificate.enrolment_id), **common)
    record("certificate.reissue", actor=actor, target=certificate, serial=certificate.serial,
           replacement=replacement.serial, reason=reason)
    return replacement
