"""The trainee's side: home, module and lesson pages, quiz attempts and the handbook PDF.

The trainers' side (enrolments and the progress table) is in ``teaching.py`` on the same
blueprint.
"""
from __future__ import annotations

from functools import cache

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload, selectinload
from werkzeug.routing import BuildError

from ..access import require, roles_required, signed_in
from ..accounts.models import Role
from ..core.errors import render_error
from ..core.forms import requested_page
from ..curriculum.models import Lesson, Material, MaterialKind, Module, ModuleStatus
from ..db_types import utcnow
from ..extensions import db, limiter
from ..live.queries import upcoming_sessions
from . import operations
from .completion import check_rule
from .forms import ConfirmForm, attempt_form, submitted_answers
from .handbook import HandbookTooLong, handbook_filename, render_handbook
from .models import Enrolment, EnrolmentStatus, LessonProgress, QuizAttempt
from .permissions import learner_enrolment, reader_of, readable_versions
from .progress import progress_for
from .quiz import load_quiz, ordered_choices

bp = Blueprint("learning", __name__)


#: Live sessions not over yet listed on the trainee's home (the live-sessions pages list them all).
UPCOMING_SESSIONS = 10


@bp.get("/learn/")
@roles_required(Role.TRAINEE)
def home():
    """The trainee's modules with their progress, and the next live sessions of those modules.

    Archived modules are listed only where the trainee completed them (among completed modules,
    which come last)."""
    page = db.paginate(
        db.select(Enrolment).join(Enrolment.module).options(contains_eager(Enrolment.module))
        .where(Enrolment.user_id == current_user.id, Enrolment.status != EnrolmentStatus.WITHDRAWN,
               db.or_(Module.status == ModuleStatus.PUBLISHED,  # archived: only to look back at
                      db.and_(Module.status == ModuleStatus.ARCHIVED,
                              Enrolment.status == EnrolmentStatus.COMPLETED)))
        .order_by(Enrolment.completed_at.is_not(None), Module.title, Module.id),
        page=requested_page(request.args), per_page=current_app.config["PAGE_SIZE"], error_out=False)
    sessions = upcoming_sessions(current_user, now=utcnow(), limit=UPCOMING_SESSIONS)
    progress = progress_for(enrolment.id for enrolment in page.items)
    return render_template("learning/home.html", page=page, progress=progress, sessions=sessions)


@bp.get("/learn/modules/<int:module_id>")
@signed_in
def module(module_id: int):
    """A module: summary, outcomes, partners, lessons (ticked when done), quiz and completion,
    and links to the other language versions the viewer may read."""
    module = db.one_or_404(
        db.select(Module).where(Module.id == module_id).options(
            selectinload(Module.lessons).load_only(Lesson.id, Lesson.module_id, Lesson.position, Lesson.title,
                                                   Lesson.summary, Lesson.estimated_minutes),
            selectinload(Module.partners), joinedload(Module.quiz)))
    reader = reader_of(module, current_user)
    done, progress, rule = set(), None, None
    if reader.enrolment is not None:
        done = set(db.session.scalars(db.select(LessonProgress.lesson_id)
                                      .where(LessonProgress.enrolment_id == reader.enrolment.id)))
        progress = progress_for([reader.enrolment.id])[reader.enrolment.id]
        rule = check_rule(module, progress)
    versions = readable_versions(module, current_user)
    return render_template("learning/module.html", module=module, reader=reader, done=done,
                           progress=progress, rule=rule, versions=versions, form=ConfirmForm())


@cache
def _neighbours_query():
    """The statement behind ``_neighbours``, built once (window functions over a subquery take
    longer to build than to run). Parameters: ``module_id``, ``lesson_id``."""
    order = (Lesson.position, Lesson.id)
    ordered = db.select(
        Lesson.id, db.func.lag(Lesson.id).over(order_by=order).label("previous_id"),
        db.func.lag(Lesson.title).over(order_by=order).label("previous_title"),
        db.func.lead(Lesson.id).over(order_by=order).label("next_id"),
        db.func.lead(Lesson.title).over(order_by=order).label("next_title"),
    ).where(Lesson.module_id == db.bindparam("module_id")).subquery()
    return db.select(ordered).where(ordered.c.id == db.bindparam("lesson_id"))


def _neighbours(lesson: Lesson):
    """The lessons before and after ``lesson`` in its module, in one query."""
    return db.session.execute(_neighbours_query(),
                              {"module_id": lesson.module_id, "lesson_id": lesson.id}).one()


