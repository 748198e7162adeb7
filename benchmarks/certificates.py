"""``python -m benchmarks.certificates``: certificate rendering, measured in-process.

Three figures, one JSON line each (also written to ``bench-results/certificates.jsonl``), in the
same shape as the page benchmarks (``benchmark``, the measure, ``target``, ``met``):

* ``certificate_render_warm`` — one certificate rendered by a warm renderer (fonts loaded, the
  stylesheet parsed), against a minimal one-page WeasyPrint document (``<p>Hello</p>``, plain
  ``HTML(string=…).write_pdf()``) rendered in the same process just before and after. Target:
  ratio ≤ 2.0. The same minimal document through the certificate renderer is reported too.
* ``certificate_zip`` — a ZIP of 200 certificates with no stored PDFs, rendered by the process
  pool the admin download uses, on two cores, as the first ZIP of a process (starting the pool's
  forkserver included). Target: ≥ 50 certificates per second. ``certificate_zip_warm`` is the same
  ZIP made again in the same process, as a web worker's later downloads are (same target).
  ``certificate_zip_stored`` measures the usual case, where issuance stored every PDF (no target).
* ``certificate_pdf_size`` — the median size of certificates whose names mix the scripts the
  academy supports. Target: ≤ 60 KB.

No database and no server: snapshots are built as issuance builds them (``preview_snapshot``).
A missed target is reported, not an error (exit status 0), like ``python -m benchmarks``.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .report import Report
from .report import log as _log

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Names in many scripts (and lengths), cycled through the ZIP and size measurements.
NAMES = (
    "Amina Diallo", "María José Ñúñez-Øresund", "Nguyễn Thị Minh Khai", "Αλέξανδρος Παπαδόπουλος",
    "Екатерина Смирнова", "Արամ Խաչատրյան", "ნინო ბერიძე", "שרה לוי", "محمد عبد الرحمن",
    "فاطمه پژوهش‌گر", "عائشہ صدیقی", "प्रिया शर्मा", "রবীন্দ্রনাথ ঠাকুর", "தமிழ்செல்வி முருகன்",
    "สมชาย ใจดี", "አበበ ቢቂላ", "王小明", "陳美玲", "さくら 山田", "김민준", "Chen Wei 陈伟 · Ana Silva",
    "Wolfeschlegelsteinhausenbergerdorff Hubert Blaine",
)
TITLES = ("Campaign Planning: From Strategy to Volunteers", "Door-to-Door Canvassing",
          "Communication politique : se faire entendre", "Campañas en línea y comunicación digital")


def snapshots(count: int) -> list[dict]:
    """``count`` distinct snapshots, as issuance would build them (needs an app context)."""
    from academy.certificates.codes import format_serial, new_code
    from academy.certificates.snapshots import preview_snapshot, verification_url

    start = datetime(2027, 1, 4, 9, 0, 0, tzinfo=timezone.utc)
    result = []
    for number in range(count):
        language = ("en", "fr", "es", "ar")[number % 4]
        snapshot = preview_snapshot(
            holder_name=NAMES[number % len(NAMES)], language=language, title=TITLES[number % len(TITLES)],
            hours=8 + number % 5, now=start + timedelta(minutes=number),
            partners=[{"name": "Fundación Horizonte Progresista", "short_name": "FHP"},
                      {"name": "Fondation Afrique Solidaire", "short_name": "FAS"}])
        code = new_code()
        snapshot.update(serial=format_serial(2027, number + 1), code=code,
                        verification_url=verification_url("https://academy.example.org", code))
        result.append(snapshot)
    return result


def _interleaved(functions: dict, seconds: float, minimum: int) -> dict[str, float]:
    """Median seconds per call of each function, called in turn so that all share the same load."""
    timings: dict[str, list[float]] = {name: [] for name in functions}
    started = time.perf_counter()
    while min(len(values) for values in timings.values()) < minimum or time.perf_counter() - started < seconds:
        for name, function in functions.items():
            before = time.perf_counter()
            function()
            timings[name].append(time.perf_counter() - before)
    return {name: statistics.median(values) for name, values in timings.items()}


def measure_render(samples: list[dict], seconds: float) -> dict:
    """Warm certificate render against a minimal WeasyPrint document, in this process."""
    from weasyprint import HTML

    from academy.certificates.rendering import _renderer, render_certificate

    renderer = _renderer()
    cycle = iter(range(10**9))
    functions = {
        "minimal": lambda: HTML(string="<p>Hello</p>").write_pdf(),
        "minimal_same_renderer": lambda: renderer.render("<p>Hello</p>").write_pdf(),
        "certificate": lambda: render_certificate(samples[next(cycle) % len(samples)]),
    }
    for function in functions.values():
        function()  # warm: imports, fonts, stylesheet, caches
    medians = _interleaved(functions, seconds, 10)
    ratio = medians["certificate"] / medians["minimal"]
    return {"benchmark": "certificate_render_warm", "certificate_ms": round(medians["certificate"] * 1000, 1),
            "minimal_document_ms": round(medians["minimal"] * 1000, 1),
            "minimal_document_same_renderer_ms": round(medians["minimal_same_renderer"] * 1000, 1),
            "ratio": round(ratio, 2), "target": "ratio <= 2.0", "met": ratio <= 2.0}


def measure_zip(samples: list[dict], workers: int, stored_dir: Path | None = None, warm: bool = False) -> dict:
    """A ZIP of every sample on ``workers`` processes: all rendered by the pool, or (with
    ``stored_dir``) read from stored PDFs, as the admin download does for issued certificates.

    The first ZIP of a process also starts the pool's forkserver, which imports WeasyPrint and
    loads the fonts (about a second); a web worker pays that once, its later ZIPs do not. ``warm``
    names the line of a later ZIP."""
    import hashlib
    from io import BytesIO

    from academy.certificates.export import ZipEntry, zip_stream
    from academy.certificates.rendering import render_certificate

    entries = []
    for snapshot in samples:
        path = sha256 = None
        if stored_dir is not None:
            content = render_certificate(snapshot)
            sha256 = hashlib.sha256(content).hexdigest()
            path = stored_dir / f"{sha256}.pdf"
            path.write_bytes(content)
        entries.append(ZipEntry(f"{snapshot['serial']}.pdf", snapshot, path, sha256))
    started = time.perf_counter()
    chunks = list(zip_stream(entries, workers=workers))
    elapsed = time.perf_counter() - started
    names = zipfile.ZipFile(BytesIO(b"".join(chunks))).namelist()
    if len(names) != len(samples):
        raise RuntimeError(f"the ZIP holds {len(names)} files, expected {len(samples)}")
    rate = len(samples) / elapsed
    name = "certificate_zip_stored" if stored_dir else ("certificate_zip_warm" if warm else "certificate_zip")
    line = {"benchmark": name,
            "certificates": len(samples), "workers": workers, "seconds": round(elapsed, 2),
            "certificates_per_s": round(rate, 1), "zip_bytes": sum(len(chunk) for chunk in chunks)}
    if stored_dir is None:
        line.update(target="certificates_per_s >= 50", met=rate >= 50)
    else:
        line.update(target=None, met=None)
    return line


def measure_size(samples: list[dict]) -> dict:
    """The median PDF size over names in every script."""
    from academy.certificates.rendering import render_certificate

    sizes = sorted(len(render_certificate(snapshot)) for snapshot in samples)
    median = statistics.median(sizes)
    return {"benchmark": "certificate_pdf_size", "certificates": len(sizes),
            "median_kb": round(median / 1024, 1), "min_kb": round(sizes[0] / 1024, 1),
            "max_kb": round(sizes[-1] / 1024, 1), "target": "median_kb <= 60", "met": median <= 60 * 1024}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.certificates", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: fewer certificates, shorter timings")
    parser.add_argument("--count", type=int, default=200, help="certificates in the ZIP (default 200)")
    parser.add_argument("--workers", type=int, default=2, help="processes rendering the ZIP (default 2)")
    parser.add_argument("--seconds", type=float, default=8, help="seconds spent on the render comparison")
    parser.add_argument("--output", default=str(PROJECT_ROOT / "bench-results" / "certificates.jsonl"),
                        help="also write the JSON lines here ('' for none)")
    args = parser.parse_args(argv)
    if args.quick:
        args.count, args.seconds = 24, 2

    os.environ.setdefault("SECRET_KEY", "benchmark-secret-key-not-for-production")
    from academy import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SERVER_BASE_URL": "https://academy.example.org"})
    report = Report()
    with app.app_context():
        samples = snapshots(args.count)
    _log(f"rendering: warm certificate vs minimal document ({args.seconds:g} s)")
    report.emit(measure_render(samples[: len(NAMES)], args.seconds))
    _log(f"ZIP of {args.count} certificates on {args.workers} processes, all rendered")
    report.emit(measure_zip(samples, args.workers))
    _log("the same ZIP again, from the same (now running) forkserver")
    report.emit(measure_zip(samples, args.workers, warm=True))
    _log(f"ZIP of {args.count} certificates whose PDFs are stored (the usual case)")
    with tempfile.TemporaryDirectory(prefix="academy-bench-certificates-") as stored:
        report.emit(measure_zip(samples, args.workers, Path(stored)))
    _log("PDF sizes")
    report.emit(measure_size(samples[: max(len(NAMES), 44)]))
    report.emit_summary("certificates_summary")
    report.write(args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
