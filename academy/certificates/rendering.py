"""Certificate PDFs: a snapshot of plain values in, the same bytes out, every time.

``render_certificate(snapshot)`` knows nothing of Flask or the database, so a process pool can
call it (the ZIP download) and the CLI can preview a design without data. It goes through the
project's sandboxed WeasyPrint setup (``academy.pdf``): the URL fetcher serves ``static/`` and
nothing else, and the HTML comes from an autoescaping *sandboxed* Jinja environment that sees
only the snapshot's plain values.

Fonts are the ones bundled in ``static/fonts/``. The font configuration used here starts empty
instead of loading the host's fonts, so a glyph missing from every bundled font shows up as a
``.notdef`` warning (which the tests look for) instead of being silently drawn from whatever the
host has installed. The configuration and the parsed stylesheet are built once per thread and
reused: loading 14 font faces for every certificate would cost more than the layout itself.

Determinism: no random identifier is written (no ``/ID``), the PDF's dates come from the
snapshot's ``issued_at`` (``dcterms.created``/``modified``), the QR code's mask is chosen by a
fixed rule, and fonts are subset by HarfBuzz from the same files: the same snapshot gives
byte-identical PDFs with the same software and fonts.
"""
from __future__ import annotations

import gc
import logging
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import segno
from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup
from weasyprint import CSS, HTML
from weasyprint.text.ffi import ffi, fontconfig, gobject, pangoft2
from weasyprint.text.fonts import FontConfiguration

from ..pdf import DEFAULT_BASE_URL, STATIC_ROOT, StaticFilesFetcher
from .codes import format_code

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates" / "certificates" / "pdf"
STYLESHEET = STATIC_ROOT / "css" / "certificate.css"

#: Name sizes (``.name--N`` in certificate.css) by the name's visual length; the last class is
#: reached only when a layout still overflows.
NAME_SIZE_LIMITS = (32, 42, 56, 110, 620, 1000)
NAME_SIZES = 7
TITLE_SIZE_LIMITS = (60, 90, 130, 200)
TITLE_SIZES = 5

#: Combining marks kept on one base character (Vietnamese needs two; "Zalgo" text has dozens).
MAX_COMBINING_MARKS = 4

#: Format characters (Unicode category Cf) that some scripts need between letters: ZWNJ keeps
#: Persian letters apart (می‌خواهم) and selects Indic forms, ZWJ requests joined or half forms.
#: Every other Cf character — bidirectional overrides and isolates, zero-width space, word
#: joiner, soft hyphen, BOM, tag characters — is invisible and can disguise a name: removed.
JOINERS = frozenset({"\u200c", "\u200d"})

_LOG = logging.getLogger(__name__)


class CertificateLayoutError(RuntimeError):
    """The certificate would not fit on one page even at the smallest sizes."""


# --- text cleaning ---------------------------------------------------------------------------

def clean_text(text: str, max_length: int) -> str:
    """``text`` safe to print: NFC, no control, invisible or bidi-override characters.

    Whitespace of any kind becomes one space; private-use, unassigned and surrogate code points
    go; combining marks are kept up to ``MAX_COMBINING_MARKS`` per character and never lead;
    ZWJ and ZWNJ stay only between two letters or marks. The result has at most ``max_length``
    characters and no leading or trailing space. (HTML needs no cleaning here: the template
    escapes everything.)
    """
    text = unicodedata.normalize("NFC", text or "")
    kept: list[str] = []
    marks = 0
    for char in text:
        category = unicodedata.category(char)
        if char.isspace() or category in ("Zs", "Zl", "Zp"):
            if kept and kept[-1] != " ":
                kept.append(" ")
            marks = 0
            continue
        if category in ("Cc", "Cs", "Co", "Cn") or (category == "Cf" and char not in JOINERS):
            continue
        if category.startswith("M"):
            marks += 1
            if marks > MAX_COMBINING_MARKS or not kept or kept[-1] == " ":
                continue
        else:
            marks = 0
        kept.append(char)
    cleaned = "".join(_drop_loose_joiners(kept)).strip(" ")
    if len(cleaned) > max_length:
        cleaned = "".join(_drop_loose_joiners(list(cleaned[:max_length]))).rstrip(" ")
    return cleaned


