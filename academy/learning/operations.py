"""Changes to enrolments, lesson progress and quiz attempts; each flushes and none commits."""
from __future__ import annotations

from typing import Mapping, Sequence

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.attributes import set_committed_value

from ..accounts.models import User
from ..audit.operations import record
from ..curriculum.models import Lesson, Module, Quiz
from ..db_types import utcnow
from ..extensions import db
from ..live.models import Attendance
from ..outbox.operations import queue_mail
from . import quiz as quizzes
from .completion import evaluate_completion
from .models import Enrolment, LessonProgress, QuizAttempt


class LearningRefused(Exception):
    """An action the rules do not allow; ``message`` says why, in the reader's language."""

    status = 400

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class AttemptLimitReached(LearningRefused):
    status = 403


class AlreadySubmitted(LearningRefused):
    status = 409


class ForgedAnswer(LearningRefused):
    status = 400


def enrol(module: Module, trainees: Sequence[User], *, actor: User) -> list[Enrolment]:
    """Enrol each of ``trainees`` in ``module``, skipping those already enrolled; return the new ones.

    Two people enrolling the same trainee at once meet the unique constraint: the caller rolls
    back and nothing is half done.
    """
    already = set(db.session.scalars(
        db.select(Enrolment.user_id).where(Enrolment.module_id == module.id,
                                           Enrolment.user_id.in_([trainee.id for trainee in trainees]))
    ))
    created = []
    for trainee in trainees:
        if trainee.id in already:
            continue
        enrolment = Enrolment(user_id=trainee.id, module_id=module.id, created_by_id=actor.id)
        db.session.add(enrolment)
        created.append((trainee, enrolment))
    db.session.flush()
    for trainee, enrolment in created:
        record("enrolment.create", actor=actor, target=enrolment, module_id=module.id, user_id=trainee.id)
        queue_mail(trainee.email, trainee.preferred_language,
                   _l("You are enrolled in %(title)s", title=module.title), "learning_enrolled",
                   name=trainee.display_name, title=module.title, link=_module_link(module))
    return [enrolment for _trainee, enrolment in created]


def _module_link(module: Module) -> str | None:
    from ..accounts.tokens import mail_link

    return mail_link("learning.module", module_id=module.id)


#: Certificates by the enrolment they were earned in (the certificates feature builds on this one,
#: so its model is not imported here).
_CERTIFICATES = sa.table("certificates", sa.column("enrolment_id"))


def unenrol(enrolment: Enrolment, *, actor: User) -> bool:
    """Remove an enrolment that has no progress at all and no certificate; return whether it was
    removed.

    "No progress" is checked in the DELETE itself, so a lesson completed meanwhile keeps it. A
    certificate (an admin may issue one without progress) keeps it too: without its enrolment a
    certificate would lose the edition it was earned in, and with it who may see it.
    """
    no_trace = (
        ~sa.exists().where(LessonProgress.enrolment_id == Enrolment.id),
        ~sa.exists().where(QuizAttempt.enrolment_id == Enrolment.id),
        ~sa.exists().where(Attendance.enrolment_id == Enrolment.id),
        ~sa.exists().where(_CERTIFICATES.c.enrolment_id == Enrolment.id),
    )
    enrolment_id, user_id, module_id = enrolment.id, enrolment.user_id, enrolment.module_id
    removed = db.session.execute(
        sa.delete(Enrolment)
        .where(Enrolment.id == enrolment_id, Enrolment.completed_at.is_(None), *no_trace)
        .execution_options(synchronize_session=False)
    ).rowcount
    if removed != 1:
        return False
    db.session.expunge(enrolment)
    record("enrolment.delete", actor=actor, object_type="enrolments", object_id=enrolment_id,
           module_id=module_id, user_id=user_id)
    return True


def _insert_ignoring_duplicates(model):
    """``INSERT … ON CONFLICT DO NOTHING`` in the dialect of the database in use."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(model)


def mark_lesson_complete(enrolment: Enrolment, lesson: Lesson, *, actor: User) -> bool:
    """Record ``lesson`` as done in ``enrolment`` (idempotent); return whether it was new.

    Then re-evaluates the module's completion rule.
    """
    if lesson.module_id != enrolment.module_id:
        raise LearningRefused(_l("This lesson belongs to another module."))
    inserted = db.session.execute(
        _insert_ignoring_duplicates(LessonProgress)
        .values(enrolment_id=enrolment.id, lesson_id=lesson.id, completed_at=utcnow())
        .on_conflict_do_nothing(index_elements=["enrolment_id", "lesson_id"])
    ).rowcount
    evaluate_completion(enrolment, actor=actor)
    return inserted == 1


def open_attempt(enrolment: Enrolment, quiz: Quiz) -> QuizAttempt | None:
    """The enrolment's attempt at ``quiz`` that is started but not submitted, if any."""
    return db.session.execute(
        db.select(QuizAttempt)
        .where(QuizAttempt.enrolment_id == enrolment.id, QuizAttempt.quiz_id == quiz.id,
               QuizAttempt.submitted_at.is_(None))
        .order_by(QuizAttempt.number.desc())
        .limit(1)
    ).scalar_one_or_none()


