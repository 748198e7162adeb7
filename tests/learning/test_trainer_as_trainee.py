"""A trainer who is also a trainee: reads the drafts they write, but makes progress (towards a
certificate) only in published modules, like every trainee, and cannot enrol in their own module."""
from __future__ import annotations

import pytest

from academy.accounts.models import Role
from academy.curriculum.models import Lesson, ModuleStatus
from academy.learning.models import LessonProgress


def _first_lesson(db, module):
    return db.session.scalar(db.select(Lesson).where(Lesson.module_id == module.id).order_by(Lesson.position))


@pytest.mark.parametrize("status", [ModuleStatus.DRAFT, ModuleStatus.ARCHIVED])
def test_progress_in_a_module_trainees_cannot_study_is_refused_to_its_trainer_too(make, db, client_for, completions,
                                                                                 status):
    person = make.user(Role.TRAINER, Role.TRAINEE)
    module = make.module(trainers=[person], lessons=1, status=status, requires_all_lessons=True,
                         requires_quiz=False, attendance_percent=0)
    enrolment = make.enrolment(person, module)
    lesson = _first_lesson(db, module)

    # The same enrolment held by a plain trainee is refused (the rule the trainer-trainee escapes).
    trainee = make.trainee()
    make.enrolment(trainee, module)
    assert client_for(trainee).post(f"/learn/lessons/{lesson.id}/complete").status_code == 404

    response = client_for(person).post(f"/learn/lessons/{lesson.id}/complete")
    db.session.rollback()
    recorded = db.session.scalar(db.select(db.func.count()).select_from(LessonProgress)
                                 .where(LessonProgress.enrolment_id == enrolment.id))
    assert (response.status_code, recorded, completions) == (404, 0, [])


def test_a_trainer_cannot_find_or_enrol_themselves_or_a_co_trainer_in_their_module(make, db, client_for):
    from academy.learning.models import Enrolment

    person = make.user(Role.TRAINER, Role.TRAINEE, email="trainer.trainee@example.org")
    colleague = make.user(Role.TRAINER, Role.TRAINEE, email="colleague@example.org")
    module = make.module(trainers=[person, colleague], lessons=1)
    client = client_for(person)
    for found in (person, colleague):
        url = f"/teach/modules/{module.id}/enrolments?q={found.email}"
        html = client.get(url).get_data(as_text=True)
        assert 'name="trainees"' not in html and "No trainee to enrol matches" in html
        assert client.post(url, data={"trainees": [found.id]}).status_code == 400
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(Enrolment)) == 0
