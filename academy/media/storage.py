"""Content-addressed storage of files under ``UPLOAD_DIR``.

Files live under ``UPLOAD_DIR`` (instance/uploads/, never static/) at ``ab/cd/<sha256>``, named by
the SHA-256 of their content: identical uploads share one file, names cannot collide or be guessed
from the title, and nothing a user typed becomes part of a path.
"""
from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from flask import current_app

from ..files import write_atomically


@dataclass(frozen=True)
class StoredFile:
    """A file kept in the upload store."""

    sha256: str
    size_bytes: int
    content_type: str


def upload_root() -> Path:
    """The upload store (``UPLOAD_DIR``): materials, partner logos and signature images."""
    return Path(current_app.config["UPLOAD_DIR"])


def stored_path(sha256: str) -> Path:
    """Where the content with this SHA-256 lives (``ab/cd/<sha256>`` under UPLOAD_DIR)."""
    if len(sha256) != 64 or any(char not in "0123456789abcdef" for char in sha256):
        raise ValueError("not a SHA-256 hex digest")
    return upload_root() / sha256[:2] / sha256[2:4] / sha256


def store(content: bytes, content_type: str) -> StoredFile:
    """Write ``content`` atomically (temporary file, then rename) unless it is stored already."""
    digest = hashlib.sha256(content).hexdigest()
    path = stored_path(digest)
    if not path.exists():
        write_atomically(path, content, mode=0o640, durable=True)
    return StoredFile(digest, len(content), content_type)


def discard(sha256: str, *, used_again: Callable[[], bool] | None = None) -> None:
    """Remove stored content (call only once no committed row refers to it any more).

    An upload of the same content at that moment finds the file there and writes nothing, then
    commits its row. So the file is first set aside; ``used_again`` (asked then) says whether a
    row naming it was committed meanwhile, and the file goes back if so. A row committed later
    still is the uploader's to mend: it stores its content again after its commit.
    """
    path = stored_path(sha256)
    aside = path.with_name(f".discard-{secrets.token_hex(8)}-{path.name}")
    try:
        os.rename(path, aside)
    except FileNotFoundError:
        return
    try:
        if used_again is not None and used_again():
            try:
                os.link(aside, path)
            except FileExistsError:  # the upload wrote it anew meanwhile
                pass
    finally:
        aside.unlink(missing_ok=True)
