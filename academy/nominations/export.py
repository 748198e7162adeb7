"""Nominations as CSV, streamed: rows are fetched in batches and written out as they come.

The header holds stable English keys (``given_names``, ``date_of_birth`` …), not translated
labels: spreadsheets and scripts that read the file keep working whatever the reader's language.
The file starts with a UTF-8 byte-order mark so that spreadsheet programs read names in every
script correctly. Any text cell that a spreadsheet would run as a formula (starting with
``= + - @``, a tab or a carriage return) gets a leading apostrophe.

Who gets which rows is decided by the caller (``scope``); everyone who may export a row may
also read its personal data (admins, and the coordinators of the nominee's own organisation), so
the columns are the same for all.
"""
from __future__ import annotations

import csv
import enum
import io
from datetime import date, datetime
from typing import Iterable, Iterator

from ..extensions import db
from ..organisations.models import Organisation, Region
from .models import Edition, Nomination

#: (header key, column) in the order of the file.
COLUMNS = (
    ("nomination_id", Nomination.id),
    ("edition_id", Nomination.edition_id),
    ("edition", Edition.name),
    ("organisation", Organisation.name),
    ("organisation_short_name", Organisation.short_name),
    ("region", Region.code),
    ("status", Nomination.status),
    ("given_names", Nomination.given_names),
    ("family_name", Nomination.family_name),
    ("email", Nomination.email),
    ("country", Nomination.country),
    ("languages", Nomination.languages),
    ("party_role", Nomination.party_role),
    ("mail_language", Nomination.language),
    ("date_of_birth", Nomination.date_of_birth),
    ("gender", Nomination.gender),
    ("motivation", Nomination.motivation),
    ("submitted_at", Nomination.submitted_at),
    ("decided_at", Nomination.decided_at),
    ("decision_reason", Nomination.decision_reason),
    ("waitlisted_at", Nomination.waitlisted_at),
    ("purged_at", Nomination.purged_at),
)
HEADER = tuple(key for key, _column in COLUMNS)

#: Rows fetched from the database per round trip (a server-side cursor on PostgreSQL).
BATCH = 500
#: Characters gathered before a chunk is handed to the server.
CHUNK = 64 * 1024
#: First characters that make a spreadsheet cell a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def neutralise(value) -> str:
    """``value`` as a CSV cell that no spreadsheet evaluates."""
    if value is None:
        return ""
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        value = " ".join(str(item) for item in value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def export_query(*, edition_id: int | None = None, organisation_id: int | None = None):
    """The rows of the export, in edition then submission order (columns only, no ORM objects)."""
    query = (db.select(*(column for _key, column in COLUMNS))
             .select_from(Nomination)
             .join(Edition, Edition.id == Nomination.edition_id)
             .join(Organisation, Organisation.id == Nomination.organisation_id)
             .join(Region, Region.id == Organisation.region_id)
             .order_by(Nomination.edition_id, Nomination.id))
    if edition_id is not None:
        query = query.where(Nomination.edition_id == edition_id)
    if organisation_id is not None:
        query = query.where(Nomination.organisation_id == organisation_id)
    return query.execution_options(yield_per=BATCH)


def csv_chunks(rows: Iterable) -> Iterator[str]:
    """The CSV text of ``rows`` (BOM and header first) in chunks of about ``CHUNK`` characters."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow([neutralise(value) for value in row])
        if buffer.tell() >= CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def stream_csv(engine, query) -> Iterator[bytes]:
    """Run ``query`` on a connection of its own and yield the CSV as UTF-8 bytes.

    The connection is opened at the first chunk and closed after the last one, or when the
    server closes the response early (the client went away). Nothing here needs the request
    context, so the response streams without holding it (no ``stream_with_context``) and a
    generator closed late, by the garbage collector, pops no context out of turn.
    """
    with engine.connect() as connection:
        result = connection.execute(query)
        for chunk in csv_chunks(result):
            yield chunk.encode("utf-8")
