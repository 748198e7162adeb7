"""YAML read with the line of every key and item, and checked field by field with precise reports.

PyYAML's ``safe_load`` forgets where values came from; course writers need "file:line" for each
mistake. ``load_yaml`` composes the node tree and builds plain Python values while remembering
the line of every key path. ``FieldReader`` then checks values against a schema and collects every
problem instead of stopping at the first. ``read_text`` gets a course file's text beforehand, reporting
a file that cannot be read or is not UTF-8 as a problem too.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from . import rules

_MAX_DEPTH = 12
#: The largest course file read: a lesson's 100,000 characters take at most 400 kB in UTF-8.
MAX_FILE_BYTES = 1_000_000
#: A file or folder of a course that is a symbolic link.
SYMLINK_PROBLEM = "is a symbolic link: course files and folders are read only inside the course folder"


@dataclass(frozen=True)
class Problem:
    """One mistake in one course file, with its line when known."""

    path: Path
    line: int | None
    message: str
    is_warning: bool = False

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else f"{self.path}"
        return f"{where}: {'warning: ' if self.is_warning else ''}{self.message}"


@dataclass
class LocatedYaml:
    """A YAML document as Python values, with the line of each key path (``("questions", 2, "text")``)."""

    value: Any
    lines: dict[tuple, int] = field(default_factory=dict)

    def line(self, keys: tuple) -> int | None:
        """The line of ``keys``, or of the nearest enclosing key that has one."""
        while True:
            if keys in self.lines:
                return self.lines[keys]
            if not keys:
                return None
            keys = keys[:-1]

    def get(self, keys: tuple, default=None):
        """The value at ``keys``, or ``default`` when a step is missing."""
        value = self.value
        for key in keys:
            try:
                value = value[key]
            except (KeyError, IndexError, TypeError):
                return default
        return value


class _TooDeep(Exception):
    pass


class _Aliased(Exception):
    """A node reached a second time: the file repeats part of itself with an alias (``*name``)."""


def _build(loader: yaml.SafeLoader, node: yaml.Node, keys: tuple, lines: dict, problems: list,
           path: Path, offset: int, depth: int = 0, seen: set | None = None):
    if depth > _MAX_DEPTH:
        raise _TooDeep(node.start_mark.line + 1 + offset)
    # Anchors and aliases are refused: course files never need them, and aliases of aliases grow
    # a few lines into billions of items (the composer hands back the same node for each alias).
    seen = set() if seen is None else seen
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        if id(node) in seen:
            raise _Aliased(node.start_mark.line + 1 + offset)
        seen.add(id(node))
    lines.setdefault(keys, node.start_mark.line + 1 + offset)
    if isinstance(node, yaml.MappingNode):
        result: dict = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1 + offset
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(Problem(path, key_line, "keys must be plain names"))
                continue
            # The raw text, not the resolved value: ``on:`` or ``1:`` are names here, not true or 1.
            key = key_node.value
            if key in result:
                problems.append(Problem(path, key_line, f"'{key}' appears twice"))
                continue
            lines[keys + (key,)] = key_line
            result[key] = _build(loader, value_node, keys + (key,), lines, problems, path, offset, depth + 1,
                                 seen)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, keys + (index,), lines, problems, path, offset, depth + 1, seen)
                for index, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def _syntax_problem(error: yaml.MarkedYAMLError, path: Path, line_offset: int) -> Problem:
    """The error at the line where it shows; an unterminated quote or bracket is reported where it opened."""
    def line_of(mark):
        return mark.line + 1 + line_offset if mark else None

    problem_line, context_line = line_of(error.problem_mark), line_of(error.context_mark)
    context = error.context or ""
    if context and context_line and context_line != problem_line:
        context = f"{context} (line {context_line})"
    detail = " ".join(part for part in (context, error.problem) if part) or str(error)
    at_end = "end of stream" in (error.problem or "")
    return Problem(path, context_line if at_end and context_line else problem_line or context_line,
                   f"YAML syntax error: {detail}")


def read_text(path: Path, problems: list[Problem]) -> str | None:
    """The text of ``path`` with Unix line ends, or None with a problem added to ``problems``.

    A course file is read only from inside the course folder (a symbolic link could reach any
    file the importing user may read) and only up to ``MAX_FILE_BYTES``, before any decoding."""
    if path.is_symlink():
        problems.append(Problem(path, None, SYMLINK_PROBLEM))
        return None
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        problems.append(Problem(path, None, f"cannot be read: {error.strerror}"))
        return None
    if len(raw) > MAX_FILE_BYTES:
        problems.append(Problem(path, None,
                                f"is larger than {MAX_FILE_BYTES // 1_000_000} MB: no course file needs that"))
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[:error.start].count(b"\n") + 1
        problems.append(Problem(path, line, "is not UTF-8 text"))
        return None
    return rules.normalise_newlines(text)


def load_yaml(text: str, path: Path, line_offset: int = 0) -> tuple[LocatedYaml | None, list[Problem]]:
    """Parse ``text`` (from ``path``; its first line is line ``1 + line_offset`` of the file)."""
    problems: list[Problem] = []
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return LocatedYaml(None, {(): 1 + line_offset}), problems
        lines: dict[tuple, int] = {}
        value = _build(loader, node, (), lines, problems, path, line_offset)
        return LocatedYaml(value, lines), problems
    except yaml.MarkedYAMLError as error:
        problems.append(_syntax_problem(error, path, line_offset))
    except yaml.YAMLError as error:
        problems.append(Problem(path, None, f"YAML syntax error: {error}"))
    except _TooDeep as error:
        problems.append(Problem(path, error.args[0], "the YAML is nested too deeply"))
    except _Aliased as error:
        problems.append(Problem(path, error.args[0],
                                "anchors and aliases (& and *) are not allowed: write the value out"))
    finally:
        loader.dispose()
    return None, problems


def describe_type(value) -> str:
    """The kind of a YAML value in words a course writer knows."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping of keys"
    if isinstance(value, date):
        return "a date"
    return type(value).__name__


