"""The one-pass reader of simple SVG paths (the QR code's) draws exactly what WeasyPrint's does."""
from __future__ import annotations

import re
from collections import deque

import pydyf
import pytest
import weasyprint.svg

from academy.certificates import rendering, svg_paths
from academy.certificates.rendering import qr_svg, render_certificate
from academy.certificates.snapshots import preview_snapshot


class _Drawing:
    """What a path reader uses of WeasyPrint's SVG object: a PDF stream and ``point``."""

    inner_width = inner_height = 37
    point = weasyprint.svg.SVG.point

    def __init__(self):
        self.stream = pydyf.Stream()


class _Node(dict):
    def __init__(self, data: str, **attributes):
        super().__init__(d=data, **attributes)
        self.vertices = deque()


def _draw(reader, data: str, **attributes):
    """The PDF content a reader writes for the path, and the vertices it leaves for markers."""
    drawing, node = _Drawing(), _Node(data, **attributes)
    reader(drawing, node, 12)
    return drawing.stream.data, list(node.vertices)


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
def test_simple_paths_are_written_as_weasyprints_reader_writes_them(data):
    assert svg_paths._SIMPLE_PATH.fullmatch(data)
    (ours, our_vertices), (theirs, _) = _draw(svg_paths.draw_path, data), _draw(svg_paths._weasyprint_path, data)
    assert ours == theirs and b" m" in ours
    assert our_vertices == []  # no markers: nothing for WeasyPrint's marker drawing to walk


@pytest.mark.parametrize("data", SIMPLE_PATHS)
@pytest.mark.parametrize("marker", ["marker", "marker-start", "marker-mid", "marker-end"])
def test_a_path_with_markers_keeps_the_vertices_weasyprints_reader_keeps(data, marker):
    ours, theirs = (_draw(reader, data, **{marker: "url(#dot)"})
                    for reader in (svg_paths.draw_path, svg_paths._weasyprint_path))
    assert ours == theirs and ours[1]


@pytest.mark.parametrize("url", ["https://academy.example.org/verify/7K3QD-M0XJ4-9TZ2B-HX6WA",
                                 "https://a.example/verify/" + "X" * 60, "https://b.example/v/1"])
def test_the_certificates_qr_path_draws_what_segnos_svg_writer_draws(url):
    import segno

    theirs = segno.make(url, error="m", micro=False, mask=rendering.QR_MASK).svg_inline(
        scale=1, border=rendering.QR_BORDER, omitsize=True)
    ours = str(rendering.qr_svg(url))
    assert re.search(r'viewBox="[^"]+"', ours)[0] == re.search(r'viewBox="[^"]+"', theirs)[0]
    assert _draw(svg_paths.draw_path, _qr_path(url)) == _draw(svg_paths.draw_path, re.search(r' d="([^"]+)"', theirs)[1])


@pytest.mark.parametrize("value, written", [(0.0, b"0"), (-3.0, b"-3"), (2.5, b"2.5"), (-0.25, b"-0.25"),
                                            (1 / 3, b"0.333333"), (1e-7, b"0.")])
def test_numbers_are_written_as_pydyf_writes_them(value, written):
    assert svg_paths.pdf_number(value) == written == pydyf._to_bytes(value)


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
