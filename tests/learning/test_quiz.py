"""Quiz attempts: shuffled and stored choices, exact scoring, limits, forged answers, one submission."""
from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from markupsafe import escape
import sqlalchemy as sa

from academy.curriculum.models import QuestionKind
from academy.learning import operations
from academy.learning.models import QuizAttempt
from academy.learning.quiz import load_quiz, score
from academy.learning.progress import percent

MIXED = [
    ("single", [("Right", True), ("Wrong", False), ("Also wrong", False)]),
    ("multiple", [("Right A", True), ("Right B", True), ("Wrong C", False), ("Wrong D", False)]),
]


def _question(question_id, kind, correct, wrong):
    choices = [SimpleNamespace(id=choice_id, is_correct=True) for choice_id in correct]
    choices += [SimpleNamespace(id=choice_id, is_correct=False) for choice_id in wrong]
    return SimpleNamespace(id=question_id, kind=QuestionKind(kind), choices=choices)


QUESTIONS = [_question(1, "single", [11], [12, 13]), _question(2, "multiple", [21, 22], [23, 24])]


@pytest.mark.parametrize(("answers", "expected"), [
    ({"1": [11], "2": [21, 22]}, 100),
    ({"1": [12], "2": [22, 21]}, 50),        # order of the ticks does not matter
    ({"1": [11], "2": [21]}, 50),            # partly right is wrong
    ({"1": [11], "2": [21, 22, 23]}, 50),    # every right choice plus a wrong one is wrong
    ({"1": [11]}, 50),                       # unanswered is wrong
    ({}, 0),
])
def test_score_counts_only_exactly_right_answers(answers, expected):
    assert score(QUESTIONS, answers) == expected


@pytest.mark.parametrize(("right", "total", "expected"), [
    (1, 8, 13), (5, 8, 63), (2, 3, 67), (1, 3, 33), (7, 8, 88), (0, 8, 0), (8, 8, 100), (0, 0, 0),
])
def test_percentages_round_half_up(right, total, expected):
    assert percent(right, total) == expected


def _start(client, module):
    response = client.post(f"/learn/modules/{module.id}/quiz/attempts")
    assert response.status_code == 302, response.status_code
    return response.headers["Location"]


def _shown_order(html: str) -> dict[int, list[int]]:
    order: dict[int, list[int]] = {}
    for question_id, choice_id in re.findall(r'name="question_(\d+)" type="(?:radio|checkbox)" value="(\d+)"', html):
        order.setdefault(int(question_id), []).append(int(choice_id))
    return order


def _right_answers(module):
    data = {}
    for question in load_quiz(module.id).questions:
        data[f"question_{question.id}"] = [str(choice.id) for choice in question.choices if choice.is_correct]
    return data


def _attempts(db, enrolment):
    db.session.rollback()
    return db.session.scalars(sa.select(QuizAttempt).where(QuizAttempt.enrolment_id == enrolment.id)
                              .order_by(QuizAttempt.number)).all()


@pytest.fixture
def mixed(course, make, db):
    """The course's quiz replaced by one single-answer and one multiple-answer question."""
    db.session.delete(course.quiz)
    db.session.commit()
    course.quiz = make.quiz(course.module, questions=MIXED, pass_mark=50, max_attempts=2)
    return course


def test_choice_order_is_shuffled_stored_and_stable_across_reloads(mixed, client_for, db, monkeypatch):
    monkeypatch.setattr("academy.learning.quiz._random.shuffle", lambda ids: ids.reverse())
    client = client_for(mixed.trainee)
    url = _start(client, mixed.module)
    (attempt,) = _attempts(db, mixed.enrolment)
    questions = load_quiz(mixed.module.id).questions
    expected = {question.id: [choice.id for choice in reversed(question.choices)] for question in questions}
    assert {int(key): value for key, value in attempt.choice_order.items()} == expected

    monkeypatch.setattr("academy.learning.quiz._random.shuffle", lambda ids: None)  # a reload must not reshuffle
    first = _shown_order(client.get(url).get_data(as_text=True))
    second = _shown_order(client.get(url).get_data(as_text=True))
    assert first == second == expected


