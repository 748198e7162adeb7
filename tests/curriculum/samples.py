"""Small genuine files of every accepted type (and a few impostors), built in memory."""
from __future__ import annotations

import io
import struct
import zipfile

from PIL import ExifTags, Image

from tests.factories import SAMPLE_PDF

PDF = SAMPLE_PDF

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/{part}" ContentType="{content_type}"/>
</Types>"""

_OOXML = {
    "docx": ("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    "xlsx": ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
    "pptx": ("ppt/presentation.xml",
             "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"),
}


def ooxml(kind: str) -> bytes:
    """A minimal Office Open XML package: docx, xlsx or pptx."""
    part, content_type = _OOXML[kind]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES.format(part=part, content_type=content_type))
        archive.writestr(part, "<root/>")
    return buffer.getvalue()


def opendocument(kind: str) -> bytes:
    """A minimal OpenDocument package: text, spreadsheet or presentation."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), f"application/vnd.oasis.opendocument.{kind}")
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "not an office document")
    return buffer.getvalue()


def image(fmt: str, size=(40, 30), **save_options) -> bytes:
    """A small picture in ``fmt`` (PNG, JPEG, GIF, WEBP)."""
    picture = Image.new("RGB", size, (200, 30, 60))
    buffer = io.BytesIO()
    picture.save(buffer, format=fmt, **save_options)
    return buffer.getvalue()


def jpeg_with_gps() -> bytes:
    """A JPEG carrying EXIF camera data and a GPS position (Stockholm), as phones write them."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Phone 12"
    exif[ExifTags.Base.Orientation] = 1
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (59.0, 19.0, 46.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (18.0, 4.0, 5.0)
    return image("JPEG", exif=exif.tobytes(), comment=b"secret comment")


def mp3() -> bytes:
    # An MPEG-1 Layer III frame header (128 kbit/s, 44.1 kHz) followed by silence.
    return b"\xff\xfb\x90\x64" + bytes(413)


def mp3_with_id3() -> bytes:
    return b"ID3\x04\x00\x00\x00\x00\x00\x00" + mp3()


def wav() -> bytes:
    data = bytes(100)
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 8000, 1, 8)
    return (b"RIFF" + struct.pack("<I", 4 + 8 + len(fmt) + 8 + len(data)) + b"WAVE" + b"fmt "
            + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data)


def ogg_vorbis() -> bytes:
    return b"OggS\x00\x02" + bytes(20) + b"\x01\x1e\x01vorbis" + bytes(40)


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def mp4(brand: bytes, handlers: list[bytes]) -> bytes:
    """An ISO media file with one track per handler (``soun`` for sound, ``vide`` for video)."""
    tracks = b"".join(_box(b"trak", _box(b"mdia", _box(b"hdlr", bytes(8) + handler + bytes(12))))
                      for handler in handlers)
    return _box(b"ftyp", brand + b"\x00\x00\x02\x00" + brand) + _box(b"moov", tracks) + _box(b"mdat", bytes(32))


def text() -> bytes:
    return b"Just some notes, not a PDF at all.\n" * 10
