"""Nominating from a CSV file: every row checked first, then all rows written or none."""
import csv
import io
from datetime import date

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings, strategies as st

from academy.audit.models import AuditEvent
from academy.nominations import csv_import
from academy.nominations.csv_import import COLUMNS, ImportRefused, import_nominations, template_csv
from academy.nominations.models import EditionStatus, Gender, Nomination, NominationStatus as S, ParityRule
from academy.nominations.operations import WINDOW_CLOSED, NominationRefused

from ..querycount import count_queries

FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _row(number: int, edition, **overrides) -> dict:
    values = dict(given_names=f"Nominee {number}", family_name="Ndiaye", email=f"nominee{number}@example.org",
                  date_of_birth=date(edition.starts_on.year - 25, 1, 1).isoformat(),
                  gender=("woman", "man", "other")[number % 3], country="sn", languages="fr, wo en",
                  mail_language="fr", party_role="Youth secretary", motivation="Campaigns and trains.")
    values.update(overrides)
    return values


def _csv(rows: list[dict], columns=COLUMNS, bom: bool = False, delimiter: str = ",") -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\r\n", extrasaction="ignore",
                            delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def _count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Nomination))


@pytest.fixture
def setting(make):
    organisation = make.organisation()
    return make.edition(), organisation, make.coordinator(organisation)


def _import(setting, content: bytes, **kwargs):
    edition, organisation, coordinator = setting
    return import_nominations(edition, organisation, content, actor=coordinator, consent_version="v1", **kwargs)


def _problems(setting, content: bytes, db, **kwargs) -> list:
    """(line, column, message) of every problem, after checking that nothing was written."""
    before = _count(db)
    with pytest.raises(ImportRefused) as info:
        _import(setting, content, **kwargs)
    db.session.rollback()
    assert _count(db) == before
    return [(error.line, error.column, str(error.message)) for error in info.value.errors]


def _errors(setting, content: bytes, db, **kwargs) -> list:
    """(line, message) of every problem, after checking that nothing was written."""
    return [(line, message) for line, _column, message in _problems(setting, content, db, **kwargs)]


# --- Happy paths ---------------------------------------------------------------------------------


def test_the_template_is_utf8_with_header_and_an_ignored_example(setting, db):
    content = template_csv()
    assert content.startswith("\ufeff".encode())
    lines = content.decode("utf-8-sig").splitlines()
    assert lines[0] == ",".join(COLUMNS) and lines[1].startswith("# ")
    with pytest.raises(ImportRefused) as info:  # the example alone imports nobody
        _import(setting, content)
    assert [error.line for error in info.value.errors] == [2]


def test_rows_become_drafts_with_consent_and_audit(setting, db):
    edition, organisation, coordinator = setting
    content = _csv([_row(number, edition) for number in range(3)], bom=True)
    ids = _import(setting, content)
    db.session.commit()
    assert _count(db) == 3
    first = db.session.scalars(sa.select(Nomination).where(Nomination.email == "nominee0@example.org")).one()
    assert first.status is S.DRAFT and first.country == "SN" and first.languages == ["fr", "wo", "en"]
    assert first.gender is Gender.WOMAN and first.motivation == "Campaigns and trains."
    assert first.consent_version == "v1" and first.organisation_id == organisation.id
    assert first.nominated_by_id == coordinator.id and first.email == "nominee0@example.org"
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "nominations.imported")).one()
    assert sorted(event.details["nomination_ids"]) == sorted(ids) and event.actor_id == coordinator.id


def test_columns_may_come_in_any_order_and_comment_and_blank_lines_are_skipped(setting, db):
    edition = setting[0]
    columns = list(reversed(COLUMNS))
    content = _csv([_row(1, edition), {name: "" for name in COLUMNS},
                    _row(2, edition, motivation="# skipped: motivation is the first column")],
                   columns=columns)
    _import(setting, content)
    assert _count(db) == 1


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_files_separated_by_semicolons_or_tabs_are_read_as_spreadsheets_write_them(setting, db, delimiter):
    """French or Spanish Excel separates cells with semicolons (the comma is their decimal mark)."""
    edition = setting[0]
    rows = [_row(1, edition, motivation="Trains volunteers, runs phone banks; speaks Wolof."), _row(2, edition)]
    _import(setting, _csv(rows, bom=True, delimiter=delimiter))
    db.session.commit()
    saved = db.session.scalars(sa.select(Nomination).where(Nomination.email == "nominee1@example.org")).one()
    assert _count(db) == 2 and saved.motivation == "Trains volunteers, runs phone banks; speaks Wolof."