def _name(keys: tuple) -> str:
    parts = []
    for key in keys:
        parts.append(f"[{key + 1}]" if isinstance(key, int) else (f".{key}" if parts else str(key)))
    return "".join(parts) or "the file"


class FieldReader:
    """Reads typed fields out of a ``LocatedYaml``, reporting each mistake with its line."""

    def __init__(self, document: LocatedYaml, path: Path, problems: list[Problem]):
        self.document = document
        self.path = path
        self.problems = problems

    def problem(self, keys: tuple, message: str, warning: bool = False) -> None:
        self.problems.append(Problem(self.path, self.document.line(keys), message, warning))

    def mapping(self, keys: tuple, required: set[str], optional: set[str] = frozenset()) -> dict | None:
        """The mapping at ``keys`` after checking that it has the required keys and no others."""
        value = self.document.get(keys)
        if not isinstance(value, dict):
            self.problem(keys, f"{_name(keys)} must be a mapping of keys, not {describe_type(value)}")
            return None
        allowed = required | optional
        for key in value:
            if key not in allowed:
                close = difflib.get_close_matches(key, sorted(allowed), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else f" (allowed: {', '.join(sorted(allowed))})"
                self.problem(keys + (key,), f"unknown key '{key}'{hint}")
        for key in sorted(required - value.keys()):
            self.problem(keys, f"missing key '{key}' in {_name(keys)}")
        return value

    def _present(self, keys: tuple):
        parent = self.document.get(keys[:-1])
        return isinstance(parent, (dict, list)) and (keys[-1] in parent if isinstance(parent, dict)
                                                      else keys[-1] < len(parent))

    def text(self, keys: tuple, max_length: int) -> str | None:
        """Non-empty text of at most ``max_length`` characters (surrounding blanks removed)."""
        if not self._present(keys):
            return None
        value = self.document.get(keys)
        if not isinstance(value, str):
            self.problem(keys, f"{_name(keys)} must be text, not {describe_type(value)}")
            return None
        value = value.strip()
        if not value:
            self.problem(keys, f"{_name(keys)} must not be empty")
            return None
        if len(value) > max_length:
            self.problem(keys, f"{_name(keys)} is {len(value)} characters long; at most {max_length} are allowed")
            return None
        return value

    def integer(self, keys: tuple, low: int, high: int) -> int | None:
        """A whole number between ``low`` and ``high``."""
        if not self._present(keys):
            return None
        value = self.document.get(keys)
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(keys, f"{_name(keys)} must be a whole number, not {describe_type(value)}")
            return None
        if not low <= value <= high:
            self.problem(keys, f"{_name(keys)} must be between {low} and {high}, not {value}")
            return None
        return value

    def boolean(self, keys: tuple) -> bool | None:
        """``true`` or ``false``."""
        if not self._present(keys):
            return None
        value = self.document.get(keys)
        if not isinstance(value, bool):
            self.problem(keys, f"{_name(keys)} must be true or false, not {describe_type(value)}")
            return None
        return value

    def choice(self, keys: tuple, allowed: dict):
        """One of the keys of ``allowed`` (text); returns the matching value."""
        if not self._present(keys):
            return None
        value = self.document.get(keys)
        if not isinstance(value, str) or value not in allowed:
            shown = value if isinstance(value, str) else describe_type(value)
            self.problem(keys, f"{_name(keys)} must be one of {', '.join(allowed)}, not '{shown}'")
            return None
        return allowed[value]

    def items(self, keys: tuple, low: int, high: int) -> list | None:
        """A list of ``low`` to ``high`` items (the items themselves are checked by the caller)."""
        if not self._present(keys):
            return None
        value = self.document.get(keys)
        if not isinstance(value, list):
            self.problem(keys, f"{_name(keys)} must be a list, not {describe_type(value)}")
            return None
        if not low <= len(value) <= high:
            limit = f"at least {low}" if high >= 10_000 else f"{low} to {high}"
            self.problem(keys, f"{_name(keys)} has {len(value)} items; {limit} are needed")
        return value


def read_yaml_file(path: Path) -> tuple[FieldReader | None, list[Problem]]:
    """A reader over the YAML file at ``path``, or None when it cannot be read or parsed; and the
    problems found so far (the reader adds its own to the same list)."""
    problems: list[Problem] = []
    text = read_text(path, problems)
    if text is None:
        return None, problems
    document, problems = load_yaml(text, path)
    if document is None:
        return None, problems
    return FieldReader(document, path, problems), problems