def _material_link(material: Material) -> str | None:
    """Where a material opens: its address for a link, the download for a file (if offered)."""
    if material.kind is MaterialKind.LINK:
        url = material.url or ""
        return url if url.lower().startswith(("https://", "http://")) else None
    if "curriculum.download_material" not in current_app.view_functions:
        return None
    try:
        return url_for("curriculum.download_material", material_id=material.id)
    except BuildError:
        return None


@cache
def _lesson_query():
    """The lesson page's lesson with its module and materials, built once. Parameter: ``lesson_id``."""
    return (db.select(Lesson).where(Lesson.id == db.bindparam("lesson_id"))
            .options(joinedload(Lesson.module), selectinload(Lesson.materials)))


@cache
def _lesson_done_query():
    """Whether an enrolment has completed a lesson, built once. Parameters: ``enrolment_id``,
    ``lesson_id``."""
    return db.select(LessonProgress.lesson_id).where(
        LessonProgress.enrolment_id == db.bindparam("enrolment_id"),
        LessonProgress.lesson_id == db.bindparam("lesson_id"))


@bp.get("/learn/lessons/<int:lesson_id>")
@signed_in
def lesson(lesson_id: int):
    """A lesson: its text, its materials, previous and next lessons, and "mark as complete"."""
    lesson = db.session.execute(_lesson_query(), {"lesson_id": lesson_id}).scalar_one_or_none()
    require(lesson is not None, 404)
    reader = reader_of(lesson.module, current_user)
    done = reader.enrolment is not None and db.session.execute(
        _lesson_done_query(), {"enrolment_id": reader.enrolment.id, "lesson_id": lesson.id}).first() is not None
    materials = [(material, _material_link(material)) for material in lesson.materials]
    return render_template("learning/lesson.html", lesson=lesson, module=lesson.module, reader=reader,
                           done=done, materials=materials, neighbours=_neighbours(lesson), form=ConfirmForm())


@bp.post("/learn/lessons/<int:lesson_id>/complete")
@roles_required(Role.TRAINEE)
def complete_lesson(lesson_id: int):
    """Mark a lesson as complete (doing it twice changes nothing), then go on to the next one."""
    lesson = db.one_or_404(db.select(Lesson).where(Lesson.id == lesson_id).options(joinedload(Lesson.module)))
    enrolment = learner_enrolment(lesson.module, current_user)
    require(ConfirmForm().validate_on_submit(), 400)
    was_completed = enrolment.completed_at is not None
    operations.mark_lesson_complete(enrolment, lesson, actor=current_user)
    db.session.commit()
    flash(_("Lesson “%(title)s” marked as complete.", title=lesson.title), "success")
    if not was_completed and enrolment.completed_at is not None:
        flash(_("Congratulations: you have completed the module “%(title)s”.", title=lesson.module.title), "success")
    following = _neighbours(lesson).next_id
    if following is not None:
        return redirect(url_for(".lesson", lesson_id=following))
    return redirect(url_for(".module", module_id=lesson.module_id))


def _quiz_of(module_id: int):
    """The module, the signed-in trainee's enrolment in it and its quiz (404 when it has none)."""
    module = db.get_or_404(Module, module_id)
    enrolment = learner_enrolment(module, current_user)
    quiz = load_quiz(module.id)
    require(quiz is not None, 404)
    return module, enrolment, quiz


