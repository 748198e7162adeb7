"""The certificate ZIP renders missing PDFs in a pool, a bounded number ahead of the download."""
from __future__ import annotations

import io
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor

from academy.certificates import export


class _CountingPool(ThreadPoolExecutor):
    """A pool that counts what was submitted to it."""

    def __init__(self):
        super().__init__(max_workers=2)
        self.submitted = 0
        self._lock = threading.Lock()

    def submit(self, function, *args, **kwargs):
        with self._lock:
            self.submitted += 1
        return super().submit(function, *args, **kwargs)


def test_results_come_in_order_and_only_a_few_batches_are_submitted_ahead():
    with _CountingPool() as pool:
        results = export.ahead_map(pool, lambda batch: [value * 10 for value in batch],
                            ([number, number + 1] for number in range(0, 100, 2)), ahead=3)
        assert pool.submitted == 0  # nothing happens before the download starts
        taken = []
        for result in results:
            taken.append(result)
            assert pool.submitted - len(taken) <= 3
        assert pool.submitted == 50
    assert [value for batch in taken for value in batch] == [number * 10 for number in range(100)]


def test_a_download_abandoned_early_leaves_the_rest_unsubmitted():
    with _CountingPool() as pool:
        results = export.ahead_map(pool, sum, ([number] for number in range(1000)), ahead=4)
        assert [next(results) for _ in range(2)] == [0, 1]
        assert pool.submitted == 6


def test_the_zip_asks_the_pool_for_a_few_certificates_ahead_of_the_download(monkeypatch):
    pools = []

    class Pool(_CountingPool):
        def __init__(self, max_workers, mp_context):
            super().__init__()
            pools.append(self)

    monkeypatch.setattr(export, "ProcessPoolExecutor", Pool)
    monkeypatch.setattr(export.rendering, "render_certificate",
                        lambda snapshot, logo_root=None: f"PDF of {snapshot['serial']}".encode())
    serials = [f"AA-2027-{number:06d}" for number in range(1, 41)]
    entries = [export.ZipEntry(f"{serial}.pdf", {"serial": serial, "issued_at": "2027-03-05T10:11:12Z"})
               for serial in serials]
    stream = export.zip_stream(entries, workers=2)
    chunks = []
    for taken in range(1, 41):  # one chunk per certificate, the last one's with it
        chunks.append(next(stream))
        [pool] = pools
        # Ahead: the batches waiting, and what is left of the batch being written.
        assert pool.submitted * export.BATCH - taken <= (2 * export.RENDER_AHEAD + 1) * export.BATCH
    chunks.extend(stream)
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert archive.namelist() == [f"{serial}.pdf" for serial in serials]
    assert archive.read("AA-2027-000040.pdf") == b"PDF of AA-2027-000040"


def test_the_rendering_workers_do_not_load_the_database_layer():
    """The pool's forkserver imports the renderer before forking: SQLAlchemy and the app's
    extensions would add half a second to the first ZIP of every web worker, for nothing."""
    import subprocess
    import sys

    probe = ("import sys, academy.certificates.pool_preload; "
             "print(sorted(m for m in ('sqlalchemy', 'flask_sqlalchemy', 'academy.extensions') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.strip() == "[]"
