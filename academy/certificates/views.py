"""Certificate screens: a trainee's own, a coordinator's members', and the admins' register."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..access import require, roles_required, signed_in
from ..accounts.models import Role
from ..audit.operations import record
from ..core.forms import requested_page
from ..curriculum.models import Module
from ..extensions import db
from ..media.storage import upload_root
from ..nominations.models import Edition
from . import operations, storage
from .codes import normalise_code
from .credentials import load_signing_key, signed_credential
from .export import zip_stream
from .forms import IssueForm, ReissueForm, RevokeForm, SearchForm, edition_choices, module_choices
from .models import Certificate

bp = Blueprint("certificates", __name__)


def _paginate(query):
    return db.paginate(query, page=requested_page(request.args),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)


def _downloadable(certificate_id: int) -> Certificate:
    """The certificate, if the current user may download it; 404 otherwise (existence not revealed)."""
    certificate = db.get_or_404(Certificate, certificate_id)
    require(certificate.can_be_downloaded_by(current_user), 404)
    return certificate


def _attachment(content, mimetype: str, filename: str) -> Response:
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- trainee and coordinator -----------------------------------------------------------------

@bp.get("/certificates/")
@signed_in
def mine():
    """My certificates: each with its status, and PDF and credential downloads while valid."""
    page = _paginate(db.select(Certificate).where(Certificate.user_id == current_user.id)
                     .order_by(Certificate.issued_at.desc(), Certificate.id.desc()))
    return render_template("certificates/mine.html", page=page)


@bp.get("/certificates/<int:certificate_id>.pdf")
@signed_in
def download_pdf(certificate_id: int):
    """The certificate's PDF (the stored file, re-rendered if it went missing)."""
    certificate = _downloadable(certificate_id)
    return _attachment(storage.certificate_pdf(certificate), "application/pdf",
                       f"certificate-{certificate.serial}.pdf")


@bp.get("/certificates/<int:certificate_id>.jwt")
@signed_in
def download_credential(certificate_id: int):
    """The certificate as an Open Badges 3.0 credential, signed as a VC-JWT."""
    certificate = _downloadable(certificate_id)
    token = signed_credential(certificate.snapshot,
                              load_signing_key(current_app.config["CERTIFICATE_SIGNING_KEY_FILE"]))
    return _attachment(token, "application/jwt", f"certificate-{certificate.serial}.jwt")


@bp.get("/certificates/organisation")
@roles_required(Role.COORDINATOR)
def organisation():
    """A coordinator's view: the certificates their organisation may see (``Certificate.of_organisation``)."""
    if current_user.organisation_id is None:
        query = db.select(Certificate).where(db.false())
    else:
        query = (db.select(Certificate).where(Certificate.of_organisation(current_user.organisation_id))
                 .order_by(Certificate.issued_at.desc(), Certificate.id.desc()))
    return render_template("certificates/organisation.html", page=_paginate(query))


# --- admins ----------------------------------------------------------------------------------

def _search_query(filters: dict):
    query = db.select(Certificate).options(joinedload(Certificate.user))
    text = filters["q"]
    if text:
        code = normalise_code(text)
        condition = (Certificate.serial.icontains(text, autoescape=True)
                     | Certificate.holder_name.icontains(text, autoescape=True))
        if code:
            condition = condition | (Certificate.code == code)
        query = query.where(condition)
    if filters["status"] is not None:
        query = query.where(Certificate.status == filters["status"])
    if filters["module_id"] is not None:
        query = query.where(Certificate.module_id == filters["module_id"])
    if filters["edition_id"] is not None:
        query = query.where(Certificate.of_edition(filters["edition_id"]))
    return query.order_by(Certificate.issued_at.desc(), Certificate.id.desc())


@bp.get("/admin/certificates/")
@roles_required(Role.ADMIN)
def admin_list():
    """Every certificate: search by serial, code or name; filter by status and module."""
    form = SearchForm(request.args, module_choices=module_choices(), edition_choices=edition_choices())
    valid = form.validate() if request.args else True
    page = _paginate(_search_query(form.filters()))
    return render_template("certificates/admin_list.html", form=form, page=page), 200 if valid else 400


def _detail(certificate: Certificate, revoke_form=None, reissue_form=None, status: int = 200):
    replaced_by = db.session.scalar(db.select(Certificate).where(Certificate.supersedes_id == certificate.id))
    supersedes = db.session.get(Certificate, certificate.supersedes_id) if certificate.supersedes_id else None
    reissue_form = reissue_form or ReissueForm(
        formdata=None, data={"holder_name": certificate.holder_name, "language": certificate.language})
    return render_template("certificates/admin_detail.html", certificate=certificate,
                           revoke_form=revoke_form or RevokeForm(formdata=None), reissue_form=reissue_form,
                           replaced_by=replaced_by, supersedes=supersedes), status


