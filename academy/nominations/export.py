"""Nominations as CSV, streamed: rows are fetched in batches and written out as they come.

The header holds stable English keys (``given_names``, ``date_of_birth`` …), not translated
labels: spreadsheets and scripts that read the file keep working whatever the reader's language.
The file starts with a UTF-8 byte-order mark so that spreadsheet programs read names in every
script correctly. Any text cell that a spreadsheet would run as a formula (starting with
``= + - @``, a tab or a carriage return) gets a leading apostrophe.

Who gets which rows is decided by the caller (``scope``); everyone who may export a row may
also read its personal data (admins, and the coordinators of the nominee's own organisation), so
those columns (``COLUMNS``) are the same for all. Admins also get the nomination's paper trail
(``ADMIN_ONLY_HEADER``, after the others): the consent's time and notice version, who nominated and
who decided, the invitation's state (sent, expires, used) and the account it was linked to.
"""
from __future__ import annotations

import csv
import enum
import io
from datetime import date, datetime
from typing import Iterable, Iterator

from sqlalchemy.orm import aliased

from ..accounts.models import User
from ..extensions import db
from ..organisations.models import Organisation, Region
from .models import Edition, Nomination

#: (header key, column) in the order of the file: what everyone who may export gets.
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
#: … and what admins get after those: the consent, who nominated and who decided (names of the
#: accounts, as on the review screens), the invitation and the account it was linked to.
ADMIN_ONLY_HEADER = (
    "consent_at", "consent_version", "nominated_by_id", "nominated_by", "decided_by_id", "decided_by",
    "invitation_sent_at", "invitation_expires_at", "invitation_used_at", "account_id",
)
ADMIN_HEADER = HEADER + ADMIN_ONLY_HEADER

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


def _admin_only_columns(nominator, decider) -> tuple:
    """(header key, column) in the order of ``ADMIN_ONLY_HEADER``; ``nominator`` and ``decider``
    are aliases of the accounts table (made per query: at import they would configure the mappers
    before every model is defined)."""
    return (
        ("consent_at", Nomination.consent_at),
        ("consent_version", Nomination.consent_version),
        ("nominated_by_id", Nomination.nominated_by_id),
        ("nominated_by", nominator.display_name),
        ("decided_by_id", Nomination.decided_by_id),
        ("decided_by", decider.display_name),
        ("invitation_sent_at", Nomination.invitation_sent_at),
        ("invitation_expires_at", Nomination.invitation_expires_at),
        ("invitation_used_at", Nomination.invitation_used_at),
        ("account_id", Nomination.user_id),
    )


def export_query(*, edition_id: int | None = None, organisation_id: int | None = None, admin: bool = False):
    """The rows of the export, in edition then submission order (columns only, no ORM objects).

    Each column is labelled with its header key (``stream_csv`` writes the header from them).
    ``admin`` adds the ``ADMIN_ONLY_HEADER`` columns after ``COLUMNS`` (staff names, consent and
    invitation details: for the academy's admins, never for a coordinator).
    """
    columns = COLUMNS
    if admin:
        nominator, decider = aliased(User, name="nominator"), aliased(User, name="decider")
        columns += _admin_only_columns(nominator, decider)
    query = (db.select(*(column.label(key) for key, column in columns))
             .select_from(Nomination)
             .join(Edition, Edition.id == Nomination.edition_id)
             .join(Organisation, Organisation.id == Nomination.organisation_id)
             .join(Region, Region.id == Organisation.region_id))
    if admin:
        query = (query.outerjoin(nominator, nominator.id == Nomination.nominated_by_id)
                 .outerjoin(decider, decider.id == Nomination.decided_by_id))
    query = query.order_by(Nomination.edition_id, Nomination.id)
    if edition_id is not None:
        query = query.where(Nomination.edition_id == edition_id)
    if organisation_id is not None:
        query = query.where(Nomination.organisation_id == organisation_id)
    return query.execution_options(yield_per=BATCH)


def csv_chunks(rows: Iterable, header: Iterable[str] = HEADER) -> Iterator[str]:
    """The CSV text of ``rows`` (BOM and ``header`` first) in chunks of about ``CHUNK`` characters."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(header)
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
        for chunk in csv_chunks(result, tuple(result.keys())):
            yield chunk.encode("utf-8")
