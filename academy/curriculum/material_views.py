"""Materials of a lesson: uploading files, adding links, deleting them, and downloading files.

Files are accepted only when their content is of an accepted type that agrees with their name;
images are re-encoded without metadata. Downloads go to the module's readers only (its trainers,
admins and enrolled trainees), always as attachments under a CSP that allows nothing.
"""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from ..access import require, roles_required, signed_in
from ..accounts.models import Role
from ..extensions import db
from ..learning.permissions import reader_of, teaches
from ..media.storage import store, stored_path
from ..media.uploads import RefusedFile, prepare_upload, read_limited, safe_filename
from . import operations
from .forms import ConfirmForm, FileMaterialForm, LessonForm, LinkMaterialForm, refusal_message
from .labels import file_size
from .models import Lesson, Material, MaterialKind
from .views import bp, files_unused_after_commit, lesson_page, taught_lesson

#: Downloads may not be interpreted by the browser: no scripts, no plugins, no same-origin access.
DOWNLOAD_CSP = "default-src 'none'; sandbox"


def _refuse_upload(lesson: Lesson, form: FileMaterialForm, message: str, status: int):
    form.file.errors = [*form.file.errors, message]
    return lesson_page(lesson, LessonForm(obj=lesson, formdata=None), file_form=form, status=status)


@bp.post("/teach/lessons/<int:lesson_id>/materials/file")
@roles_required(Role.ADMIN, Role.TRAINER)
def add_file_material(lesson_id: int):
    """Upload a file to a lesson; refused (and nothing stored) when too large or not what it claims."""
    lesson = taught_lesson(lesson_id)
    form = FileMaterialForm(prefix="file")
    if not form.validate_on_submit():
        return lesson_page(lesson, LessonForm(obj=lesson, formdata=None), file_form=form, status=400)
    limit = current_app.config["MATERIAL_MAX_BYTES"]
    content = read_limited(form.file.data.stream, limit)
    if content is None:
        return _refuse_upload(lesson, form, _("The file is larger than %(limit)s. Nothing was stored.",
                                              limit=file_size(limit)), 413)
    try:
        content, file_type = prepare_upload(content, form.file.data.filename or "")
    except RefusedFile as refusal:
        return _refuse_upload(lesson, form, refusal_message(refusal), 400)
    stored = store(content, file_type.content_type)
    operations.add_file_material(lesson, lesson.module, title=form.title.data,
                                 filename=safe_filename(form.file.data.filename or "", file_type),
                                 stored=stored, actor=current_user)
    db.session.commit()
    # The same content's last material may have been deleted (and its file discarded) between
    # ``store`` finding the file there and this commit: store it again (nothing to do if present).
    store(content, file_type.content_type)
    flash(_("The file “%(title)s” was added.", title=form.title.data.strip()), "success")
    return redirect(url_for(".edit_lesson", lesson_id=lesson.id, _anchor="materials"))


@bp.post("/teach/lessons/<int:lesson_id>/materials/link")
@roles_required(Role.ADMIN, Role.TRAINER)
def add_link_material(lesson_id: int):
    """Attach a link (http or https) to a lesson."""
    lesson = taught_lesson(lesson_id)
    form = LinkMaterialForm(prefix="link")
    if not form.validate_on_submit():
        return lesson_page(lesson, LessonForm(obj=lesson, formdata=None), link_form=form, status=400)
    operations.add_link_material(lesson, lesson.module, title=form.title.data, url=form.url.data,
                                 actor=current_user)
    db.session.commit()
    flash(_("The link “%(title)s” was added.", title=form.title.data.strip()), "success")
    return redirect(url_for(".edit_lesson", lesson_id=lesson.id, _anchor="materials"))


def _material(material_id: int) -> Material:
    return db.one_or_404(db.select(Material).where(Material.id == material_id)
                         .options(joinedload(Material.lesson).joinedload(Lesson.module)))


@bp.post("/teach/materials/<int:material_id>/delete")
@roles_required(Role.ADMIN, Role.TRAINER)
def delete_material(material_id: int):
    """Remove a material from its lesson (a file no other material uses is deleted too)."""
    material = _material(material_id)
    require(teaches(current_user, material.lesson.module_id))
    require(ConfirmForm().validate_on_submit(), 400)
    lesson_id, title = material.lesson_id, material.title
    sha256 = operations.delete_material(material, material.lesson.module, actor=current_user)
    db.session.commit()
    files_unused_after_commit([sha256] if sha256 else [])
    flash(_("“%(title)s” was removed.", title=title), "success")
    return redirect(url_for(".edit_lesson", lesson_id=lesson_id, _anchor="materials"))


@bp.get("/materials/<int:material_id>")
@signed_in
def download_material(material_id: int):
    """A material file, for the module's trainers, admins and enrolled trainees, as an attachment."""
    material = _material(material_id)
    require(material.kind is MaterialKind.FILE, 404)
    reader_of(material.lesson.module, current_user)
    path = stored_path(material.sha256)
    if not path.is_file():
        current_app.logger.error("material %s: stored file %s is missing", material.id, material.sha256)
        abort(404)
    response = send_file(path, mimetype=material.content_type, as_attachment=True,
                         download_name=material.filename or "material", etag=material.sha256,
                         conditional=True, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["Cache-Control"] = "private, no-store"
    return response
