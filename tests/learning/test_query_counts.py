"""The learning pages send as many SQL queries with a lot of data as with a little (no N+1)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from academy.db_types import utcnow
from academy.learning.models import LessonProgress, QuizAttempt
from tests.querycount import count_queries


def _engine(web, db):
    with web.test_request_context():
        return db.engine


def _count(client, engine, path) -> tuple[int, str]:
    client.get(path)  # warm-up: one-off work is not what we measure
    with count_queries(engine) as queries:
        response = client.get(path)
    assert response.status_code == 200, path
    return queries.count, queries.describe()


def _module_with_everything(make, db, trainee, *, lessons, materials=0, sessions=0, others=0, trainers=()):
    """A module with ``lessons`` lessons, the trainee enrolled with half of them done, an attempt,
    sessions held and to come, and ``others`` fellow trainees with progress of their own."""
    module = make.module(lessons=lessons, trainers=trainers)
    quiz = make.quiz(module)
    from academy.curriculum.models import Lesson

    lesson_ids = list(db.session.scalars(db.select(Lesson.id).where(Lesson.module_id == module.id)))
    for lesson_id in lesson_ids[:materials and 1]:
        lesson = db.session.get(Lesson, lesson_id)
        for number in range(materials):
            make.material(lesson, url=f"https://example.org/{number}", title=f"Reading {number}")
    people = [trainee] + [make.trainee() for _ in range(others)]
    for number, person in enumerate(people):
        enrolment = make.enrolment(person, module)
        for lesson_id in lesson_ids[: len(lesson_ids) // 2]:
            db.session.add(LessonProgress(enrolment_id=enrolment.id, lesson_id=lesson_id))
        db.session.add(QuizAttempt(enrolment_id=enrolment.id, quiz_id=quiz.id, number=1, submitted_at=utcnow(),
                                   score_percent=50, passed=number % 2 == 0))
        db.session.commit()
        for hours in range(sessions):
            held = make.live_session(module, starts_at=utcnow() - timedelta(hours=hours + 1))
            make.attendance(held, enrolment, "present")
    for days in range(sessions):
        make.live_session(module, starts_at=utcnow() + timedelta(days=days + 1))
    return module, lesson_ids


@pytest.mark.parametrize("screen", ["home", "module", "lesson", "enrolments"])
def test_learning_pages_do_not_grow_queries_with_data(make, db, web, screen):
    trainee, trainer = make.trainee(), make.trainer()
    engine = _engine(web, db)
    from tests.fixtures_auth import sign_in_client

    def path_for(module, lesson_ids):
        return {"home": "/learn/", "module": f"/learn/modules/{module.id}",
                "lesson": f"/learn/lessons/{lesson_ids[1]}",
                "enrolments": f"/teach/modules/{module.id}/enrolments"}[screen]

    viewer = trainer if screen == "enrolments" else trainee
    client = web.test_client()
    sign_in_client(client, viewer)

    teachers = [trainer] if screen == "enrolments" else []
    small_module, small_lessons = _module_with_everything(make, db, trainee, lessons=2, materials=1, sessions=1,
                                                          trainers=teachers)
    small, small_log = _count(client, engine, path_for(small_module, small_lessons))

    if screen == "home":  # more modules, each bigger, for the same trainee
        for _ in range(5):
            _module_with_everything(make, db, trainee, lessons=8, materials=3, sessions=3, others=2)
        large, large_log = _count(client, engine, path_for(small_module, small_lessons))
    else:  # the same kind of page on a much bigger module
        big_module, big_lessons = _module_with_everything(make, db, trainee, lessons=15, materials=6, sessions=3,
                                                          others=12, trainers=teachers)
        large, large_log = _count(client, engine, path_for(big_module, big_lessons))

    assert small > 0
    assert large == small, f"{small} queries with little data, {large} with more.\n{small_log}\n---\n{large_log}"


def test_the_progress_statement_is_built_once_per_process_not_per_request():
    """Building it (a dozen correlated subqueries) costs more than running it: it is cached."""
    from academy.learning import progress

    assert progress._progress_query() is progress._progress_query()
