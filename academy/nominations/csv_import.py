"""Nominating many people at once from a CSV file: all rows or none.

Every row is checked first, with the rules of the nomination form (``nominate_forms.clean_*``),
for duplicate addresses (within the file and against the organisation's nominations for the
edition), eligibility and spreadsheet formulas; every problem of every row is reported with its
line number and column, so that one upload shows all there is to fix. Only a file without a
single problem is written, in the caller's one transaction. The checks read the database a fixed
number of times whatever the file's length, so thousands of rows import in about a second.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

from ..audit.operations import record
from ..db_types import utcnow
from ..extensions import db
from ..i18n import format_list
from ..organisations.models import Organisation
from . import operations, rules, submission
from .languages import lazy_language_name
from .models import Edition, Nomination, NominationStatus, ParityRule
from .nominate_forms import (
    clean_country, clean_date_of_birth, clean_email, clean_free_text, clean_gender, clean_languages,
    clean_mail_language, clean_name, split_languages,
)

#: The columns a file must have, in the template's order (any order is accepted).
COLUMNS = ("given_names", "family_name", "email", "date_of_birth", "gender", "country", "languages",
           "mail_language", "party_role", "motivation")
#: The template's example row; rows whose first cell starts with ``#`` are skipped. The free-text
#: cells are in the reader's language (the codes stay as the file must hold them).
EXAMPLE_ROW = ("# Amina", "Diallo", "amina.diallo@example.org", "2001-05-17", "woman", "SN", "fr wo en", "fr",
               _l("Youth secretary"), _l("Runs the party's youth campaigns in Thiès."))
COMMENT_MARK = "#"
#: Largest file accepted, in bytes (5,000 nominees with long motivations fit).
MAX_BYTES = 4 * 1024 * 1024
#: Most nominees one file may hold.
MAX_ROWS = 10_000
#: A cell starting with one of these is a formula to a spreadsheet: refused, never stored.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_BOM = "\ufeff"
#: Dates are written YYYY-MM-DD only (``fromisoformat`` alone would take 20010517 or 2001-W20-1 too).
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


@dataclass(frozen=True)
class RowError:
    """What is wrong with one line of the file (line 1 is the header), in ``column`` when one cell is at fault."""

    line: int
    message: object
    column: str | None = None


def _position(error: RowError) -> tuple[int, int]:
    """Line by line; within a line, problems of the whole line first, then the cells in template order."""
    return error.line, COLUMNS.index(error.column) + 1 if error.column in COLUMNS else 0


class ImportRefused(Exception):
    """The file was not imported; ``errors`` lists every reason, by line and column."""

    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} errors")
        self.errors = sorted(errors, key=_position)


@dataclass
class _Row:
    line: int
    cells: dict[str, str]
    values: dict = field(default_factory=dict)


def template_csv() -> bytes:
    """The file coordinators fill in: UTF-8 with a BOM (so spreadsheets read it right), header and example."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerow(EXAMPLE_ROW)
    return (_BOM + buffer.getvalue()).encode("utf-8")


# --- Reading ----------------------------------------------------------------------------------


def _decode(content: bytes) -> str:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        line = content[:error.start].count(b"\n") + 1
        raise ImportRefused([RowError(line, _l(
            "Wrong encoding: the file must be saved as UTF-8 (“CSV UTF-8” in spreadsheets)."))]) from None
    return text[1:] if text.startswith(_BOM) else text


#: What spreadsheets separate cells with: commas, semicolons where the comma is the decimal mark
#: (French or Spanish Excel), tabs.
DELIMITERS = (",", ";", "\t")


