"""Trainer authoring under /teach: modules, lessons (Markdown with preview), order and status.

Admins reach every module; trainers reach the modules they are assigned to. Materials (uploads,
links and downloads) are in ``material_views.py`` on the same blueprint.
"""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, load_only, selectinload

from ..access import require, roles_required
from ..accounts.models import Role
from ..core.errors import render_error
from ..core.forms import requested_page
from ..extensions import db
from ..learning.models import LessonProgress
from ..learning.permissions import teaches
from ..media.storage import discard
from . import operations
from .forms import (
    ConfirmForm, FileMaterialForm, LessonForm, LinkMaterialForm, ModuleForm, ModuleStatusForm, MoveLessonForm,
    NewLessonForm, NewModuleForm,
)
from .labels import LEVEL_LABELS, STATUS_LABELS, TOPIC_LABELS, file_size
from .models import Lesson, Material, Module, ModuleStatus, module_trainers
from .rendering import render_markdown

bp = Blueprint("curriculum", __name__)



@bp.context_processor
def _labels():
    return {"topic_labels": TOPIC_LABELS, "level_labels": LEVEL_LABELS, "status_labels": STATUS_LABELS,
            "file_size": file_size}


def taught_module(module_id: int, *options) -> Module:
    """The module if the signed-in person may edit it (admin or its trainer); 404/403 otherwise."""
    module = db.one_or_404(db.select(Module).where(Module.id == module_id).options(*options))
    require(teaches(current_user, module.id))
    return module


def taught_lesson(lesson_id: int) -> Lesson:
    """The lesson, with its module, if the signed-in person may edit that module."""
    lesson = db.one_or_404(db.select(Lesson).where(Lesson.id == lesson_id).options(joinedload(Lesson.module)))
    require(teaches(current_user, lesson.module_id))
    return lesson


def files_unused_after_commit(hashes: list[str]) -> None:
    """Remove stored files that nothing refers to any more (called after the commit)."""
    for digest in operations.unreferenced([digest for digest in hashes if digest]):
        discard(digest, used_again=lambda digest=digest: not operations.unreferenced([digest]))


@bp.get("/teach/")
@roles_required(Role.ADMIN, Role.TRAINER)
def list_modules():
    """The modules the signed-in person edits: all of them for admins, their own for trainers."""
    query = db.select(Module).order_by(Module.title, Module.language, Module.id)
    if not current_user.is_admin:
        query = query.where(Module.id.in_(db.select(module_trainers.c.module_id)
                                          .where(module_trainers.c.user_id == current_user.id)))
    page = db.paginate(query, page=requested_page(request.args), per_page=current_app.config["PAGE_SIZE"],
                       error_out=False)
    ids = [module.id for module in page.items]
    counts = dict(db.session.execute(
        db.select(Lesson.module_id, db.func.count()).where(Lesson.module_id.in_(ids)).group_by(Lesson.module_id)
    ).all()) if ids else {}
    return render_template("curriculum/module_list.html", page=page, lesson_counts=counts)


