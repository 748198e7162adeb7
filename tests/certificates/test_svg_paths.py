"""The one-pass reader of simple SVG paths (the QR code's) draws exactly what WeasyPrint's does."""
from __future__ import annotations

import re
from collections import deque

import pytest
import weasyprint.svg

from academy.certificates import svg_paths
from academy.certificates.rendering import qr_svg, render_certificate
from academy.certificates.snapshots import preview_snapshot


class _Recorder:
    """A PDF stream that records the drawing calls it receives."""

    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        return lambda *values: self.calls.append((name, values))


class _Drawing:
    """What a path reader uses of WeasyPrint's SVG object: its stream and its ``point``."""

    inner_width = inner_height = 37
    point = weasyprint.svg.SVG.point

    def __init__(self):
        self.stream = _Recorder()


class _Node(dict):
    def __init__(self, data: str):
        super().__init__(d=data)
        self.vertices = deque()


def _draw(reader, data: str):
    drawing, node = _Drawing(), _Node(data)
    reader(drawing, node, 12)
    return drawing.stream.calls, list(node.vertices)


def _qr_path(url: str) -> str:
    return re.search(r' d="([^"]+)"', str(qr_svg(url)))[1]


SIMPLE_PATHS = [
    _qr_path("https://academy.example.org/verify/7K3QD-M0XJ4-9TZ2B-HX6WA"),
    _qr_path("https://a.example/verify/" + "X" * 60),
    "M0 0h10v10h-10v-10h0v0",
    "m1.5 2.25H7V-3.5h-0.5m-4 -4v2",
    "M10 10",
]


@pytest.mark.parametrize("data", SIMPLE_PATHS)
def test_simple_paths_are_drawn_with_the_same_calls_and_vertices_as_weasyprints_reader(data):
    assert svg_paths._SIMPLE_PATH.fullmatch(data)
    ours, theirs = _draw(svg_paths.draw_path, data), _draw(svg_paths._weasyprint_path, data)
    assert ours[0] and ours == theirs


@pytest.mark.parametrize("data", [
    "M0 0L10 10Z", "M1 2 3 4", "M1e2 3h4", "M1,2h3", "h5", "M0 0h", "M0 0 h5", "M0 0c1 1 2 2 3 3", "",
])
def test_other_paths_go_to_weasyprints_reader(data, monkeypatch):
    seen = []
    monkeypatch.setattr(svg_paths, "_weasyprint_path", lambda svg, node, size: seen.append(node["d"]))
    svg_paths.draw_path(_Drawing(), _Node(data), 12)
    assert seen == [data]


def test_weasyprint_draws_paths_with_it_and_a_certificate_is_the_same_pdf_without_it(app, monkeypatch):
    assert weasyprint.svg.TAGS["path"] is svg_paths.draw_path
    with app.app_context():
        snapshot = preview_snapshot(holder_name="Amina Diallo", language="en", title="Door-to-Door Canvassing",
                                    summary="", slug="canvassing", hours=8, partners=[])
    snapshot.update(code="7K3QDM0XJ49TZ2BHX6WA",
                    verification_url="https://academy.example.org/verify/7K3QD-M0XJ4-9TZ2B-HX6WA")
    ours = render_certificate(snapshot)
    monkeypatch.setitem(weasyprint.svg.TAGS, "path", svg_paths._weasyprint_path)
    assert render_certificate(snapshot) == ours
