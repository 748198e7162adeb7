"""Quiz mechanics: loading a quiz, shuffling its choices, scoring answers."""
from __future__ import annotations

import secrets
from typing import Mapping, Sequence

from sqlalchemy.orm import selectinload

from ..curriculum.models import Choice, Question, QuestionKind, Quiz
from ..extensions import db
from .progress import percent

_random = secrets.SystemRandom()


def load_quiz(module_id: int) -> Quiz | None:
    """The module's quiz with its questions and their choices (three queries, whatever its size)."""
    return db.session.execute(
        db.select(Quiz)
        .options(selectinload(Quiz.questions).selectinload(Question.choices))
        .where(Quiz.module_id == module_id)
    ).scalar_one_or_none()


def shuffled_choice_order(questions: Sequence[Question]) -> dict[str, list[int]]:
    """A fresh random order of each question's choices: ``{"<question id>": [choice ids]}``.

    Keys are strings because the order is stored as JSON.
    """
    order = {}
    for question in questions:
        ids = [choice.id for choice in question.choices]
        _random.shuffle(ids)
        order[str(question.id)] = ids
    return order


def ordered_choices(question: Question, choice_order: Mapping[str, list[int]]) -> list[Choice]:
    """``question``'s choices in the order stored for an attempt.

    Choices added to the question after the attempt started come last, in their own order;
    removed ones are skipped.
    """
    by_id = {choice.id: choice for choice in question.choices}
    stored = [by_id[choice_id] for choice_id in choice_order.get(str(question.id), []) if choice_id in by_id]
    seen = {choice.id for choice in stored}
    return stored + [choice for choice in question.choices if choice.id not in seen]


def correct_ids(question: Question) -> set[int]:
    return {choice.id for choice in question.choices if choice.is_correct}


def answer_is_valid(question: Question, selected: Sequence[int]) -> bool:
    """Whether ``selected`` names only choices of ``question`` (one at most for a single-answer one)."""
    own = {choice.id for choice in question.choices}
    if not set(selected) <= own or len(set(selected)) != len(selected):
        return False
    return question.kind is not QuestionKind.SINGLE or len(selected) <= 1


def is_right(question: Question, selected: Sequence[int]) -> bool:
    """A question counts only when answered exactly: every right choice and no wrong one."""
    return bool(selected) and set(selected) == correct_ids(question)


def score(questions: Sequence[Question], answers: Mapping[str, Sequence[int]]) -> int:
    """The share of ``questions`` answered exactly right, in whole percent rounded half up."""
    right = sum(1 for question in questions if is_right(question, answers.get(str(question.id), ())))
    return percent(right, len(questions))