def _load(certificate_id: int) -> Certificate:
    return db.one_or_404(db.select(Certificate).where(Certificate.id == certificate_id)
                         .options(joinedload(Certificate.user)))


@bp.get("/admin/certificates/<int:certificate_id>")
@roles_required(Role.ADMIN)
def admin_detail(certificate_id: int):
    """One certificate: what it printed, its history, and the forms to revoke or reissue it."""
    return _detail(_load(certificate_id))


@bp.post("/admin/certificates/<int:certificate_id>/revoke")
@roles_required(Role.ADMIN)
def revoke(certificate_id: int):
    """Revoke a valid certificate with a reason; anything else is refused and nothing changes."""
    certificate = _load(certificate_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        return _detail(certificate, revoke_form=form, status=400)
    try:
        operations.revoke_certificate(certificate, actor=current_user, reason=form.reason.data)
    except operations.CertificateError as error:
        db.session.rollback()
        form.form_errors.append(error.message)
        return _detail(_load(certificate_id), revoke_form=form, status=400)
    db.session.commit()
    flash(_("Certificate %(serial)s is revoked.", serial=certificate.serial), "success")
    return redirect(url_for(".admin_detail", certificate_id=certificate.id))


@bp.post("/admin/certificates/<int:certificate_id>/reissue")
@roles_required(Role.ADMIN)
def reissue(certificate_id: int):
    """Replace a valid certificate by a new one (corrected name or language); the old one is kept."""
    certificate = _load(certificate_id)
    form = ReissueForm()
    if not form.validate_on_submit():
        return _detail(certificate, reissue_form=form, status=400)
    try:
        replacement = operations.reissue_certificate(certificate, actor=current_user, reason=form.reason.data,
                                                     holder_name=form.holder_name.data,
                                                     language=form.language.data)
        db.session.commit()
    except (operations.CertificateError, IntegrityError) as error:
        db.session.rollback()
        form.form_errors.append(getattr(error, "message", operations.NOT_VALID))
        return _detail(_load(certificate_id), reissue_form=form, status=400)
    flash(_("Certificate %(old)s is replaced by %(new)s.", old=certificate.serial, new=replacement.serial),
          "success")
    return redirect(url_for(".admin_detail", certificate_id=replacement.id))


@bp.route("/admin/certificates/issue", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def issue():
    """Issue a certificate by hand for an enrolment or an edition (with a reason when it is not
    completed)."""
    form = IssueForm()
    if form.validate_on_submit():
        try:
            if form.edition_chosen is not None:
                certificate = operations.issue_edition_manually(
                    form.trainee, form.edition_chosen, actor=current_user, reason=form.reason.data,
                    language=form.language.data or None)
            else:
                certificate = operations.issue_manually(form.enrolment, actor=current_user, reason=form.reason.data,
                                                        language=form.language.data or None)
            db.session.commit()
        except (operations.CertificateError, IntegrityError) as error:
            db.session.rollback()
            form.form_errors.append(getattr(error, "message", operations.ALREADY_ISSUED))
        else:
            flash(_("Certificate %(serial)s issued.", serial=certificate.serial), "success")
            return redirect(url_for(".admin_detail", certificate_id=certificate.id))
    status = 400 if form.is_submitted() else 200
    return render_template("certificates/admin_issue.html", form=form), status


@bp.get("/admin/certificates/export.zip")
@roles_required(Role.ADMIN)
def export_zip():
    """Every valid certificate of one edition (``?edition_id=``: its edition certificates and the
    module certificates of trainees enrolled through it) or of one module (``?module_id=``), as a
    ZIP streamed as it renders."""
    edition_id = request.args.get("edition_id", type=int)
    module_id = request.args.get("module_id", type=int)
    require((edition_id is None) != (module_id is None), 400)
    require(0 < (edition_id if edition_id is not None else module_id) < 2**31, 400)
    if edition_id is not None:
        target = db.get_or_404(Edition, edition_id)
        entries = storage.zip_entries(edition_id=target.id)
        filename = f"certificates-edition-{target.id}.zip"
    else:
        target = db.get_or_404(Module, module_id)
        entries = storage.zip_entries(module_id=target.id)
        slug = "".join(char for char in target.slug if char.isascii() and (char.isalnum() or char == "-")) or "module"
        filename = f"certificates-{slug}-{target.language}.zip"
    record("certificate.export", actor=current_user, target=target, count=len(entries))
    db.session.commit()
    workers = current_app.config["CERTIFICATE_ZIP_WORKERS"]
    response = Response(zip_stream(entries, workers, upload_root()), mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
