"""``python -m benchmarks.nominations``: the admins' review queue and the nominations export.

Three JSON lines (also written to ``bench-results/nominations.jsonl``), in the shape of the other
benchmarks (``benchmark``, the measure, ``target``, ``met``), then a summary line:

* ``review_queue`` — the review queue signed in as an admin, with 20,000 nominations, served by
  gunicorn against a bare Flask hello world served the same way and measured right before and
  after it. Target: ratio ≥ 0.5. The organisations list is measured after it under the same
  load (``ratio_to_reference``), to separate the queue's own cost from every page's.
* ``review_queue_query_counts`` — SQL statements the queue sends (unfiltered, and filtered on
  the waiting list of one edition) with a few dozen nominations and with 20,000. Target: equal.
* ``nominations_export_memory`` — the CSV export of 100,000 nominations, consumed chunk by
  chunk in-process: the peak of memory allocated by Python while streaming (``tracemalloc``) and
  the growth of the resident set, in a fresh process. Target: both under 50 MB.

The dataset is the page benchmarks' one (``benchmarks.dataset``) plus editions and nominations
inserted in bulk here. A missed target is reported, not an error (exit status 0).
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import secrets
import sys
import tempfile
import time
import tracemalloc
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from pathlib import Path

from .dataset import Sizes, build_dataset
from .load import choose_tool, run_load
from .report import Report
from .report import log as _log
from .servers import PROJECT_ROOT, Gunicorn, get
from .signin import cookie_header, sign_in

QUEUE_PATH = "/admin/nominations/"
EXPORT_PATH = "/admin/nominations/export.csv"
#: Measured too, for reference (no target): the admins' organisations list, 500 organisations.
REFERENCE_PATH = "/admin/organisations/"
QUEUE_NOMINATIONS = 20_000
EXPORT_NOMINATIONS = 100_000
SMALL_NOMINATIONS = 30
EDITIONS = 8
MEMORY_LIMIT_MB = 50
BENCH_SECRET_KEY = "benchmark-secret-key-not-for-production"


def _app(url: str):
    from academy import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})


def add_nominations(url: str, total: int) -> int:
    """Bring the database to ``total`` nominations (and ``EDITIONS`` editions), by bulk inserts."""
    import sqlalchemy as sa

    from academy.db_types import utcnow
    from academy.extensions import db
    from academy.nominations.models import Edition, EditionFormat, EditionStatus, Gender, Nomination
    from academy.nominations.models import NominationStatus as S
    from academy.organisations.models import Organisation

    app = _app(url)
    statuses = (S.SUBMITTED, S.SUBMITTED, S.WAITLISTED, S.ACCEPTED, S.DECLINED, S.WITHDRAWN, S.DRAFT)
    genders = (Gender.WOMAN, Gender.MAN, Gender.WOMAN, Gender.MAN, Gender.OTHER, Gender.UNDISCLOSED)
    with app.app_context():
        now = utcnow().replace(microsecond=0)
        if not db.session.scalar(sa.select(sa.func.count()).select_from(Edition)):
            db.session.execute(sa.insert(Edition), [dict(
                id=number, name=f"Intake {number}", description="", language="en", format=EditionFormat.ONLINE,
                starts_on=date(2027, 1, 1) + timedelta(days=30 * number), ends_on=date(2027, 12, 31),
                nominations_open_at=now - timedelta(days=30), nominations_close_at=now + timedelta(days=30),
                seats=100_000, seats_taken=0, status=EditionStatus.OPEN, created_at=now, updated_at=now,
            ) for number in range(1, EDITIONS + 1)])
        organisations = db.session.scalars(sa.select(Organisation.id).order_by(Organisation.id)).all()
        existing = db.session.scalar(sa.select(sa.func.count()).select_from(Nomination))
        for start in range(existing, total, 20_000):
            rows = []
            for number in range(start + 1, min(total, start + 20_000) + 1):
                status = statuses[number % len(statuses)]
                moment = now - timedelta(minutes=number)
                rows.append(dict(
                    id=number, edition_id=number % EDITIONS + 1, organisation_id=organisations[number % len(organisations)],
                    status=status, given_names=f"Nominee {number}", family_name="Benchmark",
                    email=f"nominee{number}@example.org", language="en", date_of_birth=date(2000, 1, 1),
                    gender=genders[number % len(genders)], country="SE", languages=["en"], party_role="Organiser",
                    motivation="=1+1 learning to organise" if number % 97 == 0 else "Learning to organise.",
                    consent_at=moment, consent_version="2026-01", created_at=moment, updated_at=moment,
                    submitted_at=None if status is S.DRAFT else moment,
                    decided_at=moment if status in (S.WAITLISTED, S.ACCEPTED, S.DECLINED) else None,
                    waitlisted_at=moment if status is S.WAITLISTED else None,
                ))
            db.session.execute(sa.insert(Nomination), rows)
        db.session.commit()
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Nomination))
        db.engine.dispose()
    return count


def _signed_in_client(app, email: str):
    """A test client of ``app`` signed in as ``email`` (a server-side session row and its cookie)."""
    import sqlalchemy as sa

    from academy.accounts.models import User, UserSession, hash_token
    from academy.extensions import db

    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(User.email == email))
        token = secrets.token_urlsafe(32)
        db.session.add(UserSession(user_id=user_id, token_hash=hash_token(token)))
        db.session.commit()
    client = app.test_client()
    cookie = app.session_interface.get_signing_serializer(app).dumps({"_user_id": token, "_fresh": True})
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    return client


def queue_paths() -> dict[str, str]:
    """The queue as it opens, and filtered on one edition's waiting list."""
    return {"queue": QUEUE_PATH, "queue_waitlist_of_one_edition": f"{QUEUE_PATH}?status=waitlisted&edition=1"}