def test_a_header_no_separator_splits_is_reported_as_missing_columns(setting, db):
    errors = _errors(setting, "given_names|family_name|email\r\n".encode(), db)
    assert errors[0][0] == 1 and errors[0][1].startswith("Missing columns:")


def test_a_gender_or_country_a_file_cannot_pick_from_a_list_says_what_to_write(setting, db):
    edition = setting[0]
    content = _csv([_row(1, edition, gender="femme", country="France")])
    assert _problems(setting, content, db) == [
        (2, "gender", "Write woman, man, other or undisclosed."),
        (2, "country", "Write the two-letter ISO code of the country, for example SN or AR.")]


def test_a_person_known_by_one_name_only_has_an_empty_family_name(setting, db):
    edition = setting[0]
    _import(setting, _csv([_row(1, edition, given_names="Wiranti", family_name="")]))
    db.session.commit()
    saved = db.session.scalars(sa.select(Nomination)).one()
    assert (saved.given_names, saved.family_name, saved.full_name) == ("Wiranti", "", "Wiranti")


def test_rows_can_be_submitted_at_once(setting, db, outbox):
    edition, organisation, coordinator = setting
    ids = _import(setting, _csv([_row(number, edition) for number in range(4)]), submit=True)
    statuses = db.session.scalars(sa.select(Nomination.status).where(Nomination.id.in_(ids))).all()
    assert statuses == [S.SUBMITTED] * 4
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "nomination.submitted")).all()
    assert sorted(int(event.object_id) for event in events) == sorted(ids)
    assert {event.actor_id for event in events} == {coordinator.id}
    for number in range(4):  # each nominee their own notice, in the file's mail language
        [notice] = outbox(f"nominee{number}@example.org")
        assert notice.language == "fr" and f"Nominee {number}" in notice.body_text
    [summary] = outbox(coordinator.email)  # the coordinator one summary, not four messages
    assert "4" in summary.subject and edition.name in summary.subject
    assert len(outbox()) == 5


def test_submitting_rechecks_the_rules_the_file_checks_passed(setting, db, outbox, monkeypatch):
    edition = setting[0]
    edition.status = EditionStatus.CLOSED
    db.session.commit()
    monkeypatch.setattr(csv_import, "_file_errors", lambda *args: [])  # a checker that forgot the window
    with pytest.raises(NominationRefused) as info:
        _import(setting, _csv([_row(number, edition) for number in range(3)]), submit=True)
    assert info.value.code == WINDOW_CLOSED
    db.session.rollback()
    assert _count(db) == 0 and outbox() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0


# --- Refusals: every bad row reported, nothing written -----------------------------------------


def test_every_bad_row_is_reported_with_its_line(setting, db):
    edition = setting[0]
    too_old = date(edition.starts_on.year - 50, 1, 1).isoformat()
    rows = [_row(1, edition), _row(2, edition, email="broken"), _row(3, edition, date_of_birth=too_old),
            _row(4, edition, email="nominee1@example.org"), _row(5, edition, given_names="=HYPERLINK(1)"),
            _row(6, edition, languages="xx"), _row(7, edition, gender="robot"), _row(8, edition, country="EU"),
            _row(9, edition, mail_language="de"), _row(10, edition, date_of_birth="20010517"),
            _row(11, edition, motivation="@SUM(A1)"), _row(12, edition, party_role="\tcmd")]
    errors = _errors(setting, _csv(rows), db)
    assert [line for line, _message in errors] == list(range(3, 14))
    messages = dict(errors)
    assert "valid e-mail" in messages[3]
    assert "Not eligible" in messages[4]
    assert "line 2" in messages[5]
    assert "formula" in messages[6] and "formula" in messages[12] and "formula" in messages[13]


