"""Writing a module from the database back to the course folder format.

``module_spec`` turns a module into the same ``ModuleSpec`` the reader produces, and ``module_files``
turns a spec into file contents; reading what was written gives the same spec back, so an export
imported into an empty database and exported again yields identical files.
"""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
import yaml
from sqlalchemy.orm import selectinload

from ..files import write_atomically
from ..extensions import db
from .course_files.specs import (
    LESSON_FILE_PATTERN, LESSONS_DIR, MODULE_FILE, QUIZ_FILE, ChoiceSpec, LessonSpec, ModuleSpec,
    QuestionSpec, QuizSpec,
)
from .models import Lesson, Module, Question, Quiz


class _Dumper(yaml.SafeDumper):
    """The house style of courses/: block style, list items indented under their key, keys in order."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


class _Prose(str):
    """Text written by people: double-quoted on one line as courses/README.md advises, or a literal block."""


def _represent_prose(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else '"'
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style=style)


_Dumper.add_representer(_Prose, _represent_prose)


def _dump(data: dict) -> str:
    # A wide line limit keeps each text on one line, as the writers keep them.
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False,
                     width=100_000)


def load_module_for_export(slug: str, language: str) -> Module | None:
    """The module with everything an export writes, loaded in a constant number of queries."""
    return db.session.scalar(
        sa.select(Module)
        .where(Module.slug == slug, Module.language == language)
        .options(selectinload(Module.partners), selectinload(Module.lessons),
                 selectinload(Module.quiz).selectinload(Quiz.questions).selectinload(Question.choices))
    )


def module_spec(module: Module) -> ModuleSpec:
    """The module as the course files describe it (lessons numbered 1..n in their order)."""
    quiz = None
    if module.quiz is not None:
        quiz = QuizSpec(
            title=module.quiz.title, pass_mark=module.quiz.pass_mark, max_attempts=module.quiz.max_attempts,
            questions=[QuestionSpec(question.text, question.kind,
                                    [ChoiceSpec(choice.text, choice.is_correct) for choice in question.choices],
                                    question.explanation)
                       for question in module.quiz.questions],
        )
    lessons: list[Lesson] = sorted(module.lessons, key=lambda lesson: (lesson.position, lesson.id))
    return ModuleSpec(
        slug=module.slug, language=module.language, title=module.title, summary=module.summary,
        topic=module.topic, level=module.level, estimated_hours=module.estimated_hours,
        learning_outcomes=list(module.learning_outcomes or []),
        partner_foundations=sorted(partner.short_name for partner in module.partners),
        requires_all_lessons=module.requires_all_lessons, requires_quiz=module.requires_quiz,
        attendance_percent=module.attendance_percent,
        lessons=[LessonSpec(number, lesson.slug, lesson.title, lesson.summary, lesson.estimated_minutes,
                            lesson.body_markdown)
                 for number, lesson in enumerate(lessons, start=1)],
        quiz=quiz,
    )


def _attendance_share(percent: int) -> int | float:
    return percent // 100 if percent % 100 == 0 else percent / 100


def module_files(spec: ModuleSpec) -> dict[str, str]:
    """The text of every file of ``spec``'s folder, by path relative to that folder."""
    files = {MODULE_FILE: _dump({
        "slug": spec.slug,
        "language": spec.language,
        "title": _Prose(spec.title),
        "summary": _Prose(spec.summary),
        "topic": spec.topic.value,
        "level": spec.level.value,
        "estimated_hours": spec.estimated_hours,
        "learning_outcomes": [_Prose(outcome) for outcome in spec.learning_outcomes],
        "partner_foundations": list(spec.partner_foundations),
        "completion": {
            "lessons": "all" if spec.requires_all_lessons else "none",
            "quiz": spec.requires_quiz,
            "attendance": _attendance_share(spec.attendance_percent),
        },
    })}
    for lesson in spec.lessons:
        front_matter = _dump({"title": _Prose(lesson.title), "summary": _Prose(lesson.summary),
                              "estimated_minutes": lesson.estimated_minutes})
        files[f"{LESSONS_DIR}/{lesson.position:02d}-{lesson.slug}.md"] = (
            f"---\n{front_matter}---\n\n{lesson.body_markdown}\n")
    if spec.quiz is not None:
        files[QUIZ_FILE] = _dump({
            "title": _Prose(spec.quiz.title),
            "pass_mark": spec.quiz.pass_mark,
            "max_attempts": spec.quiz.max_attempts,
            "questions": [
                {"text": _Prose(question.text), "kind": question.kind.value,
                 "choices": [{"text": _Prose(choice.text), "correct": choice.correct}
                             for choice in question.choices],
                 "explanation": _Prose(question.explanation)}
                for question in spec.quiz.questions
            ],
        })
    return files


class ExportRefused(ValueError):
    """The destination would lead the export outside its folder."""


def write_module_folder(spec: ModuleSpec, destination: Path) -> Path:
    """Write ``spec`` into ``destination/<folder name>/``, removing lesson files and a quiz it no longer has.

    Refused (``ExportRefused``, nothing written) when the module's folder or its lessons/ folder
    is a symbolic link: the export writes and deletes files there, and only there."""
    folder = destination / spec.folder_name
    for target in (folder, folder / LESSONS_DIR):
        if target.is_symlink():
            raise ExportRefused(f"{target} is a symbolic link: export into a plain folder")
    files = module_files(spec)
    for relative, text in files.items():
        write_atomically(folder / relative, text.encode("utf-8"))
    lessons = folder / LESSONS_DIR
    for stale in lessons.iterdir() if lessons.is_dir() else ():
        if LESSON_FILE_PATTERN.match(stale.name) and f"{LESSONS_DIR}/{stale.name}" not in files:
            stale.unlink()
    if QUIZ_FILE not in files:
        (folder / QUIZ_FILE).unlink(missing_ok=True)
    return folder