def count_queue_queries(url: str, email: str) -> dict[str, int]:
    """Statements each queue page sends, after a warm-up request."""
    from sqlalchemy import event

    from academy.extensions import db

    app = _app(url)
    client = _signed_in_client(app, email)
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    counts = {}
    for name, path in queue_paths().items():
        if client.get(path).status_code != 200:
            raise RuntimeError(f"GET {path} did not answer 200")
        seen.clear()
        event.listen(engine, "before_cursor_execute", listener)
        try:
            client.get(path)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        counts[name] = len(seen)
    engine.dispose()
    return counts


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def measure_export(url: str, email: str) -> dict:
    """Stream the whole export in-process and watch memory while consuming it."""
    from academy.extensions import db

    app = _app(url)
    client = _signed_in_client(app, email)
    rss_cold = _rss_bytes()
    client.get(f"{EXPORT_PATH}?edition=1").close()  # warm-up: imports, compiled statements
    tracemalloc.start()
    rss_before = peak_rss = _rss_bytes()
    tracemalloc.reset_peak()
    traced_before = tracemalloc.get_traced_memory()[0]
    started = time.perf_counter()
    response = client.get(EXPORT_PATH)
    if response.status_code != 200 or not response.is_streamed:
        raise RuntimeError(f"GET {EXPORT_PATH} answered {response.status_code}, streamed={response.is_streamed}")
    size = lines = chunks = 0
    for chunk in response.response:
        size += len(chunk)
        lines += chunk.count(b"\n")
        chunks += 1
        if chunks % 16 == 0:
            peak_rss = max(peak_rss, _rss_bytes())
    response.close()
    elapsed = time.perf_counter() - started
    peak_rss = max(peak_rss, _rss_bytes())
    traced_peak = tracemalloc.get_traced_memory()[1] - traced_before
    tracemalloc.stop()
    with app.app_context():
        db.engine.dispose()
    traced_mb, rss_mb = traced_peak / 2**20, (peak_rss - rss_before) / 2**20
    return {"benchmark": "nominations_export_memory", "rows": lines - 1, "bytes": size, "chunks": chunks,
            "seconds": round(elapsed, 2), "rows_per_s": round((lines - 1) / elapsed),
            "traced_peak_mb": round(traced_mb, 2), "rss_growth_mb": round(rss_mb, 2),
            "rss_growth_since_cold_mb": round((peak_rss - rss_cold) / 2**20, 2),
            "target": f"traced_peak_mb and rss_growth_mb < {MEMORY_LIMIT_MB}",
            "met": traced_mb < MEMORY_LIMIT_MB and rss_mb < MEMORY_LIMIT_MB,
            "note": "tracemalloc slows the stream; rows_per_s is not a throughput figure"}


