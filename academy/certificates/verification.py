"""Public verification: anyone may check a certificate by its code, its QR code or its PDF file.

The pages say whether the certificate stands, the name as printed, what was completed and when,
and who issued it — nothing else about the person. A code that is unknown and a code that could
never exist get the same 404, so the pages cannot be used to probe. Every page is rate-limited
(one budget shared by all of them, per address).

The machine-readable side of the same facts: the Open Badges credential as JSON, its status
(revocation list) and the public key that verifies signed credentials (JWKS).
"""
from __future__ import annotations

import hashlib

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..access import public
from ..extensions import db, limiter
from .codes import format_code, normalise_code
from .credentials import STATUS_TYPE, build_credential, credential_urls, jwks, load_signing_key
from .forms import VerifyCodeForm, VerifyFileForm
from .models import Certificate, CertificatePdf, CertificateStatus

bp = Blueprint("verification", __name__)


def _verify_limit() -> str:
    return current_app.config["RATELIMIT_VERIFY"]


_limited = limiter.shared_limit(_verify_limit, scope="certificate-verification")


@bp.after_request
def _not_indexed(response):
    """A certificate's pages name its holder: whoever has the code may check it, but search engines
    must not list who took part."""
    if request.view_args and "code" in request.view_args:
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _public_json(payload, status: int = 200):
    response = jsonify(payload)
    response.status_code = status
    response.headers["Access-Control-Allow-Origin"] = "*"  # verifiers and wallets read these from anywhere
    # A credential names its holder: no shared cache may keep it (the JWKS document says otherwise itself).
    response.headers["Cache-Control"] = "no-store"
    return response


def _by_code(text: str) -> Certificate | None:
    code = normalise_code(text)
    if code is None:
        return None
    return db.session.scalar(db.select(Certificate).where(Certificate.code == code))


def _unknown():
    return render_template("certificates/verify_unknown.html", code_form=VerifyCodeForm(formdata=None),
                           file_form=VerifyFileForm(formdata=None)), 404


@bp.route("/verify", methods=["GET", "POST"])
@_limited
@public
def verify():
    """Check a certificate: type its code (GET ``?code=``) or upload its PDF (POST)."""
    code_form = VerifyCodeForm(request.args) if request.args else VerifyCodeForm(formdata=None)
    file_form = VerifyFileForm()
    status = 200
    if request.method == "GET" and request.args:
        if code_form.validate():
            return redirect(url_for(".verify_code", code=format_code(code_form.normalised)), 303)
        status = 400
    elif request.method == "POST":
        content = file_form.read_pdf() if file_form.validate_on_submit() else None
        if content is not None:
            certificate = db.session.scalar(
                db.select(Certificate).join(CertificatePdf, CertificatePdf.certificate_id == Certificate.id)
                .where(CertificatePdf.sha256 == hashlib.sha256(content).hexdigest()))
            return render_template("certificates/verify_file.html", certificate=certificate,
                                   file_form=VerifyFileForm(formdata=None))
        status = 400
    return render_template("certificates/verify.html", code_form=code_form, file_form=file_form), status


@bp.get("/verify/<code>")
@_limited
@public
def verify_code(code: str):
    """A certificate's public page: status, name as printed, what, when, issued by whom."""
    certificate = _by_code(code)
    if certificate is None:
        return _unknown()
    if code != certificate.display_code:
        return redirect(url_for(".verify_code", code=certificate.display_code), 301)
    urls = credential_urls(certificate.snapshot["issuer"]["url"], certificate.code)
    return render_template("certificates/verify_code.html", certificate=certificate,
                           snapshot=certificate.snapshot, credential_url=urls["id"])


@bp.get("/verify/<code>/credential.json")
@_limited
@public
def credential_json(code: str):
    """The certificate's Open Badges 3.0 credential as JSON (signed form: the holder's .jwt)."""
    certificate = _by_code(code)
    if certificate is None:
        return _public_json({"error": _("No certificate has this code.")}, 404)
    return _public_json(build_credential(certificate.snapshot))


@bp.get("/certificates/status/<code>")
@_limited
@public
def credential_status(code: str):
    """The credential's status, as a 1EdTech revocation list of one: empty while it stands.

    A superseded certificate is listed too: it was replaced and must not be accepted as current.
    No reason is published.
    """
    certificate = _by_code(code)
    if certificate is None:
        return _public_json({"error": _("No certificate has this code.")}, 404)
    urls = credential_urls(certificate.snapshot["issuer"]["url"], certificate.code)
    revoked = certificate.status is not CertificateStatus.VALID
    return _public_json({
        "id": urls["status"],
        "type": STATUS_TYPE,
        "issuer": certificate.snapshot["issuer"]["url"],
        "status": certificate.status.value,
        "revokedCredentials": [{"id": urls["id"]}] if revoked else [],
    })


@bp.get("/.well-known/jwks.json")
@public
def jwks_document():
    """The public key that verifies the academy's signed credentials (JWKS)."""
    response = _public_json(jwks(load_signing_key(current_app.config["CERTIFICATE_SIGNING_KEY_FILE"])))
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