def _delimiter(text: str) -> str:
    """The separator of the header line: the one that splits it into the most known columns
    (a comma when none does, so that the header's problems are reported as usual)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    known = {name: sum(cell.strip().strip('"') in COLUMNS for cell in first.split(name)) for name in DELIMITERS}
    best = max(DELIMITERS, key=lambda name: known[name])
    return best if known[best] else ","


def _check_header(header: list[str]) -> list[RowError]:
    names = [name.strip() for name in header]
    errors = []
    missing = [name for name in COLUMNS if name not in names]
    unknown = [name for name in names if name not in COLUMNS]
    repeated = sorted({name for name in names if name in COLUMNS and names.count(name) > 1})
    if missing:
        errors.append(RowError(1, _l("Missing columns: %(columns)s.", columns=format_list(missing))))
    if unknown:
        errors.append(RowError(1, _l("Unknown columns: %(columns)s.",
                                     columns=format_list(name or "“”" for name in unknown))))
    if repeated:
        errors.append(RowError(1, _l("Repeated columns: %(columns)s.", columns=format_list(repeated))))
    return errors


def read_rows(content: bytes) -> tuple[list[_Row], list[RowError]]:
    """The file's data rows keyed by column name, and the problems of the lines that could not be
    read as rows; ``ImportRefused`` when the file as a whole cannot be read."""
    if len(content) > MAX_BYTES:
        raise ImportRefused([RowError(1, _l("The file is too large: at most %(size)d MB.",
                                            size=MAX_BYTES // (1024 * 1024)))])
    text = _decode(content)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    rows: list[_Row] = []
    errors: list[RowError] = []
    header = None
    line = 1
    try:
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not cells or all(not cell.strip() for cell in cells):
                continue
            if header is None:
                header = [cell.strip() for cell in cells]
                errors.extend(_check_header(cells))
                if errors:
                    raise ImportRefused(errors)
                continue
            if cells[0].lstrip().startswith(COMMENT_MARK):
                continue
            if len(cells) != len(header):
                errors.append(RowError(start, _l("Expected %(expected)d cells, found %(found)d.",
                                                 expected=len(header), found=len(cells))))
            else:
                rows.append(_Row(start, dict(zip(header, cells))))
            if len(rows) + len(errors) > MAX_ROWS:
                raise ImportRefused([RowError(start, _l("Too many rows: at most %(count)d nominees per file.",
                                                        count=MAX_ROWS))])
    except csv.Error:
        errors.append(RowError(line, _l("This line is not valid CSV (check the quotation marks).")))
    if header is None:
        raise ImportRefused([*errors, RowError(1, _l("The file is empty: it needs the template's header row."))])
    if not rows and not errors:
        raise ImportRefused([RowError(2, _l("The file lists no nominees."))])
    return rows, errors


# --- Checking ---------------------------------------------------------------------------------


def _birth_date(text: str, today: date) -> date:
    text = text.strip()
    try:
        day = date.fromisoformat(text) if _ISO_DATE.fullmatch(text) else None
    except ValueError:  # 2001-02-30
        day = None
    return clean_date_of_birth(day, today)


def _in_file(clean, message):
    """``clean`` with the message a file needs: a cell has no list to choose from."""
    def cleaned(cell, today):
        try:
            return clean(cell)
        except ValidationError:
            raise ValidationError(message) from None
    return cleaned


#: Column → (the nomination's attribute, the nomination form's rule for it), in template order.
_CLEANERS = {
    "given_names": ("given_names", lambda cell, today: clean_name(cell, "given_names")),
    "family_name": ("family_name", lambda cell, today: clean_name(cell, "family_name", required=False)),
    "email": ("email", lambda cell, today: clean_email(cell)),
    "date_of_birth": ("date_of_birth", _birth_date),
    "gender": ("gender", _in_file(clean_gender, _l("Write woman, man, other or undisclosed."))),
    "country": ("country", _in_file(clean_country, _l(
        "Write the two-letter ISO code of the country, for example SN or AR."))),
    "languages": ("languages", lambda cell, today: clean_languages(split_languages(cell))),
    "mail_language": ("language", lambda cell, today: clean_mail_language(cell)),
    "party_role": ("party_role", lambda cell, today: clean_free_text(cell, "party_role")),
    "motivation": ("motivation", lambda cell, today: clean_free_text(cell, "motivation")),
}


def _unsafe_cell(cell: str):
    """Why a raw cell is refused before any rule reads it (a formula or control characters), or None.

    Spaces and line breaks before the formula do not hide it: the cleaning trims them."""
    head = cell if cell.startswith(FORMULA_PREFIXES) else cell.lstrip()
    if head.startswith(FORMULA_PREFIXES):
        return _l("This cell starts with “%(character)s”, which spreadsheets run as a formula; remove that "
                  "character.", character=repr(head[0])[1:-1])
    if any(ord(char) < 32 and char not in "\n\r" for char in cell) or "\x7f" in cell:
        return _l("Remove the control characters from this text.")
    return None


def _clean_cells(row: _Row, today: date) -> list[RowError]:
    """Fill ``row.values`` with each good cell, cleaned as the form would; return every bad cell's problem."""
    errors = []
    for column, (attribute, clean) in _CLEANERS.items():
        cell = row.cells[column]
        message = _unsafe_cell(cell)
        if message is None:
            try:
                row.values[attribute] = clean(cell, today)
                continue
            except ValidationError as error:
                message = error.args[0]
        errors.append(RowError(row.line, message, column))
    return errors