def measure_queue(url: str, temp_dir: Path, facts: dict, args, tool: str) -> dict:
    """The queue under gunicorn, between two hello-world runs of the same length."""
    env = {"SECRET_KEY": os.environ["SECRET_KEY"], "DATABASE_URL": url, "RATELIMIT_ENABLED": "0",
           "MAIL_DIR": str(temp_dir / "mail"), "UPLOAD_DIR": str(temp_dir / "uploads")}
    with Gunicorn("benchmarks.hello:app", env, args.workers, temp_dir) as hello, \
            Gunicorn("wsgi:app", env, args.workers, temp_dir) as academy:
        headers = {"Cookie": cookie_header(sign_in(academy.port, facts["admin_email"], facts["admin_password"],
                                                   totp_secret=facts["admin_totp_secret"]))}
        status, _headers, body = get(academy.port, QUEUE_PATH, headers)
        if status != 200 or 'name="nomination_ids"' not in body:
            raise RuntimeError(f"GET {QUEUE_PATH} answered {status} without queue rows")
        run_load(tool, hello.port, "/", args.warmup, args.concurrency)
        run_load(tool, academy.port, QUEUE_PATH, args.warmup, args.concurrency, headers)
        before = run_load(tool, hello.port, "/", args.duration, args.concurrency)
        page = run_load(tool, academy.port, QUEUE_PATH, args.duration, args.concurrency, headers)
        after = run_load(tool, hello.port, "/", args.duration, args.concurrency)
        # The app's own reference: a plain admin list under the same load, to tell what the
        # queue costs from what every signed-in page costs.
        reference = run_load(tool, academy.port, REFERENCE_PATH, args.duration, args.concurrency, headers)
        runs = [before.requests_per_s, after.requests_per_s]
    baseline = sum(runs) / len(runs)
    ratio = page.requests_per_s / baseline if baseline else 0.0
    clean = page.errors == 0 and page.non_2xx_3xx == 0
    return {"benchmark": "review_queue", "page": QUEUE_PATH, "nominations": QUEUE_NOMINATIONS,
            "requests_per_s": round(page.requests_per_s, 1), "baseline_requests_per_s": round(baseline, 1),
            "baseline_runs_requests_per_s": runs, "ratio": round(ratio, 3), "target": 0.5,
            "met": ratio >= 0.5 and clean,
            "reference_page": REFERENCE_PATH, "reference_requests_per_s": round(reference.requests_per_s, 1),
            "ratio_to_reference": round(page.requests_per_s / reference.requests_per_s, 3)
            if reference.requests_per_s else None, "tool": tool, "concurrency": args.concurrency,
            "duration_s": args.duration, "workers": args.workers, "errors": page.errors,
            "non_2xx_3xx": page.non_2xx_3xx, "latency_ms": page.latency_ms}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.nominations", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: 2 s per measurement, 1 s warm-up")
    parser.add_argument("--duration", type=float, default=10, help="seconds per measurement (default 10)")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of warm-up (default 2)")
    parser.add_argument("--concurrency", type=int, default=8, help="open connections (default 8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--tool", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--output", default=str(PROJECT_ROOT / "bench-results" / "nominations.jsonl"),
                        help="also write the JSON lines here ('' for none)")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.warmup = 2, 1
    os.environ.setdefault("SECRET_KEY", BENCH_SECRET_KEY)
    tool = choose_tool(args.tool)
    report = Report()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="academy-bench-nominations-") as temp:
        temp_dir = Path(temp)
        (temp_dir / "small").mkdir()
        small = build_dataset(temp_dir / "small", Sizes(organisations=20, users=50, audit_events=10))
        add_nominations(small.url, SMALL_NOMINATIONS)
        dataset = build_dataset(temp_dir, Sizes())
        _log(f"dataset: {dataset.counts} ({dataset.seconds} s); adding {QUEUE_NOMINATIONS} nominations")
        add_nominations(dataset.url, QUEUE_NOMINATIONS)
        email = dataset.facts["admin_email"]
        small_counts, large_counts = (count_queue_queries(small.url, email),
                                      count_queue_queries(dataset.url, email))
        pages = {name: {"small": small_counts[name], "large": large_counts[name]} for name in small_counts}
        _log(f"queue queries, small vs large: {pages}")
        _log(f"review queue vs hello world: {tool}, {args.concurrency} connections, {args.duration:g} s each")
        report.emit(measure_queue(dataset.url, temp_dir, dataset.facts, args, tool))
        report.emit({"benchmark": "review_queue_query_counts", "pages": pages,
               "nominations": {"small": SMALL_NOMINATIONS, "large": QUEUE_NOMINATIONS},
               "target": "same count on both", "met": small_counts == large_counts})
        _log(f"growing to {EXPORT_NOMINATIONS} nominations for the export")
        add_nominations(dataset.url, EXPORT_NOMINATIONS)
        # In a fresh process: this one grew its heap building 100,000 rows, which would hide growth.
        with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
            report.emit(pool.submit(measure_export, dataset.url, email).result())
    report.emit_summary("nominations_summary", elapsed_s=round(time.perf_counter() - started, 1))
    report.write(args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
