"""Certificate PDFs: a snapshot of plain values in, the same bytes out, every time.

``render_certificate(snapshot)`` knows nothing of Flask or the database, so a process pool can
call it (the ZIP download) and the CLI can preview a design without data. It goes through the
project's sandboxed WeasyPrint setup (``academy.pdf``): the URL fetcher serves ``static/`` and
nothing else, and the HTML comes from an autoescaping *sandboxed* Jinja environment that sees
only the snapshot's plain values.

Fonts are the ones bundled in ``static/fonts/``, and only those (``fonts.py``). The font
configuration and the parsed stylesheet are built once per thread and reused: loading 14 font
faces for every certificate would cost more than the layout itself.

Determinism: no random identifier is written (no ``/ID``), the PDF's dates come from the
snapshot's ``issued_at`` (``dcterms.created``/``modified``), the QR code's mask is chosen by a
fixed rule, and fonts are subset by HarfBuzz from the same files: the same snapshot gives
byte-identical PDFs with the same software and fonts.
"""
from __future__ import annotations

import gc
import logging
import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import cssselect2
import segno
from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup
from weasyprint import CSS, HTML

from ..pdf import DEFAULT_BASE_URL, STATIC_ROOT, StaticFilesFetcher, is_sha256
from ..text import JOINERS, is_hidden_character
from . import svg_paths  # noqa: F401  (WeasyPrint reads the QR code's path in one pass)
from .codes import format_code
from .fonts import BundledFontConfiguration

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates" / "certificates" / "pdf"
STYLESHEET = STATIC_ROOT / "css" / "certificate.css"
#: The template's own user-agent stylesheet (default rendering of the few elements it uses).
USER_AGENT_STYLESHEET = STATIC_ROOT / "css" / "certificate-ua.css"

#: Name sizes (``.name--N`` in certificate.css) by the name's visual length; the last class is
#: reached only when a layout still overflows.
NAME_SIZE_LIMITS = (32, 42, 56, 110, 620, 1000)
NAME_SIZES = 7
TITLE_SIZE_LIMITS = (60, 90, 130, 200)
TITLE_SIZES = 5

#: Combining marks kept on one base character (Vietnamese needs two; "Zalgo" text has dozens).
MAX_COMBINING_MARKS = 4

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
        if category in ("Cs", "Co", "Cn") or is_hidden_character(char):
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
#: Light modules around the code (the quiet zone; the page around it is white too).
QR_BORDER = 2
_DARK_RUN = re.compile(rb"\x01+")


def qr_svg(url: str) -> Markup:
    """The QR code of ``url`` as inline SVG: segno encodes, and each run of dark modules in a row
    is one stroke of the path, as segno's SVG writer draws it (built by us from a URL we formed,
    hence Markup)."""
    code = segno.make(url, error="m", micro=False, mask=QR_MASK)
    size = code.symbol_size(scale=1, border=QR_BORDER)[0]
    strokes = []
    for row_number, row in enumerate(code.matrix):
        middle = f"{row_number + QR_BORDER + 0.5:g}"
        strokes.extend(f"M{run.start() + QR_BORDER} {middle}h{run.end() - run.start()}"
                       for run in _DARK_RUN.finditer(row))
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" class="qr-code">'
                  f'<path stroke="#000" d="{"".join(strokes)}"/></svg>')


def _image_url(sha256) -> str | None:
    """The URL the sandboxed fetcher serves a stored image (logo, signature) under, relative to
    the site root; None for anything that is not an image's hash."""
    return f"images/{sha256}" if is_sha256(sha256) else None


