"""Accepting an upload: its real type checked against its name, images re-encoded without metadata.

Refusals raise ``RefusedFile`` with an untranslated reason key; the form or view that received the
upload turns it into a message for the uploader.
"""
from __future__ import annotations

import io

from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from .file_types import ACCEPTED_EXTENSIONS, GIF, JPEG, PNG, WEBP, FileType, detect_type

#: Most pixels an image may decode to, all its frames together (guards against decompression
#: bombs: a small animation of large, barely changing frames decodes to every frame in full).
IMAGE_MAX_PIXELS = 50_000_000
_IMAGE_MAX_FRAMES = 500


class RefusedFile(Exception):
    """The upload cannot be accepted; ``reason`` says why in words for the uploader (untranslated key)."""

    def __init__(self, reason: str, **details):
        super().__init__(reason)
        self.reason = reason
        self.details = details


def extension_of(filename: str) -> str:
    """The lower-case extension of ``filename`` without the dot ('' when there is none)."""
    name = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name.strip(".") else ""


def safe_filename(filename: str, file_type: FileType) -> str:
    """A download name kept readable in any script, without paths, control characters or quotes."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if char.isprintable() and char not in '"<>|:*?').strip(" .")
    if not name or extension_of(name) not in file_type.extensions:
        name = f"material.{sorted(file_type.extensions)[0]}"
    if len(name) > 200:
        extension = extension_of(name)
        name = name[:200 - len(extension) - 1].rstrip(" .") + "." + extension
    return name


def strip_image_metadata(content: bytes, file_type: FileType) -> bytes:
    """Re-encode an image from its pixels only: EXIF (with GPS), XMP, IPTC, comments and profiles are gone.

    The EXIF orientation is applied to the pixels first, so photos keep looking the right way up.
    """
    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.format not in file_type.pillow_formats:
                raise RefusedFile("damaged_image")
            width, height = image.size
            frame_count = 1 if file_type is JPEG else getattr(image, "n_frames", 1)
            if frame_count > _IMAGE_MAX_FRAMES or frame_count * width * height > IMAGE_MAX_PIXELS:
                raise RefusedFile("image_too_big")
            frames = []
            durations = []
            for frame in ImageSequence.Iterator(image):
                if frames and file_type is JPEG:  # extra MPO frames are previews, not the picture
                    break
                if len(frames) >= _IMAGE_MAX_FRAMES:
                    raise RefusedFile("image_too_big")
                durations.append(frame.info.get("duration", 100))
                frames.append(frame.copy())
            loop = image.info.get("loop", 0)
            transparency = image.info.get("transparency")
        if len(frames) == 1:
            frames[0] = ImageOps.exif_transpose(frames[0])
        for frame in frames:
            frame.info = {}  # Pillow falls back on ``info`` for comments and profiles when saving
        options: dict = {}
        if file_type is JPEG:
            options = {"quality": 90}
            frames = [frame if frame.mode in ("L", "RGB", "CMYK") else frame.convert("RGB") for frame in frames]
        elif file_type is WEBP:
            options = {"quality": 90}
        if transparency is not None and file_type in (PNG, GIF):
            options["transparency"] = transparency
        if len(frames) > 1:
            options.update(save_all=True, append_images=frames[1:], duration=durations, loop=loop)
        output = io.BytesIO()
        frames[0].save(output, format=sorted(file_type.pillow_formats)[0], **options)
        return output.getvalue()
    except RefusedFile:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        raise RefusedFile("damaged_image") from error


def read_limited(stream, limit: int) -> bytes | None:
    """Up to ``limit`` bytes of ``stream``; None when it holds more (nothing beyond limit + 1 is read)."""
    content = stream.read(limit + 1)
    return None if len(content) > limit else content


def prepare_upload(content: bytes, filename: str) -> tuple[bytes, FileType]:
    """Check an upload's real type against its name and clean images; raises ``RefusedFile``."""
    extension = extension_of(filename)
    if extension not in ACCEPTED_EXTENSIONS:
        raise RefusedFile("extension_not_accepted", extension=extension or "—")
    if not content:
        raise RefusedFile("empty")
    file_type = detect_type(content)
    if file_type is None:
        raise RefusedFile("unknown_content", extension=extension)
    if extension not in file_type.extensions:
        raise RefusedFile("extension_mismatch", extension=extension, detected=file_type.label)
    if file_type.is_image:
        content = strip_image_metadata(content, file_type)
    return content, file_type
