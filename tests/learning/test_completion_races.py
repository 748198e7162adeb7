"""Two inputs of the completion rule changing at the same moment complete the enrolment (PostgreSQL).

The request marking the last lesson and the one passing the quiz each write their input, then
evaluate the rule. Without a lock, each saw only its own change (write skew under READ
COMMITTED): both found the rule unmet, and the enrolment never completed (no certificate).
"""
from __future__ import annotations

import threading

import pytest

from academy.accounts.models import User
from academy.curriculum.models import Lesson
from academy.extensions import db as _db
from academy.learning import operations
from academy.learning.models import Enrolment, EnrolmentStatus
from academy.learning.quiz import correct_ids, load_quiz


def test_last_lesson_and_quiz_pass_at_once_complete_the_enrolment(app, course, db, completions, monkeypatch):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks: PostgreSQL only (SQLite has one write lock)")
    enrolment = course.enrolment
    for lesson in course.lessons[:-1]:
        operations.mark_lesson_complete(enrolment, lesson, actor=course.trainee)
    quiz = load_quiz(course.module.id)
    attempt = operations.start_attempt(enrolment, quiz)
    db.session.commit()
    ids = dict(enrolment=enrolment.id, lesson=course.lessons[-1].id, attempt=attempt.id,
               user=course.trainee.id, module=course.module.id)
    barrier, errors = threading.Barrier(2), []
    real_evaluate = operations.evaluate_completion

    def both_inputs_written_then_evaluate(*args, **kwargs):
        barrier.wait(timeout=30)  # each request has written its input, neither has committed
        return real_evaluate(*args, **kwargs)

    monkeypatch.setattr(operations, "evaluate_completion", both_inputs_written_then_evaluate)

    def last_lesson():
        try:
            with app.app_context(), app.test_request_context():
                enrolment_ = _db.session.get(Enrolment, ids["enrolment"])
                operations.mark_lesson_complete(enrolment_, _db.session.get(Lesson, ids["lesson"]),
                                                actor=_db.session.get(User, ids["user"]))
                _db.session.commit()
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    def pass_quiz():
        try:
            with app.app_context(), app.test_request_context():
                from academy.learning.models import QuizAttempt

                enrolment_ = _db.session.get(Enrolment, ids["enrolment"])
                quiz_ = load_quiz(ids["module"])
                answers = {question.id: sorted(correct_ids(question)) for question in quiz_.questions}
                operations.submit_attempt(_db.session.get(QuizAttempt, ids["attempt"]), enrolment_, quiz_,
                                          answers, actor=_db.session.get(User, ids["user"]))
                _db.session.commit()
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=last_lesson), threading.Thread(target=pass_quiz)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    db.session.expire_all()
    stored = db.session.get(Enrolment, ids["enrolment"])
    assert stored.status is EnrolmentStatus.COMPLETED, "every lesson done and the quiz passed, yet not completed"
    assert completions == [ids["enrolment"]]