def test_a_formula_behind_spaces_or_a_line_break_is_refused_too(setting, db):
    """The cleaning trims a cell: what it would store must not begin a formula either."""
    edition = setting[0]
    rows = [_row(1, edition, motivation=" =1+1"), _row(2, edition, party_role="\n+cmd"),
            _row(3, edition, given_names="  @SUM(A1)")]
    errors = _errors(setting, _csv(rows), db)
    assert [line for line, _message in errors] == [2, 3, 5]  # the quoted line break takes a line
    assert all("formula" in message for _line, message in errors)
    assert _count(db) == 0


def test_a_line_with_two_bad_columns_reports_both(setting, db):
    edition = setting[0]
    rows = [_row(1, edition, email="broken", country="EU")]
    problems = _problems(setting, _csv(rows), db)
    assert [(line, column) for line, column, _message in problems] == [(2, "email"), (2, "country")]
    assert "valid e-mail" in problems[0][2] and "country" in problems[1][2]


def test_every_problem_of_several_lines_is_reported_and_nothing_written(setting, db):
    edition = setting[0]
    too_old = date(edition.starts_on.year - 50, 1, 1).isoformat()
    rows = [_row(1, edition, given_names="=CMD()", gender="robot", date_of_birth=too_old),
            _row(2, edition),
            _row(3, edition, email="nominee1@example.org", languages="xx", mail_language="de", motivation="@A1"),
            _row(4, edition, given_names="", languages="en")]
    edition.required_language = "fr"
    problems = _problems(setting, _csv(rows), db)
    assert [(line, column) for line, column, _message in problems] == [
        (2, "given_names"), (2, "date_of_birth"), (2, "gender"),
        (4, "email"), (4, "languages"), (4, "mail_language"), (4, "motivation"),
        (5, "given_names"), (5, "languages")]
    messages = {(line, column): message for line, column, message in problems}
    assert "formula" in messages[2, "given_names"] and "Not eligible" in messages[2, "date_of_birth"]
    assert "line 2" in messages[4, "email"] and "formula" in messages[4, "motivation"]
    assert "required language (French)" in messages[5, "languages"]


def test_an_address_already_nominated_does_not_hide_the_lines_other_problems(setting, db, make):
    edition, organisation, _coordinator = setting
    make.nomination(edition, organisation, email="nominee1@example.org")
    problems = _problems(setting, _csv([_row(1, edition, country="EU")]), db)
    assert [(line, column) for line, column, _message in problems] == [(2, "email"), (2, "country")]
    assert "already been nominated" in problems[0][2]


def test_problems_of_the_whole_line_name_no_column(setting, db):
    content = _csv([_row(1, setting[0], email="broken")]) + b"only,three,cells\r\n"
    assert [(line, column) for line, column, _message in _problems(setting, content, db)] == [(2, "email"),
                                                                                             (3, None)]


def test_line_numbers_count_physical_lines_of_multiline_cells(setting, db):
    edition = setting[0]
    rows = [_row(1, edition, motivation="one\ntwo\nthree"), _row(2, edition, email="broken")]
    assert [line for line, _ in _errors(setting, _csv(rows), db)] == [5]


def test_addresses_the_organisation_already_nominated_for_the_edition_are_refused(setting, db, make):
    edition, organisation, _coordinator = setting
    make.nomination(edition, organisation, email="nominee1@example.org")
    errors = _errors(setting, _csv([_row(1, edition, email="Nominee1@Example.org"), _row(2, edition)]), db)
    assert errors == [(2, "This person has already been nominated for this edition.")]


def test_another_organisations_nomination_of_an_address_is_neither_refused_nor_revealed(setting, db, make):
    """Refusing the row would tell this coordinator that another organisation nominated the person."""
    edition = setting[0]
    make.nomination(edition, email="nominee1@example.org")  # by another organisation
    ids = _import(setting, _csv([_row(1, edition, email="Nominee1@Example.org"), _row(2, edition)]))
    emails = db.session.scalars(sa.select(Nomination.email).where(Nomination.id.in_(ids)))
    assert sorted(emails) == ["nominee1@example.org", "nominee2@example.org"]


def test_missing_unknown_and_repeated_columns_are_reported(setting, db):
    columns = [name for name in COLUMNS if name != "email"] + ["phone", "gender"]
    [(line, missing), (_, unknown), (_, repeated)] = _errors(setting, _csv([], columns=columns), db)
    assert line == 1 and "email" in missing and "phone" in unknown and "gender" in repeated


