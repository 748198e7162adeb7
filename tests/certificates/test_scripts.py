"""Property: a name in any script the academy's trainees write — or a mixture — prints on one
page, every character drawn from a bundled font (never a .notdef box, never a host font), and
comes back out of the PDF as text."""
from __future__ import annotations

import logging
import unicodedata
from collections import Counter
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont
from hypothesis import HealthCheck, given, settings, strategies as st

from academy.certificates.snapshots import preview_snapshot
from academy.certificates.rendering import JOINERS, render_certificate
from academy.pdf import STATIC_ROOT

from .conftest import pdf_fonts, pdf_page_count, pdf_subject, pdf_text, require_tool

FONTS = STATIC_ROOT / "fonts"


@lru_cache(maxsize=None)
def cmap(filename: str) -> frozenset[int]:
    return frozenset(TTFont(FONTS / filename, lazy=True).getBestCmap())


@lru_cache(maxsize=None)
def bundled_coverage() -> frozenset[int]:
    covered: set[int] = set()
    for path in FONTS.glob("*.ttf"):
        covered |= cmap(path.name)
    return frozenset(covered)


def chars(font: str, *ranges: tuple[int, int], extra: tuple[int, ...] = ()) -> list[str]:
    """The characters of ``ranges`` (and ``extra``) that ``font`` has, letters and marks only."""
    codes = [code for start, end in ranges for code in range(start, end + 1)] + list(extra)
    return [chr(code) for code in codes
            if code in cmap(font) and unicodedata.category(chr(code))[0] in "LM"]


def letters(items: list[str]) -> list[str]:
    return [char for char in items if unicodedata.category(char)[0] == "L"]


def marks(items: list[str]) -> list[str]:
    return [char for char in items if unicodedata.category(char)[0] == "M"]


#: Script → (letters that stand alone, letters that may take a sign, the signs). Signs follow
#: consonants only (क + ि), as in real names; an independent vowel never takes one.
SANS = "NotoSans-Regular.ttf"
SCRIPTS: dict[str, tuple[list[str], list[str], list[str]]] = {}


def _script(name: str, font: str, *ranges, extra=(), takes_signs=(), signs=()):
    standalone = letters(chars(font, *ranges, extra=extra))
    consonants = letters(chars(font, *takes_signs))
    SCRIPTS[name] = (standalone + consonants, consonants, marks(chars(font, *signs)))


_script("latin", SANS, (0x41, 0x5A), (0x61, 0x7A), (0xC0, 0x24F), (0x1E00, 0x1EFF),
        takes_signs=[(0x41, 0x5A), (0x61, 0x7A)], signs=[(0x300, 0x36F)])
_script("greek", SANS, (0x386, 0x3CE))
_script("cyrillic", SANS, (0x400, 0x45F))
_script("armenian", "NotoSansArmenian-Regular.ttf", (0x531, 0x556), (0x561, 0x587))
_script("georgian", "NotoSansGeorgian-Regular.ttf", (0x10D0, 0x10FA))
_script("hebrew", "NotoSansHebrew-Regular.ttf", (0x5D0, 0x5EA))
_script("arabic-persian-urdu", "NotoNaskhArabic-Regular.ttf", (0x621, 0x64A),
        extra=(0x67E, 0x686, 0x698, 0x6AF, 0x6A9, 0x6CC, 0x679, 0x688, 0x691, 0x6BA, 0x6BE, 0x6C1, 0x6D2))
_script("devanagari", "NotoSansDevanagari-Regular.ttf", (0x905, 0x914),
        takes_signs=[(0x915, 0x939)], signs=[(0x93E, 0x94C)])
_script("bengali", "NotoSansBengali-Regular.ttf", (0x985, 0x994),
        takes_signs=[(0x995, 0x9B9)], signs=[(0x9BE, 0x9CC)])
_script("tamil", "NotoSansTamil-Regular.ttf", (0xB85, 0xB94),
        takes_signs=[(0xB95, 0xBB9)], signs=[(0xBBE, 0xBCC)])
_script("thai", "NotoSansThai-Regular.ttf", takes_signs=[(0xE01, 0xE2E)], signs=[(0xE31, 0xE31), (0xE34, 0xE39)])
_script("ethiopic", "NotoSansEthiopic-Regular.ttf", (0x1200, 0x135A))
_script("chinese", "DroidSansFallbackFull.ttf", (0x4E00, 0x9FA5))
_script("japanese", "DroidSansFallbackFull.ttf", (0x3041, 0x3096), (0x30A1, 0x30FA), (0x4E00, 0x4FFF))
_script("korean", "NanumSquareR.ttf", (0xAC00, 0xD7A3))

#: Scripts whose glyph order differs from the characters' order (reordering, ligatures, RTL).
#: A PDF maps each glyph to text once (ToUnicode), so a vowel sign drawn before its consonant
#: (Bengali ি, Tamil ெ) or a mark extracted before its base cannot come back in order: for these
#: names, and any with combining marks, every *letter* must come back out of the page text, and
#: the exact name is checked in the PDF's metadata (Subject), which carries it verbatim.
REORDERING = {"hebrew", "arabic-persian-urdu", "devanagari", "bengali", "tamil", "thai"}


@st.composite
def syllable(draw, script: str) -> str:
    bases, consonants, signs = SCRIPTS[script]
    text = draw(st.sampled_from(bases))
    if signs and text in consonants and draw(st.booleans()):
        text += draw(st.sampled_from(signs))
    return text


@st.composite
def word(draw) -> tuple[str, str]:
    script = draw(st.sampled_from(sorted(SCRIPTS)))
    return script, "".join(draw(st.lists(syllable(script), min_size=1, max_size=7)))


names = st.lists(word(), min_size=1, max_size=4)


class _NotdefWatcher(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        if ".notdef" in record.getMessage():
            self.messages.append(record.getMessage())


def test_every_script_has_letters_in_its_bundled_font():
    assert all(len(bases) >= 20 for bases, _, _ in SCRIPTS.values()), {k: len(v[0]) for k, v in SCRIPTS.items()}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=names)
def test_names_in_every_script_print_with_real_glyphs_on_one_page(app, tmp_path_factory, words):
    for tool in ("pdfinfo", "pdffonts", "pdftotext"):
        require_tool(tool)
    tmp_path: Path = tmp_path_factory.mktemp("name")
    name = " ".join(text for _, text in words)
    snapshot = preview_snapshot(holder_name=name, language="en", title="Online Campaigns", hours=8,
                                now=datetime(2027, 1, 2, 3, 4, 5, tzinfo=timezone.utc))
    printed = snapshot["holder_name"]
    assert all(ord(char) in bundled_coverage() for char in printed if char != " " and char not in JOINERS)

    watcher = _NotdefWatcher()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(watcher)
    try:
        pdf = render_certificate(snapshot)
    finally:
        logger.removeHandler(watcher)

    assert watcher.messages == [], watcher.messages
    assert pdf_page_count(pdf, tmp_path) == 1
    assert all(font.startswith("Certificate-") for font in pdf_fonts(pdf, tmp_path))
    assert printed in pdf_subject(pdf, tmp_path)
    extracted = unicodedata.normalize("NFC", "".join(pdf_text(pdf, tmp_path).split()))
    if {script for script, _ in words} & REORDERING or any(unicodedata.category(char)[0] == "M" for char in printed):
        expected = Counter(char for char in printed if unicodedata.category(char)[0] == "L")
        assert not expected - Counter(extracted), (printed, extracted)
    else:
        assert "".join(printed.split()) in extracted, (printed, extracted)
