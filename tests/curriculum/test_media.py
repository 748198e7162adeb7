"""Type detection from content, metadata stripping and content-addressed storage."""
from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image

from academy.media import file_types, storage, uploads

from . import samples

GENUINE = [
    ("handout.pdf", samples.PDF, file_types.PDF),
    ("notes.docx", samples.ooxml("docx"), file_types.DOCX),
    ("budget.xlsx", samples.ooxml("xlsx"), file_types.XLSX),
    ("slides.pptx", samples.ooxml("pptx"), file_types.PPTX),
    ("notes.odt", samples.opendocument("text"), file_types.ODT),
    ("budget.ods", samples.opendocument("spreadsheet"), file_types.ODS),
    ("slides.odp", samples.opendocument("presentation"), file_types.ODP),
    ("photo.png", samples.image("PNG"), file_types.PNG),
    ("photo.jpg", samples.image("JPEG"), file_types.JPEG),
    ("photo.jpeg", samples.image("JPEG"), file_types.JPEG),
    ("photo.webp", samples.image("WEBP"), file_types.WEBP),
    ("photo.gif", samples.image("GIF"), file_types.GIF),
    ("speech.mp3", samples.mp3(), file_types.MP3),
    ("speech.mp3", samples.mp3_with_id3(), file_types.MP3),
    ("speech.wav", samples.wav(), file_types.WAV),
    ("speech.ogg", samples.ogg_vorbis(), file_types.OGG),
    ("speech.m4a", samples.mp4(b"M4A ", [b"soun"]), file_types.M4A),
    ("speech.mp4", samples.mp4(b"isom", [b"soun"]), file_types.M4A),
]


@pytest.mark.parametrize(("filename", "content", "expected"), GENUINE, ids=[item[0] + "-" + item[2].content_type
                                                                           for item in GENUINE])
def test_genuine_files_are_recognised_and_accepted(filename, content, expected):
    assert file_types.detect_type(content) is expected
    _content, file_type = uploads.prepare_upload(content, filename)
    assert file_type is expected


