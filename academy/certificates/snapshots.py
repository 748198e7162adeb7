"""What a certificate prints: the snapshot of plain values its PDF and credential are made from.

Everything is resolved at issuance — fixed texts from the message catalogues in the
certificate's language, dates formatted, signatories from the configuration, the public
verification address — so that the PDF is a function of the snapshot alone and renders the same
years later, whatever changed in the catalogues, the module or the configuration since.
"""
from __future__ import annotations

import json
import logging
from datetime import date, datetime
from pathlib import Path

from flask import current_app, has_request_context, request
from flask_babel import force_locale, format_date, gettext as _, lazy_gettext as _l, ngettext

from ..db_types import utcnow
from ..media.storage import store
from ..organisations.logos import LogoRefused, prepare_logo
from ..pdf import is_sha256
from .codes import format_code
from .models import NAME_MAX_LENGTH, CertificateKind
from .rendering import clean_text

_LOG = logging.getLogger(__name__)

#: Version of the snapshot's layout, so that a future template can read old snapshots.
SNAPSHOT_FORMAT = 1

#: Printed when no signatories are configured: titles only, above blank signature lines.
DEFAULT_SIGNATORIES = (
    {"name": "", "title": _l("Director of the Activist Academy")},
    {"name": "", "title": _l("Secretary General of the alliance")},
)


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
    """The signatories printed, in ``language`` (from ``CERTIFICATE_SIGNATORIES`` or the defaults).

    An entry may name a ``signature`` image (PNG or JPEG, a path under the instance folder); it
    is cleaned, stored by hash in the upload store and referenced by that hash.
    """
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
            signatory = {"name": clean_text(str(entry.get("name", "")), 120), "title": clean_text(str(title), 160)}
            if entry.get("signature"):
                signatory["signature"] = signature_image(str(entry["signature"]))
            result.append(signatory)
    return result


def signature_image(relative_path: str) -> str:
    """Store a configured signature image (under the instance folder) and return its hash.

    A path outside the instance folder, a missing file or anything but a PNG or JPEG is a
    configuration error: it raises ``ValueError`` rather than print certificates unsigned.
    """
    instance = Path(current_app.instance_path).resolve()
    path = (instance / relative_path).resolve()
    if not path.is_relative_to(instance) or not path.is_file():
        raise ValueError(f"CERTIFICATE_SIGNATORIES: signature {relative_path!r} is not a file in the instance folder")
    with path.open("rb") as stream:
        try:
            content, file_type = prepare_logo(stream)
        except LogoRefused as refused:
            raise ValueError(f"CERTIFICATE_SIGNATORIES: signature {relative_path!r}: {refused.args[0]}") from refused
    return store(content, file_type.content_type).sha256


def certificate_texts(language: str, *, serial: str, hours: int, completed_on: date,
                      edition_dates: tuple[date, date] | None = None) -> dict:
    """Every fixed text of the certificate in ``language``, from the message catalogues.

    An edition certificate (``edition_dates`` given) attests a whole programme and prints its
    dates instead of the day the last module was completed.
    """
    with force_locale(language):
        if edition_dates is None:
            completed = _("has successfully completed the module")
            details = ngettext("%(num)d hour of study · completed on %(date)s",
                               "%(num)d hours of study · completed on %(date)s",
                               hours, date=format_date(completed_on, "long"))
        else:
            completed = _("has successfully completed every module of the programme")
            details = ngettext("%(num)d hour of study · from %(start)s to %(end)s",
                               "%(num)d hours of study · from %(start)s to %(end)s",
                               hours, start=format_date(edition_dates[0], "long"),
                               end=format_date(edition_dates[1], "long"))
        return {
            "academy": _("Activist Academy"),
            "heading": _("Certificate of completion"),
            "certifies": _("This certifies that"),
            "completed": completed,
            "details": details,
            "partners_intro": _("Run together with"),
            "serial_label": _("Serial number"),
            "code_label": _("Verification code"),
            "verify": _("Check this certificate at"),
            "document_title": _("Certificate %(serial)s", serial=serial),
        }


def partner_values(organisations) -> list[dict]:
    """The partner foundations (organisations) as printed: name, acronym and the stored logo's
    hash (or None) — plain values only, the logo itself stays in the upload store."""
    return [{"name": item.name, "short_name": item.short_name, "logo": getattr(item, "logo_sha256", None)}
            for item in organisations]


def build_snapshot(*, language: str, holder_name: str, title: str, summary: str, slug: str,
                   hours: int, partners: list[dict], completed_on: date, issued_at: datetime,
                   serial: str, code: str, base_url: str, edition: dict | None = None) -> dict:
    """Every value the certificate prints (and its credential states), as plain JSON values.

    The PDF is rendered from this alone, texts included, so that re-rendering years later gives
    the same document even after the catalogues, the module or the configuration changed.
    ``edition`` (``{"id", "starts_on", "ends_on"}``) makes it an edition certificate: ``title``
    is then the edition's name and ``hours`` the total of its modules.
    """
    edition_dates = (edition["starts_on"], edition["ends_on"]) if edition else None
    snapshot = {
        "format": SNAPSHOT_FORMAT,
        "kind": (CertificateKind.EDITION if edition else CertificateKind.MODULE).value,
        "language": language,
        "holder_name": holder_name,
        "achievement_title": clean_text(title, 300),
        "achievement_summary": clean_text(summary, 2000),
        "achievement_slug": slug,
        "hours": hours,
        "partners": [_partner(item) for item in partners],
        "signatories": signatories(language),
        "completed_on": completed_on.isoformat(),
        "issued_at": issued_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "serial": serial,
        "code": code,
        "verification_url": verification_url(base_url, code),
        "issuer": {"url": base_url + "/"},
        "texts": certificate_texts(language, serial=serial, hours=hours, completed_on=completed_on,
                                   edition_dates=edition_dates),
    }
    if edition:
        snapshot["edition"] = {"id": edition["id"], "starts_on": edition["starts_on"].isoformat(),
                               "ends_on": edition["ends_on"].isoformat()}
    return snapshot


def _partner(item: dict) -> dict:
    logo = item.get("logo")
    return {"name": clean_text(item["name"], 200), "short_name": clean_text(item["short_name"], 40),
            "logo": logo if is_sha256(logo) else None}


def preview_snapshot(*, holder_name: str, language: str, title: str, summary: str = "", slug: str = "preview",
                     hours: int = 10, partners: list[dict] | None = None, base_url: str = "https://academy.example.org",
                     now: datetime | None = None, edition: dict | None = None) -> dict:
    """A sample snapshot that touches no database (``certificates preview``, benchmarks)."""
    now = (now or utcnow()).replace(microsecond=0)
    return build_snapshot(
        language=language, holder_name=clean_text(holder_name, NAME_MAX_LENGTH), title=title, summary=summary,
        slug=slug, hours=hours, partners=partners or [], completed_on=now.date(), issued_at=now,
        serial=f"AA-{now.year}-000000", code="0" * 20, base_url=base_url, edition=edition)
