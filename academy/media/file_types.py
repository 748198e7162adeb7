"""The file types we accept, and which of them some bytes really are.

Types are judged from the content, never from the name a user gave: magic numbers for PDF, images
and audio, the parts inside the zip for office formats, and the track handlers of an MP4 so that a
video is not taken for audio.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True, eq=False)
class FileType:
    """A type we accept: its content type, the extensions that may name it, and whether it is an image."""

    content_type: str
    extensions: frozenset[str]
    label: str
    #: The formats Pillow reports for images of this type (None for other files).
    pillow_formats: frozenset[str] | None = None

    @property
    def is_image(self) -> bool:
        return self.pillow_formats is not None


def _type(content_type: str, extensions: str, label, pillow_formats: str | None = None) -> FileType:
    formats = frozenset(pillow_formats.split()) if pillow_formats else None
    return FileType(content_type, frozenset(extensions.split()), label, formats)


PDF = _type("application/pdf", "pdf", _l("PDF document"))
DOCX = _type("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx", _l("Word document"))
XLSX = _type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", _l("Excel spreadsheet"))
PPTX = _type("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx",
             _l("PowerPoint presentation"))
ODT = _type("application/vnd.oasis.opendocument.text", "odt", _l("OpenDocument text"))
ODS = _type("application/vnd.oasis.opendocument.spreadsheet", "ods", _l("OpenDocument spreadsheet"))
ODP = _type("application/vnd.oasis.opendocument.presentation", "odp", _l("OpenDocument presentation"))
PNG = _type("image/png", "png", _l("PNG image"), "PNG")
JPEG = _type("image/jpeg", "jpg jpeg", _l("JPEG image"), "JPEG MPO")
WEBP = _type("image/webp", "webp", _l("WebP image"), "WEBP")
GIF = _type("image/gif", "gif", _l("GIF image"), "GIF")
MP3 = _type("audio/mpeg", "mp3", _l("MP3 audio"))
OGG = _type("audio/ogg", "ogg oga opus", _l("Ogg audio"))
M4A = _type("audio/mp4", "m4a mp4", _l("MP4 audio"))
WAV = _type("audio/wav", "wav", _l("WAV audio"))

ACCEPTED_TYPES = (PDF, DOCX, XLSX, PPTX, ODT, ODS, ODP, PNG, JPEG, WEBP, GIF, MP3, OGG, M4A, WAV)
ACCEPTED_EXTENSIONS = frozenset(extension for kind in ACCEPTED_TYPES for extension in kind.extensions)

_OOXML_MAIN_PARTS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": PPTX,
}
_ODF_MIMETYPES = {kind.content_type: kind for kind in (ODT, ODS, ODP)}
_MP4_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"F4A "}
_MP4_GENERIC_BRANDS = {b"isom", b"iso2", b"mp41", b"mp42", b"dash"}
# Small parts read out of a zip to tell office formats apart; anything larger is not genuine.
_ZIP_PART_LIMIT = 1024 * 1024


def _zip_part(archive: zipfile.ZipFile, name: str, limit: int) -> bytes | None:
    """The part ``name`` of ``archive`` if it is small, else None, never inflating more than
    ``limit`` bytes: a zip's index can lie about sizes, and Python inflates bzip2 and LZMA parts
    without bound (a few hundred bytes uploaded as a .docx took half a gigabyte). Office formats
    store or deflate their parts; nothing else is read."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if (info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
            or info.file_size > limit or info.compress_size > limit):
        return None
    with archive.open(info) as part:
        data = part.read(limit + 1)
    return data if len(data) <= limit else None


def _zip_type(content: bytes) -> FileType | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        mimetype = _zip_part(archive, "mimetype", 200)
        if mimetype is not None:
            return _ODF_MIMETYPES.get(mimetype.decode("ascii", "replace").strip())
        types = _zip_part(archive, "[Content_Types].xml", _ZIP_PART_LIMIT)
        if types is not None:
            root = ElementTree.fromstring(types)
            found = {_OOXML_MAIN_PARTS[element.get("ContentType")] for element in root
                     if element.tag.endswith("Override") and element.get("ContentType") in _OOXML_MAIN_PARTS}
            return found.pop() if len(found) == 1 else None
    except (zipfile.BadZipFile, ElementTree.ParseError, KeyError, ValueError, RuntimeError, NotImplementedError):
        return None
    return None


def _mp4_boxes(content: bytes, start: int, end: int):
    position = start
    while position + 8 <= end:
        size = int.from_bytes(content[position:position + 4], "big")
        kind = content[position + 4:position + 8]
        header = 8
        if size == 1 and position + 16 <= end:
            size, header = int.from_bytes(content[position + 8:position + 16], "big"), 16
        elif size == 0:
            size = end - position
        if size < header or position + size > end:
            return
        yield kind, position + header, position + size
        position += size


def _mp4_is_audio(content: bytes) -> bool:
    """Whether an ISO media file carries only sound tracks (an .mp4 holding video is refused)."""
    handlers = []
    for kind, start, end in _mp4_boxes(content, 0, len(content)):
        if kind != b"moov":
            continue
        for track_kind, track_start, track_end in _mp4_boxes(content, start, end):
            if track_kind != b"trak":
                continue
            for media_kind, media_start, media_end in _mp4_boxes(content, track_start, track_end):
                if media_kind != b"mdia":
                    continue
                for box_kind, box_start, _box_end in _mp4_boxes(content, media_start, media_end):
                    if box_kind == b"hdlr":
                        handlers.append(content[box_start + 8:box_start + 12])
    return bool(handlers) and all(handler == b"soun" for handler in handlers)


def _is_mp3(content: bytes) -> bool:
    if content.startswith(b"ID3"):
        return True
    if len(content) < 4 or content[0] != 0xFF or content[1] & 0xE0 != 0xE0:
        return False
    version, layer = (content[1] >> 3) & 0b11, (content[1] >> 1) & 0b11
    bitrate, sample_rate = content[2] >> 4, (content[2] >> 2) & 0b11
    return version != 0b01 and layer == 0b01 and bitrate not in (0, 0b1111) and sample_rate != 0b11


def detect_type(content: bytes) -> FileType | None:
    """The accepted type that ``content`` really is, judged from its bytes; None when unknown."""
    head = content[:64]
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return WAV
    if head.startswith(b"OggS"):
        first_page = content[:4096]
        if any(marker in first_page for marker in (b"\x01vorbis", b"OpusHead", b"\x7fFLAC", b"Speex")):
            return OGG
        return None
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _MP4_AUDIO_BRANDS or (brand in _MP4_GENERIC_BRANDS and _mp4_is_audio(content)):
            return M4A
        return None
    if head.startswith(b"PK\x03\x04"):
        return _zip_type(content)
    if _is_mp3(content):
        return MP3
    return None