@bp.route("/teach/modules/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def create_module():
    """Create a draft module (admins); trainers and lessons come next."""
    form = NewModuleForm()
    form.fill_choices(None, with_trainers=True)
    if form.validate_on_submit():
        try:
            module = operations.create_module(slug=form.slug.data, language=form.language.data,
                                              actor=current_user, **form.values())
            db.session.commit()
        except IntegrityError:  # the same slug and language created a moment ago
            db.session.rollback()
            form.slug.errors.append(_("A module with this slug exists in this language already."))
        else:
            flash(_("The module was created as a draft."), "success")
            return redirect(url_for(".edit_module", module_id=module.id))
    return render_template("curriculum/module_new.html", form=form), 400 if form.is_submitted() else 200


def _lesson_rows(module: Module) -> tuple[list[Lesson], dict[int, int]]:
    lessons = list(db.session.scalars(
        db.select(Lesson).where(Lesson.module_id == module.id).order_by(Lesson.position, Lesson.id)
        .options(load_only(Lesson.id, Lesson.module_id, Lesson.position, Lesson.slug, Lesson.title,
                           Lesson.updated_at))))
    completions = dict(db.session.execute(
        db.select(LessonProgress.lesson_id, db.func.count())
        .where(LessonProgress.lesson_id.in_([lesson.id for lesson in lessons]))
        .group_by(LessonProgress.lesson_id)).all()) if lessons else {}
    return lessons, completions


@bp.route("/teach/modules/<int:module_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.TRAINER)
def edit_module(module_id: int):
    """Edit a module's fields and manage its lessons and status."""
    module = taught_module(module_id, selectinload(Module.partners), selectinload(Module.trainers),
                           joinedload(Module.updated_by))
    form = ModuleForm() if request.method == "POST" else _module_form(module)
    form.fill_choices(module, with_trainers=current_user.is_admin)
    if form.validate_on_submit():
        operations.update_module(module, actor=current_user, **form.values())
        db.session.commit()
        flash(_("The module was saved."), "success")
        return redirect(url_for(".edit_module", module_id=module.id))
    lessons, completions = _lesson_rows(module)
    return render_template("curriculum/module_edit.html", module=module, form=form, lessons=lessons,
                           completions=completions), 400 if form.is_submitted() else 200


def _module_form(module: Module) -> ModuleForm:
    # Plain values, not ``obj=module``: WTForms prefers the object's attributes (enums, ORM lists).
    return ModuleForm(
        title=module.title, summary=module.summary, topic=module.topic.value, level=module.level.value,
        estimated_hours=module.estimated_hours, learning_outcomes="\n".join(module.learning_outcomes or []),
        partners=[partner.id for partner in module.partners], trainers=[trainer.id for trainer in module.trainers],
        requires_all_lessons=module.requires_all_lessons, requires_quiz=module.requires_quiz,
        attendance_percent=module.attendance_percent)


@bp.post("/teach/modules/<int:module_id>/status")
@roles_required(Role.ADMIN, Role.TRAINER)
def set_module_status(module_id: int):
    """Publish, unpublish (back to draft) or archive a module."""
    module = taught_module(module_id)
    form = ModuleStatusForm()
    require(form.validate_on_submit(), 400)
    status = ModuleStatus(form.status.data)
    if status is ModuleStatus.PUBLISHED and not db.session.scalar(
            db.select(db.func.count()).select_from(Lesson).where(Lesson.module_id == module.id)):
        return render_error(400, _("A module needs at least one lesson before it can be published."))
    operations.set_module_status(module, status, actor=current_user)
    db.session.commit()
    flash({ModuleStatus.PUBLISHED: _("The module is published: enrolled trainees can study it."),
           ModuleStatus.DRAFT: _("The module is a draft again: trainees no longer see it."),
           ModuleStatus.ARCHIVED: _("The module is archived.")}[status], "success")
    return redirect(url_for(".edit_module", module_id=module.id))


def lesson_page(lesson: Lesson, form: LessonForm, *, preview: str | None = None, file_form=None,
                link_form=None, status: int = 200):
    """The lesson editing page: the lesson form, an optional preview and the lesson's materials."""
    materials = list(db.session.scalars(
        db.select(Material).where(Material.lesson_id == lesson.id).order_by(Material.position, Material.id)))
    return render_template(
        "curriculum/lesson_edit.html", lesson=lesson, module=lesson.module, form=form, preview=preview,
        materials=materials, file_form=file_form or FileMaterialForm(prefix="file"),
        link_form=link_form or LinkMaterialForm(prefix="link"),
        max_upload_bytes=current_app.config["MATERIAL_MAX_BYTES"],
    ), status


@bp.route("/teach/modules/<int:module_id>/lessons/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.TRAINER)
def create_lesson(module_id: int):
    """Write a new lesson at the end of the module, with a preview before saving."""
    module = taught_module(module_id)
    form = NewLessonForm(module)
    preview = None
    if form.validate_on_submit():
        if not form.wants_preview:
            lesson = operations.create_lesson(module, slug=form.slug.data, title=form.title.data,
                                              summary=form.summary.data,
                                              estimated_minutes=form.estimated_minutes.data,
                                              body_markdown=form.body_markdown.data, actor=current_user)
            db.session.commit()
            flash(_("The lesson was saved."), "success")
            return redirect(url_for(".edit_lesson", lesson_id=lesson.id))
        preview = render_markdown(form.body_markdown.data)
    status = 400 if form.is_submitted() and preview is None else 200
    return render_template("curriculum/lesson_new.html", module=module, form=form, preview=preview), status


@bp.route("/teach/lessons/<int:lesson_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.TRAINER)
def edit_lesson(lesson_id: int):
    """Edit a lesson's text with a preview; its materials are managed on the same page."""
    lesson = taught_lesson(lesson_id)
    form = LessonForm(obj=lesson)
    current = operations.lesson_fingerprint(lesson)
    if not form.is_submitted():
        form.seen.data = current
    if form.validate_on_submit():
        if form.wants_preview:
            return lesson_page(lesson, form, preview=render_markdown(form.body_markdown.data))
        if form.seen.data and form.seen.data != current:
            # Another trainer saved meanwhile: nothing is saved, the text typed here stays in the
            # form, and saving again (knowingly) replaces their version.
            form.seen.data = current
            form.form_errors.append(_(
                "Someone else saved this lesson after you opened it. Nothing was saved: your text is "
                "below. Compare it with the lesson's new text (open the lesson in another tab), then "
                "save again to replace it."))
            return lesson_page(lesson, form, status=409)
        operations.update_lesson(lesson, lesson.module, title=form.title.data, summary=form.summary.data,
                                 estimated_minutes=form.estimated_minutes.data,
                                 body_markdown=form.body_markdown.data, actor=current_user)
        db.session.commit()
        flash(_("The lesson was saved."), "success")
        return redirect(url_for(".edit_lesson", lesson_id=lesson.id))
    return lesson_page(lesson, form, status=400 if form.is_submitted() else 200)


@bp.post("/teach/lessons/<int:lesson_id>/move")
@roles_required(Role.ADMIN, Role.TRAINER)
def move_lesson(lesson_id: int):
    """Move a lesson one place up or down; positions stay 1..n."""
    lesson = taught_lesson(lesson_id)
    form = MoveLessonForm()
    require(form.validate_on_submit(), 400)
    if operations.move_lesson(lesson, lesson.module, form.direction.data, actor=current_user):
        flash(_("The lesson “%(title)s” was moved.", title=lesson.title), "success")
    db.session.commit()
    return redirect(url_for(".edit_module", module_id=lesson.module_id, _anchor="lessons"))


@bp.get("/teach/lessons/<int:lesson_id>/delete")
@roles_required(Role.ADMIN, Role.TRAINER)
def confirm_lesson_deletion(lesson_id: int):
    """Ask before deleting a lesson, its text and its materials: nothing brings them back."""
    lesson = taught_lesson(lesson_id)
    materials = db.session.scalar(db.select(db.func.count()).select_from(Material)
                                  .where(Material.lesson_id == lesson.id))
    return render_template("curriculum/lesson_delete.html", lesson=lesson, module=lesson.module,
                           materials=materials)


@bp.post("/teach/lessons/<int:lesson_id>/delete")
@roles_required(Role.ADMIN, Role.TRAINER)
def delete_lesson(lesson_id: int):
    """Delete a lesson nobody has completed yet."""
    lesson = taught_lesson(lesson_id)
    require(ConfirmForm().validate_on_submit(), 400)
    module_id, title = lesson.module_id, lesson.title
    hashes = operations.delete_lesson(lesson, lesson.module, actor=current_user)
    if hashes is None:
        db.session.rollback()
        return render_error(409, _("Trainees have completed this lesson, so it cannot be deleted."))
    db.session.commit()
    files_unused_after_commit(hashes)
    flash(_("The lesson “%(title)s” was deleted.", title=title), "success")
    return redirect(url_for(".edit_module", module_id=module_id, _anchor="lessons"))


from . import material_views  # noqa: E402,F401  (routes on the same blueprint)
