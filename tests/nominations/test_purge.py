"""``academy purge-expired``: nominations that did not lead to an enrolment lose their personal data after retention."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from academy.audit.models import AuditEvent
from academy.config import build_config
from academy.db_types import utcnow
from academy.nominations.models import EditionStatus, Nomination
from academy.nominations.purge import PURGEABLE_STATUSES, count_expired, purge_expired

RETENTION = 180
ALL_STATUSES = ("draft", "submitted", "accepted", "waitlisted", "declined", "withdrawn", "enrolled")
#: Nominations purged from an edition in ``history`` that ended long ago: every status but enrolled, 2 organisations.
EXPIRED = 12


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


def test_every_status_but_enrolled_is_purgeable():
    assert sorted(status.value for status in PURGEABLE_STATUSES) == sorted(set(ALL_STATUSES) - {"enrolled"})


def test_only_expired_nominations_that_led_to_no_enrolment_are_purged(history, db):
    """Drafts, submitted, waitlisted, declined, withdrawn and accepted-but-never-taken-up nominations
    all lose their personal data after retention, as the privacy notice says; enrolled ones keep it."""
    now = utcnow()
    purged = purge_expired(now, RETENTION)
    db.session.commit()

    expected = {item.id for (edition, status, _), item in history.items()
                if edition == "old" and status != "enrolled"}
    assert purged == len(expected) == EXPIRED
    for nomination in _nominations(db).values():
        if nomination.id in expected:
            assert nomination.purged_at is not None
            assert (nomination.email, nomination.date_of_birth) == (None, None)
            assert (nomination.given_names, nomination.family_name) == ("", "")
            assert (nomination.motivation, nomination.party_role, nomination.languages) == ("", "", [])
            assert nomination.decision_reason is None
            assert nomination.invitation_token_hash is None and nomination.invitation_sent_at is None
            assert nomination.consent_version == "2026-01" and nomination.consent_at is not None
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
    assert count_expired(now, RETENTION) == EXPIRED
    assert all(item.purged_at is None for item in _nominations(db).values())
    assert purge_expired(now, RETENTION) == EXPIRED


def test_purge_in_batches(history, db, monkeypatch):
    from academy.nominations import purge

    monkeypatch.setattr(purge, "BATCH_SIZE", 3)
    assert purge_expired(utcnow(), RETENTION) == EXPIRED
    db.session.commit()
    assert sum(1 for item in _nominations(db).values() if item.purged_at is not None) == EXPIRED



def test_an_accepted_nomination_never_taken_up_loses_its_data_and_its_link_but_keeps_its_seat(make, db):
    from academy.nominations.invitation_links import find_invitation, issue_invitation

    edition = _edition_ended(make, RETENTION + 1, seats=3)
    accepted = make.nomination(edition, status="accepted")
    token = issue_invitation(accepted, utcnow() - timedelta(days=RETENTION + 40))
    db.session.commit()
    seats_taken = edition.seats_taken

    assert purge_expired(utcnow(), RETENTION) == 1
    db.session.commit()

    nomination = _nominations(db)[accepted.id]
    assert nomination.status.value == "accepted" and nomination.purged_at is not None
    assert (nomination.email, nomination.given_names, nomination.invitation_token_hash) == (None, "", None)
    assert find_invitation(token) is None
    assert db.session.get(type(edition), edition.id).seats_taken == seats_taken


def test_an_enrolled_nomination_is_never_purged(make, db):
    enrolled = make.nomination(_edition_ended(make, RETENTION * 10), status="enrolled")
    assert purge_expired(utcnow(), RETENTION) == 0
    assert _nominations(db)[enrolled.id].email == enrolled.email


def _events_of(db, nomination) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.object_type == "nominations", AuditEvent.object_id == str(nomination.id))
        .order_by(AuditEvent.id)))


def test_the_purge_blanks_the_decision_reason_in_the_nominations_audit_events(make, db):
    """The status machine writes the reason into the audit trail; the purge removes it there too,
    and only there: every other fact of the event stays, and other nominations' events are untouched."""
    from academy.nominations.operations import transition
    from academy.nominations.models import NominationStatus

    admin = make.admin()
    old, recent = _edition_ended(make, RETENTION + 1, seats=5), _edition_ended(make, RETENTION - 1, seats=5)
    expired = [make.nomination(old, status="submitted") for _ in range(3)]
    kept = make.nomination(recent, status="submitted")
    reasons = {}
    for nomination, to_status in zip(expired + [kept], (NominationStatus.DECLINED, NominationStatus.WAITLISTED,
                                                        NominationStatus.ACCEPTED, NominationStatus.DECLINED)):
        reasons[nomination.id] = f"Confidential: health of nominee {nomination.id}"
        transition(nomination, to_status, actor=admin, reason=reasons[nomination.id])
    transition(expired[1], NominationStatus.WITHDRAWN, actor=admin)  # an event without a reason
    db.session.commit()
    before = {item.id: [(event.id, event.action, event.actor_id, event.occurred_at, dict(event.details))
                        for event in _events_of(db, item)] for item in expired + [kept]}
    assert all(any(event[4].get("reason") == reasons[item_id] for event in events)
               for item_id, events in before.items())

    assert purge_expired(utcnow(), RETENTION) == 3
    db.session.commit()

    for nomination in expired:
        events = _events_of(db, nomination)
        assert [(e.id, e.action, e.actor_id, e.occurred_at) for e in events] == [e[:4] for e in before[nomination.id]]
        for event, (*_, details) in zip(events, before[nomination.id]):
            if details.get("reason"):
                assert event.details == {**details, "reason": None, "reason_removed": True}
            else:
                assert event.details == details
        assert all(reasons[nomination.id] not in repr(event.details) for event in events)
    assert [(e.id, e.action, e.actor_id, e.occurred_at, e.details) for e in _events_of(db, kept)] == before[kept.id]


