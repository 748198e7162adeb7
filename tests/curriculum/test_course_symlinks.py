"""``flask courses import`` reads only inside the course folder: symbolic links are reported.
"""
from __future__ import annotations

import pytest

from academy.curriculum.models import Lesson, Module
from academy.organisations.models import OrganisationKind

from tests.curriculum.conftest import LESSONS, write_course

OUTSIDE_LESSON = """\
---
title: "Outside"
summary: "A file that lives outside the course folder."
estimated_minutes: 5
---
SECRET-FROM-OUTSIDE-THE-COURSE-FOLDER
"""


@pytest.fixture
def foundations(make):
    region = make.region()
    return {name: make.organisation(region=region, name=f"Foundation {name}", short_name=name,
                                    kind=OrganisationKind.FOUNDATION)
            for name in ("FSDD", "FHP", "FAS")}


def _count(db, model):
    db.session.rollback()
    return db.session.scalar(db.select(db.func.count()).select_from(model))


@pytest.mark.parametrize("what", ["lesson file", "lessons folder"])
def test_a_symlink_out_of_the_course_folder_is_refused(runner, db, tmp_path, foundations, what):
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "courses"
    folder = write_course(root)
    if what == "lesson file":
        (outside / "secret.md").write_text(OUTSIDE_LESSON, encoding="utf-8")
        target = folder / "lessons" / "02-minutes.md"
        target.unlink()
        target.symlink_to(outside / "secret.md")
    else:
        (outside / "01-agenda.md").write_text(LESSONS["01-agenda.md"], encoding="utf-8")
        (outside / "02-minutes.md").write_text(OUTSIDE_LESSON, encoding="utf-8")
        for path in (folder / "lessons").iterdir():
            path.unlink()
        (folder / "lessons").rmdir()
        (folder / "lessons").symlink_to(outside, target_is_directory=True)

    result = runner.invoke(args=["courses", "import", str(root)])

    db.session.rollback()
    published = db.session.scalar(db.select(db.func.count()).select_from(Lesson)
                                  .where(Lesson.body_markdown.contains("SECRET-FROM-OUTSIDE")))
    assert published == 0, f"a {what} linking outside the course folder was imported and published"
    assert result.exit_code == 1
    assert _count(db, Module) == 0
    assert "lessons" in result.output