@pytest.mark.parametrize(("filename", "content", "reason"), [
    ("diagram.pdf", samples.image("PNG"), "extension_mismatch"),
    ("notes.pdf", samples.text(), "unknown_content"),
    ("notes.docx", samples.ooxml("xlsx"), "extension_mismatch"),
    ("notes.docx", samples.plain_zip(), "unknown_content"),
    ("notes.odt", samples.opendocument("graphics"), "unknown_content"),
    ("film.mp4", samples.mp4(b"isom", [b"vide", b"soun"]), "unknown_content"),
    ("photo.jpg", samples.image("PNG"), "extension_mismatch"),
    ("script.html", b"<script>alert(1)</script>", "extension_not_accepted"),
    ("drawing.svg", b"<svg onload=alert(1)>", "extension_not_accepted"),
    ("program.exe", b"MZ\x90\x00", "extension_not_accepted"),
    ("noextension", samples.PDF, "extension_not_accepted"),
    ("empty.pdf", b"", "empty"),
    ("broken.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, "damaged_image"),
])
def test_files_whose_content_does_not_match_are_refused(filename, content, reason):
    with pytest.raises(uploads.RefusedFile) as refusal:
        uploads.prepare_upload(content, filename)
    assert refusal.value.reason == reason


def test_extension_check_ignores_letter_case():
    _content, file_type = uploads.prepare_upload(samples.PDF, "HANDOUT.PDF")
    assert file_type is file_types.PDF


def test_jpeg_loses_exif_gps_and_comments():
    original = samples.jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the sample really has GPS

    cleaned, _file_type = uploads.prepare_upload(original, "photo.jpg")

    picture = Image.open(io.BytesIO(cleaned))
    assert picture.format == "JPEG" and picture.size == (40, 30)
    assert dict(picture.getexif()) == {}
    assert "exif" not in picture.info and "comment" not in picture.info
    assert b"Exif" not in cleaned and b"PhoneMaker" not in cleaned and b"secret comment" not in cleaned


def test_png_loses_text_chunks_and_exif():
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Someone at risk")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    original = samples.image("PNG", pnginfo=info, exif=exif.tobytes())
    cleaned, _file_type = uploads.prepare_upload(original, "photo.png")
    assert b"Someone at risk" not in cleaned and b"PhoneMaker" not in cleaned
    assert Image.open(io.BytesIO(cleaned)).size == (40, 30)


def test_rotated_photo_keeps_its_orientation_when_exif_goes():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    original = samples.image("JPEG", size=(40, 20), exif=exif.tobytes())
    cleaned, _file_type = uploads.prepare_upload(original, "photo.jpg")
    assert Image.open(io.BytesIO(cleaned)).size == (20, 40)


def test_animated_gif_keeps_its_frames():
    frames = [Image.new("RGB", (10, 10), colour) for colour in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0,
                   comment=b"hidden")
    cleaned, _file_type = uploads.prepare_upload(buffer.getvalue(), "anim.gif")
    assert Image.open(io.BytesIO(cleaned)).n_frames == 3
    assert b"hidden" not in cleaned


def test_huge_image_dimensions_are_refused(monkeypatch):
    monkeypatch.setattr(uploads, "IMAGE_MAX_PIXELS", 100)
    with pytest.raises(uploads.RefusedFile) as refusal:
        uploads.prepare_upload(samples.image("PNG"), "big.png")
    assert refusal.value.reason == "image_too_big"


def _animation(file_format: str, side: int, count: int) -> bytes:
    """``count`` frames of ``side`` × ``side`` pixels, each one pixel apart: a few KB on disk."""
    frames = []
    for number in range(count):
        frame = Image.new("P", (side, side), 0)
        frame.putpalette([0, 0, 0, 255, 255, 255] + [0] * 762)
        frame.putpixel((number, 0), 1)
        frames.append(frame)
    buffer = io.BytesIO()
    frames[0].save(buffer, format=file_format, save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buffer.getvalue()


@pytest.mark.parametrize(("file_format", "filename"), [("GIF", "bomb.gif"), ("PNG", "bomb.png"), ("WEBP", "bomb.webp")])
def test_a_small_animation_decoding_to_too_many_pixels_is_refused_before_decoding(
        monkeypatch, file_format, filename):
    # 5 frames of 100 × 100 pixels each fit the limit of 40,000 pixels alone; all five do not.
    monkeypatch.setattr(uploads, "IMAGE_MAX_PIXELS", 40_000)
    content = _animation(file_format, 100, 5)
    decoded = []
    monkeypatch.setattr(uploads.ImageSequence, "Iterator", lambda image: decoded.append(image) or [])
    with pytest.raises(uploads.RefusedFile) as refusal:
        uploads.prepare_upload(content, filename)
    assert refusal.value.reason == "image_too_big"
    assert decoded == []  # refused from the frame count and size, before any frame is decoded


def test_an_animation_within_the_pixel_budget_keeps_its_frames(monkeypatch):
    monkeypatch.setattr(uploads, "IMAGE_MAX_PIXELS", 40_000)
    cleaned, _file_type = uploads.prepare_upload(_animation("GIF", 100, 4), "small.gif")
    assert Image.open(io.BytesIO(cleaned)).n_frames == 4


def test_store_is_content_addressed_and_atomic(app, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    stored = storage.store(samples.PDF, "application/pdf")
    digest = hashlib.sha256(samples.PDF).hexdigest()
    assert stored.sha256 == digest and stored.size_bytes == len(samples.PDF)
    path = tmp_path / "uploads" / digest[:2] / digest[2:4] / digest
    assert path.read_bytes() == samples.PDF
    assert storage.store(samples.PDF, "application/pdf") == stored  # the same content is stored once
    assert [item.name for item in path.parent.iterdir()] == [digest]  # no temporary files left behind


def test_stored_path_refuses_anything_but_a_digest(app):
    for bad in ("../../etc/passwd", "ab", "A" * 64, "g" * 64):
        with pytest.raises(ValueError):
            storage.stored_path(bad)


@pytest.mark.parametrize(("given", "expected"), [
    ("Rapport final.pdf", "Rapport final.pdf"),
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\Users\\me\\notes.pdf", "notes.pdf"),
    ('bad"name\r\n.pdf', "badname.pdf"),
    ("تقرير.pdf", "تقرير.pdf"),
    (".pdf", "material.pdf"),
    ("noext", "material.pdf"),
])
def test_download_names_are_made_safe(given, expected):
    assert uploads.safe_filename(given, file_types.PDF) == expected


def _zip_with_a_lying_part(compression: int, part: str, inflated: int) -> bytes:
    """A zip whose ``part`` holds ``inflated`` zero bytes while its index says 100."""
    import struct
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo(part)
        info.compress_type = compression
        with archive.open(info, "w", force_zip64=False) as member:
            for _ in range(inflated // 2**20):
                member.write(b"\0" * 2**20)
    data = bytearray(buffer.getvalue())
    struct.pack_into("<I", data, data.rfind(b"PK\x01\x02") + 24, 100)  # the central directory's size
    return bytes(data)


@pytest.mark.parametrize("compression", ["ZIP_BZIP2", "ZIP_LZMA", "ZIP_DEFLATED"])
@pytest.mark.parametrize("part", ["[Content_Types].xml", "mimetype"])
def test_telling_office_files_apart_never_inflates_a_part_beyond_its_limit(compression, part):
    """A zip bomb uploaded as a .docx: a few hundred bytes that inflate without bound."""
    import tracemalloc
    import zipfile

    content = _zip_with_a_lying_part(getattr(zipfile, compression), part, 48 * 2**20)
    tracemalloc.start()
    try:
        assert file_types.detect_type(content) is None
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20, f"{len(content)} bytes made the type check allocate {peak // 2**20} MB"
