"""Loading course folders into the database: validate everything, then upsert by slug and language.

``import_catalogue`` flushes but never commits: the caller commits when no problem was found (and
when not in a dry run) and rolls back otherwise, so an import happens entirely or not at all.
Importing the same files twice changes nothing the second time.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..audit.operations import record
from ..db_types import utcnow
from ..extensions import db
from ..learning.completion import evaluate_module_completions
from ..learning.models import LessonProgress, QuizAttempt
from ..organisations.models import Organisation, OrganisationKind
from .course_files.folders import read_catalogue
from .course_files.specs import MODULE_FILE, QUIZ_FILE, ModuleSpec, QuizSpec
from .models import Choice, Lesson, Module, ModuleStatus, Question, Quiz
from .rendering import render_markdown
from .yaml_source import Problem


@dataclass
class ImportReport:
    """What an import found and did: problems (nothing saved when any is an error) and one line per module."""

    problems: list[Problem] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if not problem.is_warning]

    @property
    def ok(self) -> bool:
        return not self.errors


def _assign(target, **values) -> bool:
    """Set only the attributes that differ, so that an unchanged row stays clean; True if any changed."""
    changed = False
    for name, value in values.items():
        if getattr(target, name) != value:
            setattr(target, name, value)
            changed = True
    return changed


def _foundations_by_name(specs: list[ModuleSpec], report: ImportReport) -> dict[str, Organisation]:
    names = {name.lower() for spec in specs for name in spec.partner_foundations}
    found = {}
    if names:
        query = sa.select(Organisation).where(sa.func.lower(Organisation.short_name).in_(names))
        found = {organisation.short_name.lower(): organisation for organisation in db.session.scalars(query)}
    for spec in specs:
        path = spec.folder / MODULE_FILE
        for name in spec.partner_foundations:
            organisation = found.get(name.lower())
            line = spec.lines.get(f"partner_foundations.{name}")
            if organisation is None:
                report.problems.append(Problem(path, line, f"no organisation has the short name '{name}'"))
            elif organisation.kind is not OrganisationKind.FOUNDATION:
                report.problems.append(Problem(path, line, f"'{name}' ({organisation.name}) is not a foundation"))
    return found


def _load_module(slug: str, language: str) -> Module | None:
    query = (
        sa.select(Module)
        .where(Module.slug == slug, Module.language == language)
        .options(
            selectinload(Module.partners),
            selectinload(Module.lessons).selectinload(Lesson.materials),
            selectinload(Module.quiz).selectinload(Quiz.questions).selectinload(Question.choices),
        )
    )
    return db.session.scalar(query)


def _sync_lessons(module: Module, spec: ModuleSpec, report: ImportReport) -> bool:
    existing = {lesson.slug: lesson for lesson in module.lessons}
    wanted = {lesson.slug for lesson in spec.lessons}
    gone = [lesson for slug, lesson in existing.items() if slug not in wanted]
    if gone:
        progress = dict(db.session.execute(
            sa.select(LessonProgress.lesson_id, sa.func.count())
            .where(LessonProgress.lesson_id.in_([lesson.id for lesson in gone]))
            .group_by(LessonProgress.lesson_id)
        ).all())
        for lesson in gone:
            if progress.get(lesson.id):
                report.problems.append(Problem(
                    spec.folder / "lessons", None,
                    f"{spec.label}: lesson '{lesson.slug}' is no longer in the files, but {progress[lesson.id]} "
                    f"trainee(s) have completed it, so it cannot be removed; put its file back"))
        if not report.ok:
            return True
    changed = bool(gone)
    lessons = []
    for lesson_spec in spec.lessons:
        lesson = existing.get(lesson_spec.slug) or Lesson(slug=lesson_spec.slug, body_markdown="", body_html="")
        changed |= lesson.id is None
        body_html = (lesson.body_html if lesson.body_markdown == lesson_spec.body_markdown
                     else render_markdown(lesson_spec.body_markdown))
        changed |= _assign(lesson, position=lesson_spec.position, title=lesson_spec.title,
                           summary=lesson_spec.summary, estimated_minutes=lesson_spec.estimated_minutes,
                           body_markdown=lesson_spec.body_markdown, body_html=body_html)
        lessons.append(lesson)
    if changed:
        module.lessons = lessons  # delete-orphan removes the lessons that left the files
    return changed


def _is_correct(choice) -> bool:
    return choice.is_correct if isinstance(choice, Choice) else choice.correct


def _quiz_shape(questions) -> list:
    return [(question.kind, [_is_correct(choice) for choice in question.choices]) for question in questions]


def _quiz_texts(questions) -> list:
    return [(question.text, question.explanation, [choice.text for choice in question.choices])
            for question in questions]


def _new_questions(spec: QuizSpec) -> list[Question]:
    return [
        Question(position=number, kind=question.kind, text=question.text, explanation=question.explanation,
                 choices=[Choice(position=index, text=choice.text, is_correct=choice.correct)
                          for index, choice in enumerate(question.choices, start=1)])
        for number, question in enumerate(spec.questions, start=1)
    ]


def _sync_quiz(module: Module, spec: ModuleSpec, report: ImportReport) -> bool:
    quiz = module.quiz
    path = spec.folder / QUIZ_FILE
    attempts = 0
    if quiz is not None:
        attempts = db.session.scalar(sa.select(sa.func.count()).where(QuizAttempt.quiz_id == quiz.id))
    if spec.quiz is None:
        if quiz is None:
            return False
        if attempts:
            report.problems.append(Problem(path, None, f"{spec.label}: quiz.yaml is missing but the quiz has "
                                                       f"{attempts} attempt(s), so it cannot be removed"))
        else:
            module.quiz = None
        return True
    if quiz is None:
        module.quiz = Quiz(title=spec.quiz.title, pass_mark=spec.quiz.pass_mark,
                           max_attempts=spec.quiz.max_attempts, questions=_new_questions(spec.quiz))
        return True
    changed = _assign(quiz, title=spec.quiz.title, pass_mark=spec.quiz.pass_mark,
                      max_attempts=spec.quiz.max_attempts)
    same_shape = _quiz_shape(quiz.questions) == _quiz_shape(spec.quiz.questions)
    if same_shape and _quiz_texts(quiz.questions) == _quiz_texts(spec.quiz.questions):
        return changed
    if not attempts:
        quiz.questions = _new_questions(spec.quiz)
        return True
    if not same_shape:
        report.problems.append(Problem(
            path, None, f"{spec.label}: the quiz has {attempts} attempt(s), so its questions can only be reworded: "
                        f"keep the same questions in the same order, with the same kinds, number of choices "
                        f"and correct answers"))
        return True
    for question, question_spec in zip(quiz.questions, spec.quiz.questions):
        _assign(question, text=question_spec.text, explanation=question_spec.explanation)
        for choice, choice_spec in zip(question.choices, question_spec.choices):
            _assign(choice, text=choice_spec.text)
    return True


def _module_values(spec: ModuleSpec) -> dict:
    return dict(title=spec.title, summary=spec.summary, topic=spec.topic, level=spec.level,
                estimated_hours=spec.estimated_hours, learning_outcomes=list(spec.learning_outcomes),
                requires_all_lessons=spec.requires_all_lessons, requires_quiz=spec.requires_quiz,
                attendance_percent=spec.attendance_percent)


def _upsert(spec: ModuleSpec, foundations: dict[str, Organisation], report: ImportReport,
            updated: list[Module]) -> str:
    module = _load_module(spec.slug, spec.language)
    created = module is None
    if created:
        # Imported modules are published; a module archived since keeps its archive status.
        module = Module(slug=spec.slug, language=spec.language, status=ModuleStatus.PUBLISHED,
                        partners=[], lessons=[], quiz=None)
        db.session.add(module)
    changed = _assign(module, **_module_values(spec))
    if module.status is ModuleStatus.DRAFT:
        module.status = ModuleStatus.PUBLISHED
        changed = True
    partners = [foundations[name.lower()] for name in spec.partner_foundations]
    if {partner.id for partner in module.partners} != {partner.id for partner in partners}:
        module.partners = partners
        changed = True
    changed |= _sync_lessons(module, spec, report)
    changed |= _sync_quiz(module, spec, report)
    if not changed:
        return "unchanged"
    if not report.ok:  # refused: the caller rolls back, nothing more to prepare
        return "refused"
    module.updated_at = utcnow()
    db.session.flush()
    outcome = "created" if created else "updated"
    if not created:
        updated.append(module)
    record("curriculum.import", target=module, outcome=outcome, slug=spec.slug, language=spec.language,
           lessons=len(spec.lessons), questions=len(spec.quiz.questions) if spec.quiz else 0)
    return outcome


def import_catalogue(root: Path, *, evaluate_completions: bool = True) -> ImportReport:
    """Validate every file under ``root`` and, if all is well, create or update each module (flushes only).

    Trainees of updated modules who now meet the completion rule complete, unless
    ``evaluate_completions`` is off (a dry run: completing would mail them and issue certificates
    that the rollback then takes back)."""
    specs, problems = read_catalogue(root)
    report = ImportReport(problems=list(problems))
    if not report.ok:
        return report
    foundations = _foundations_by_name(specs, report)
    if not report.ok:
        return report
    updated: list[Module] = []
    for spec in specs:
        outcome = _upsert(spec, foundations, report, updated)
        quiz = f", quiz of {len(spec.quiz.questions)} questions" if spec.quiz else ", no quiz"
        report.outcomes.append(f"{spec.label}: {outcome} ({len(spec.lessons)} lessons{quiz})")
    if report.ok and evaluate_completions:
        # A changed rule, lessons or quiz may let trainees of an updated module complete it now
        # (only once the whole import is accepted: a refused one is rolled back anyway).
        for module in updated:
            evaluate_module_completions(module)
    return report