@dataclass(frozen=True)
class TemplateValues:
    """What the template receives: the snapshot's values, cleaned and laid out."""

    values: dict

    @classmethod
    def from_snapshot(cls, snapshot: dict) -> "TemplateValues":
        texts = {key: str(value) for key, value in snapshot["texts"].items()}
        name = str(snapshot["holder_name"])
        title = str(snapshot["achievement_title"])
        language = str(snapshot["language"])
        partners = [{"name": str(partner["name"]), "logo": _image_url(partner.get("logo"))}
                    for partner in snapshot.get("partners", [])]
        signatories = [{"name": str(item.get("name", "")), "title": str(item.get("title", "")),
                        "signature": _image_url(item.get("signature"))}
                       for item in snapshot.get("signatories", [])]
        return cls({
            "language": language,
            "direction": "rtl" if language == "ar" else "ltr",
            "issued_at": str(snapshot["issued_at"]),
            "texts": texts,
            "holder_name": name,
            "name_direction": text_direction_of(name),
            "achievement_title": title,
            "partners": partners,
            "signatories": signatories,
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


#: The template's line breaks between two tags. They mean nothing to the layout, but each is a
#: text node WeasyPrint builds a box for and then discards.
_LINE_BREAKS_BETWEEN_TAGS = re.compile(r">\n+<")


def _html(values: TemplateValues, shrink: int) -> str:
    html = _environment.get_template("certificate.html").render(**values.shrunk(shrink))
    return _LINE_BREAKS_BETWEEN_TAGS.sub("><", html)


def certificate_html(snapshot: dict, shrink: int = 0) -> str:
    """The certificate's HTML (for tests and design work; ``render_certificate`` renders it)."""
    return _html(TemplateValues.from_snapshot(snapshot), shrink)


# --- fonts and rendering ---------------------------------------------------------------------

#: Characters XML reads differently from HTML in attribute values (as spaces).
_XML_NORMALISED = re.compile(r"[\t\r\n]")


def _xml_root(html: str) -> ElementTree.Element | None:
    """``html`` read by expat, or None when it is not well-formed XML."""
    try:
        return ElementTree.fromstring(html)
    except ElementTree.ParseError:
        return None


class _CertificateHTML(HTML):
    """A WeasyPrint document with the certificate's user-agent stylesheet instead of HTML5's,
    read by expat when the HTML is well-formed XML.

    The template writes XHTML-compatible HTML (a DOCTYPE, closed void elements, the QR code's SVG
    namespace) and every value in it is escaped, so expat reads it about forty times faster than
    WeasyPrint's HTML5 parser, into the same tree: the PDF is byte for byte the same (the tests
    compare both). Text that XML forbids (a control character in an old snapshot's partner name,
    say) goes to the HTML5 parser as before, and so does HTML with tabs or line breaks left in
    it (the template's own are removed): XML would turn them into spaces inside attributes.

    ``_ua_stylesheets`` is the hook WeasyPrint's own ``HTML`` uses to add its default styles
    (pinned version); the tests check that certificates render as with the full one.
    """

    user_agent_stylesheet: CSS | None = None

    def __init__(self, string: str, base_url: str, url_fetcher):
        root = None if _XML_NORMALISED.search(string) else _xml_root(string)
        if root is None:
            super().__init__(string=string, base_url=base_url, url_fetcher=url_fetcher)
            return
        # What HTML.__init__ sets after parsing (the template has no <base> element).
        self.base_url = base_url
        self.url_fetcher = url_fetcher
        self.media_type = "print"
        self.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
        self.etree_element = self.wrapper_element.etree_element

    def _ua_stylesheets(self, forms=False):
        return [self.user_agent_stylesheet]


class _Renderer:
    """One thread's font configuration, fetcher and parsed stylesheets, reused for every render."""

    def __init__(self, base_url: str = DEFAULT_BASE_URL):
        self.base_url = base_url
        self.fetcher = StaticFilesFetcher(base_url)
        self.font_config = BundledFontConfiguration()
        self.stylesheet = CSS(string=STYLESHEET.read_text(encoding="utf-8"),
                              base_url=base_url + "static/css/", url_fetcher=self.fetcher,
                              font_config=self.font_config)
        self.user_agent_stylesheet = CSS(string=USER_AGENT_STYLESHEET.read_text(encoding="utf-8"))
        #: Images by URL (the logo): parsed once, not for every certificate.
        self.image_cache: dict = {}

    def render(self, html: str):
        document = _CertificateHTML(string=html, base_url=self.base_url, url_fetcher=self.fetcher)
        document.user_agent_stylesheet = self.user_agent_stylesheet
        return document.render(stylesheets=[self.stylesheet], font_config=self.font_config, cache=self.image_cache)


_local = threading.local()


def _renderer() -> _Renderer:
    renderer = getattr(_local, "renderer", None)
    if renderer is None:
        renderer = _local.renderer = _Renderer()
    return renderer


#: A line in every script the bundled fonts cover, regular and bold: rendering it once loads
#: each font's glyph tables and fills WeasyPrint's and HarfBuzz's caches.
WARM_UP_HTML = ('<p class="any-script">Aé Ωλ Жж Աա ნი שרה عائشہ پژوهش प्रिया রবী தமி สม አበ 王小明 陳 さくら 김민준'
                '<strong> Aé Ωλ عربی</strong></p>')


def warm_up() -> None:
    """Build this thread's renderer and draw every bundled font once.

    The ZIP export's forkserver calls it (``pool_preload``) before forking its workers, which
    then start with fonts loaded instead of each paying for it on its first certificates.
    """
    _renderer().render(WARM_UP_HTML).write_pdf()


def render_certificate(snapshot: dict, logo_root: Path | None = None) -> bytes:
    """The PDF of a certificate snapshot: A4 landscape, exactly one page, deterministic.

    Names and titles shrink by length; should a layout still run onto a second page, it is
    rendered again smaller, and a certificate that cannot fit raises ``CertificateLayoutError``.
    Partner logos and signatures are read from ``logo_root`` (the upload store) by their hash;
    without it they are left out.
    """
    values = TemplateValues.from_snapshot(snapshot)
    renderer = _renderer()
    if renderer.fetcher.logo_root != logo_root:  # images cached from another store are not this one's
        renderer.fetcher.logo_root, renderer.image_cache = logo_root, {}
    # A layout allocates hundreds of thousands of short-lived objects; letting the cyclic garbage
    # collector run in the middle of it costs a quarter of the render. It runs right after.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for shrink in range(NAME_SIZES):
            document = renderer.render(_html(values, shrink))
            if len(document.pages) == 1:
                return document.write_pdf()
            _LOG.info("certificate %s overflowed one page; shrinking", snapshot.get("serial"))
    finally:
        if collecting:
            gc.enable()
    raise CertificateLayoutError(f"certificate {snapshot.get('serial')} does not fit on one page")
