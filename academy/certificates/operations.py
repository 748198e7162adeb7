"""Issuing, revoking and reissuing certificates, and keeping their PDFs.

Every function flushes, audits and queues e-mail but never commits: the caller (a view, the CLI,
or the transaction that completed an enrolment) commits once. Status changes are conditional
``UPDATE … WHERE status = 'valid'`` statements whose row count is checked, so two admins
revoking at once cannot both succeed, and the partial unique index on ``enrolment_id`` keeps one
current certificate per enrolment whatever the race.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from datetime import date, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, has_request_context, request
from flask_babel import force_locale, format_date, gettext as _, lazy_gettext as _l, ngettext
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
from ..outbox.operations import queue_mail
from .codes import allocate_serial, format_code, new_code
from .export import ZipEntry
from .models import (NAME_MAX_LENGTH, REASON_MAX_LENGTH, Certificate, CertificateKind, CertificatePdf,
                     CertificateStatus)
from .rendering import clean_text, render_certificate

_LOG = logging.getLogger(__name__)

#: Version of the snapshot's layout, so that a future template can read old snapshots.
SNAPSHOT_FORMAT = 1

#: Printed when no signatories are configured: titles only, above blank signature lines.
DEFAULT_SIGNATORIES = (
    {"name": "", "title": _l("Director of the Activist Academy")},
    {"name": "", "title": _l("Secretary General of the alliance")},
)

NOT_VALID = _l("This certificate is no longer valid (it was revoked or replaced): nothing was changed.")
REASON_REQUIRED = _l("Give a reason: this enrolment is not completed.")
ALREADY_ISSUED = _l("This enrolment already has a certificate. Reissue that one instead.")
EMPTY_NAME = _l("The name to print is empty once invisible and control characters are removed.")
NO_ENROLMENT = _l("This certificate is not tied to an enrolment and cannot be reissued.")


class CertificateError(Exception):
    """A refused certificate operation, with a message for the person who asked."""

    def __init__(self, message):
        super().__init__(message)  # kept lazy: translated where it is shown
        self.message = message


# --- addresses ---------------------------------------------------------------------------------

def public_base_url() -> str:
    """The site's public address (no trailing slash) for printed and signed links.

    ``SERVER_BASE_URL`` in production (links then never depend on a request's Host header);
    otherwise the current request's host, or ``SERVER_NAME``, or localhost for a bare CLI run.
    """
    config = current_app.config
    if config.get("SERVER_BASE_URL"):
        return config["SERVER_BASE_URL"].rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    if config.get("SERVER_NAME"):
        return f"{config.get('PREFERRED_URL_SCHEME', 'http')}://{config['SERVER_NAME']}"
    _LOG.warning("SERVER_BASE_URL is not set: certificates will point at http://localhost:5000")
    return "http://localhost:5000"


def verification_url(base_url: str, code: str) -> str:
    """The public verification page of ``code`` (the path is a published interface: /verify/<code>)."""
    return f"{base_url}/verify/{format_code(code)}"


# --- what is printed ---------------------------------------------------------------------------

def signatories(language: str) -> list[dict]:
    """The signatories printed, in ``language`` (from ``CERTIFICATE_SIGNATORIES`` or the defaults)."""
    configured = current_app.config.get("CERTIFICATE_SIGNATORIES") or ""
    if isinstance(configured, str) and configured.strip():
        try:
            configured = json.loads(configured)
        except ValueError as error:
            raise ValueError("CERTIFICATE_SIGNATORIES must be a JSON list of {\"name\", \"title\"}") from error
    entries = configured or DEFAULT_SIGNATORIES
    result = []
    with force_locale(language):
        for entry in entries[:4]:
            title = entry.get("title", "")
            if isinstance(title, dict):
                title = title.get(language) or title.get("en") or ""
            result.append({"name": clean_text(str(entry.get("name", "")), 120),
                           "title": clean_text(str(title), 160)})
    return result


def certificate_texts(language: str, *, serial: str, hours: int, completed_on: date) -> dict:
    """Every fixed text of the certificate in ``language``, from the message catalogues."""
    with force_locale(language):
        return {
            "academy": _("Activist Academy"),
            "heading": _("Certificate of completion"),
            "certifies": _("This certifies that"),
            "completed": _("has successfully completed the module"),
            "details": ngettext("%(num)d hour of study · completed on %(date)s",
                                "%(num)d hours of study · completed on %(date)s",
                                hours, date=format_date(completed_on, "long")),
            "partners_intro": _("Run together with"),
            "serial_label": _("Serial number"),
            "code_label": _("Verification code"),
            "verify": _("Check this certificate at"),
            "document_title": _("Certificate %(serial)s", serial=serial),
        }


def build_snapshot(*, language: str, holder_name: str, title: str, summary: str, slug: str,
                   hours: int, partners: list[dict], completed_on: date, issued_at: datetime,
                   serial: str, code: str, base_url: str) -> dict:
    """Every value the certificate prints (and its credential states), as plain JSON values.

    The PDF is rendered from this alone, texts included, so that re-rendering years later gives
    the same document even after the catalogues, the module or the configuration changed.
    """
    return {
        "format": SNAPSHOT_FORMAT,
        "kind": CertificateKind.MODULE.value,
        "language": language,
        "holder_name": holder_name,
        "achievement_title": clean_text(title, 300),
        "achievement_summary": clean_text(summary, 2000),
        "achievement_slug": slug,
        "hours": hours,
        "partners": [{"name": clean_text(item["name"], 200), "short_name": clean_text(item["short_name"], 40)}
                     for item in partners],
        "signatories": signatories(language),
        "completed_on": completed_on.isoformat(),
        "issued_at": issued_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "serial": serial,
        "code": code,
        "verification_url": verification_url(base_url, code),
        "issuer": {"url": base_url + "/"},
        "texts": certificate_texts(language, serial=serial, hours=hours, completed_on=completed_on),
    }


def preview_snapshot(*, holder_name: str, language: str, title: str, summary: str = "", slug: str = "preview",
                     hours: int = 10, partners: list[dict] | None = None, base_url: str = "https://academy.example.org",
                     now: datetime | None = None) -> dict:
    """A sample snapshot that touches no database (``certificates preview``, benchmarks)."""
    now = (now or utcnow()).replace(microsecond=0)
    return build_snapshot(
        language=language, holder_name=clean_text(holder_name, NAME_MAX_LENGTH), title=title, summary=summary,
        slug=slug, hours=hours, partners=partners or [], completed_on=now.date(), issued_at=now,
        serial=f"AA-{now.year}-000000", code="0" * 20, base_url=base_url)


# --- stored PDFs -------------------------------------------------------------------------------

def pdf_path(sha256: str) -> Path:
    """Where the PDF with this hash lives: ``<CERTIFICATE_DIR>/ab/abcdef….pdf``."""
    return Path(current_app.config["CERTIFICATE_DIR"]) / sha256[:2] / f"{sha256}.pdf"


def store_pdf(content: bytes) -> str:
    """Write ``content`` under its SHA-256 (atomically: a reader never sees half a file); return the hash."""
    sha256 = hashlib.sha256(content).hexdigest()
    path = pdf_path(sha256)
    if path.is_file():
        return sha256
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pdf")
    try:
        with os.fdopen(handle, "wb") as output:
            output.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return sha256


def known_hashes(certificate: Certificate) -> list[str]:
    """The hashes of every genuine PDF of ``certificate``, the one from issuance first."""
    later = db.session.scalars(
        sa.select(CertificatePdf.sha256).where(CertificatePdf.certificate_id == certificate.id,
                                               CertificatePdf.sha256 != certificate.pdf_sha256)
        .order_by(CertificatePdf.rendered_at.desc())
    ).all()
    return [certificate.pdf_sha256, *later]


def _read_stored(sha256: str) -> bytes | None:
    path = pdf_path(sha256)
    try:
        content = path.read_bytes()
    except OSError:
        return None
    return content if hashlib.sha256(content).hexdigest() == sha256 else None


def stored_pdf(certificate: Certificate) -> bytes | None:
    """The PDF stored at issuance, if its file is there and intact (no query, no rendering)."""
    return _read_stored(certificate.pdf_sha256)


def certificate_pdf(certificate: Certificate) -> bytes:
    """The PDF of ``certificate``: the stored file, or a fresh rendering when it is missing.

    A fresh rendering identical to the issued one is stored again. One that differs (other
    software or fonts since issuance) is served but not recorded here — this may run on a GET;
    ``flask certificates render-missing`` records it so that it verifies by upload too.
    """
    hashes = known_hashes(certificate)
    for sha256 in hashes:
        stored = _read_stored(sha256)
        if stored is not None:
            return stored
    content = render_certificate(certificate.snapshot)
    if hashlib.sha256(content).hexdigest() in hashes:
        store_pdf(content)
    else:
        _LOG.warning("certificate %s renders differently from its issued PDF; run "
                     "'flask certificates render-missing'", certificate.serial)
    return content


def zip_entries(module_id: int) -> list[ZipEntry]:
    """The valid certificates of a module, ready for ``export.zip_stream`` (snapshots, stored files)."""
    rows = db.session.execute(
        sa.select(Certificate.serial, Certificate.snapshot, Certificate.pdf_sha256)
        .where(Certificate.module_id == module_id, Certificate.status == CertificateStatus.VALID)
        .order_by(Certificate.serial)).all()
    entries = []
    for serial, snapshot, sha256 in rows:
        path = pdf_path(sha256)
        entries.append(ZipEntry(f"{serial}.pdf", snapshot, path if path.is_file() else None, sha256))
    return entries


def render_missing() -> dict[str, int]:
    """Render and store every certificate whose PDF file is missing; report what happened.

    A re-rendering that differs from the issued PDF is stored too and its hash recorded, so
    that both files verify by upload. Flushes; the caller commits.
    """
    counts = {"checked": 0, "present": 0, "restored": 0, "changed": 0}
    query = sa.select(Certificate).order_by(Certificate.id).execution_options(yield_per=200)
    for certificate in db.session.scalars(query):
        counts["checked"] += 1
        hashes = known_hashes(certificate)
        if any(pdf_path(sha256).is_file() for sha256 in hashes):
            counts["present"] += 1
            continue
        sha256 = store_pdf(render_certificate(certificate.snapshot))
        if sha256 in hashes:
            counts["restored"] += 1
        else:
            db.session.add(CertificatePdf(sha256=sha256, certificate_id=certificate.id))
            record("certificate.rerendered", target=certificate, sha256=sha256)
            counts["changed"] += 1
    db.session.flush()
    return counts


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
        partners=[{"name": partner.name, "short_name": partner.short_name} for partner in module.partners],
        base_url=public_base_url())
    sha256 = store_pdf(render_certificate(snapshot))
    certificate = Certificate(
        kind=CertificateKind.MODULE, serial=serial, code=code, user_id=trainee.id, module_id=module.id,
        enrolment_id=enrolment.id, language=language, holder_name=name, snapshot=snapshot,
        pdf_sha256=sha256, issued_at=now, issued_by_id=getattr(actor, "id", None),
        issue_reason=(reason or None) and reason[:REASON_MAX_LENGTH],
        supersedes_id=getattr(supersedes, "id", None))
    db.session.add(certificate)
    db.session.flush()
    db.session.add(CertificatePdf(sha256=sha256, certificate_id=certificate.id, rendered_at=now))
    db.session.flush()
    record("certificate.issue", actor=actor, target=certificate, serial=serial, user_id=trainee.id,
           module_id=module.id, automatic=actor is None, reason=reason or None,
           supersedes=getattr(supersedes, "serial", None))
    _mail_issued(trainee, certificate)
    return certificate


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
    """Completion hook: issue the enrolment's certificate, once.

    Runs in the transaction that completed the enrolment. The certificate is written in a
    savepoint: if it cannot be issued (a rendering or disk failure), the completion still
    stands, the failure is logged and audited, and an admin can issue it by hand.
    """
    if current_certificate(enrolment.id) is not None:
        return None
    try:
        with db.session.begin_nested():
            return issue_certificate(enrolment)
    except IntegrityError:  # issued meanwhile by a concurrent transaction: exactly once holds
        return None
    except Exception:  # noqa: BLE001 — a certificate problem must not undo a completion
        _LOG.exception("automatic certificate for enrolment %s failed", enrolment.id)
        record("certificate.issue_failed", target=enrolment, user_id=enrolment.user_id)
        return None


def _mail_issued(trainee: User, certificate: Certificate) -> None:
    from ..accounts.tokens import absolute_url

    try:
        link = absolute_url("certificates.mine")
    except RuntimeError:  # a CLI run without SERVER_NAME or SERVER_BASE_URL: no link
        link = None
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
    return certificate


def reissue_certificate(certificate: Certificate, *, actor: User, reason: str, holder_name: str | None = None,
                        language: str | None = None, now: datetime | None = None) -> Certificate:
    """Replace a valid certificate (a corrected name, another language): the old one is superseded
    and keeps its history, the new one points back to it and keeps the completion date."""
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError(_l("Give the reason for reissuing this certificate."))
    if certificate.enrolment_id is None:
        raise CertificateError(NO_ENROLMENT)
    now = now or utcnow()
    _change_status(certificate, CertificateStatus.SUPERSEDED, actor=actor, reason=reason, now=now)
    enrolment = db.session.get(Enrolment, certificate.enrolment_id)
    completed_on = date.fromisoformat(certificate.snapshot["completed_on"])
    replacement = issue_certificate(
        enrolment, actor=actor, reason=reason, language=language or certificate.language,
        holder_name=holder_name if holder_name else certificate.holder_name, completed_on=completed_on,
        supersedes=certificate, now=now)
    record("certificate.reissue", actor=actor, target=certificate, serial=certificate.serial,
           replacement=replacement.serial, reason=reason)
    return replacement
