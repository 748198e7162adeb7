"""The PDF: one A4 landscape page, bundled fonts only, a QR code that scans, the same bytes every
time, names cleaned, and no resource fetched beyond our static files."""
from __future__ import annotations

import hashlib
import json
import logging
import subprocess
import sys
from datetime import datetime, timezone

import pytest
from flask_babel import force_locale
from weasyprint import HTML

from academy.certificates import fonts, rendering
from academy.certificates.snapshots import preview_snapshot
from academy.certificates.rendering import clean_text, render_certificate, text_direction_of
from academy.pdf import DEFAULT_BASE_URL, StaticFilesFetcher

from .conftest import pdf_fonts, pdf_page_count, pdf_qr_code, pdf_text, require_tool, run_tool

FIXED = datetime(2027, 3, 5, 10, 11, 12, tzinfo=timezone.utc)


def sample(app, name="Amina Diallo", language="en", **fields) -> dict:
    """A snapshot as issuance builds it (no database needed)."""
    values = dict(holder_name=name, language=language, title="Campaign Planning: From Strategy to Volunteers",
                  summary="Plan a campaign.", slug="campaigning", hours=12, now=FIXED,
                  partners=[{"name": "Fundación Horizonte Progresista", "short_name": "FHP"}])
    values.update(fields)
    snapshot = preview_snapshot(**values)
    snapshot["code"] = "7K3QDM0XJ49TZ2BHX6WA"
    snapshot["verification_url"] = "https://academy.example.org/verify/7K3QD-M0XJ4-9TZ2B-HX6WA"
    return snapshot


# --- cleaning names ------------------------------------------------------------------------

@pytest.mark.parametrize("raw, printed", [
    ("  Amina   Diallo ", "Amina Diallo"),
    ("Ana\tMaría\nLópez", "Ana María López"),
    ("Bell\x07 Null\x00 Esc\x1b", "Bell Null Esc"),
    ("Zero\u200bWidth\u2060Joiner\ufeff", "ZeroWidthJoiner"),
    ("Evil \u202egnp.exe\u202c name", "Evil gnp.exe name"),  # right-to-left override
    ("\u2066Isolated\u2069 \u200eMarks\u200f", "Isolated Marks"),
    ("Soft\u00adhyphen", "Softhyphen"),
    ("Private\ue000use", "Privateuse"),
    ("می\u200cخواهم", "می\u200cخواهم"),  # ZWNJ between Persian letters is kept
    ("क्\u200dष", "क्\u200dष"),  # ZWJ inside a Devanagari cluster is kept
    ("\u200cleading and trailing\u200d", "leading and trailing"),
    ("a\u200c\u200cb", "a\u200cb"),
    ("e\u0301\u0301\u0301\u0301\u0301\u0301\u0301\u0301", "é" + "\u0301" * 4),  # NFC, then 4 more marks at most
    ("<script>alert(1)</script>", "<script>alert(1)</script>"),  # escaped by the template, not here
])
def test_names_lose_control_invisible_and_override_characters(raw, printed):
    assert clean_text(raw, 300) == printed


def test_cleaning_caps_the_length():
    assert len(clean_text("x" * 500, 300)) == 300


def test_the_name_direction_follows_its_first_strong_character():
    assert text_direction_of("محمد Smith") == "rtl"
    assert text_direction_of("12 Smith محمد") == "ltr"
    assert text_direction_of("שרה") == "rtl"


# --- the document --------------------------------------------------------------------------

def test_a_certificate_is_one_a4_landscape_page_with_only_bundled_fonts(app, tmp_path):
    pdf = render_certificate(sample(app, "María José Ñúñez-Øresund"))
    assert pdf.startswith(b"%PDF-")
    assert pdf_page_count(pdf, tmp_path) == 1
    info = run_tool("pdfinfo", str(tmp_path / "info.pdf"))
    assert "841.89 x 595.276 pts (A4)" in info or "842 x 595" in info
    assert all(name.startswith("Certificate-") for name in pdf_fonts(pdf, tmp_path)), pdf_fonts(pdf, tmp_path)
    text = " ".join(pdf_text(pdf, tmp_path).split())
    for printed in ("María José Ñúñez-Øresund", "AA-2027-000000", "7K3QD-M0XJ4-9TZ2B-HX6WA",
                    "Campaign Planning", "Fundación Horizonte Progresista",
                    "https://academy.example.org/verify/7K3QD-M0XJ4-9TZ2B-HX6WA"):
        assert printed in text


