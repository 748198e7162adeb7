"""Fixtures for the learning tests: a published module with lessons and a quiz, and its people."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from academy.learning.completion import _callbacks


@dataclass
class Course:
    """A published module with three lessons and a two-question quiz, one trainer and one enrolled trainee."""

    module: object
    lessons: list
    quiz: object
    trainer: object
    trainee: object
    enrolment: object


@pytest.fixture
def course(make):
    trainer = make.trainer()
    module = make.module(trainers=[trainer], lessons=3, requires_all_lessons=True, requires_quiz=True,
                         attendance_percent=0)
    quiz = make.quiz(module, pass_mark=50, max_attempts=3)
    trainee = make.trainee()
    enrolment = make.enrolment(trainee, module)
    from academy.curriculum.models import Lesson
    from academy.extensions import db

    lessons = list(db.session.scalars(db.select(Lesson).where(Lesson.module_id == module.id).order_by(Lesson.position)))
    return Course(module=module, lessons=lessons, quiz=quiz, trainer=trainer, trainee=trainee, enrolment=enrolment)


@pytest.fixture(autouse=True)
def _no_leftover_completion_callbacks():
    """Callbacks subscribed by a test never leak into the next one."""
    before = list(_callbacks)
    yield
    _callbacks[:] = before


