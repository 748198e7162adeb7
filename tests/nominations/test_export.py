"""The nominations export: admins also get each nomination's paper trail; coordinators never do."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

from academy.db_types import utcnow
from academy.extensions import db
from academy.nominations.export import (
    ADMIN_HEADER, ADMIN_ONLY_HEADER, BOM, HEADER, csv_chunks, export_query, stream_csv,
)
from academy.nominations.invitation_links import issue_invitation

EXPORT = "/admin/nominations/export.csv"


def _read(response) -> tuple[list[str], list[dict]]:
    assert response.status_code == 200 and response.is_streamed
    text = b"".join(response.response).decode("utf-8")
    assert text.startswith(BOM)
    reader = csv.DictReader(io.StringIO(text[1:]))
    rows = list(reader)
    return reader.fieldnames, rows


def _paper_trail(make):
    """An organisation, its coordinator, an admin and three nominations at different stages."""
    organisation = make.organisation()
    coordinator = make.coordinator(organisation, display_name="=HYPERLINK(\"http://x\",\"Coordinator\")")
    admin = make.admin(display_name="Ada Admin")
    edition = make.edition(seats=5)
    consent_at = (utcnow() - timedelta(days=3)).replace(microsecond=0)
    submitted = make.nomination(edition, organisation, status="submitted", nominated_by_id=coordinator.id,
                                consent_at=consent_at, consent_version="2026-11")
    accepted = make.nomination(edition, organisation, status="accepted", nominated_by_id=coordinator.id,
                               decided_by_id=admin.id)
    issue_invitation(accepted, consent_at)
    trainee = make.trainee()
    enrolled = make.nomination(edition, organisation, status="enrolled", nominated_by_id=coordinator.id,
                               decided_by_id=admin.id, user_id=trainee.id,
                               invitation_sent_at=consent_at, invitation_expires_at=consent_at + timedelta(days=14),
                               invitation_used_at=consent_at + timedelta(days=1))
    db.session.commit()
    return dict(organisation=organisation, coordinator=coordinator, admin=admin, edition=edition,
                submitted=submitted, accepted=accepted, enrolled=enrolled, trainee=trainee, consent_at=consent_at)


def test_the_admin_header_is_the_shared_one_then_the_paper_trail():
    assert ADMIN_HEADER == HEADER + ADMIN_ONLY_HEADER
    assert not set(HEADER) & set(ADMIN_ONLY_HEADER)
    assert {"consent_at", "consent_version", "nominated_by", "decided_by", "invitation_sent_at",
            "invitation_expires_at", "invitation_used_at", "account_id"} <= set(ADMIN_ONLY_HEADER)


def test_admins_get_consent_nominator_decider_and_invitation_state(client, make, login_as):
    trail = _paper_trail(make)
    login_as(trail["admin"])

    header, rows = _read(client.get(EXPORT, query_string={"edition": trail["edition"].id}))

    assert tuple(header) == ADMIN_HEADER
    by_id = {int(row["nomination_id"]): row for row in rows}
    submitted, accepted, enrolled = (by_id[trail[name].id] for name in ("submitted", "accepted", "enrolled"))
    assert submitted["consent_at"] == trail["consent_at"].isoformat()
    assert submitted["consent_version"] == "2026-11"
    # A name a spreadsheet would run as a formula is neutralised like every other cell.
    assert all(row["nominated_by"] == "'=HYPERLINK(\"http://x\",\"Coordinator\")" for row in rows)
    assert all(row["nominated_by_id"] == str(trail["coordinator"].id) for row in rows)
    assert (submitted["decided_by"], submitted["decided_by_id"]) == ("", "")
    assert (accepted["decided_by"], accepted["decided_by_id"]) == ("Ada Admin", str(trail["admin"].id))
    assert submitted["invitation_sent_at"] == submitted["invitation_expires_at"] == ""
    assert accepted["invitation_sent_at"] == trail["consent_at"].isoformat()
    assert accepted["invitation_expires_at"] > accepted["invitation_sent_at"]
    assert (accepted["invitation_used_at"], accepted["account_id"]) == ("", "")
    assert enrolled["invitation_used_at"] == (trail["consent_at"] + timedelta(days=1)).isoformat()
    assert enrolled["account_id"] == str(trail["trainee"].id)


def test_a_nomination_whose_nominator_or_decider_account_is_gone_is_still_exported(client, make, login_as):
    """The accounts are outer-joined: no row goes missing for a missing person."""
    admin = make.admin()
    edition = make.edition()
    orphan = make.nomination(edition, status="submitted", nominated_by_id=None)
    login_as(admin)
    _header, rows = _read(client.get(EXPORT, query_string={"edition": edition.id}))
    assert [(row["nomination_id"], row["nominated_by"], row["decided_by"]) for row in rows] == [
        (str(orphan.id), "", "")]


def test_coordinators_get_the_shared_columns_only(client, make, login_as):
    trail = _paper_trail(make)
    login_as(trail["coordinator"])

    header, rows = _read(client.get(EXPORT))

    assert tuple(header) == HEADER
    assert sorted(int(row["nomination_id"]) for row in rows) == sorted(
        trail[name].id for name in ("submitted", "accepted", "enrolled"))
    assert not any(key in row for row in rows for key in ADMIN_ONLY_HEADER)


def test_the_query_has_the_shared_columns_unless_admin_columns_are_asked_for(app, make):
    trail = _paper_trail(make)
    with app.app_context():
        assert tuple(export_query().selected_columns.keys()) == HEADER
        assert tuple(export_query(admin=False).selected_columns.keys()) == HEADER
        assert tuple(export_query(admin=True).selected_columns.keys()) == ADMIN_HEADER
        text = b"".join(stream_csv(db.engine, export_query(edition_id=trail["edition"].id, admin=True)))
    lines = text.decode("utf-8").lstrip(BOM).splitlines()
    assert lines[0].split(",") == list(ADMIN_HEADER) and len(lines) == 4


def test_chunks_write_the_header_they_are_given():
    text = "".join(csv_chunks([(1, "=x")], header=("a", "b")))
    assert text == BOM + "a,b\r\n1,'=x\r\n"