def test_the_certificates_own_user_agent_stylesheet_draws_what_weasyprints_html5_one_draws(
        app, tmp_path, monkeypatch):
    """The lean stylesheet must not change a pixel: Latin, Arabic (right to left), a long name."""
    require_tool("pdftoppm")
    snapshots = [sample(app), sample(app, "محمد عبد الرحمن", language="ar"),
                 sample(app, "Wolfeschlegelsteinhausenbergerdorff Hubert Blaine " * 3)]
    lean = [render_certificate(snapshot) for snapshot in snapshots]
    monkeypatch.setattr(rendering._CertificateHTML, "_ua_stylesheets", HTML._ua_stylesheets)
    full = [render_certificate(snapshot) for snapshot in snapshots]
    assert lean != full  # HTML5's stylesheet was used: it adds an outline entry for the heading
    for lean_pdf, full_pdf in zip(lean, full):
        pages = []
        for name, pdf in (("lean", lean_pdf), ("full", full_pdf)):
            (tmp_path / f"{name}.pdf").write_bytes(pdf)
            run_tool("pdftoppm", "-r", "100", "-singlefile", str(tmp_path / f"{name}.pdf"), str(tmp_path / name))
            pages.append((tmp_path / f"{name}.ppm").read_bytes())
        assert pages[0] == pages[1]


def _html5_parses(monkeypatch) -> list:
    """Record WeasyPrint's HTML5 parses (the certificate's expat reader makes none)."""
    import tinyhtml5

    calls = []
    real = tinyhtml5.parse
    monkeypatch.setattr(tinyhtml5, "parse", lambda *args, **kwargs: calls.append(1) or real(*args, **kwargs))
    return calls


def test_expat_reads_the_certificate_into_the_same_pdf_as_the_html5_parser(app, monkeypatch):
    snapshots = [sample(app), sample(app, "محمد عبد الرحمن", language="ar"), sample(app, "王小明 & <Ana>", language="fr"),
                 sample(app, "Wolfeschlegelsteinhausenbergerdorff Hubert Blaine " * 4, language="es")]
    snapshots[0]["signatories"] = [{"name": "Ana Gómez", "title": "Directora \"general\""}]
    html5_parses = _html5_parses(monkeypatch)
    read_by_expat = [render_certificate(snapshot) for snapshot in snapshots]
    assert html5_parses == []

    def refuse(text):
        raise rendering.ElementTree.ParseError("forced")

    monkeypatch.setattr(rendering.ElementTree, "fromstring", refuse)
    read_as_html5 = [render_certificate(snapshot) for snapshot in snapshots]
    assert len(html5_parses) >= len(snapshots)
    assert read_by_expat == read_as_html5


@pytest.mark.parametrize("partner, holder", [
    ("Fondation\x0bSolidaire\ufffe", "Amina Diallo"),  # characters XML forbids
    ("Fondation Solidaire", "Amina\tDiallo\nKeïta"),  # XML would make spaces of them in <meta content>
])
def test_text_expat_cannot_read_as_html5_does_goes_to_the_html5_parser(app, monkeypatch, tmp_path, partner, holder):
    snapshot = sample(app)
    snapshot["partners"] = [{"name": partner, "logo": None}]
    snapshot["holder_name"] = holder
    html5_parses = _html5_parses(monkeypatch)
    pdf = render_certificate(snapshot)
    assert html5_parses
    assert pdf_page_count(pdf, tmp_path) == 1
    assert "Solidaire" in pdf_text(pdf, tmp_path)


def _word_tops(pdf: bytes, tmp_path, words: set[str]) -> dict[str, float]:
    """Where poppler finds each of ``words`` on the page: the top of its box, in points."""
    import re

    require_tool("pdftotext")
    (tmp_path / "boxes.pdf").write_bytes(pdf)
    boxes = run_tool("pdftotext", "-bbox", str(tmp_path / "boxes.pdf"), "-")
    return {word: float(top) for top, word in re.findall(r'<word xMin="[^"]+" yMin="([^"]+)"[^>]*>([^<]+)</word>', boxes)
            if word in words}


def test_signatory_titles_line_up_whether_or_not_a_name_is_printed_above(app, tmp_path):
    snapshot = sample(app)
    snapshot["signatories"] = [{"name": "Ana Gómez", "title": "Directora"}, {"name": "", "title": "Secretariat"}]
    tops = _word_tops(render_certificate(snapshot), tmp_path, {"Ana", "Directora", "Secretariat"})
    assert tops["Ana"] < tops["Directora"] - 5
    assert abs(tops["Directora"] - tops["Secretariat"]) < 0.5


def test_the_same_snapshot_gives_the_same_bytes_in_another_process(app):
    snapshot = sample(app, "Chen Wei 陈伟")
    first = render_certificate(snapshot)
    assert render_certificate(json.loads(json.dumps(snapshot))) == first
    script = ("import json, sys, hashlib; from academy.certificates.rendering import render_certificate; "
              "print(hashlib.sha256(render_certificate(json.load(sys.stdin))).hexdigest())")
    other = subprocess.run([sys.executable, "-c", script], input=json.dumps(snapshot).encode(),
                           capture_output=True, check=True, timeout=120)
    assert other.stdout.decode().strip() == hashlib.sha256(first).hexdigest()


def test_the_pdf_dates_come_from_the_issue_time(app, tmp_path):
    pdf = render_certificate(sample(app))
    require_tool("pdfinfo")
    (tmp_path / "dates.pdf").write_bytes(pdf)
    info = run_tool("pdfinfo", "-isodates", str(tmp_path / "dates.pdf"))
    assert "2027-03-05T10:11:12" in info