def _drop_loose_joiners(chars: list[str]) -> list[str]:
    """Keep ZWJ/ZWNJ only between two letters or marks (never doubled, never at an edge)."""
    def is_letter(char: str | None) -> bool:
        return char is not None and unicodedata.category(char)[0] in "LM"

    result: list[str] = []
    for index, char in enumerate(chars):
        if char in JOINERS:
            after = chars[index + 1] if index + 1 < len(chars) else None
            if not (result and is_letter(result[-1]) and is_letter(after)):
                continue
        result.append(char)
    return result


def visual_length(text: str) -> int:
    """Roughly how many average Latin letters ``text`` is as wide as (CJK counts double)."""
    length = 0
    for char in text:
        if unicodedata.category(char).startswith("M") or char in JOINERS:
            continue
        length += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return length


def text_direction_of(text: str) -> str:
    """``rtl`` when the first strong character is right-to-left, else ``ltr`` (HTML's dir=auto)."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return "ltr"


def size_class(length: int, limits: tuple[int, ...]) -> int:
    """The first size class whose limit ``length`` does not exceed."""
    for index, limit in enumerate(limits):
        if length <= limit:
            return index
    return len(limits)


# --- the sandboxed template ------------------------------------------------------------------

_environment = ImmutableSandboxedEnvironment(
    loader=FileSystemLoader(str(TEMPLATE_DIR)),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=False,
)


#: QR mask pattern. Choosing the "best" of the eight patterns costs segno more than the rest of
#: the code and a fifth of a certificate's render; any pattern is valid for every decoder (a
#: fixed one decoded 150 random verification URLs out of 150 with zbar).
QR_MASK = 0


def qr_svg(url: str) -> Markup:
    """The QR code of ``url`` as inline SVG (built by us from a URL we formed, hence Markup)."""
    code = segno.make(url, error="m", micro=False, mask=QR_MASK)
    return Markup(code.svg_inline(scale=1, border=2, omitsize=True, dark="#000", svgclass="qr-code",
                                  lineclass=None))


@dataclass(frozen=True)
class TemplateValues:
    """What the template receives: the snapshot's values, cleaned and laid out."""

    values: dict

    @classmethod
    def from_snapshot(cls, snapshot: dict) -> "TemplateValues":
        texts = {key: str(value) for key, value in snapshot["texts"].items()}
        name = str(snapshot["holder_name"])
        title = str(snapshot["achievement_title"])
        return cls({
            "language": str(snapshot["language"]),
            "direction": "rtl" if snapshot["language"] == "ar" else "ltr",
            "issued_at": str(snapshot["issued_at"]),
            "texts": texts,
            "holder_name": name,
            "name_direction": text_direction_of(name),
            "achievement_title": title,
            "partners": [str(partner["name"]) for partner in snapshot.get("partners", [])],
            "signatories": [{"name": str(item.get("name", "")), "title": str(item.get("title", ""))}
                            for item in snapshot.get("signatories", [])],
            "serial": str(snapshot["serial"]),
            "display_code": format_code(str(snapshot["code"])),
            "verification_url": str(snapshot["verification_url"]),
            "qr_svg": qr_svg(str(snapshot["verification_url"])),
            "name_size": size_class(visual_length(name), NAME_SIZE_LIMITS),
            "title_size": size_class(visual_length(title), TITLE_SIZE_LIMITS),
        })

    def shrunk(self, steps: int) -> dict:
        """The values with the name and title ``steps`` sizes smaller (clamped)."""
        values = dict(self.values)
        values["name_size"] = min(values["name_size"] + steps, NAME_SIZES - 1)
        values["title_size"] = min(values["title_size"] + steps, TITLE_SIZES - 1)
        return values


