"""A course import that changes a module evaluates the completion of its trainees again."""
from __future__ import annotations

import sqlalchemy as sa

from academy.audit.models import AuditEvent
from academy.curriculum.models import Lesson, Module
from academy.learning.models import Enrolment, EnrolmentStatus, LessonProgress

from .conftest import replace_in


def _import(runner, path, *options):
    return runner.invoke(args=["courses", "import", str(path), *options])


def _enrolment_with_every_lesson_done(db, make) -> Enrolment:
    module = db.session.scalar(sa.select(Module).where(Module.slug == "meeting-basics"))
    enrolment = make.enrolment(make.trainee(), module)
    for lesson_id in db.session.scalars(sa.select(Lesson.id).where(Lesson.module_id == module.id)):
        db.session.add(LessonProgress(enrolment_id=enrolment.id, lesson_id=lesson_id))
    db.session.commit()
    return enrolment


def _status(db, enrolment) -> EnrolmentStatus:
    db.session.rollback()  # what the command committed
    return db.session.get(Enrolment, enrolment.id).status


def test_an_import_that_drops_the_quiz_requirement_completes_trainees(runner, db, make, course, foundations,
                                                                      completions):
    assert _import(runner, course).exit_code == 0
    enrolment = _enrolment_with_every_lesson_done(db, make)  # the quiz is still required
    module_yaml = course / "meeting-basics" / "module.yaml"
    replace_in(module_yaml, "  quiz: true", "  quiz: false")

    # A dry run completes nobody: no hook runs (it would mail and issue a certificate), nothing is kept.
    dry = _import(runner, course, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert _status(db, enrolment) is EnrolmentStatus.ACTIVE
    assert completions == []

    result = _import(runner, course)

    assert result.exit_code == 0, result.output
    assert "meeting-basics (en): updated" in result.stdout
    assert _status(db, enrolment) is EnrolmentStatus.COMPLETED
    assert completions == [enrolment.id]
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "enrolment.complete")).all()
    assert [event.object_id for event in events] == [str(enrolment.id)]
    # Importing changed files again completes nobody twice.
    replace_in(module_yaml, "  attendance: 0.75", "  attendance: 0.5")
    again = _import(runner, course)
    assert again.exit_code == 0 and "updated" in again.stdout, again.output
    assert completions == [enrolment.id]


def test_a_refused_import_completes_nobody(runner, db, make, course, foundations, completions):
    assert _import(runner, course).exit_code == 0
    enrolment = _enrolment_with_every_lesson_done(db, make)
    folder = course / "meeting-basics"
    replace_in(folder / "module.yaml", "  quiz: true", "  quiz: false")
    (folder / "lessons" / "02-minutes.md").unlink()  # completed by the trainee: cannot be removed

    result = _import(runner, course)

    assert result.exit_code == 1
    assert _status(db, enrolment) is EnrolmentStatus.ACTIVE
    assert completions == []