def test_shuffling_uses_the_system_random_generator():
    import random

    from academy.learning import quiz

    assert isinstance(quiz._random, random.SystemRandom)


def test_single_questions_are_radios_and_multiple_ones_checkboxes(mixed, client_for):
    client = client_for(mixed.trainee)
    html = client.get(_start(client, mixed.module)).get_data(as_text=True)
    single, multiple = load_quiz(mixed.module.id).questions
    assert re.search(rf'name="question_{single.id}" type="radio"', html)
    assert re.search(rf'name="question_{multiple.id}" type="checkbox"', html)


def test_each_question_keeps_its_own_direction_in_the_translated_label(mixed, client_for, db):
    mixed.trainee.preferred_language = "ar"
    db.session.commit()
    client = client_for(mixed.trainee)
    html = client.get(_start(client, mixed.module)).get_data(as_text=True)
    single, multiple = load_quiz(mixed.module.id).questions
    for number, question in enumerate((single, multiple), start=1):
        assert f"<legend>السؤال {number}. <bdi>{escape(question.text)}</bdi></legend>" in html


def test_submitting_right_answers_scores_and_shows_explanations(mixed, client_for, db):
    client = client_for(mixed.trainee)
    url = _start(client, mixed.module)
    response = client.post(url, data=_right_answers(mixed.module))
    assert response.status_code == 302
    (attempt,) = _attempts(db, mixed.enrolment)
    assert attempt.score_percent == 100 and attempt.passed and attempt.submitted_at is not None
    page = client.get(url).get_data(as_text=True)
    assert "Why question 1 is answered so." in page and "Correct answer" in page and "100%" in page


def _wrong_answers(module):
    data = {}
    for question in load_quiz(module.id).questions:
        data[f"question_{question.id}"] = [str(choice.id) for choice in question.choices if not choice.is_correct][:1]
    return data


def _reveals(page: str) -> bool:
    shown = {"Correct answer" in page, "quiz-review__choice--correct" in page, "Why question 2 is answered so." in page}
    assert len(shown) == 1, page  # all or nothing
    return shown.pop()


def test_a_failed_attempt_says_what_was_wrong_but_not_what_is_right_while_attempts_remain(mixed, client_for, db):
    """Otherwise one blank attempt gives away every answer for the next."""
    client = client_for(mixed.trainee)
    url = _start(client, mixed.module)
    assert client.post(url, data={}).status_code == 302  # blank: 0 %, failed, one attempt left
    page = client.get(url).get_data(as_text=True)
    assert "Not passed" in page and "Not answered" in page
    assert not _reveals(page)
    assert "The right answers and every explanation are shown once you pass" in page

    # Once passed, every attempt shows the answers and explanations.
    second = _start(client, mixed.module)
    client.post(second, data=_right_answers(mixed.module))
    assert _reveals(client.get(url).get_data(as_text=True))
    assert _reveals(client.get(second).get_data(as_text=True))


def test_the_answers_show_once_every_attempt_is_used_and_submitted(mixed, client_for, db):
    client = client_for(mixed.trainee)
    first = _start(client, mixed.module)
    client.post(first, data=_wrong_answers(mixed.module))
    assert not _reveals(client.get(first).get_data(as_text=True))
    last = _start(client, mixed.module)  # the second and last attempt, open
    assert not _reveals(client.get(first).get_data(as_text=True))  # not while it is open
    client.post(last, data=_wrong_answers(mixed.module))
    page = client.get(first).get_data(as_text=True)
    assert _reveals(page) and "The right answers and every explanation are shown" not in page


def test_a_question_answered_right_shows_its_explanation_at_once(mixed, client_for, db):
    client = client_for(mixed.trainee)
    url = _start(client, mixed.module)
    single, multiple = load_quiz(mixed.module.id).questions
    answers = _right_answers(mixed.module)
    answers[f"question_{multiple.id}"] = []
    mixed.quiz.pass_mark = 100
    db.session.commit()
    client.post(url, data=answers)
    page = client.get(url).get_data(as_text=True)
    assert "Why question 1 is answered so." in page and "Why question 2 is answered so." not in page
    assert "Correct answer" not in page


