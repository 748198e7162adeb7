"""Reading ``module.yaml``: a module's metadata and completion rule, checked field by field."""
from __future__ import annotations

from pathlib import Path

from ...config import LANGUAGES
from .. import rules
from ..models import Level, Topic
from ..yaml_source import FieldReader, Problem, read_yaml_file

COMPLETION_LESSONS = {"all": True, "none": False}
_MODULE_KEYS = {"slug", "language", "title", "summary", "topic", "level", "estimated_hours",
                "learning_outcomes", "completion"}
_MODULE_OPTIONAL = {"partner_foundations"}


def _attendance_percent(reader: FieldReader, keys: tuple) -> int | None:
    value = reader.document.get(keys)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        reader.problem(keys, f"completion.attendance must be a share between 0 and 1 (such as 0.75), "
                             f"not {value!r}")
        return None
    percent = value * 100
    if not 0 <= value <= 1 or abs(percent - round(percent)) > 1e-9:
        reader.problem(keys, f"completion.attendance must be a share between 0 and 1 with at most two "
                             f"decimals (such as 0.75), not {value!r}")
        return None
    return round(percent)


def _read_completion(reader: FieldReader, spec_values: dict) -> None:
    if "completion" not in reader.document.value:
        return
    completion = reader.mapping(("completion",), required=set(), optional={"lessons", "quiz", "attendance"})
    if completion is None:
        return
    if "lessons" in completion:
        value = reader.choice(("completion", "lessons"), COMPLETION_LESSONS)
        if value is not None:
            spec_values["requires_all_lessons"] = value
    if "quiz" in completion:
        value = reader.boolean(("completion", "quiz"))
        if value is not None:
            spec_values["requires_quiz"] = value
    if "attendance" in completion:
        value = _attendance_percent(reader, ("completion", "attendance"))
        if value is not None:
            spec_values["attendance_percent"] = value


def _read_outcomes(reader: FieldReader) -> list[str] | None:
    items = reader.items(("learning_outcomes",), rules.OUTCOMES_MIN, rules.OUTCOMES_MAX)
    if items is None:
        return None
    outcomes = [reader.text(("learning_outcomes", index), rules.OUTCOME_MAX) for index in range(len(items))]
    return None if None in outcomes else outcomes


def _read_partners(reader: FieldReader) -> tuple[list[str], dict[str, int]] | None:
    keys = ("partner_foundations",)
    if reader.document.get(keys) is None:  # absent or left empty: no partners
        return [], {}
    items = reader.items(keys, 0, 20)
    if items is None:
        return None
    names, lines = [], {}
    for index in range(len(items)):
        name = reader.text(keys + (index,), 40)
        if name is None:
            return None
        if name.lower() in {known.lower() for known in names}:
            reader.problem(keys + (index,), f"partner foundation '{name}' is listed twice")
            return None
        names.append(name)
        lines[f"partner_foundations.{name}"] = reader.document.line(keys + (index,))
    return names, lines


def read_module_yaml(path: Path) -> tuple[dict | None, list[Problem]]:
    """The fields of a ``module.yaml`` (as ``ModuleSpec`` keyword arguments) and its problems."""
    reader, problems = read_yaml_file(path)
    if reader is None:
        return None, problems
    if reader.mapping((), _MODULE_KEYS, _MODULE_OPTIONAL) is None:
        return None, problems
    values = {
        "slug": reader.text(("slug",), rules.SLUG_MAX),
        "language": reader.choice(("language",), {code: code for code in LANGUAGES}),
        "title": reader.text(("title",), rules.TITLE_MAX),
        "summary": reader.text(("summary",), rules.MODULE_SUMMARY_MAX),
        "topic": reader.choice(("topic",), {topic.value: topic for topic in Topic}),
        "level": reader.choice(("level",), {level.value: level for level in Level}),
        "estimated_hours": reader.integer(("estimated_hours",), rules.HOURS_MIN, rules.HOURS_MAX),
        "learning_outcomes": _read_outcomes(reader),
    }
    if values["slug"] is not None and not rules.is_slug(values["slug"]):
        reader.problem(("slug",), f"slug '{values['slug']}' must be lower-case letters a-z, digits and "
                                  f"single hyphens (such as party-organisation)")
        values["slug"] = None
    partners = _read_partners(reader)
    if partners is not None:
        values["partner_foundations"], values["lines"] = partners
        values["lines"]["completion.quiz"] = reader.document.line(("completion", "quiz"))
    _read_completion(reader, values)
    if problems or None in values.values():
        return None, problems
    return values, problems
