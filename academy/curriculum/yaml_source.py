"""YAML read with the line of every key and item, and checked field by field with precise reports.

PyYAML's ``safe_load`` forgets where values came from; course writers need "file:line" for each
mistake. ``load_yaml`` composes the node tree and builds plain Python values while remembering
the line of every key path. ``FieldReader`` then checks values against a schema and collects every
problem instead of stopping at the first. ``read_text`` gets a course file's text beforehand, reporting
a file that cannot be read, is not UTF-8 or holds a control character as a problem too.

Every text the import stores comes through here, so this is where characters the database cannot
store (NUL on PostgreSQL, half a surrogate pair anywhere) or the web forms would refuse (control
characters) are turned away: raw ones by ``read_text``, escaped ones (``"\\0"``, ``"\\ud800"``) by ``load_yaml``.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from . import rules

#: Levels of nesting a course file may use (a quiz choice's text is at level 5); deeper is refused
#: while PyYAML composes the file (see ``_CourseLoader``).
_MAX_DEPTH = 12
#: The largest course file read: a lesson's 100,000 characters take at most 400 kB in UTF-8.
MAX_FILE_BYTES = 1_000_000
#: A file or folder of a course that is a symbolic link.
SYMLINK_PROBLEM = "is a symbolic link: course files and folders are read only inside the course folder"
#: Characters no course text may hold: control characters (Unicode category Cc) other than tab and
#: line break, as the web forms refuse them too, and the halves of surrogate pairs, which are not
#: characters at all (a YAML escape such as "\\ud800" makes one; no database can store it).
_UNSTORABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


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
    """Nesting deeper than ``_MAX_DEPTH``, at this line of the text given to ``load_yaml``."""


class _Aliased(Exception):
    """An anchor (``&name``) or an alias (``*name``), at this line of the text given to ``load_yaml``."""


def _refusal(character: str) -> str:
    """Why a text holding ``character`` (one that ``_UNSTORABLE`` matches) cannot be stored."""
    code = ord(character)
    if 0xD800 <= code <= 0xDFFF:
        return (f"holds U+{code:04X}, half of a UTF-16 surrogate pair, which is not a character: "
                f"write the character itself")
    return f"holds a control character (U+{code:04X}): remove it; only tabs and line breaks are allowed"


class _CourseLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing anchors, aliases and nesting deeper than ``_MAX_DEPTH`` while it
    composes the tree, each at its own line.

    Anchors and aliases are refused: course files never need them, and aliases of aliases grow a few
    lines into billions of items. Refusing them as the composer meets them, before it hands back the
    anchored node, covers aliases of plain values too and reports the line of the ``&`` or ``*``.

    PyYAML's scanner and parser keep their state in lists, but its composer recurses once per level
    of nesting, so 60 kB of ``[`` reach Python's recursion limit long before a check on the finished
    tree could run. The limit is counted here, at the one place that recurses, before each step
    down. That is exact, unlike a pre-scan of brackets and indents (which would have to understand
    quotes, comments, block scalars and compact ``- - -`` sequences to count what the parser
    counts); and it is sturdier than catching RecursionError, which arrives at a depth set by
    whatever called the import (and by ``sys.setrecursionlimit``), without a line to report, after
    thousands of frames, in the middle of PyYAML's state.
    """

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()  # a scalar, the start of a sequence or mapping, or an alias
        if event.anchor is not None:
            raise _Aliased(event.start_mark.line + 1)
        if self._depth > _MAX_DEPTH:
            raise _TooDeep(event.start_mark.line + 1)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _storable(text: str, name: str, line: int, problems: list, path: Path) -> str:
    """``text``, with a problem added (and the refused characters left out, so that no later message
    prints them to the terminal) when it holds a character that cannot be stored."""
    match = _UNSTORABLE.search(text)
    if match is None:
        return text
    problems.append(Problem(path, line, f"{name} {_refusal(match.group())}"))
    return _UNSTORABLE.sub("", text)


def _build(loader: yaml.SafeLoader, node: yaml.Node, keys: tuple, lines: dict, problems: list,
           path: Path, offset: int):
    line = node.start_mark.line + 1 + offset
    lines.setdefault(keys, line)
    if isinstance(node, yaml.MappingNode):
        result: dict = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1 + offset
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(Problem(path, key_line, "keys must be plain names"))
                continue
            # The raw text, not the resolved value: ``on:`` or ``1:`` are names here, not true or 1.
            key = _storable(key_node.value, "a key", key_line, problems, path)
            if key in result:
                problems.append(Problem(path, key_line, f"'{key}' appears twice"))
                continue
            lines[keys + (key,)] = key_line
            result[key] = _build(loader, value_node, keys + (key,), lines, problems, path, offset)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, keys + (index,), lines, problems, path, offset)
                for index, item in enumerate(node.value)]
    value = loader.construct_object(node, deep=True)
    return _storable(value, _name(keys), line, problems, path) if isinstance(value, str) else value


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
    text = rules.normalise_newlines(text)
    # Raw control characters anywhere in the file, lesson text included; PyYAML would refuse those
    # in YAML with an error of its own, but they are reported alike, with their line.
    match = _UNSTORABLE.search(text)
    if match is not None:
        problems.append(Problem(path, text[:match.start()].count("\n") + 1, _refusal(match.group())))
        return None
    return text


def load_yaml(text: str, path: Path, line_offset: int = 0) -> tuple[LocatedYaml | None, list[Problem]]:
    """Parse ``text`` (from ``path``; its first line is line ``1 + line_offset`` of the file)."""
    problems: list[Problem] = []
    loader = None
    try:
        loader = _CourseLoader(text)  # its reader checks every character at once (ReaderError)
        node = loader.get_single_node()
        if node is None:
            return LocatedYaml(None, {(): 1 + line_offset}), problems
        lines: dict[tuple, int] = {}
        value = _build(loader, node, (), lines, problems, path, line_offset)
        return LocatedYaml(value, lines), problems
    except yaml.MarkedYAMLError as error:
        problems.append(_syntax_problem(error, path, line_offset))
    except yaml.reader.ReaderError as error:
        # A character YAML refuses that ``read_text`` lets through (U+FFFE, U+FFFF); not marked with a line.
        line = text[:error.position].count("\n") + 1 + line_offset
        problems.append(Problem(path, line, f"holds the character U+{error.character:04X}, which YAML does not "
                                            f"allow: remove it"))
    except yaml.YAMLError as error:
        problems.append(Problem(path, None, f"YAML syntax error: {error}"))
    except _TooDeep as error:
        problems.append(Problem(path, error.args[0] + line_offset, "the YAML is nested too deeply"))
    except _Aliased as error:
        problems.append(Problem(path, error.args[0] + line_offset,
                                "anchors and aliases (& and *) are not allowed: write the value out"))
    finally:
        if loader is not None:
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
