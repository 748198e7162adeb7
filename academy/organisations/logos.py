"""Partner foundations' logos, as printed on certificates.

A logo is an upload like any other (``academy.media``): its type is judged from its bytes, not its
name, and it is re-encoded from its pixels so that no metadata (EXIF, XMP, comments, profiles)
and no trailing payload survives. Only PNG and JPEG are accepted — the two formats WeasyPrint
draws without a parser as large as SVG's — and the logo is scaled down to what a certificate
needs, which also keeps certificate PDFs small. The result is stored content-addressed; the
organisation keeps its hash and type, and certificates print it through the sandboxed fetcher
(``academy.pdf``), which serves stored logos by hash and nothing else of the upload store.
"""
from __future__ import annotations

import io

from flask_babel import lazy_gettext as _l
from PIL import Image

from ..media.file_types import JPEG, PNG, FileType, detect_type
from ..media.uploads import RefusedFile, read_limited, strip_image_metadata

#: Largest logo file accepted, before it is cleaned and scaled.
MAX_LOGO_UPLOAD_BYTES = 2 * 1024 * 1024
#: A logo is printed 9 mm high: 600 × 200 pixels is sharp at 300 dpi and more.
MAX_LOGO_SIZE = (600, 200)
ACCEPTED = (PNG, JPEG)

REFUSALS = {
    "too_large": _l("The logo is larger than 2 MB."),
    "not_accepted": _l("The logo must be a PNG or JPEG image."),
    "damaged_image": _l("The logo could not be read as an image."),
    "image_too_big": _l("The logo has too many pixels or frames."),
}


class LogoRefused(ValueError):
    """The upload cannot be a logo; ``message`` says why (translated where shown)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.message = REFUSALS.get(code, REFUSALS["damaged_image"])


def prepare_logo(stream) -> tuple[bytes, FileType]:
    """Read an uploaded logo from ``stream`` and return it cleaned and scaled, with its type."""
    content = read_limited(stream, MAX_LOGO_UPLOAD_BYTES)
    if content is None:
        raise LogoRefused("too_large")
    file_type = detect_type(content)
    if file_type not in ACCEPTED:
        raise LogoRefused("not_accepted")
    try:
        cleaned = strip_image_metadata(content, file_type)
    except RefusedFile as refused:
        raise LogoRefused(refused.reason) from refused
    return _scaled(cleaned, file_type), file_type


def _scaled(content: bytes, file_type: FileType) -> bytes:
    """The image within ``MAX_LOGO_SIZE`` (proportions kept); small enough ones are kept as they are."""
    with Image.open(io.BytesIO(content)) as image:
        if image.width <= MAX_LOGO_SIZE[0] and image.height <= MAX_LOGO_SIZE[1]:
            return content
        image.thumbnail(MAX_LOGO_SIZE, Image.Resampling.LANCZOS)
        output = io.BytesIO()
        if file_type is JPEG:
            image.save(output, format="JPEG", quality=90)
        else:
            image.save(output, format="PNG", optimize=True)
        return output.getvalue()