def test_a_partial_answer_to_a_multiple_question_fails_it(mixed, client_for, db):
    client = client_for(mixed.trainee)
    url = _start(client, mixed.module)
    answers = _right_answers(mixed.module)
    single, multiple = load_quiz(mixed.module.id).questions
    answers[f"question_{multiple.id}"] = answers[f"question_{multiple.id}"][:1]
    client.post(url, data=answers)
    (attempt,) = _attempts(db, mixed.enrolment)
    assert attempt.score_percent == 50 and attempt.passed  # pass mark 50
    assert attempt.answers[str(multiple.id)] == sorted(int(value) for value in answers[f"question_{multiple.id}"])


def test_a_forged_choice_id_is_refused_and_nothing_is_saved(mixed, client_for, db):
    client = client_for(mixed.trainee)
    url = _start(client, mixed.module)
    single, multiple = load_quiz(mixed.module.id).questions
    answers = _right_answers(mixed.module)
    answers[f"question_{single.id}"] = str(multiple.choices[0].id)  # a choice of another question
    response = client.post(url, data=answers)
    assert response.status_code == 400
    assert "not a choice of its question" in response.get_data(as_text=True)
    (attempt,) = _attempts(db, mixed.enrolment)
    assert attempt.submitted_at is None and attempt.score_percent is None and attempt.answers == {}


@pytest.mark.parametrize("value", ["999999", "abc", "-1", ""])
def test_malformed_multiple_answers_are_refused(mixed, client_for, db, value):
    client = client_for(mixed.trainee)
    url = _start(client, mixed.module)
    _single, multiple = load_quiz(mixed.module.id).questions
    response = client.post(url, data={f"question_{multiple.id}": [str(multiple.choices[0].id), value]})
    assert response.status_code == 400
    assert _attempts(db, mixed.enrolment)[0].submitted_at is None


def test_the_operation_refuses_a_forged_answer_too(mixed, db):
    quiz = load_quiz(mixed.module.id)
    attempt = operations.start_attempt(mixed.enrolment, quiz)
    single, multiple = quiz.questions
    with pytest.raises(operations.ForgedAnswer):
        operations.submit_attempt(attempt, mixed.enrolment, quiz, {single.id: [multiple.choices[0].id]},
                                  actor=mixed.trainee)
    with pytest.raises(operations.ForgedAnswer):  # two answers to a single-answer question
        operations.submit_attempt(attempt, mixed.enrolment, quiz,
                                  {single.id: [choice.id for choice in single.choices[:2]]}, actor=mixed.trainee)
    assert attempt.submitted_at is None


def test_a_submitted_attempt_cannot_be_submitted_again(mixed, client_for, db):
    client = client_for(mixed.trainee)
    url = _start(client, mixed.module)
    single, _multiple = load_quiz(mixed.module.id).questions
    wrong = {f"question_{single.id}": str(next(c.id for c in single.choices if not c.is_correct))}
    assert client.post(url, data=wrong).status_code == 302
    second = client.post(url, data=_right_answers(mixed.module))
    assert second.status_code == 409
    (attempt,) = _attempts(db, mixed.enrolment)
    assert attempt.score_percent == 0 and not attempt.passed


def test_a_stale_double_submit_scores_once(mixed, db):
    """Two requests holding the same open attempt: the conditional UPDATE lets one through."""
    quiz = load_quiz(mixed.module.id)
    attempt = operations.start_attempt(mixed.enrolment, quiz)
    db.session.commit()
    quiz = load_quiz(mixed.module.id)
    assert attempt.submitted_at is None  # loaded now, before another request submits it
    with db.engine.begin() as other_request:
        other_request.execute(sa.update(QuizAttempt.__table__).where(QuizAttempt.id == attempt.id)
                              .values(submitted_at=sa.func.current_timestamp(), score_percent=0))
    assert attempt.submitted_at is None  # this copy still thinks it is open
    with pytest.raises(operations.AlreadySubmitted):
        operations.submit_attempt(attempt, mixed.enrolment, quiz, {}, actor=mixed.trainee)
    db.session.rollback()
    assert db.session.get(QuizAttempt, attempt.id).score_percent == 0