def _eligibility_errors(edition: Edition, row: _Row) -> list[RowError]:
    """The row's age and language eligibility, each judged when its cell is good (the organisation
    is checked once for the file)."""
    values, errors = row.values, []
    if "date_of_birth" in values and not rules.age_allowed(values["date_of_birth"], edition.starts_on,
                                                           edition.min_age, edition.max_age):
        errors.append(RowError(row.line, _l(
            "Not eligible: nominees must be %(min)d to %(max)d years old on the first day of the edition.",
            min=edition.min_age, max=edition.max_age), "date_of_birth"))
    if "languages" in values and not rules.language_allowed(edition.required_language, values["languages"]):
        errors.append(RowError(row.line, _l(
            "Not eligible: nominees must speak the edition's required language (%(language)s).",
            language=lazy_language_name(edition.required_language)), "languages"))
    return errors


def _file_errors(edition: Edition, organisation: Organisation, now: datetime, submit: bool) -> list[RowError]:
    """The problems of the whole file: the window, the organisation's eligibility, the ``pairs`` rule."""
    errors = []
    if not rules.window_is_open(edition.status, edition.nominations_open_at, edition.nominations_close_at, now):
        errors.append(RowError(1, _l("Nominations for this edition are not open.")))
    if not organisation.is_active or not rules.organisation_allowed(
            organisation.id, organisation.region_id, *operations.allow_lists(edition.id)):
        errors.append(RowError(1, _l("Not eligible: this edition is not open to nominees of this organisation.")))
    if submit and edition.parity_rule is ParityRule.PAIRS:
        errors.append(RowError(1, _l("This edition takes women and men in pairs: import them as drafts, then "
                                     "submit each woman and man together from the edition's page.")))
    return errors


def check_rows(edition: Edition, organisation: Organisation, rows: list[_Row], *, now: datetime,
               submit: bool = False) -> list[RowError]:
    """Fill each row's ``values``; return every problem of the file and of every row."""
    errors = _file_errors(edition, organisation, now, submit)
    # The organisation's own nominations only: another organisation's are not this coordinator's to learn of.
    taken = set(db.session.scalars(sa.select(Nomination.email).where(
        Nomination.edition_id == edition.id, Nomination.organisation_id == organisation.id,
        Nomination.email.is_not(None))))
    first_line: dict[str, int] = {}
    today = now.date()
    for row in rows:
        errors.extend(_clean_cells(row, today))
        email = row.values.get("email")
        if email in taken:
            errors.append(RowError(row.line, _l("This person has already been nominated for this edition."),
                                   "email"))
        elif email in first_line:
            errors.append(RowError(row.line, _l("The same e-mail address is on line %(line)d.",
                                                line=first_line[email]), "email"))
        elif email is not None:
            first_line[email] = row.line
        errors.extend(_eligibility_errors(edition, row))
    return errors


# --- Writing ----------------------------------------------------------------------------------


def import_nominations(edition: Edition, organisation: Organisation, content: bytes, *, actor,
                       consent_version: str, submit: bool = False, now: datetime | None = None) -> list[int]:
    """Add every nominee of the CSV ``content`` as a draft (or submitted), or raise ``ImportRefused``.

    Returns the new nominations' ids. The rows go in as one multi-row INSERT and the import is
    audited as one event naming them (thousands of single inserts would take seconds); submission
    goes through the status machine's bulk path (``submission.submit_many``: the same rules, one
    audit event and one notice per nominee, one summary for the coordinator). Flushes; the caller
    commits, or rolls back on any exception.
    """
    now = now or utcnow()
    rows, errors = read_rows(content)
    errors += check_rows(edition, organisation, rows, now=now, submit=submit)
    if errors:
        raise ImportRefused(errors)
    common = dict(edition_id=edition.id, organisation_id=organisation.id, nominated_by_id=getattr(actor, "id", None),
                  status=NominationStatus.DRAFT, consent_at=now, consent_version=consent_version,
                  created_at=now, updated_at=now)
    ids = list(db.session.scalars(
        sa.insert(Nomination).returning(Nomination.id),
        [{**common, **row.values} for row in rows]))
    record("nominations.imported", actor=actor, object_type="editions", object_id=edition.id,
           organisation_id=organisation.id, count=len(ids), nomination_ids=ids, submitted=submit)
    if submit:
        submission.submit_many(db.session.scalars(sa.select(Nomination).where(Nomination.id.in_(ids))
                                                  .order_by(Nomination.id)).all(), actor=actor, now=now)
    db.session.flush()
    return ids
