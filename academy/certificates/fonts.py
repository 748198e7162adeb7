"""The certificate's fonts: the bundled ones and nothing of the host.

Fonts are the ones bundled in ``static/fonts/`` (their ``@font-face`` rules are in
``static/css/certificate.css``). ``BundledFontConfiguration`` starts from an empty fontconfig
configuration instead of the host's fonts, so a glyph missing from every bundled font shows up as
a ``.notdef`` warning (which the tests look for) instead of being silently drawn from whatever the
host has installed.

This module also works around a cost in WeasyPrint's font subsetter (``_OpenArrayFFI``).
"""
from __future__ import annotations

import re
import threading

import weasyprint.pdf.fonts
from weasyprint.text.ffi import ffi, fontconfig, gobject, pangoft2
from weasyprint.text.fonts import FontConfiguration


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


class _OpenArrayFFI:
    """WeasyPrint's cffi handle for its font subsetter, with arrays allocated by open type.

    The subsetter (``weasyprint.pdf.fonts``) allocates ``ffi.new(f"hb_codepoint_t[{n}]", items)``
    with a different ``n`` for nearly every font of every document. cffi parses each new type
    string with pycparser (about 3 ms) and caches it forever: up to a sixth of a certificate's
    render while lengths are new (every certificate of a fresh ZIP worker), and memory that grows
    in a long-lived worker. ``T[]`` with the same items allocates the same
    array from one cached type. Everything else goes to the real handle unchanged.
    """

    _SIZED_ARRAY = re.compile(r"(\w+)\[(\d+)\]")

    def __init__(self, real):
        self._real = real

    def new(self, cdecl, init=None):
        match = self._SIZED_ARRAY.fullmatch(cdecl) if init is not None else None
        if match and len(init) == int(match[2]):
            cdecl = match[1] + "[]"
        return self._real.new(cdecl, init)

    def __getattr__(self, name):
        return getattr(self._real, name)


if not isinstance(weasyprint.pdf.fonts.ffi, _OpenArrayFFI):
    weasyprint.pdf.fonts.ffi = _OpenArrayFFI(weasyprint.pdf.fonts.ffi)


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