@pytest.mark.parametrize("content", [
    "given_names,family_name\n".encode("utf-16"), "Zoë,Ndiaye\n".encode("latin-1"), b"\xff\xfe\x00\x00",
])
def test_other_encodings_are_refused(setting, db, content):
    [(line, message)] = _errors(setting, content, db)
    assert "Wrong encoding" in message and line >= 1


def test_too_large_files_are_refused(setting, db):
    content = b"x" * (csv_import.MAX_BYTES + 1)
    assert "too large" in _errors(setting, content, db)[0][1]


def test_a_row_with_the_wrong_number_of_cells_is_reported(setting, db):
    content = _csv([_row(1, setting[0])]) + b"only,three,cells\r\n"
    assert _errors(setting, content, db) == [(3, "Expected 10 cells, found 3.")]


def test_closed_window_and_pairs_submission_are_refused_for_the_whole_file(setting, db, make):
    edition, organisation, coordinator = setting
    edition.status = EditionStatus.CLOSED
    edition.parity_rule = ParityRule.PAIRS
    db.session.commit()
    errors = _errors(setting, _csv([_row(1, edition)]), db, submit=True)
    assert [line for line, _ in errors] == [1, 1]
    assert "not open" in errors[0][1] and "pairs" in errors[1][1]


def test_empty_and_header_only_files_are_refused(setting, db):
    assert _errors(setting, b"", db)[0][0] == 1
    assert _errors(setting, _csv([]), db) == [(2, "The file lists no nominees.")]


# --- Fuzzing: never raise, never write partially ---------------------------------------------


def _outcome(setting, db, content: bytes) -> None:
    """Import ``content``: either every data row is written, or nothing and every error has a line."""
    try:
        nominations = _import(setting, content)
    except ImportRefused as refusal:
        db.session.rollback()
        assert refusal.errors and all(isinstance(error.line, int) and error.line >= 1 for error in refusal.errors)
        assert all(str(error.message) for error in refusal.errors)
        assert _count(db) == 0
    else:
        db.session.flush()
        assert nominations and _count(db) == len(nominations)
        db.session.rollback()


@FUZZ
@given(content=st.binary(max_size=400))
def test_random_bytes_never_raise_or_write_partially(setting, db, content):
    _outcome(setting, db, content)


@FUZZ
@given(content=st.binary(max_size=200))
def test_random_bytes_after_a_valid_header_never_raise(setting, db, content):
    _outcome(setting, db, _csv([]) + content)


_cells = st.one_of(st.text(max_size=30), st.sampled_from(
    ["", "=1+1", "+1", "-1", "@A1", "\tx", "\rx", "woman", "man", "SN", "fr", "en", "2001-05-17", "1800-01-01",
     "a@example.org", "A@Example.org", "#", "\x00", "x" * 300]))


@FUZZ
@given(rows=st.lists(st.fixed_dictionaries({name: _cells for name in COLUMNS}), min_size=1, max_size=6),
       order=st.permutations(COLUMNS), valid=st.lists(st.booleans(), min_size=6, max_size=6))
def test_random_cells_and_column_orders_import_all_or_nothing(setting, db, rows, order, valid):
    edition = setting[0]
    rows = [_row(number, edition) if valid[number] else row for number, row in enumerate(rows)]
    _outcome(setting, db, _csv(rows, columns=order))


@FUZZ
@given(order=st.permutations(COLUMNS), count=st.integers(min_value=1, max_value=8))
def test_valid_rows_in_any_column_order_all_import(setting, db, order, count):
    content = _csv([_row(number, setting[0]) for number in range(count)], columns=order)
    nominations = _import(setting, content)
    assert len(nominations) == count
    db.session.rollback()


# --- Through the page --------------------------------------------------------------------------


@pytest.fixture
def signed_in(setting, login_as):
    login_as(setting[2])
    return setting


def _upload(client, edition, content: bytes, **fields):
    data = {"file": (io.BytesIO(content), "nominees.csv"), "consent": "y", **fields}
    return client.post(f"/nominations/editions/{edition.id}/upload", data=data,
                       content_type="multipart/form-data")


