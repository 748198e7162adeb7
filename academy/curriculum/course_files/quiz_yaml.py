"""Reading ``quiz.yaml``: the quiz settings and its questions, each with a valid set of correct choices."""
from __future__ import annotations

from pathlib import Path

from .. import rules
from ..models import QuestionKind
from ..yaml_source import FieldReader, Problem, read_yaml_file
from .specs import ChoiceSpec, QuestionSpec, QuizSpec


def _read_question(reader: FieldReader, index: int) -> QuestionSpec | None:
    keys = ("questions", index)
    if reader.mapping(keys, {"text", "kind", "choices", "explanation"}) is None:
        return None
    text = reader.text(keys + ("text",), rules.QUESTION_MAX)
    kind = reader.choice(keys + ("kind",), {kind.value: kind for kind in QuestionKind})
    explanation = reader.text(keys + ("explanation",), rules.EXPLANATION_MAX)
    items = reader.items(keys + ("choices",), rules.CHOICES_MIN, rules.CHOICES_MAX) or []
    choices = []
    for number in range(len(items)):
        choice_keys = keys + ("choices", number)
        if reader.mapping(choice_keys, {"text", "correct"}) is None:
            continue
        choice_text = reader.text(choice_keys + ("text",), rules.CHOICE_MAX)
        correct = reader.boolean(choice_keys + ("correct",))
        if choice_text is not None and choice_text in {choice.text for choice in choices}:
            reader.problem(choice_keys, f"question {index + 1} offers the choice '{choice_text}' twice")
        elif choice_text is not None and correct is not None:
            choices.append(ChoiceSpec(choice_text, correct))
    if len(choices) != len(items) or None in (text, kind, explanation):
        return None
    correct_count = sum(choice.correct for choice in choices)
    if kind is QuestionKind.SINGLE and correct_count != 1:
        reader.problem(keys + ("choices",), f"question {index + 1} is 'single' and needs exactly one correct "
                                            f"choice; it has {correct_count}")
        return None
    if kind is QuestionKind.MULTIPLE and correct_count < 1:
        reader.problem(keys + ("choices",), f"question {index + 1} needs at least one correct choice")
        return None
    return QuestionSpec(text, kind, choices, explanation)


def read_quiz_yaml(path: Path) -> tuple[QuizSpec | None, list[Problem]]:
    """A ``quiz.yaml``: title, pass mark, attempts allowed and the questions with their choices."""
    reader, problems = read_yaml_file(path)
    if reader is None:
        return None, problems
    if reader.mapping((), {"title", "pass_mark", "max_attempts", "questions"}) is None:
        return None, problems
    title = reader.text(("title",), rules.TITLE_MAX)
    pass_mark = reader.integer(("pass_mark",), rules.PASS_MARK_MIN, rules.PASS_MARK_MAX)
    max_attempts = reader.integer(("max_attempts",), 0, rules.MAX_ATTEMPTS_MAX)
    items = reader.items(("questions",), rules.QUIZ_QUESTIONS_MIN, 10_000) or []
    questions = [_read_question(reader, index) for index in range(len(items))]
    seen: set[str] = set()
    for index, question in enumerate(questions):
        if question and question.text in seen:
            reader.problem(("questions", index), f"question {index + 1} repeats an earlier question")
        seen.add(question.text if question else "")
    if problems or None in (title, pass_mark, max_attempts):
        return None, problems
    return QuizSpec(title, pass_mark, max_attempts, questions), problems