def test_blanking_audit_reasons_is_idempotent_and_batched(make, db, monkeypatch):
    from academy.nominations import purge
    from academy.nominations.models import NominationStatus
    from academy.nominations.operations import transition

    monkeypatch.setattr(purge, "BATCH_SIZE", 2)
    admin = make.admin()
    edition = _edition_ended(make, RETENTION + 1, seats=5)
    nominations = [make.nomination(edition, status="submitted") for _ in range(5)]
    for nomination in nominations:
        transition(nomination, NominationStatus.DECLINED, actor=admin, reason="private")
    db.session.commit()

    assert purge_expired(utcnow(), RETENTION) == 5
    db.session.commit()
    assert purge_expired(utcnow(), RETENTION) == 0
    db.session.commit()

    details = [event.details for nomination in nominations for event in _events_of(db, nomination)
               if event.action == "nomination.declined"]
    assert len(details) == 5
    assert all(item["reason"] is None and item["reason_removed"] is True for item in details)


# --- the command -------------------------------------------------------------------------------

def test_command_purges_and_says_how_many(history, db, runner):
    result = runner.invoke(args=["academy", "purge-expired"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == f"{EXPIRED} nominations purged"
    assert sum(1 for item in _nominations(db).values() if item.purged_at is not None) == EXPIRED

    again = runner.invoke(args=["academy", "purge-expired"])
    assert again.output.splitlines()[0] == "0 nominations purged"


def test_dry_run_counts_and_writes_nothing(history, db, runner):
    before = _report_counts(db)
    result = runner.invoke(args=["academy", "purge-expired", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().startswith(f"{EXPIRED} nominations would be purged")
    assert all(item.purged_at is None and item.email for item in _nominations(db).values())
    assert _purge_events(db) == [] and _report_counts(db) == before


def test_command_uses_the_configured_retention(history, db, app, runner, monkeypatch):
    monkeypatch.setitem(app.config, "NOMINATION_RETENTION_DAYS", RETENTION - 40)
    result = runner.invoke(args=["academy", "purge-expired", "--dry-run"])
    assert result.output.strip().startswith(f"{2 * EXPIRED} nominations would be purged")


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
    purged = [make.nomination(edition, organisation, status=status) for status in ALL_STATUSES
              if status != "enrolled"]
    assert purge_expired(utcnow(), RETENTION) == len(purged)
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


# --- what the privacy notice promises ----------------------------------------------------------

NOTICE = "/nominations/privacy-notice"


def _notice(client, **headers) -> str:
    response = client.get(NOTICE, headers=headers)
    assert response.status_code == 200
    return " ".join(response.get_data(as_text=True).split())


def test_the_privacy_notice_states_the_configured_retention_and_what_is_purged(client):
    from academy.nominations.nominate_forms import PRIVACY_NOTICE_VERSION

    page = _notice(client)
    assert f"Until {RETENTION} days after the end of the edition you are nominated for" in page
    assert "whether it was declined, withdrawn, left on the waiting list or accepted without" in page
    assert "is over" not in page
    assert PRIVACY_NOTICE_VERSION in page and PRIVACY_NOTICE_VERSION != "2026-11"


@pytest.mark.parametrize("days, expected", [
    (1, "Until 1 day after the end of the edition"), (30, "Until 30 days after the end of the edition"),
    (0, "Until the end of the edition you are nominated for."),
])
def test_the_privacy_notice_follows_the_retention_setting(client, app, monkeypatch, days, expected):
    monkeypatch.setitem(app.config, "NOMINATION_RETENTION_DAYS", days)
    assert expected in _notice(client)


def test_the_privacy_notice_renders_in_every_language(client):
    for language in ("fr", "es", "ar"):
        assert str(RETENTION) in _notice(client, **{"Accept-Language": language})


def test_consents_to_an_earlier_notice_stay_as_given(make, db):
    """Bumping the notice's version rewrites no stored consent, and the purge keeps it too."""
    edition = _edition_ended(make, RETENTION + 1)
    given_at = (utcnow() - timedelta(days=RETENTION + 100)).replace(microsecond=0)
    consented = make.nomination(edition, status="declined", consent_version="2026-11", consent_at=given_at)
    assert purge_expired(utcnow(), RETENTION) == 1
    db.session.commit()
    nomination = _nominations(db)[consented.id]
    assert (nomination.consent_version, nomination.consent_at) == ("2026-11", given_at)


def test_the_command_leaves_no_undelivered_mail_about_a_purged_nominee(make, db, runner):
    """A decision mail that never went out (a mailbox gone, a server refusing it) is retried by
    every delivery; past the outbox retention it is given up, so the purge's removal of the
    nominee's name and the decision reason is not undone by the outbox."""
    from academy.nominations import notifications
    from academy.outbox.models import OutboxMessage

    edition = _edition_ended(make, RETENTION + 20, seats=5)
    organisation = make.organisation()
    make.coordinator(organisation)
    nomination = make.nomination(edition, organisation, status="declined", given_names="Nadia",
                                 family_name="Oyelaran-Quist", email="nadia.oq@example.org")
    notifications.notify(nomination, notifications.DECLINED, reason="Not this time")
    db.session.execute(sa.update(OutboxMessage).values(  # queued at the decision, tried ever since
        created_at=utcnow() - timedelta(days=RETENTION + 60), attempts=12))
    db.session.commit()

    result = runner.invoke(args=["academy", "purge-expired"])

    assert result.exit_code == 0, result.output
    naming = db.session.scalars(sa.select(OutboxMessage).where(sa.or_(
        OutboxMessage.recipient == "nadia.oq@example.org", OutboxMessage.body_text.contains("Oyelaran-Quist"),
        OutboxMessage.subject.contains("Oyelaran-Quist")))).all()
    assert naming == []