@bp.get("/learn/modules/<int:module_id>/quiz")
@roles_required(Role.TRAINEE)
def quiz(module_id: int):
    """The quiz: pass mark, attempts so far and left, and a button to start (or resume) one."""
    module, enrolment, quiz = _quiz_of(module_id)
    attempts = db.paginate(
        db.select(QuizAttempt).where(QuizAttempt.enrolment_id == enrolment.id, QuizAttempt.quiz_id == quiz.id)
        .order_by(QuizAttempt.number.desc()),
        page=requested_page(request.args), per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("learning/quiz.html", module=module, quiz=quiz, attempts=attempts,
                           open_attempt=operations.open_attempt(enrolment, quiz), form=ConfirmForm())


@bp.post("/learn/modules/<int:module_id>/quiz/attempts")
@roles_required(Role.TRAINEE)
def start_attempt(module_id: int):
    """Start an attempt with freshly shuffled choices (or resume the open one)."""
    module, enrolment, quiz = _quiz_of(module_id)
    require(ConfirmForm().validate_on_submit(), 400)
    try:
        attempt = operations.start_attempt(enrolment, quiz)
        db.session.commit()
    except operations.LearningRefused as refusal:
        db.session.rollback()
        return render_error(refusal.status, refusal.message)
    except IntegrityError:  # the same attempt number was just taken by a parallel request
        db.session.rollback()
        return render_error(409, _("Another attempt was started at the same moment. Please open the quiz again."))
    return redirect(url_for(".attempt", attempt_id=attempt.id))


def _attempt_of(attempt_id: int):
    """An attempt of the signed-in trainee, with its enrolment, module and quiz.

    Someone else's attempt answers 404, as if it did not exist.
    """
    attempt = db.get_or_404(QuizAttempt, attempt_id)
    enrolment = db.session.get(Enrolment, attempt.enrolment_id)
    require(enrolment.user_id == current_user.id, 404)
    module, enrolment, quiz = _quiz_of(enrolment.module_id)
    require(enrolment.id == attempt.enrolment_id and quiz.id == attempt.quiz_id, 404)
    return attempt, enrolment, module, quiz


def _render_attempt(attempt, module, quiz, form=None, status=200, *, enrolment=None):
    revealed = form is None and operations.answers_revealed(enrolment, quiz)
    return render_template("learning/attempt.html", attempt=attempt, module=module, quiz=quiz, form=form,
                           ordered_choices=ordered_choices, revealed=revealed), status


@bp.get("/learn/attempts/<int:attempt_id>")
@roles_required(Role.TRAINEE)
def attempt(attempt_id: int):
    """An open attempt's questions (choices in its stored order), or a submitted one's result."""
    attempt, enrolment, module, quiz = _attempt_of(attempt_id)
    if attempt.submitted_at is not None:
        return _render_attempt(attempt, module, quiz, enrolment=enrolment)
    return _render_attempt(attempt, module, quiz, attempt_form(quiz.questions, attempt.choice_order))


@bp.post("/learn/attempts/<int:attempt_id>")
@roles_required(Role.TRAINEE)
def submit_attempt(attempt_id: int):
    """Score and close an attempt, once; a forged answer is refused and nothing is saved."""
    attempt, enrolment, module, quiz = _attempt_of(attempt_id)
    if attempt.submitted_at is not None:
        return render_error(409, _("This attempt has already been submitted."))
    form = attempt_form(quiz.questions, attempt.choice_order)
    if not form.validate_on_submit():
        form.form_errors.append(_("One of the answers is not a choice of its question. Nothing was saved."))
        return _render_attempt(attempt, module, quiz, form, 400)
    try:
        operations.submit_attempt(attempt, enrolment, quiz, submitted_answers(form, quiz.questions),
                                  actor=current_user)
        db.session.commit()
    except operations.LearningRefused as refusal:
        db.session.rollback()
        return render_error(refusal.status, refusal.message)
    if attempt.passed:
        flash(_("You scored %(score)d%% and passed.", score=attempt.score_percent), "success")
    else:
        flash(_("You scored %(score)d%%; %(pass_mark)d%% is needed to pass.",
                score=attempt.score_percent, pass_mark=quiz.pass_mark), "warning")
    return redirect(url_for(".attempt", attempt_id=attempt.id))


def _per_user() -> str:
    """Rate-limit key: the signed-in person (Flask-Limiter may ask before access is checked)."""
    user_id = getattr(current_user, "id", None)
    return f"user:{user_id}" if user_id is not None else f"address:{request.remote_addr}"


@bp.get("/learn/modules/<int:module_id>/handbook.pdf")
@limiter.limit("20 per minute", key_func=_per_user)
@signed_in
def handbook(module_id: int):
    """Every lesson of the module in one PDF, for reading offline or on a slow connection."""
    module = db.one_or_404(db.select(Module).where(Module.id == module_id).options(
        selectinload(Module.lessons), selectinload(Module.partners)))
    reader_of(module, current_user)
    try:
        content = render_handbook(module)
    except HandbookTooLong:
        return render_error(422, _("This module is too long to be put in one PDF. Read its lessons here, "
                                   "or ask its trainers to split it into shorter modules."))
    return Response(content, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{handbook_filename(module)}"'})


from . import teaching  # noqa: E402,F401  (the trainers' pages, on this blueprint)
