"""What a course folder holds: the names of its files and the specs read from them.

The readers in this package produce these specs, ``importer`` saves them and ``exporter`` builds them
from the database to write them back, so all three share one description of a module.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..models import Level, QuestionKind, Topic

MODULE_FILE = "module.yaml"
QUIZ_FILE = "quiz.yaml"
LESSONS_DIR = "lessons"
LESSON_FILE_PATTERN = re.compile(r"^(\d{2})-(.+)\.md$")


@dataclass
class LessonSpec:
    """One lesson as written in ``lessons/NN-slug.md``."""

    position: int
    slug: str
    title: str
    summary: str
    estimated_minutes: int
    body_markdown: str


@dataclass
class ChoiceSpec:
    """One answer offered by a quiz question, and whether it is correct."""

    text: str
    correct: bool


@dataclass
class QuestionSpec:
    """One question of ``quiz.yaml`` with its choices and the explanation shown after submitting."""

    text: str
    kind: QuestionKind
    choices: list[ChoiceSpec]
    explanation: str


@dataclass
class QuizSpec:
    """A module's quiz as written in ``quiz.yaml``."""

    title: str
    pass_mark: int
    max_attempts: int
    questions: list[QuestionSpec]


@dataclass
class ModuleSpec:
    """A module folder as read: the values of ``module.yaml``, its lessons and its quiz."""

    slug: str
    language: str
    title: str
    summary: str
    topic: Topic
    level: Level
    estimated_hours: int
    learning_outcomes: list[str]
    partner_foundations: list[str]
    requires_all_lessons: bool = True
    requires_quiz: bool = True
    attendance_percent: int = 0
    lessons: list[LessonSpec] = field(default_factory=list)
    quiz: QuizSpec | None = None
    #: Where the module was read from (empty for modules built from the database).
    folder: Path | None = None
    #: Lines in module.yaml of values checked later against the database ("partner_foundations.FHP").
    lines: dict[str, int] = field(default_factory=dict)

    @property
    def folder_name(self) -> str:
        """``slug`` for English, ``slug.language`` for translations."""
        return self.slug if self.language == "en" else f"{self.slug}.{self.language}"

    @property
    def label(self) -> str:
        return f"{self.slug} ({self.language})"
