"""Course folders written into tmp_path, and the partner foundations they name."""
from __future__ import annotations

from pathlib import Path

import pytest

from academy.organisations.models import OrganisationKind

#: A valid module.yaml; tests replace single lines to break it (line numbers matter: keep them).
MODULE_YAML = """\
slug: {slug}
language: {language}
title: "Meeting Basics: Running a Branch Meeting"
summary: >
  A short module on preparing, chairing and recording a branch meeting.
  For new branch officers.
topic: party-organisation
level: foundation
estimated_hours: 2
learning_outcomes:
  - Prepare an agenda and send notice of a branch meeting on time.
  - Chair a meeting that reaches decisions within the agreed time.
  - Write minutes that record decisions, votes and actions.
partner_foundations: [FAS, FSDD]
completion:
  lessons: all
  quiz: true
  attendance: 0.75
"""

LESSONS = {
    "01-agenda.md": """\
---
title: "The agenda"
summary: "What goes into an agenda."
estimated_minutes: 30
---
## The agenda

Send the agenda **with the notice** of the meeting.

| Item | Time |
|---|---:|
| Welcome | 5 |
""",
    "02-minutes.md": """\
---
title: "The minutes"
summary: "What goes into minutes."
estimated_minutes: 25
---
## The minutes

1. Record the decision.
2. Record the vote.

See [the guide](https://example.org/guide).
""",
}


def quiz_yaml(questions: int = 8) -> str:
    """A valid quiz.yaml: question 1 is 'single', the others alternate; line numbers are stable."""
    lines = ['title: "Check your understanding"', "pass_mark: 70", "max_attempts: 3", "questions:"]
    for number in range(1, questions + 1):
        kind = "multiple" if number % 2 == 0 else "single"
        lines += [
            f'  - text: "Question {number}?"',
            f"    kind: {kind}",
            "    choices:",
            f'      - text: "Right {number}"',
            "        correct: true",
            f'      - text: "{"Also right" if kind == "multiple" else "Wrong"} {number}"',
            f"        correct: {'true' if kind == 'multiple' else 'false'}",
            f'      - text: "Wrong again {number}"',
            "        correct: false",
            f'    explanation: "Why question {number} is answered so."',
        ]
    return "\n".join(lines) + "\n"


def write_course(root: Path, slug: str = "meeting-basics", language: str = "en", *,
                 lessons: dict[str, str] | None = None, quiz: str | None = None) -> Path:
    """Write a valid module folder under ``root`` and return it."""
    folder = root / (slug if language == "en" else f"{slug}.{language}")
    (folder / "lessons").mkdir(parents=True)
    (folder / "module.yaml").write_text(MODULE_YAML.format(slug=slug, language=language), encoding="utf-8")
    for name, text in (LESSONS if lessons is None else lessons).items():
        (folder / "lessons" / name).write_text(text, encoding="utf-8")
    (folder / "quiz.yaml").write_text(quiz_yaml() if quiz is None else quiz, encoding="utf-8")
    return folder


def replace_in(path: Path, old: str, new: str) -> None:
    """Replace ``old`` (which must be there) by ``new`` in the file at ``path``."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def course(tmp_path) -> Path:
    """A courses/ folder with one valid module, meeting-basics (en)."""
    root = tmp_path / "courses"
    write_course(root)
    return root


@pytest.fixture
def foundations(make) -> dict:
    """The partner foundations the course files name: FSDD, FHP and FAS."""
    region = make.region()
    return {name: make.organisation(region=region, name=f"Foundation {name}", short_name=name,
                                    kind=OrganisationKind.FOUNDATION)
            for name in ("FSDD", "FHP", "FAS")}


@pytest.fixture
def client_as(make_app, login_as):
    """``client_as(user)``: a client signed in as ``user``, one per person.

    The clients belong to an application of their own: requests to the ``app`` fixture's application
    share its pushed context, where Flask-Login caches the first person served.
    """
    web = make_app()

    def build(user):
        return login_as(user, on_client=web.test_client())
    return build