def attempts_used(enrolment: Enrolment, quiz: Quiz) -> int:
    return db.session.scalar(
        db.select(sa.func.count(QuizAttempt.id))
        .where(QuizAttempt.enrolment_id == enrolment.id, QuizAttempt.quiz_id == quiz.id)
    )


def answers_revealed(enrolment: Enrolment, quiz: Quiz) -> bool:
    """Whether the trainee may see the right choices and every explanation of ``quiz``: once
    they passed it, or once every attempt is used and submitted (no limit: once passed).

    Before that a submitted attempt says which questions were right and wrong, not which choices
    are right: otherwise one blank attempt would give away every answer for the next, and the
    attempt limit (and the quiz behind a certificate) would measure nothing. One query.
    """
    counts = db.session.execute(
        db.select(sa.func.count(QuizAttempt.id),
                  sa.func.count(QuizAttempt.id).filter(QuizAttempt.passed.is_(True)),
                  sa.func.count(QuizAttempt.id).filter(QuizAttempt.submitted_at.is_(None)))
        .where(QuizAttempt.enrolment_id == enrolment.id, QuizAttempt.quiz_id == quiz.id)).one()
    used, passed, open_ = counts
    return passed > 0 or bool(quiz.max_attempts and used >= quiz.max_attempts and open_ == 0)


def start_attempt(enrolment: Enrolment, quiz: Quiz) -> QuizAttempt:
    """Start an attempt at ``quiz`` with freshly shuffled choices, or return the one still open.

    ``quiz`` must have its questions and choices loaded (``quiz.load_quiz``). Refused beyond the
    quiz's attempt limit. Two attempts started at once are given the same number and the unique
    constraint refuses the second (IntegrityError: the caller rolls back).
    """
    if not quiz.questions:
        raise LearningRefused(_l("This quiz has no questions yet."))
    current = open_attempt(enrolment, quiz)
    if current is not None:
        return current
    used = attempts_used(enrolment, quiz)
    if quiz.max_attempts and used >= quiz.max_attempts:
        raise AttemptLimitReached(_l("You have used all %(count)d attempts at this quiz.",
                                     count=quiz.max_attempts))
    attempt = QuizAttempt(enrolment_id=enrolment.id, quiz_id=quiz.id, number=used + 1,
                          choice_order=quizzes.shuffled_choice_order(quiz.questions), answers={})
    db.session.add(attempt)
    db.session.flush()
    return attempt


def submit_attempt(attempt: QuizAttempt, enrolment: Enrolment, quiz: Quiz,
                   answers: Mapping[int, Sequence[int]], *, actor: User) -> QuizAttempt:
    """Score ``answers`` (question id → chosen choice ids) and close ``attempt``; exactly once.

    Every answer must name choices of its own question (else ``ForgedAnswer``, nothing saved).
    The attempt is closed by ``UPDATE … WHERE submitted_at IS NULL``: a second submission,
    even a concurrent one, changes nothing and raises ``AlreadySubmitted``. Then the module's
    completion rule is re-evaluated.
    """
    if attempt.quiz_id != quiz.id or attempt.enrolment_id != enrolment.id:
        raise LearningRefused(_l("This attempt belongs to another quiz."))
    questions = {question.id: question for question in quiz.questions}
    stored: dict[str, list[int]] = {}
    for question_id, selected in answers.items():
        question = questions.get(question_id)
        if question is None or not quizzes.answer_is_valid(question, list(selected)):
            raise ForgedAnswer(_l("One of the answers is not a choice of its question. Nothing was saved."))
        if selected:
            stored[str(question_id)] = sorted(selected)
    score = quizzes.score(quiz.questions, stored)
    passed = score >= quiz.pass_mark
    now = utcnow()
    closed = db.session.execute(
        sa.update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.submitted_at.is_(None))
        .values(submitted_at=now, answers=stored, score_percent=score, passed=passed)
        .execution_options(synchronize_session=False)
    ).rowcount
    if closed != 1:
        raise AlreadySubmitted(_l("This attempt has already been submitted."))
    for name, value in (("submitted_at", now), ("answers", stored), ("score_percent", score), ("passed", passed)):
        set_committed_value(attempt, name, value)
    evaluate_completion(enrolment, actor=actor)
    return attempt