def test_the_qr_code_decodes_to_the_verification_url(app, tmp_path):
    snapshot = sample(app)
    assert pdf_qr_code(render_certificate(snapshot), tmp_path) == snapshot["verification_url"]


def test_an_arabic_certificate_reads_right_to_left_in_arabic(app, tmp_path):
    with force_locale("ar"):
        snapshot = sample(app, "محمد عبد الرحمن", language="ar")
    html = rendering.certificate_html(snapshot)
    assert '<html lang="ar" dir="rtl">' in html
    assert 'class="name name--0 any-script" dir="rtl"' in html
    pdf = render_certificate(snapshot)
    assert pdf_page_count(pdf, tmp_path) == 1
    assert "Certificate-Arabic" in pdf_fonts(pdf, tmp_path)


@pytest.mark.parametrize("name", [
    "X" * 300,
    "Wolfeschlegelsteinhausenbergerdorff " * 8 + "Jr.",
    "王" * 300,
    "ম" * 150 + " " + "ப" * 149,
])
def test_a_300_character_name_still_fits_on_one_page(app, tmp_path, name):
    pdf = render_certificate(sample(app, name[:300], title="T" * 200))
    assert pdf_page_count(pdf, tmp_path) == 1


def test_html_in_names_and_titles_is_printed_as_text(app, tmp_path):
    snapshot = sample(app, '<b>Bold</b> <img src="x">', title="<i>Module</i> & co")
    html = rendering.certificate_html(snapshot)
    assert "&lt;b&gt;Bold&lt;/b&gt;" in html and "<b>Bold</b>" not in html
    assert "&lt;i&gt;Module&lt;/i&gt; &amp; co" in html
    text = " ".join(pdf_text(render_certificate(snapshot), tmp_path).split())
    assert '<b>Bold</b> <img src="x">' in text


def test_urls_in_names_and_values_are_never_fetched(app, monkeypatch):
    fetched: list[str] = []
    original = StaticFilesFetcher.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return original(self, url, headers)
    monkeypatch.setattr(StaticFilesFetcher, "fetch", spy)
    # A renderer of its own, so that fonts and the logo are fetched again (not served from caches).
    monkeypatch.setattr(rendering._local, "renderer", None)
    hostile = ('file:///etc/passwd <img src="file:///etc/passwd"> <link rel="stylesheet" '
               'href="http://evil.example/x.css"> url(http://evil.example/font.ttf) @import "http://evil.example/";')
    snapshot = sample(app, hostile, title='http://evil.example/track.png <iframe src="file:///etc/shadow">',
                      partners=[{"name": '<img src="http://169.254.169.254/latest/meta-data">', "short_name": "X"}])
    snapshot["texts"]["heading"] = '<style>@import url("file:///etc/passwd")</style>'
    snapshot["signatories"] = [{"name": '<img src="http://evil.example/sig.png">', "title": "file:///etc/hosts"}]

    render_certificate(snapshot)

    assert fetched, "the spy saw nothing: the renderer did not go through the sandboxed fetcher"
    assert all(url.startswith(DEFAULT_BASE_URL + "static/") for url in fetched), fetched
    assert any(url.endswith("/static/img/logo.svg") for url in fetched)


def test_a_glyph_missing_from_every_bundled_font_is_reported_not_taken_from_the_host(app, caplog, tmp_path):
    # U+2603 SNOWMAN is in DejaVu (installed on most hosts) but in none of our fonts.
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = render_certificate(sample(app, "Snow ☃ Man"))
    assert any(".notdef" in record.getMessage() for record in caplog.records)
    assert all(name.startswith("Certificate-") for name in pdf_fonts(pdf, tmp_path))


def test_the_template_cannot_reach_python_internals(app):
    template = rendering._environment.from_string("{{ holder_name.__class__.__mro__ }}")
    with pytest.raises(Exception) as caught:
        template.render(holder_name="x")
    assert "unsafe" in str(caught.value).lower() or "security" in type(caught.value).__name__.lower()


@pytest.mark.parametrize("code", ["0000000000000000000Z", "ZZZZZZZZZZZZZZZZZZZZ", "7K3QDM0XJ49TZ2BHX6WA",
                                  "M1N2P3Q4R5S6T7V8W9X0"])
def test_qr_codes_of_many_verification_urls_decode(app, tmp_path, code):
    snapshot = sample(app)
    snapshot["verification_url"] = f"https://academy.example.org/verify/{code[:5]}-{code[5:10]}-{code[10:15]}-{code[15:]}"
    assert pdf_qr_code(render_certificate(snapshot), tmp_path, resolution=100) == snapshot["verification_url"]


def test_the_font_subsetter_allocates_the_same_arrays_through_open_array_types():
    import weasyprint.pdf.fonts

    ffi = weasyprint.pdf.fonts.ffi
    assert isinstance(ffi, fonts._OpenArrayFFI)
    items = (3, 5, 8, 13)
    assert list(ffi.new("hb_codepoint_t[4]", items)) == list(ffi._real.new("hb_codepoint_t[4]", items))
    assert len(ffi.new("hb_tag_t[100]")) == 100  # without items: the sized type, untouched
