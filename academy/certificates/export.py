"""Many certificates as one ZIP, streamed, with missing PDFs rendered on every core.

The archive is written to the response as it grows: each PDF is added as soon as it is ready
(stored PDFs are read, missing ones rendered by a process pool from their snapshots, in order),
so the first bytes leave at once. The pool renders only a few certificates ahead of what the
client has taken (``RENDER_AHEAD``): a slow download holds a handful of PDFs in memory, not
every certificate of the edition. PDFs are already compressed, so entries are stored, not
deflated. Entry dates come from the certificates, not the clock: the same certificates give the
same archive.

The pool's processes are forked from a ``forkserver`` that has imported WeasyPrint and warmed a
renderer once (``pool_preload``): they start with fonts loaded, and none of them inherits the web
worker's database connections or locks. (Like ``spawn``, the forkserver imports the parent's main
*script* in each child, under the name ``__mp_main__``; gunicorn's and flask's entry points guard their start-up with
``if __name__ == "__main__"`` or are package ``__main__`` modules, which are never re-run.)
"""
from __future__ import annotations

import functools
import hashlib
import itertools
import multiprocessing
import os
import zipfile
from collections import deque
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from . import rendering

#: Certificates sent to one process at a time (fewer round trips than one by one).
BATCH = 2
#: Batches per process that may be rendered (or rendering) before the client takes them.
RENDER_AHEAD = 3


@dataclass(frozen=True)
class ZipEntry:
    """One certificate of the archive: its file name, its snapshot, and its stored PDF's path
    and hash when the file exists (otherwise it is rendered)."""

    filename: str
    snapshot: dict
    stored_path: Path | None = None
    sha256: str | None = None

    def read_stored(self) -> bytes | None:
        """The stored PDF, read now (not before its turn), if it is still there and intact."""
        try:
            content = self.stored_path.read_bytes()
        except (AttributeError, OSError):
            return None
        return content if hashlib.sha256(content).hexdigest() == self.sha256 else None


class _Chunks:
    """A write-only file that hands over what was written since the last ``take``."""

    def __init__(self):
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self._parts = b"".join(self._parts), []
        return data


def worker_count(configured: int = 0) -> int:
    """Processes to render with: ``configured`` if positive, else one per core available."""
    if configured > 0:
        return configured
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _pool_context():
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["academy.certificates.pool_preload"])
    return context


def _stored_or_rendered(entry: ZipEntry, logo_root: Path | None) -> bytes:
    # A file that vanished since the listing is rendered here, in this process.
    return entry.read_stored() or rendering.render_certificate(entry.snapshot, logo_root)


def _render_batch(snapshots: list[dict], logo_root: Path | None) -> list[bytes]:
    return [rendering.render_certificate(snapshot, logo_root) for snapshot in snapshots]


def ahead_map(pool: Executor, function, batches: Iterable, ahead: int) -> Iterator:
    """``function(batch)`` for each batch, in order, with at most ``ahead`` batches submitted to
    ``pool`` and not yet taken (``Executor.map`` submits them all at once, and their results wait
    in memory however slowly they are taken)."""
    batches = iter(batches)
    pending = deque(pool.submit(function, batch) for batch in itertools.islice(batches, ahead))
    while pending:
        result = pending.popleft().result()
        pending.extend(pool.submit(function, batch) for batch in itertools.islice(batches, 1))
        yield result


def _batches(items: list, size: int) -> Iterator[list]:
    return (items[start:start + size] for start in range(0, len(items), size))


def _rendered(entries: list[ZipEntry], workers: int, logo_root: Path | None) -> Iterator[bytes]:
    """The PDF of each entry, in order: stored ones read in turn, missing ones rendered in a pool."""
    missing = [entry.snapshot for entry in entries if entry.stored_path is None]
    if not missing:
        yield from (_stored_or_rendered(entry, logo_root) for entry in entries)
        return
    workers = min(workers, len(missing))
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context())
    try:
        fresh = itertools.chain.from_iterable(ahead_map(
            pool, functools.partial(_render_batch, logo_root=logo_root), _batches(missing, BATCH),
            ahead=workers * RENDER_AHEAD))
        for entry in entries:
            yield _stored_or_rendered(entry, logo_root) if entry.stored_path is not None else next(fresh)
    finally:
        # A client that goes away mid-download must not leave the pool rendering the rest.
        pool.shutdown(wait=False, cancel_futures=True)


def zip_stream(entries: Iterable[ZipEntry], workers: int = 0, logo_root: Path | None = None) -> Iterator[bytes]:
    """The ZIP archive of ``entries``, as a stream of chunks (logos of missing PDFs from ``logo_root``)."""
    entries = list(entries)
    output = _Chunks()
    with zipfile.ZipFile(output, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for entry, content in zip(entries, _rendered(entries, worker_count(workers), logo_root)):
            issued = entry.snapshot["issued_at"]  # 2027-03-05T10:11:12Z
            date_time = (int(issued[0:4]), int(issued[5:7]), int(issued[8:10]),
                         int(issued[11:13]), int(issued[14:16]), int(issued[17:19]))
            info = zipfile.ZipInfo(entry.filename, date_time=date_time)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            archive.writestr(info, content)
            yield output.take()
    yield output.take()
