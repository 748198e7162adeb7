"""PDF rendering with WeasyPrint, sandboxed: the only resources it may load are our static files.

HTML given to ``render_pdf`` can contain text written by users (lesson bodies, names). Whatever
it references — ``file:///etc/passwd``, an intranet address, a tracking pixel — must not be
fetched. WeasyPrint asks its URL fetcher for every stylesheet, image and font; ours answers only
URLs below ``<base_url>static/``, reading them from the project's ``static/`` folder on disk, and
refuses everything else without touching the file system or the network. It never follows
redirects because it never makes a request. Small ``data:`` images are decoded in memory (QR
codes on certificates use them). Certificates may also print uploaded images (partner logos,
signatures): given a ``logo_root`` (the content-addressed upload store), the fetcher answers
``<base_url>images/<sha256>`` with that stored file — only if it is a PNG or JPEG whose content
still has that hash.

The output is reproducible: no random identifier, and the dates come from the HTML's
``<meta name="dcterms.created">``/``dcterms.modified`` (set them from the content's own
timestamps), so the same HTML gives the same bytes.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import mimetypes
import re
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

#: The site root used for resolving relative URLs when the caller gives none. ``.invalid`` can
#: never resolve, which makes plain that nothing is ever requested from it.
DEFAULT_BASE_URL = "https://academy.invalid/"

#: The project's ``static/`` folder: the one place resources may come from.
STATIC_ROOT = Path(__file__).resolve().parent.parent / "static"

#: Largest static file served to the renderer (fonts are the biggest).
MAX_STATIC_BYTES = 20 * 1024 * 1024

#: ``data:`` URLs accepted: images only, and small.
DATA_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/svg+xml"})
MAX_DATA_BYTES = 256 * 1024


#: Uploaded images (logos, signatures) served to the renderer: by content type, the bytes their files start with.
LOGO_TYPES = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}
MAX_LOGO_BYTES = 1024 * 1024
_SHA256 = re.compile(r"[0-9a-f]{64}")


def is_sha256(value) -> bool:
    """Whether ``value`` is a SHA-256 hex digest (lower case): the only form an image reference takes."""
    return isinstance(value, str) and _SHA256.fullmatch(value) is not None


class ResourceRefused(ValueError):
    """The renderer asked for a resource that is not one of our static files."""


class StaticFilesFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves ``<base_url>static/…`` from disk and refuses the rest."""

    def __init__(self, base_url: str = DEFAULT_BASE_URL, static_root: Path = STATIC_ROOT,
                 static_url_path: str = "/static", logo_root: Path | None = None):
        # No protocol is allowed to the parent's opener and redirects are off: should anything
        # ever reach it, it fails.
        super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)
        base = urlsplit(base_url)
        self._origin = (base.scheme.lower(), base.netloc.lower())
        self._static_prefix = static_url_path.rstrip("/") + "/"
        self._static_root = static_root.resolve()
        #: The upload store logos are served from (None: no logos); the certificate renderer
        #: sets it per render, reusing one fetcher.
        self.logo_root = logo_root

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        """Answer ``url`` from ``static/`` or from a small ``data:`` image; raise otherwise."""
        if url[:5].lower() == "data:":
            return self._data_image(url)
        return self._static_file(url)

    def _static_file(self, url: str) -> URLFetcherResponse:
        try:
            parts = urlsplit(url)
        except ValueError as error:
            raise ResourceRefused(f"malformed URL refused: {url[:200]!r}") from error
        if (parts.scheme.lower(), parts.netloc.lower()) != self._origin or parts.query or parts.username:
            raise ResourceRefused(f"not a static file of this site: {url[:200]!r}")
        if parts.path.startswith("/images/") and self.logo_root is not None:
            return self._stored_image(parts.path[len("/images/"):], url)
        if not parts.path.startswith(self._static_prefix):
            raise ResourceRefused(f"not a static file of this site: {url[:200]!r}")
        relative = unquote(parts.path[len(self._static_prefix):])
        if not relative or "\x00" in relative or "\\" in relative:
            raise ResourceRefused(f"bad static path: {url[:200]!r}")
        path = (self._static_root / relative).resolve()
        if not path.is_relative_to(self._static_root) or not path.is_file():
            raise ResourceRefused(f"outside static/ or missing: {url[:200]!r}")
        if path.stat().st_size > MAX_STATIC_BYTES:
            raise ResourceRefused(f"static file too large: {url[:200]!r}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})

    def _stored_image(self, sha256: str, url: str) -> URLFetcherResponse:
        """A stored image by its hash (the upload store's ``ab/cd/<sha256>`` layout)."""
        if not is_sha256(sha256):
            raise ResourceRefused(f"not a logo reference: {url[:200]!r}")
        try:
            with (self.logo_root / sha256[:2] / sha256[2:4] / sha256).open("rb") as stored:
                body = stored.read(MAX_LOGO_BYTES + 1)
        except OSError as error:
            raise ResourceRefused(f"logo missing: {url[:200]!r}") from error
        if len(body) > MAX_LOGO_BYTES or hashlib.sha256(body).hexdigest() != sha256:
            raise ResourceRefused(f"logo too large or altered: {url[:200]!r}")
        content_type = next((kind for kind, magic in LOGO_TYPES.items() if body.startswith(magic)), None)
        if content_type is None:
            raise ResourceRefused(f"logo is neither PNG nor JPEG: {url[:200]!r}")
        return URLFetcherResponse(url, body=body, headers={"Content-Type": content_type})

    def _data_image(self, url: str) -> URLFetcherResponse:
        header, comma, payload = url[5:].partition(",")
        if not comma:
            raise ResourceRefused("malformed data: URL")
        params = [part.strip().lower() for part in header.split(";")]
        content_type, is_base64 = params[0], "base64" in params[1:]
        if content_type not in DATA_TYPES:
            raise ResourceRefused(f"data: URL of type {content_type!r} refused")
        if len(payload) > MAX_DATA_BYTES * 2:
            raise ResourceRefused("data: URL too large")
        try:
            body = base64.b64decode(payload, validate=True) if is_base64 else unquote_to_bytes(payload)
        except (binascii.Error, ValueError) as error:
            raise ResourceRefused("malformed data: URL") from error
        if len(body) > MAX_DATA_BYTES:
            raise ResourceRefused("data: URL too large")
        return URLFetcherResponse("data:" + content_type, body=body, headers={"Content-Type": content_type})


def render_pdf(html: str, base_url: str = DEFAULT_BASE_URL) -> bytes:
    """Render ``html`` to PDF bytes; relative URLs resolve against ``base_url``, the site root.

    Only the site's static files (``<base_url>static/…``) and small ``data:`` images are loaded;
    every other resource is refused and left out of the document.
    """
    if not base_url.endswith("/"):
        base_url += "/"
    document = HTML(string=html, base_url=base_url, url_fetcher=StaticFilesFetcher(base_url)).render()
    # The identifier is a hash of the content: stable across runs, unlike a random one.
    return document.write_pdf(pdf_identifier=True)
