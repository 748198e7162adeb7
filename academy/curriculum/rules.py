"""Limits and formats shared by the course files and the authoring forms, so both accept the same."""
from __future__ import annotations

import re

#: Module and lesson slugs: lower-case words of a-z and 0-9 joined by single hyphens.
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 80

TITLE_MAX = 200
MODULE_SUMMARY_MAX = 2000
LESSON_SUMMARY_MAX = 500
OUTCOME_MAX = 500
OUTCOMES_MIN, OUTCOMES_MAX = 3, 8
HOURS_MIN, HOURS_MAX = 1, 200
MINUTES_MIN, MINUTES_MAX = 1, 1440
#: Lesson Markdown; a long lesson is a few thousand words, this is far above any real one.
BODY_MAX = 100_000
#: Lesson files are numbered with two digits (01-…md to 99-…md).
LESSONS_MAX = 99

QUIZ_QUESTIONS_MIN = 8
CHOICES_MIN, CHOICES_MAX = 3, 6
QUESTION_MAX = 1000
EXPLANATION_MAX = 2000
CHOICE_MAX = 500
PASS_MARK_MIN, PASS_MARK_MAX = 1, 100
MAX_ATTEMPTS_MAX = 100

LINK_URL_MAX = 1000
LINK_SCHEMES = frozenset({"http", "https"})


def is_slug(value: str) -> bool:
    """Whether ``value`` is a well-formed slug of allowed length."""
    return len(value) <= SLUG_MAX and bool(SLUG_PATTERN.fullmatch(value))


def normalise_newlines(text: str) -> str:
    """Unix line ends, so that text typed in a browser and text read from files compare equal."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def normalise_body(text: str) -> str:
    """Lesson Markdown as stored: Unix line ends, no blank lines around it, no trailing spaces at the end."""
    return normalise_newlines(text).strip("\n").rstrip()