def test_the_attempt_limit_is_enforced_with_a_clear_message(mixed, client_for, db):
    client = client_for(mixed.trainee)
    for _ in range(2):  # max_attempts = 2
        client.post(_start(client, mixed.module), data={})
    refused = client.post(f"/learn/modules/{mixed.module.id}/quiz/attempts")
    assert refused.status_code == 403
    assert "You have used all 2 attempts at this quiz." in refused.get_data(as_text=True)
    assert len(_attempts(db, mixed.enrolment)) == 2
    page = client.get(f"/learn/modules/{mixed.module.id}/quiz").get_data(as_text=True)
    assert "You have used all 2 attempts" in page and "Start a new attempt" not in page


def test_zero_means_unlimited_attempts(mixed, client_for, db):
    mixed.quiz.max_attempts = 0
    db.session.commit()
    client = client_for(mixed.trainee)
    for _ in range(4):
        client.post(_start(client, mixed.module), data={})
    assert [attempt.number for attempt in _attempts(db, mixed.enrolment)] == [1, 2, 3, 4]


def test_starting_again_resumes_the_open_attempt(mixed, client_for, db):
    client = client_for(mixed.trainee)
    assert _start(client, mixed.module) == _start(client, mixed.module)
    assert len(_attempts(db, mixed.enrolment)) == 1


def test_two_attempts_with_one_number_are_refused_by_the_database(mixed, db):
    from sqlalchemy.exc import IntegrityError

    for _ in range(2):
        db.session.add(QuizAttempt(enrolment_id=mixed.enrolment.id, quiz_id=mixed.quiz.id, number=1,
                                   choice_order={}, answers={}))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_another_trainees_attempt_is_not_found(mixed, client_for, make):
    url = _start(client_for(mixed.trainee), mixed.module)
    other = make.trainee()
    make.enrolment(other, mixed.module)
    intruder = client_for(other)
    assert intruder.get(url).status_code == 404
    assert intruder.post(url, data=_right_answers(mixed.module)).status_code == 404


def test_the_quiz_is_refused_to_trainees_not_enrolled(mixed, client_for, make):
    outsider = client_for(make.trainee())
    assert outsider.get(f"/learn/modules/{mixed.module.id}/quiz").status_code == 403
    assert outsider.post(f"/learn/modules/{mixed.module.id}/quiz/attempts").status_code == 403


def test_a_module_without_quiz_has_no_quiz_page(make, client_for):
    module = make.module(lessons=1)
    trainee = make.trainee()
    make.enrolment(trainee, module)
    assert client_for(trainee).get(f"/learn/modules/{module.id}/quiz").status_code == 404


def test_the_quiz_page_lists_attempts_and_best_score(mixed, client_for):
    client = client_for(mixed.trainee)
    client.post(_start(client, mixed.module), data=_right_answers(mixed.module))
    page = client.get(f"/learn/modules/{mixed.module.id}/quiz").get_data(as_text=True)
    assert "Attempt 1" in page and "Passed" in page and "Attempts used: 1 of 2." in page


def test_an_attempt_started_at_the_same_moment_is_refused_cleanly(mixed, client_for, db, monkeypatch):
    """Both requests counted the same attempts: the second one's number is taken, nothing breaks."""
    client = client_for(mixed.trainee)
    client.post(_start(client, mixed.module), data={})  # attempt 1, submitted
    monkeypatch.setattr(operations, "attempts_used", lambda enrolment, quiz: 0)  # a stale count
    response = client.post(f"/learn/modules/{mixed.module.id}/quiz/attempts")
    assert response.status_code == 409
    assert [attempt.number for attempt in _attempts(db, mixed.enrolment)] == [1]
