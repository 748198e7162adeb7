"""``academy purge-expired``: declined and withdrawn nominations lose their personal data after retention."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from academy.audit.models import AuditEvent
from academy.config import build_config
from academy.db_types import utcnow
from academy.nominations.models import EditionStatus, Nomination
from academy.nominations.purge import count_expired, purge_expired

RETENTION = 180
ALL_STATUSES = ("draft", "submitted", "accepted", "waitlisted", "declined", "withdrawn", "enrolled")


def _edition_ended(make, days_ago: int, **fields):
    """A closed edition whose last day was ``days_ago`` days ago."""
    now = utcnow().replace(microsecond=0)
    ends_on = (now - timedelta(days=days_ago)).date()
    starts_on = ends_on - timedelta(days=30)
    return make.edition(starts_on=starts_on, ends_on=ends_on, status=EditionStatus.CLOSED,
                        nominations_open_at=now - timedelta(days=days_ago + 90),
                        nominations_close_at=now - timedelta(days=days_ago + 40), **fields)


def _nominations(db):
    db.session.expire_all()
    return {item.id: item for item in db.session.scalars(sa.select(Nomination))}


def _report_counts(db) -> Counter:
    """What reports count: nominations by edition, organisation, status, gender and country."""
    rows = db.session.execute(
        sa.select(Nomination.edition_id, Nomination.organisation_id, Nomination.status, Nomination.gender,
                  Nomination.country, sa.func.count())
        .group_by(Nomination.edition_id, Nomination.organisation_id, Nomination.status, Nomination.gender,
                  Nomination.country)).all()
    return Counter({tuple(row[:-1]): row[-1] for row in rows})


def _purge_events(db) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "nomination.purge")))


@pytest.fixture
def history(make):
    """Every status in an edition that ended long ago, one that ended recently and one to come."""
    organisations = [make.organisation(), make.organisation()]
    editions = {"old": _edition_ended(make, RETENTION + 20, seats=50),
                "recent": _edition_ended(make, RETENTION - 20, seats=50),
                "coming": make.edition(seats=50)}
    made = {}
    for name, edition in editions.items():
        for number, status in enumerate(ALL_STATUSES):
            for organisation in organisations:
                gender = "woman" if number % 2 else "man"
                made[(name, status, organisation.id)] = make.nomination(
                    edition, organisation, status=status, gender=gender, country="KE" if number % 3 else "CO",
                    decision_reason="Personal circumstances of the nominee" if status == "declined" else None)
    return made


def test_only_expired_declined_and_withdrawn_nominations_are_purged(history, db):
    now = utcnow()
    purged = purge_expired(now, RETENTION)
    db.session.commit()

    expected = {item.id for (edition, status, _), item in history.items()
                if edition == "old" and status in ("declined", "withdrawn")}
    assert purged == len(expected) == 4
    for nomination in _nominations(db).values():
        if nomination.id in expected:
            assert nomination.purged_at is not None
            assert (nomination.email, nomination.date_of_birth) == (None, None)
            assert (nomination.given_names, nomination.family_name) == ("", "")
            assert (nomination.motivation, nomination.party_role, nomination.languages) == ("", "", [])
            assert nomination.decision_reason is None
            assert nomination.invitation_token_hash is None and nomination.invitation_sent_at is None
        else:
            assert nomination.purged_at is None
            assert nomination.email and nomination.date_of_birth and nomination.given_names
            assert nomination.motivation == "Wants to learn."


def test_purge_keeps_what_the_reports_count(history, db):
    before = _report_counts(db)
    assert purge_expired(utcnow(), RETENTION) > 0
    db.session.commit()
    assert _report_counts(db) == before


def test_purge_is_idempotent_and_audited_once(history, db):
    now = utcnow()
    first = purge_expired(now, RETENTION)
    db.session.commit()
    stamps = {item.id: item.purged_at for item in _nominations(db).values()}

    assert purge_expired(now + timedelta(hours=1), RETENTION) == 0
    db.session.commit()

    assert {item.id: item.purged_at for item in _nominations(db).values()} == stamps
    [event] = _purge_events(db)
    assert event.details == {"count": first, "retention_days": RETENTION}
    assert event.actor_id is None


def test_an_edition_ended_exactly_the_retention_ago_is_kept_one_more_day(make, db):
    edge = make.nomination(_edition_ended(make, RETENTION), status="declined")
    past = make.nomination(_edition_ended(make, RETENTION + 1), status="withdrawn")
    assert purge_expired(utcnow(), RETENTION) == 1
    db.session.commit()
    nominations = _nominations(db)
    assert nominations[edge.id].purged_at is None and nominations[past.id].purged_at is not None


def test_zero_retention_purges_as_soon_as_the_edition_has_ended(make, db):
    ended = make.nomination(_edition_ended(make, 1), status="declined")
    running = make.nomination(_edition_ended(make, -1), status="declined")
    assert purge_expired(utcnow(), 0) == 1
    db.session.commit()
    nominations = _nominations(db)
    assert nominations[ended.id].purged_at is not None and nominations[running.id].purged_at is None


def test_a_negative_retention_is_refused(db):
    with pytest.raises(ValueError):
        purge_expired(utcnow(), -1)


def test_a_retention_beyond_the_calendar_purges_nothing(history, db):
    assert purge_expired(utcnow(), 10**8) == 0


def test_count_matches_the_purge_and_writes_nothing(history, db):
    now = utcnow()
    assert count_expired(now, RETENTION) == 4
    assert all(item.purged_at is None for item in _nominations(db).values())
    assert purge_expired(now, RETENTION) == 4


def test_purge_in_batches(history, db, monkeypatch):
    from academy.nominations import purge

    monkeypatch.setattr(purge, "BATCH_SIZE", 3)
    assert purge_expired(utcnow(), RETENTION) == 4
    db.session.commit()
    assert sum(1 for item in _nominations(db).values() if item.purged_at is not None) == 4


# --- the command -------------------------------------------------------------------------------

def test_command_purges_and_says_how_many(history, db, runner):
    result = runner.invoke(args=["academy", "purge-expired"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "4 nominations purged"
    assert sum(1 for item in _nominations(db).values() if item.purged_at is not None) == 4

    again = runner.invoke(args=["academy", "purge-expired"])
    assert again.output.splitlines()[0] == "0 nominations purged"


def test_dry_run_counts_and_writes_nothing(history, db, runner):
    before = _report_counts(db)
    result = runner.invoke(args=["academy", "purge-expired", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().startswith("4 nominations would be purged")
    assert all(item.purged_at is None and item.email for item in _nominations(db).values())
    assert _purge_events(db) == [] and _report_counts(db) == before


def test_command_uses_the_configured_retention(history, db, app, runner, monkeypatch):
    monkeypatch.setitem(app.config, "NOMINATION_RETENTION_DAYS", RETENTION - 40)
    result = runner.invoke(args=["academy", "purge-expired", "--dry-run"])
    assert result.output.strip().startswith("8 nominations would be purged")


# --- the setting -------------------------------------------------------------------------------

def test_retention_setting_defaults_to_180_days(monkeypatch, tmp_path):
    monkeypatch.delenv("NOMINATION_RETENTION_DAYS", raising=False)
    assert build_config(tmp_path)["NOMINATION_RETENTION_DAYS"] == 180


@pytest.mark.parametrize("value, days", [("0", 0), ("30", 30), (" 365 ", 365)])
def test_retention_setting_reads_whole_days(monkeypatch, tmp_path, value, days):
    monkeypatch.setenv("NOMINATION_RETENTION_DAYS", value)
    assert build_config(tmp_path)["NOMINATION_RETENTION_DAYS"] == days


@pytest.mark.parametrize("value", ["-1", "abc", "1.5", "٣٠"])
def test_retention_setting_refuses_anything_else(monkeypatch, tmp_path, value):
    monkeypatch.setenv("NOMINATION_RETENTION_DAYS", value)
    with pytest.raises(ValueError, match="NOMINATION_RETENTION_DAYS"):
        build_config(tmp_path)


# --- the screens after a purge -----------------------------------------------------------------

def test_nomination_pages_still_work_with_purged_nominations(make, db, make_app):
    """Purged nominations have no name, address or birth date: no page may trip over that."""
    from flask import url_for

    from tests.fixtures_auth import sign_in_client

    web = make_app()
    organisation = make.organisation()
    edition = _edition_ended(make, RETENTION + 1)
    purged = [make.nomination(edition, organisation, status=status) for status in ("declined", "withdrawn")]
    assert purge_expired(utcnow(), RETENTION) == 2
    db.session.commit()
    values = {"edition_id": [edition.id], "nomination_id": [item.id for item in purged]}
    with web.test_request_context():
        urls = []
        for rule in web.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint.split(".")[0] not in (
                    "editions", "nominate", "review", "followup", "invitations"):
                continue
            names = sorted(rule.arguments)
            if not names:
                urls += [url_for(rule.endpoint), url_for(rule.endpoint, edition=edition.id)]
            elif len(names) == 1 and names[0] in values:
                urls += [url_for(rule.endpoint, **{names[0]: value}) for value in values[names[0]]]
    assert urls
    for person in (make.admin(), make.coordinator(organisation)):
        client = web.test_client()
        sign_in_client(client, person)
        errors = [url for url in urls if client.get(url).status_code >= 500]
        assert errors == [], f"{person.email}: {errors}"