def test_the_page_imports_a_good_file(client, db, signed_in, outbox):
    edition, organisation, coordinator = signed_in
    assert client.get(f"/nominations/editions/{edition.id}/upload").status_code == 200
    response = _upload(client, edition, _csv([_row(number, edition) for number in range(3)]), submit_all="y")
    assert response.status_code == 302
    response.close()  # as a server does once the answer is sent: mail goes out only then
    db.session.expire_all()
    assert db.session.scalars(sa.select(Nomination.status)).all() == [S.SUBMITTED] * 3
    messages = outbox()
    [summary] = outbox(coordinator.email)
    assert len(messages) == 4 and f"/nominations/editions/{edition.id}" in summary.body_text
    assert all(message.sent_at is not None for message in messages)  # delivered once the answer was sent


def test_the_page_lists_every_bad_row_and_writes_nothing(client, db, signed_in):
    edition = signed_in[0]
    rows = [_row(1, edition), _row(2, edition, email="broken"), _row(3, edition, country="=1")]
    response = _upload(client, edition, _csv(rows))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing was imported: 2 problems to fix." in page
    assert '<th scope="row">3</th>' in page and '<th scope="row">4</th>' in page
    assert _count(db) == 0


def test_the_page_groups_the_problems_of_a_line_under_its_number(client, db, signed_in):
    edition = signed_in[0]
    response = _upload(client, edition, _csv([_row(1, edition, email="broken", gender="robot")]))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing was imported: 2 problems to fix." in page
    assert page.count('<th scope="row">2</th>') == 1
    line = page[page.index('<th scope="row">2</th>'):page.index("</tr>", page.index('<th scope="row">2</th>'))]
    assert '<code dir="ltr">email</code>' in line and '<code dir="ltr">gender</code>' in line
    assert _count(db) == 0


def test_the_page_lists_the_first_200_bad_lines_and_counts_the_rest(client, db, signed_in):
    edition = signed_in[0]
    rows = [_row(number, edition, email=f"broken{number}") for number in range(203)]
    response = _upload(client, edition, _csv(rows))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing was imported: 203 problems to fix." in page
    assert '<th scope="row">201</th>' in page and '<th scope="row">202</th>' not in page
    assert "The first 200 lines with problems are listed; 3 more lines have problems too." in page
    assert _count(db) == 0


def test_the_page_requires_consent(client, db, signed_in):
    edition = signed_in[0]
    data = {"file": (io.BytesIO(_csv([_row(1, edition)])), "nominees.csv")}
    response = client.post(f"/nominations/editions/{edition.id}/upload", data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 400 and _count(db) == 0


def test_the_template_downloads_as_an_attachment(client, signed_in):
    response = client.get(f"/nominations/editions/{signed_in[0].id}/template.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data == template_csv()


def _statements_to_import(setting, rows: int, **kwargs) -> tuple[int, int]:
    """(reads, writes) the importer sends for ``rows`` rows."""
    edition = setting[0]
    content = _csv([_row(number, edition) for number in range(rows)])
    with count_queries() as queries:
        _import(setting, content, **kwargs)
    writes = sum(1 for statement in queries.statements if statement.lstrip().upper().startswith(("INSERT", "UPDATE")))
    return queries.count - writes, writes


@pytest.mark.parametrize("submit", [False, True], ids=["drafts", "submitted"])
def test_the_statements_sent_do_not_grow_with_the_rows(setting, db, outbox, submit):
    """How fast 5,000 rows go is measured by ``benchmarks.nominations_import``; what keeps it fast
    is that the importer reads the same for 50 rows as for 5,000 and writes in batches, never a
    statement per row."""
    few_reads, few_writes = _statements_to_import(setting, 50, submit=submit)
    db.session.rollback()
    many_reads, many_writes = _statements_to_import(setting, 5000, submit=submit)
    db.session.commit()
    assert many_reads == few_reads
    assert few_writes <= many_writes <= 5000 // 100
    assert _count(db) == 5000
    assert len(outbox()) == (5001 if submit else 0)


def test_the_benchmark_imports_its_generated_file(tmp_path):
    from benchmarks.nominations_import import measure

    line = measure(40, tmp_path)
    assert line["benchmark"] == "nominations_import" and line["rows"] == 40 and line["met"] is True
    line = measure(40, tmp_path, submit=True)  # 40 rows are too few to judge "met" (templates compile once)
    assert line["benchmark"] == "nominations_import_submitted" and line["rows"] == 40 and line["mails"] == 41
    assert isinstance(line["met"], bool) and line["seconds"] > 0
