"""Reading ``lessons/NN-slug.md``: front matter, a Markdown body, and numbering without gaps.

The body is checked for what the lesson page will not show as written (raw HTML, images, links
that are not http, https or mailto, reference links); those are warnings, not errors, so the
import still goes on.
"""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from markdown_it import MarkdownIt

from .. import rules
from ..yaml_source import SYMLINK_PROBLEM, FieldReader, Problem, load_yaml, read_text
from .specs import LESSON_FILE_PATTERN, LessonSpec

_LINK_SCHEMES = ("http", "https", "mailto")
_LESSON_KEYS = {"title", "summary", "estimated_minutes"}
# A second parser that sees raw HTML, only to warn writers that the page would show it as text.
_checking_parser = MarkdownIt("commonmark", {"html": True}).enable("table")


#: A reference link's definition (``[name]: URL``), which the lesson page leaves as written.
_REFERENCE_DEFINITION = re.compile(r" {0,3}\[[^\]]+\]:\s*\S")
_REFERENCE_PROBLEM = ("reference links are not supported in lessons and will be shown as written; "
                      "write the address in the link: [text](https://…)")


def _body_warnings(body: str, path: Path, first_line: int) -> list[Problem]:
    warnings = []
    env: dict = {}
    tokens = _checking_parser.parse(body, env)
    if env.get("references"):
        warnings.extend(Problem(path, first_line + number, _REFERENCE_PROBLEM, True)
                        for number, line in enumerate(body.split("\n")) if _REFERENCE_DEFINITION.match(line))
    for token in tokens:
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
    text = read_text(path, problems)
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
    if folder.is_symlink():
        return [], [Problem(folder, None, SYMLINK_PROBLEM)]
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
