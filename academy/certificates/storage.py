"""Certificate PDFs on disk: stored under their SHA-256 at issuance, read back, rendered again
when missing, and streamed as ZIPs.

Files live in ``CERTIFICATE_DIR`` (``instance/certificates/`` by default), named by their hash, so
a stored file can be checked against the hash recorded in the database before it is served, and
a file no certificate records (its issuance rolled back, or a download wrote it back while the
certificate was being erased) is never served. Such files still print a name:
``remove_unrecorded`` deletes them, after every account erasure and from
``flask certificates remove-unrecorded``.
"""
from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from ..files import write_atomically
from ..audit.operations import record
from ..extensions import db
from ..media.storage import upload_root
from .export import ZipEntry
from .models import Certificate, CertificatePdf, CertificateStatus
from .rendering import render_certificate

_LOG = logging.getLogger(__name__)


def render(snapshot: dict) -> bytes:
    """Render a certificate with this site's uploaded logos available to the sandboxed fetcher."""
    return render_certificate(snapshot, logo_root=upload_root())


def pdf_path(sha256: str) -> Path:
    """Where the PDF with this hash lives: ``<CERTIFICATE_DIR>/ab/abcdef….pdf``."""
    return Path(current_app.config["CERTIFICATE_DIR"]) / sha256[:2] / f"{sha256}.pdf"


def store_pdf(content: bytes) -> str:
    """Write ``content`` under its SHA-256 (atomically: a reader never sees half a file); return the hash."""
    sha256 = hashlib.sha256(content).hexdigest()
    path = pdf_path(sha256)
    if path.is_file():
        return sha256
    write_atomically(path, content)
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
    content = render(certificate.snapshot)
    if hashlib.sha256(content).hexdigest() in hashes:
        store_pdf(content)
    else:
        _LOG.warning("certificate %s renders differently from its issued PDF; run "
                     "'flask certificates render-missing'", certificate.serial)
    return content


#: ``ab/abcdef….pdf``: the only files ``remove_unrecorded`` looks at.
_STORED_NAME = re.compile(r"([0-9a-f]{2})/(\1[0-9a-f]{62})\.pdf")


def remove_unrecorded() -> int:
    """Delete the stored PDFs no certificate records; return how many went.

    A file whose issuance is committing at this very moment may go too: like any missing file,
    it is rendered again (to the same bytes) and stored when it is next asked for.
    """
    root = Path(current_app.config["CERTIFICATE_DIR"])
    recorded = set(db.session.scalars(sa.select(CertificatePdf.sha256)))
    removed = 0
    for path in root.glob("??/*.pdf"):
        match = _STORED_NAME.fullmatch(path.relative_to(root).as_posix())
        if match and match[2] not in recorded:
            path.unlink(missing_ok=True)
            removed += 1
    if removed:
        _LOG.info("removed %d certificate PDF(s) no certificate records", removed)
    return removed


def zip_entries(module_id: int | None = None, edition_id: int | None = None) -> list[ZipEntry]:
    """The valid certificates of a module, or of an edition (its edition certificates and the
    module certificates of enrolments made through it), ready for ``export.zip_stream``."""
    query = sa.select(Certificate.serial, Certificate.snapshot, Certificate.pdf_sha256).where(
        Certificate.status == CertificateStatus.VALID)
    if edition_id is not None:
        query = query.where(Certificate.of_edition(edition_id))
    if module_id is not None:
        query = query.where(Certificate.module_id == module_id)
    entries = []
    for serial, snapshot, sha256 in db.session.execute(query.order_by(Certificate.serial)).all():
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
        sha256 = store_pdf(render(certificate.snapshot))
        if sha256 in hashes:
            counts["restored"] += 1
        else:
            db.session.add(CertificatePdf(sha256=sha256, certificate_id=certificate.id))
            record("certificate.rerendered", target=certificate, sha256=sha256)
            counts["changed"] += 1
    db.session.flush()
    return counts
