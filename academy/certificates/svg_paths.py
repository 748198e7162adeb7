"""A faster reading of the QR code's SVG path in WeasyPrint.

A certificate's QR code is one SVG ``<path>`` of a few hundred commands (segno writes each run
of dark modules as ``m`` to its start and ``h`` along it). WeasyPrint's general path reader
rewrites and re-scans the string for every command and converts every number through its
unit-aware ``size()``: about a tenth of a certificate's render. ``draw_path`` reads paths made
only of moves and horizontal or vertical lines with plain numbers in one pass, and writes the same
PDF operators with the same numbers, in the same order, as WeasyPrint's reader does through
pydyf's ``move_to`` and ``line_to`` — as one block of content instead of a few hundred calls.
It records the vertices WeasyPrint's marker drawing walks only when the path has markers (a QR
code has none). The tests compare both readers' output byte by byte, and whole certificates.
Any other path goes to WeasyPrint's reader unchanged.
"""
from __future__ import annotations

import re
from math import pi

import weasyprint.svg

_NUMBER = r"-?\d+(?:\.\d+)?"
#: Paths this reader takes: a move first, then moves (two numbers) and lines (one number).
_SIMPLE_PATH = re.compile(rf"[Mm]{_NUMBER} {_NUMBER}(?:[Mm]{_NUMBER} {_NUMBER}|[HhVv]{_NUMBER})*")
_COMMAND = re.compile(rf"([MmHhVv])({_NUMBER})(?: ({_NUMBER}))?")
_MARKERS = ("marker", "marker-start", "marker-mid", "marker-end")

_weasyprint_path = weasyprint.svg.TAGS["path"]


def pdf_number(value: float) -> bytes:
    """``value`` as pydyf writes a float: no decimal point for whole numbers, otherwise six
    decimals at most without trailing zeros."""
    return str(int(value)).encode() if value.is_integer() else f"{value:f}".rstrip("0").encode()


def draw_path(svg, node, font_size):
    """Draw a ``<path>`` node: simple ones here, the rest by WeasyPrint's own reader."""
    data = node.get("d", "")
    if not _SIMPLE_PATH.fullmatch(data):
        return _weasyprint_path(svg, node, font_size)
    vertices = node.vertices if any(node.get(name) for name in _MARKERS) else None
    numbers: dict[float, bytes] = {}

    def number(value: float) -> bytes:
        if value not in numbers:
            numbers[value] = pdf_number(value)
        return numbers[value]

    operators = [b"0 0 m"]
    x = y = 0
    first = True
    for letter, first_number, second_number in _COMMAND.findall(data):
        if letter in "Mm":
            new_x, new_y = float(first_number), float(second_number)
            if letter == "m":
                new_x += x
                new_y += y
            operators.append(b"%s %s m" % (number(new_x), number(new_y)))
            if vertices is not None and not first:
                vertices.append(None)
            x, y = new_x, new_y
        elif letter in "Hh":
            new_x = float(first_number)
            if letter == "h":
                new_x += x
            operators.append(b"%s %s l" % (number(new_x), number(y)))
            if vertices is not None:
                angle = 0 if new_x > x else pi
                vertices.append((pi - angle, angle))
            x = new_x
        else:
            new_y = float(first_number)
            if letter == "v":
                new_y += y
            operators.append(b"%s %s l" % (number(x), number(new_y)))
            if vertices is not None:
                angle = pi / 2 if new_y > y else -pi / 2
                vertices.append((pi - angle, angle))
            y = new_y
        if vertices is not None:
            vertices.append((x, y))
        first = False
    # pydyf joins a stream's items with newlines: one item of joined lines writes the same bytes.
    svg.stream.stream.append(b"\n".join(operators))


weasyprint.svg.TAGS["path"] = draw_path
