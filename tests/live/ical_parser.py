"""A strict reader of the calendars we write, to check them against RFC 5545 in tests."""
from __future__ import annotations

import re

CONTENT_LINE = re.compile(r"^(?P<name>[A-Z0-9-]+)(?P<params>(;[A-Z0-9-]+=[^:;]*)*):(?P<value>.*)$", re.S)


def physical_lines(body: bytes) -> list[bytes]:
    """The lines of ``body``; asserts that each ends with CRLF and fits in 75 octets."""
    assert body.endswith(b"\r\n"), "a calendar ends with CRLF"
    lines = body.split(b"\r\n")[:-1]
    for line in lines:
        assert b"\n" not in line and b"\r" not in line, f"bare LF or CR in {line!r}"
        assert len(line) <= 75, f"line longer than 75 octets ({len(line)}): {line!r}"
        line.decode("utf-8")  # every physical line is valid UTF-8: no character was cut in two
    return lines


def unfold(body: bytes) -> list[str]:
    """The logical content lines: continuation lines (starting with a space) joined back."""
    logical: list[bytes] = []
    for line in physical_lines(body):
        if line.startswith(b" "):
            assert logical, "a calendar cannot start with a continuation line"
            logical[-1] += line[1:]
        else:
            logical.append(line)
    return [line.decode("utf-8") for line in logical]


def unescape(value: str) -> str:
    """Undo TEXT escaping; asserts there is no unescaped comma or semicolon."""
    out, index = [], 0
    while index < len(value):
        char = value[index]
        if char == "\\":
            following = value[index + 1]
            out.append({"n": "\n", "N": "\n", "\\": "\\", ";": ";", ",": ","}[following])
            index += 2
            continue
        assert char not in ",;", f"unescaped {char!r} in {value!r}"
        out.append(char)
        index += 1
    return "".join(out)


def parse(body: bytes) -> dict:
    """``{"calendar": {name: value}, "events": [{name: value}, …]}``; asserts the nesting is right."""
    calendar: dict = {}
    events: list[dict] = []
    stack: list[str] = []
    for line in unfold(body):
        match = CONTENT_LINE.match(line)
        assert match, f"not a content line: {line!r}"
        name, value = match["name"], match["value"]
        if name == "BEGIN":
            stack.append(value)
            if value == "VEVENT":
                events.append({})
            continue
        if name == "END":
            assert stack and stack.pop() == value, f"END:{value} does not close what is open"
            continue
        target = events[-1] if stack and stack[-1] == "VEVENT" else calendar
        assert name not in target, f"{name} appears twice"
        target[name + match["params"]] = value
    assert stack == [], f"unclosed components: {stack}"
    return {"calendar": calendar, "events": events}
