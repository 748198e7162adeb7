"""Trainees who completed a module can still look back at it once it is archived, without progress."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from academy.curriculum.models import ModuleStatus
from academy.db_types import utcnow
from academy.learning.models import EnrolmentStatus, LessonProgress, QuizAttempt


def _archive(db, course, *, completed: bool):
    course.module.status = ModuleStatus.ARCHIVED
    if completed:
        course.enrolment.status = EnrolmentStatus.COMPLETED
        course.enrolment.completed_at = utcnow()
    db.session.commit()


def test_a_trainee_who_completed_an_archived_module_can_read_it(course, client_for, make, db):
    material = make.material(course.lessons[0], title="Canvassing handout")
    _archive(db, course, completed=True)
    client = client_for(course.trainee)
    page = client.get(f"/learn/modules/{course.module.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert course.module.title in html and "Archived" in html and "This module has been archived." in html
    assert f"/learn/modules/{course.module.id}/quiz" not in html  # no way into the quiz
    lesson = client.get(f"/learn/lessons/{course.lessons[0].id}")
    assert lesson.status_code == 200
    assert "Mark as complete" not in lesson.get_data(as_text=True)
    handbook = client.get(f"/learn/modules/{course.module.id}/handbook.pdf")
    assert handbook.status_code == 200 and handbook.data.startswith(b"%PDF")
    assert client.get(f"/materials/{material.id}").status_code == 200


def test_an_archived_module_makes_no_progress(course, client_for, db):
    _archive(db, course, completed=True)
    client = client_for(course.trainee)
    assert client.post(f"/learn/lessons/{course.lessons[0].id}/complete").status_code == 404
    assert client.get(f"/learn/modules/{course.module.id}/quiz").status_code == 404
    assert client.post(f"/learn/modules/{course.module.id}/quiz/attempts").status_code == 404
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LessonProgress)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuizAttempt)) == 0


def test_the_home_lists_an_archived_module_among_completed_ones(course, client_for, make, db):
    current = make.module(title="Still running", lessons=1)
    make.enrolment(course.trainee, current)
    _archive(db, course, completed=True)
    html = client_for(course.trainee).get("/learn/").get_data(as_text=True)
    assert course.module.title in html and "Still running" in html
    assert html.index("Still running") < html.index(course.module.title)  # completed modules come last
    assert f"/learn/modules/{course.module.id}/quiz" not in html
    assert f"/learn/modules/{course.module.id}\"" in html


@pytest.mark.parametrize("case", ["enrolled, not completed", "not enrolled", "withdrawn"])
def test_others_still_find_no_archived_module(course, client_for, make, db, case):
    _archive(db, course, completed=False)
    visitor = course.trainee
    if case == "not enrolled":
        visitor = make.trainee()
    if case == "withdrawn":
        course.enrolment.status = EnrolmentStatus.WITHDRAWN
        db.session.commit()
    client = client_for(visitor)
    assert client.get(f"/learn/modules/{course.module.id}").status_code == 404
    assert client.get(f"/learn/lessons/{course.lessons[0].id}").status_code == 404
    assert client.get(f"/learn/modules/{course.module.id}/handbook.pdf").status_code == 404
    assert course.module.title not in client.get("/learn/").get_data(as_text=True)


def test_a_completed_draft_stays_hidden(course, client_for, db):
    course.module.status = ModuleStatus.DRAFT
    course.enrolment.status = EnrolmentStatus.COMPLETED
    course.enrolment.completed_at = utcnow()
    db.session.commit()
    assert client_for(course.trainee).get(f"/learn/modules/{course.module.id}").status_code == 404
