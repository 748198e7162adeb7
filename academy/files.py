"""Files the academy keeps under ``instance/``: written whole or not at all."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, content: bytes, *, mode: int | None = None, durable: bool = False) -> None:
    """Write ``content`` to ``path`` so that readers see the old file or the whole new one, never part.

    The content goes to a hidden temporary file in the same folder (created if missing), which
    then replaces ``path`` in one rename; a failure leaves no temporary file behind. ``mode`` sets
    the file's permissions; ``durable`` makes the data reach the disk before the rename (for files
    that a database row will point to once committed).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as output:
            output.write(content)
            if durable:
                output.flush()
                os.fsync(output.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def create_once(path: Path, content: bytes, *, mode: int = 0o600) -> bool:
    """Create ``path`` holding ``content`` unless a file is already there; True if this call made it.

    Never replaces a file, and nobody ever sees it part-written: the content goes to a hidden
    temporary file, synced to disk, which is then linked under the name, in one step that fails
    when the name exists. Of several processes creating the same file at once (workers making
    the secret key on first start), exactly one succeeds and all read the same content.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as output:
            output.write(content)
            output.flush()
            os.fsync(output.fileno())
        os.chmod(temporary, mode)
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        return True
    finally:
        Path(temporary).unlink(missing_ok=True)