def certificate_html(snapshot: dict, shrink: int = 0) -> str:
    """The certificate's HTML (for tests and design work; ``render_certificate`` renders it)."""
    return _environment.get_template("certificate.html").render(
        **TemplateValues.from_snapshot(snapshot).shrunk(shrink))


# --- fonts and rendering ---------------------------------------------------------------------

class BundledFontConfiguration(FontConfiguration):
    """A WeasyPrint font configuration that knows only the fonts of our ``@font-face`` rules.

    WeasyPrint's own starts from the host's fontconfig setup (every installed font). This one
    starts from an empty fontconfig configuration, so nothing of the host can slip into a
    certificate. It mirrors ``FontConfiguration.__init__`` of the pinned WeasyPrint version.
    """

    def __init__(self):  # noqa: super().__init__ would load the host's fonts
        self._config = _empty_fontconfig()
        self.font_map = ffi.gc(pangoft2.pango_ft2_font_map_new(), gobject.g_object_unref)
        pangoft2.pango_fc_font_map_set_config(ffi.cast("PangoFcFontMap *", self.font_map), self._config)
        fontconfig.FcConfigDestroy(self._config)  # the font map keeps its own reference
        self._folder = None
        self.strut_layouts = {}
        self.font_features = {}


_cdef_lock = threading.Lock()
_cdef_done = False


def _empty_fontconfig():
    global _cdef_done
    with _cdef_lock:
        if not _cdef_done:
            # WeasyPrint declares only the fontconfig functions it calls; these two are stable
            # fontconfig API (since 2.0) and resolve lazily in cffi's ABI mode.
            ffi.cdef("FcConfig * FcConfigCreate (void); FcBool FcConfigBuildFonts (FcConfig *config);")
            _cdef_done = True
    config = fontconfig.FcConfigCreate()
    fontconfig.FcConfigBuildFonts(config)
    return config


class _Renderer:
    """One thread's font configuration, fetcher and parsed stylesheet, reused for every render."""

    def __init__(self, base_url: str = DEFAULT_BASE_URL):
        self.base_url = base_url
        self.fetcher = StaticFilesFetcher(base_url)
        self.font_config = BundledFontConfiguration()
        self.stylesheet = CSS(string=STYLESHEET.read_text(encoding="utf-8"),
                              base_url=base_url + "static/css/", url_fetcher=self.fetcher,
                              font_config=self.font_config)
        #: Images by URL (the logo): parsed once, not for every certificate.
        self.image_cache: dict = {}

    def render(self, html: str):
        return HTML(string=html, base_url=self.base_url, url_fetcher=self.fetcher).render(
            stylesheets=[self.stylesheet], font_config=self.font_config, cache=self.image_cache)


_local = threading.local()


def _renderer() -> _Renderer:
    renderer = getattr(_local, "renderer", None)
    if renderer is None:
        renderer = _local.renderer = _Renderer()
    return renderer


def warm_up() -> None:
    """Build this thread's renderer now (process-pool workers call it once as they start)."""
    _renderer()


def render_certificate(snapshot: dict) -> bytes:
    """The PDF of a certificate snapshot: A4 landscape, exactly one page, deterministic.

    Names and titles shrink by length; should a layout still run onto a second page, it is
    rendered again smaller, and a certificate that cannot fit raises ``CertificateLayoutError``.
    """
    values = TemplateValues.from_snapshot(snapshot)
    template = _environment.get_template("certificate.html")
    renderer = _renderer()
    # A layout allocates hundreds of thousands of short-lived objects; letting the cyclic garbage
    # collector run in the middle of it costs a quarter of the render. It runs right after.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for shrink in range(NAME_SIZES):
            document = renderer.render(template.render(**values.shrunk(shrink)))
            if len(document.pages) == 1:
                return document.write_pdf()
            _LOG.info("certificate %s overflowed one page; shrinking", snapshot.get("serial"))
    finally:
        if collecting:
            gc.enable()
    raise CertificateLayoutError(f"certificate {snapshot.get('serial')} does not fit on one page")
