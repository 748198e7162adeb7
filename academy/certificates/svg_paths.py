"""A faster reading of the QR code's SVG path in WeasyPrint.

A certificate's QR code is one SVG ``<path>`` of a few hundred commands (segno writes each run
of dark modules as ``m`` to its start and ``h`` along it). WeasyPrint's general path reader
rewrites and re-scans the string for every command and converts every number through its
unit-aware ``size()``: about a tenth of a certificate's render. ``draw_path`` reads paths made
only of moves and horizontal or vertical lines with plain numbers in one pass, and makes the same
drawing calls with the same values, in the same order, as WeasyPrint's reader (the tests compare
both, call by call and PDF byte by byte). Any other path goes to WeasyPrint's reader unchanged.
"""
from __future__ import annotations

import re
from math import pi

import weasyprint.svg

_NUMBER = r"-?\d+(?:\.\d+)?"
#: Paths this reader takes: a move first, then moves (two numbers) and lines (one number).
_SIMPLE_PATH = re.compile(rf"[Mm]{_NUMBER} {_NUMBER}(?:[Mm]{_NUMBER} {_NUMBER}|[HhVv]{_NUMBER})*")
_COMMAND = re.compile(rf"([MmHhVv])({_NUMBER})(?: ({_NUMBER}))?")

_weasyprint_path = weasyprint.svg.TAGS["path"]


def draw_path(svg, node, font_size):
    """Draw a ``<path>`` node: simple ones here, the rest by WeasyPrint's own reader."""
    data = node.get("d", "")
    if not _SIMPLE_PATH.fullmatch(data):
        return _weasyprint_path(svg, node, font_size)
    stream, vertices = svg.stream, node.vertices
    stream.move_to(0, 0)
    x = y = 0
    first = True
    for letter, first_number, second_number in _COMMAND.findall(data):
        if letter in "Mm":
            if not first:
                vertices.append(None)
            new_x, new_y = float(first_number), float(second_number)
            if letter == "m":
                new_x += x
                new_y += y
            stream.move_to(new_x, new_y)
            x, y = new_x, new_y
        elif letter in "Hh":
            new_x = float(first_number)
            if letter == "h":
                new_x += x
            angle = 0 if new_x > x else pi
            vertices.append((pi - angle, angle))
            stream.line_to(new_x, y)
            x = new_x
        else:
            new_y = float(first_number)
            if letter == "v":
                new_y += y
            angle = pi / 2 if new_y > y else -pi / 2
            vertices.append((pi - angle, angle))
            stream.line_to(x, new_y)
            y = new_y
        vertices.append((x, y))
        first = False


weasyprint.svg.TAGS["path"] = draw_path
