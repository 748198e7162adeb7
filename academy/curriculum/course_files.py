"""The course folder format, read and checked without a database.

A module lives in ``<slug>/`` (English) or ``<slug>.<language>/`` and holds ``module.yaml``,
``lessons/NN-slug.md`` (front matter, then Markdown) and optionally ``quiz.yaml``; courses/README.md
documents the format. Every function here takes a path and returns what it read together with every
problem found, so that a writer sees all mistakes at once.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from markdown_it import MarkdownIt

from ..config import LANGUAGES
from . import rules
from .models import Level, QuestionKind, Topic
from .yaml_source import FieldReader, Problem, load_yaml

MODULE_FILE = "module.yaml"
QUIZ_FILE = "quiz.yaml"
LESSONS_DIR = "lessons"
LESSON_FILE_PATTERN = re.compile(r"^(\d{2})-(.+)\.md$")
COMPLETION_LESSONS = {"all": True, "none": False}
_LINK_SCHEMES = ("http", "https", "mailto")


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
    text: str
    correct: bool


@dataclass
class QuestionSpec:
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


def _read_text(path: Path, problems: list[Problem]) -> str | None:
    try:
        raw = path.read_bytes()
    except OSError as error:
        problems.append(Problem(path, None, f"cannot be read: {error.strerror}"))
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[:error.start].count(b"\n") + 1
        problems.append(Problem(path, line, "is not UTF-8 text"))
        return None
    return rules.normalise_newlines(text)


# --- module.yaml ---------------------------------------------------------------------------

_MODULE_KEYS = {"slug", "language", "title", "summary", "topic", "level", "estimated_hours",
                "learning_outcomes", "completion"}
_MODULE_OPTIONAL = {"partner_foundations"}


def _attendance_percent(reader: FieldReader, keys: tuple) -> int | None:
    value = reader.document.get(keys)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        reader.problem(keys, f"completion.attendance must be a share between 0 and 1 (such as 0.75), "
                             f"not {value!r}")
        return None
    percent = value * 100
    if not 0 <= value <= 1 or abs(percent - round(percent)) > 1e-9:
        reader.problem(keys, f"completion.attendance must be a share between 0 and 1 with at most two "
                             f"decimals (such as 0.75), not {value!r}")
        return None
    return round(percent)


def _read_completion(reader: FieldReader, spec_values: dict) -> None:
    if "completion" not in reader.document.value:
        return
    completion = reader.mapping(("completion",), required=set(), optional={"lessons", "quiz", "attendance"})
    if completion is None:
        return
    if "lessons" in completion:
        value = reader.choice(("completion", "lessons"), COMPLETION_LESSONS)
        if value is not None:
            spec_values["requires_all_lessons"] = value
    if "quiz" in completion:
        value = reader.boolean(("completion", "quiz"))
        if value is not None:
            spec_values["requires_quiz"] = value
    if "attendance" in completion:
        value = _attendance_percent(reader, ("completion", "attendance"))
        if value is not None:
            spec_values["attendance_percent"] = value


def _read_outcomes(reader: FieldReader) -> list[str] | None:
    items = reader.items(("learning_outcomes",), rules.OUTCOMES_MIN, rules.OUTCOMES_MAX)
    if items is None:
        return None
    outcomes = [reader.text(("learning_outcomes", index), rules.OUTCOME_MAX) for index in range(len(items))]
    return None if None in outcomes else outcomes


def _read_partners(reader: FieldReader) -> tuple[list[str], dict[str, int]] | None:
    keys = ("partner_foundations",)
    if reader.document.get(keys) is None:  # absent or left empty: no partners
        return [], {}
    items = reader.items(keys, 0, 20)
    if items is None:
        return None
    names, lines = [], {}
    for index in range(len(items)):
        name = reader.text(keys + (index,), 40)
        if name is None:
            return None
        if name.lower() in {known.lower() for known in names}:
            reader.problem(keys + (index,), f"partner foundation '{name}' is listed twice")
            return None
        names.append(name)
        lines[f"partner_foundations.{name}"] = reader.document.line(keys + (index,))
    return names, lines


def read_module_yaml(path: Path) -> tuple[dict | None, list[Problem]]:
    """The fields of a ``module.yaml`` (as ``ModuleSpec`` keyword arguments) and its problems."""
    problems: list[Problem] = []
    text = _read_text(path, problems)
    if text is None:
        return None, problems
    document, problems = load_yaml(text, path)
    if document is None:
        return None, problems
    reader = FieldReader(document, path, problems)
    if reader.mapping((), _MODULE_KEYS, _MODULE_OPTIONAL) is None:
        return None, problems
    values = {
        "slug": reader.text(("slug",), rules.SLUG_MAX),
        "language": reader.choice(("language",), {code: code for code in LANGUAGES}),
        "title": reader.text(("title",), rules.TITLE_MAX),
        "summary": reader.text(("summary",), rules.MODULE_SUMMARY_MAX),
        "topic": reader.choice(("topic",), {topic.value: topic for topic in Topic}),
        "level": reader.choice(("level",), {level.value: level for level in Level}),
        "estimated_hours": reader.integer(("estimated_hours",), rules.HOURS_MIN, rules.HOURS_MAX),
        "learning_outcomes": _read_outcomes(reader),
    }
    if values["slug"] is not None and not rules.is_slug(values["slug"]):
        reader.problem(("slug",), f"slug '{values['slug']}' must be lower-case letters a-z, digits and "
                                  f"single hyphens (such as party-organisation)")
        values["slug"] = None
    partners = _read_partners(reader)
    if partners is not None:
        values["partner_foundations"], values["lines"] = partners
        values["lines"]["completion.quiz"] = document.line(("completion", "quiz"))
    _read_completion(reader, values)
    if problems or None in values.values():
        return None, problems
    return values, problems


# --- lessons/NN-slug.md --------------------------------------------------------------------

_LESSON_KEYS = {"title", "summary", "estimated_minutes"}
# A second parser that sees raw HTML, only to warn writers that the page would show it as text.
_checking_parser = MarkdownIt("commonmark", {"html": True}).enable("table")


def _body_warnings(body: str, path: Path, first_line: int) -> list[Problem]:
    warnings = []
    for token in _checking_parser.parse(body):
        line = first_line + token.map[0] if token.map else None
        if token.type == "html_block":
            warnings.append(Problem(path, line, "raw HTML is not allowed in lessons; it will be shown as text", True))
        for child in token.children or []:
            if child.type == "html_inline":
                warnings.append(Problem(path, line, "raw HTML is not allowed in lessons; it will be shown as text",
                                        True))
            elif child.type == "image":
                warnings.append(Problem(path, line, "images are not shown in lessons; attach them as materials",
                                        True))
            elif child.type == "link_open":
                scheme = urlsplit(str(child.attrGet("href") or "")).scheme.lower()
                if scheme not in _LINK_SCHEMES:
                    warnings.append(Problem(path, line, "links must start with http://, https:// or mailto:; "
                                                        "this one will not be clickable", True))
    return warnings


def read_lesson_file(path: Path, position: int, slug: str) -> tuple[LessonSpec | None, list[Problem]]:
    """One lesson file: front matter between two ``---`` lines, then the Markdown body."""
    problems: list[Problem] = []
    text = _read_text(path, problems)
    if text is None:
        return None, problems
    lines = text.split("\n")
    if lines[0].strip() != "---":
        return None, [Problem(path, 1, "a lesson starts with front matter between two '---' lines")]
    closing = next((number for number in range(1, len(lines)) if lines[number].strip() == "---"), None)
    if closing is None:
        return None, [Problem(path, 1, "the front matter is not closed by a '---' line")]
    document, problems = load_yaml("\n".join(lines[1:closing]), path, line_offset=1)
    if document is None:
        return None, problems
    reader = FieldReader(document, path, problems)
    if reader.mapping((), _LESSON_KEYS) is None:
        return None, problems
    title = reader.text(("title",), rules.TITLE_MAX)
    summary = reader.text(("summary",), rules.LESSON_SUMMARY_MAX)
    minutes = reader.integer(("estimated_minutes",), rules.MINUTES_MIN, rules.MINUTES_MAX)
    raw_body = "\n".join(lines[closing + 1:])
    body = rules.normalise_body(raw_body)
    body_line = closing + 2 + (len(raw_body) - len(raw_body.lstrip("\n")))
    if not body:
        problems.append(Problem(path, closing + 1, "the lesson has no text after its front matter"))
    elif len(body) > rules.BODY_MAX:
        problems.append(Problem(path, closing + 2, f"the lesson is {len(body)} characters long; "
                                                   f"at most {rules.BODY_MAX} are allowed"))
    else:
        problems.extend(_body_warnings(body, path, body_line))
    if any(not problem.is_warning for problem in problems) or None in (title, summary, minutes):
        return None, problems
    return LessonSpec(position, slug, title, summary, minutes, body), problems


def read_lessons(folder: Path) -> tuple[list[LessonSpec], list[Problem]]:
    """Every ``NN-slug.md`` in ``folder``, numbered 01, 02, … without gaps."""
    problems: list[Problem] = []
    if not folder.is_dir():
        return [], [Problem(folder, None, "missing folder: a module needs a lessons/ folder with at least one lesson")]
    numbered: dict[int, list[tuple[Path, str]]] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        match = LESSON_FILE_PATTERN.match(path.name)
        if not path.is_file() or not match or not rules.is_slug(match.group(2)):
            problems.append(Problem(path, None, "lesson files are named NN-slug.md, such as 01-branch-structures.md "
                                                "(two digits, a hyphen, lower-case a-z, 0-9 and hyphens)"))
            continue
        numbered.setdefault(int(match.group(1)), []).append((path, match.group(2)))
    lessons, slugs = [], {}
    for expected, number in enumerate(sorted(numbered), start=1):
        entries = numbered[number]
        if len(entries) > 1:
            for path, _slug in entries:
                problems.append(Problem(path, None, f"two lesson files share the number {number:02d}"))
            continue
        path, slug = entries[0]
        if number != expected:
            problems.append(Problem(path, None, f"lesson numbers must run 01, 02, 03 … without gaps; "
                                                f"expected {expected:02d} here"))
        if slug in slugs:
            problems.append(Problem(path, None, f"the slug '{slug}' is already used by {slugs[slug].name}"))
        slugs[slug] = path
        lesson, lesson_problems = read_lesson_file(path, number, slug)
        problems.extend(lesson_problems)
        if lesson:
            lessons.append(lesson)
    if not numbered and not problems:
        problems.append(Problem(folder, None, "a module needs at least one lesson"))
    if len(numbered) > rules.LESSONS_MAX:
        problems.append(Problem(folder, None, f"a module has at most {rules.LESSONS_MAX} lessons"))
    return lessons, problems


# --- quiz.yaml -----------------------------------------------------------------------------

def _read_question(reader: FieldReader, index: int) -> QuestionSpec | None:
    keys = ("questions", index)
    if reader.mapping(keys, {"text", "kind", "choices", "explanation"}) is None:
        return None
    text = reader.text(keys + ("text",), rules.QUESTION_MAX)
    kind = reader.choice(keys + ("kind",), {kind.value: kind for kind in QuestionKind})
    explanation = reader.text(keys + ("explanation",), rules.EXPLANATION_MAX)
    items = reader.items(keys + ("choices",), rules.CHOICES_MIN, rules.CHOICES_MAX) or []
    choices = []
    for number in range(len(items)):
        choice_keys = keys + ("choices", number)
        if reader.mapping(choice_keys, {"text", "correct"}) is None:
            continue
        choice_text = reader.text(choice_keys + ("text",), rules.CHOICE_MAX)
        correct = reader.boolean(choice_keys + ("correct",))
        if choice_text is not None and choice_text in {choice.text for choice in choices}:
            reader.problem(choice_keys, f"question {index + 1} offers the choice '{choice_text}' twice")
        elif choice_text is not None and correct is not None:
            choices.append(ChoiceSpec(choice_text, correct))
    if len(choices) != len(items) or None in (text, kind, explanation):
        return None
    correct_count = sum(choice.correct for choice in choices)
    if kind is QuestionKind.SINGLE and correct_count != 1:
        reader.problem(keys + ("choices",), f"question {index + 1} is 'single' and needs exactly one correct "
                                            f"choice; it has {correct_count}")
        return None
    if kind is QuestionKind.MULTIPLE and correct_count < 1:
        reader.problem(keys + ("choices",), f"question {index + 1} needs at least one correct choice")
        return None
    return QuestionSpec(text, kind, choices, explanation)


def read_quiz_yaml(path: Path) -> tuple[QuizSpec | None, list[Problem]]:
    """A ``quiz.yaml``: title, pass mark, attempts allowed and the questions with their choices."""
    problems: list[Problem] = []
    text = _read_text(path, problems)
    if text is None:
        return None, problems
    document, problems = load_yaml(text, path)
    if document is None:
        return None, problems
    reader = FieldReader(document, path, problems)
    if reader.mapping((), {"title", "pass_mark", "max_attempts", "questions"}) is None:
        return None, problems
    title = reader.text(("title",), rules.TITLE_MAX)
    pass_mark = reader.integer(("pass_mark",), rules.PASS_MARK_MIN, rules.PASS_MARK_MAX)
    max_attempts = reader.integer(("max_attempts",), 0, rules.MAX_ATTEMPTS_MAX)
    items = reader.items(("questions",), rules.QUIZ_QUESTIONS_MIN, 10_000) or []
    questions = [_read_question(reader, index) for index in range(len(items))]
    seen: set[str] = set()
    for index, question in enumerate(questions):
        if question and question.text in seen:
            reader.problem(("questions", index), f"question {index + 1} repeats an earlier question")
        seen.add(question.text if question else "")
    if problems or None in (title, pass_mark, max_attempts):
        return None, problems
    return QuizSpec(title, pass_mark, max_attempts, questions), problems


# --- folders -------------------------------------------------------------------------------

_FOLDER_ENTRIES = {MODULE_FILE, QUIZ_FILE, LESSONS_DIR}


def read_module_folder(folder: Path) -> tuple[ModuleSpec | None, list[Problem]]:
    """A whole module folder: module.yaml, its lessons and its quiz, with every problem found."""
    problems: list[Problem] = []
    for entry in sorted(folder.iterdir()):
        if entry.name not in _FOLDER_ENTRIES and not entry.name.startswith("."):
            problems.append(Problem(entry, None, "unexpected file or folder: a module folder holds module.yaml, "
                                                 "lessons/ and quiz.yaml"))
    module_path = folder / MODULE_FILE
    values, module_problems = (read_module_yaml(module_path) if module_path.is_file()
                               else (None, [Problem(module_path, None, "missing file")]))
    problems.extend(module_problems)
    lessons, lesson_problems = read_lessons(folder / LESSONS_DIR)
    problems.extend(lesson_problems)
    quiz = None
    quiz_path = folder / QUIZ_FILE
    if quiz_path.is_file():
        quiz, quiz_problems = read_quiz_yaml(quiz_path)
        problems.extend(quiz_problems)
    if values is None:
        return None, problems
    spec = ModuleSpec(**values, lessons=lessons, quiz=quiz, folder=folder)
    if folder.name != spec.folder_name:
        problems.append(Problem(module_path, 1, f"the folder of {spec.label} must be named '{spec.folder_name}', "
                                                f"not '{folder.name}'"))
    if spec.requires_quiz and not quiz_path.is_file():
        problems.append(Problem(module_path, spec.lines.get("completion.quiz"),
                                "completion.quiz is true but the module has no quiz.yaml"))
    if any(not problem.is_warning for problem in problems):
        return None, problems
    return spec, problems


def read_catalogue(root: Path) -> tuple[list[ModuleSpec], list[Problem]]:
    """Every module under ``root`` (a courses/ folder), or ``root`` itself when it is a module folder."""
    if (root / MODULE_FILE).exists():
        folders = [root]
    else:
        folders = sorted(entry for entry in root.iterdir() if entry.is_dir() and not entry.name.startswith("."))
    specs: list[ModuleSpec] = []
    problems: list[Problem] = []
    seen: dict[tuple[str, str], Path] = {}
    for folder in folders:
        spec, folder_problems = read_module_folder(folder)
        problems.extend(folder_problems)
        if spec is None:
            continue
        key = (spec.slug, spec.language)
        if key in seen:
            problems.append(Problem(folder / MODULE_FILE, None, f"{spec.label} is also defined in {seen[key]}"))
            continue
        seen[key] = folder
        specs.append(spec)
    if not folders:
        problems.append(Problem(root, None, "no module folders found"))
    return specs, problems
