"""``python -m benchmarks.nominations_import``: a 5,000-row nominations CSV imported, measured in-process.

Two JSON lines (also written to ``bench-results/nominations_import.jsonl``), in the shape of the
other benchmarks (``benchmark``, the measure, ``target``, ``met``): the seconds
``csv_import.import_nominations`` takes to read, check and write a generated file of ``--rows``
valid nominees, commit included, against a fresh SQLite database in a temporary folder (schema
from ``db.create_all``) — once as drafts (``nominations_import``), once submitted at once
(``nominations_import_submitted``: status change, one audit event and one mail per nominee, one
summary mail to the coordinator). Target: 5 seconds for 5,000 rows each. A missed target is
reported, not an error (exit status 0).
"""
from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
import time
from pathlib import Path

from .report import Report

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 5.0
ROWS = 5000




def nominees_csv(rows: int, starts_year: int) -> bytes:
    """``rows`` distinct, valid nominees (25 years old when the edition starts), UTF-8 with a BOM."""
    from academy.nominations.csv_import import COLUMNS

    genders = ("woman", "man", "other", "undisclosed")
    countries = ("SN", "AR", "SE", "TN", "PH", "DE")
    languages = ("fr wo", "es en", "sv en", "ar fr", "tl en", "de en")
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for number in range(rows):
        writer.writerow([f"Nominee {number}", "Ndiaye-Pérez", f"nominee{number}@example.org",
                         f"{starts_year - 25}-{number % 12 + 1:02d}-{number % 28 + 1:02d}", genders[number % 4],
                         countries[number % 6], languages[number % 6], ("en", "fr", "es", "ar")[number % 4],
                         "Youth secretary", "Runs the youth campaigns of the party in the capital region."])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _setting():
    """An open edition (window open now, starting in 60 days), an organisation and its coordinator."""
    from datetime import timedelta

    from academy.accounts.models import Role, User, UserRole
    from academy.db_types import utcnow
    from academy.extensions import db
    from academy.nominations.models import Edition, EditionFormat, EditionStatus
    from academy.organisations.models import Organisation, OrganisationKind, Region

    now = utcnow()
    starts_on = (now + timedelta(days=60)).date()
    region = Region(code="africa", name_en="Africa", name_fr="Afrique", name_es="África", name_ar="أفريقيا")
    organisation = Organisation(name="Parti de la Jeunesse", short_name="PJ", country="SN", region=region,
                                kind=OrganisationKind.PARTY)
    coordinator = User(email="coordinator@example.org", display_name="Coordinator", organisation=organisation,
                       roles=[UserRole(role=Role.COORDINATOR)])
    edition = Edition(name="Benchmark intake", format=EditionFormat.ONLINE, starts_on=starts_on,
                      ends_on=starts_on + timedelta(days=30), nominations_open_at=now - timedelta(days=1),
                      nominations_close_at=now + timedelta(days=14), seats=100, status=EditionStatus.OPEN)
    db.session.add_all([coordinator, edition])
    db.session.commit()
    return edition, organisation, coordinator


def measure(rows: int, directory: Path, *, submit: bool = False) -> dict:
    """Import ``rows`` nominees (drafts, or submitted) into a fresh database in ``directory``; the seconds it took."""
    from academy import create_app
    from academy.extensions import db
    from academy.nominations.csv_import import import_nominations
    from academy.nominations.models import Nomination, NominationStatus
    from academy.outbox.models import OutboxMessage

    name = "nominations_import_submitted" if submit else "nominations_import"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory / f'{name}.db'}",
                      "SECRET_KEY": "benchmark-nominations-import"})
    with app.app_context(), app.test_request_context():
        db.create_all()
        edition, organisation, coordinator = _setting()
        content = nominees_csv(rows, edition.starts_on.year)
        started = time.perf_counter()
        ids = import_nominations(edition, organisation, content, actor=coordinator, consent_version="benchmark",
                                 submit=submit)
        db.session.commit()
        seconds = time.perf_counter() - started
        status = NominationStatus.SUBMITTED if submit else NominationStatus.DRAFT
        stored = db.session.scalar(db.select(db.func.count()).select_from(Nomination)
                                   .where(Nomination.status == status))
        mails = db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage))
        db.engine.dispose()
    expected_mails = rows + 1 if submit else 0
    if len(ids) != rows or stored != rows or mails != expected_mails:
        raise RuntimeError(f"imported {len(ids)} rows, stored {stored} and queued {mails} mails, "
                           f"expected {rows} rows and {expected_mails} mails")
    return {"benchmark": name, "rows": rows, "bytes": len(content), "mails": mails,
            "seconds": round(seconds, 3), "target": f"seconds <= {TARGET_SECONDS:g} for {ROWS} rows",
            "met": seconds <= TARGET_SECONDS * rows / ROWS}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.nominations_import",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS, help=f"nominees in the file (default {ROWS})")
    parser.add_argument("--quick", action="store_true", help="smoke run: 500 rows (the target scales with the rows)")
    parser.add_argument("--output", default=str(PROJECT_ROOT / "bench-results" / "nominations_import.jsonl"),
                        help="also write the JSON line here ('' for none)")
    args = parser.parse_args(argv)
    if args.quick:
        args.rows = min(args.rows, 500)
    report = Report()
    with tempfile.TemporaryDirectory(prefix="academy-import-") as directory:
        for submit in (False, True):
            report.emit(measure(args.rows, Path(directory), submit=submit))
    report.write(args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
