"""Sent e-mail is deleted after its retention by ``academy purge-expired``, and so is e-mail tried in
vain for as long; e-mail never tried stays."""
from __future__ import annotations

from datetime import timedelta

import pytest

from academy.db_types import utcnow
from academy.outbox.models import OutboxMessage
from academy.outbox.retention import count_sent_expired, count_undeliverable, delete_sent_expired, delete_undeliverable


@pytest.fixture
def mail(db):
    """Six messages: sent 40 and 10 days ago, two never tried (one created 90 days ago), and two
    tried in vain (created 90 and 10 days ago)."""
    now = utcnow()

    def message(name, sent_days_ago=None, created_days_ago=0, attempts=0):
        item = OutboxMessage(recipient=f"{name}@example.org", subject=name, body_text=f"Dear {name}",
                             language="en", created_at=now - timedelta(days=created_days_ago), attempts=attempts,
                             sent_at=None if sent_days_ago is None else now - timedelta(days=sent_days_ago))
        db.session.add(item)
        return item

    items = {"old": message("old", 40, 41), "recent": message("recent", 10, 10),
             "unsent": message("unsent"), "stuck": message("stuck", None, 90),
             "bouncing": message("bouncing", None, 90, attempts=7), "retrying": message("retrying", None, 10, attempts=2),
             "greylisted": message("greylisted", None, 90, attempts=1)}
    db.session.commit()
    return items


def _recipients(db) -> set[str]:
    return set(db.session.scalars(db.select(OutboxMessage.recipient)))


def test_only_mail_sent_before_the_retention_is_deleted(mail, db):
    assert count_sent_expired(utcnow(), 30) == 1
    assert delete_sent_expired(utcnow(), 30) == 1
    db.session.commit()
    assert _recipients(db) == {"recent@example.org", "unsent@example.org", "stuck@example.org",
                               "bouncing@example.org", "retrying@example.org", "greylisted@example.org"}
    assert delete_sent_expired(utcnow(), 30) == 0


def test_mail_tried_in_vain_since_before_the_retention_is_given_up(mail, db):
    assert count_undeliverable(utcnow(), 30) == 1
    assert delete_undeliverable(utcnow(), 30) == 1
    db.session.commit()
    assert "bouncing@example.org" not in _recipients(db)
    # Never tried, not for long, or refused once only (a first refusal may be temporary).
    assert {"stuck@example.org", "retrying@example.org", "greylisted@example.org"} <= _recipients(db)


def test_mail_a_delivery_is_sending_is_not_given_up_under_it(mail, db):
    mail["bouncing"].claimed_until = utcnow() + timedelta(minutes=3)
    db.session.commit()
    assert delete_undeliverable(utcnow(), 30) == 0


def test_retention_zero_deletes_every_sent_message_and_keeps_unsent_ones(mail, db):
    assert delete_sent_expired(utcnow(), 0) == 2
    db.session.commit()
    assert _recipients(db) == {"unsent@example.org", "stuck@example.org", "bouncing@example.org",
                               "retrying@example.org", "greylisted@example.org"}


def test_negative_retention_is_refused(mail):
    with pytest.raises(ValueError):
        delete_sent_expired(utcnow(), -1)


def test_a_retention_beyond_the_calendar_deletes_nothing(mail, db):
    assert delete_sent_expired(utcnow(), 10**9) == 0
    assert delete_undeliverable(utcnow(), 10**9) == 0


def test_command_reports_and_honours_dry_run(mail, db, app, runner, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_RETENTION_DAYS", 5)
    dry = runner.invoke(args=["academy", "purge-expired", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "2 sent e-mails would be deleted" in dry.output
    assert "1 undeliverable e-mails would be given up" in dry.output
    assert len(_recipients(db)) == 7

    result = runner.invoke(args=["academy", "purge-expired"])
    assert result.exit_code == 0, result.output
    assert "2 sent e-mails deleted" in result.output
    assert "1 undeliverable e-mails given up" in result.output
    db.session.expire_all()
    assert _recipients(db) == {"unsent@example.org", "stuck@example.org", "greylisted@example.org",
                               "retrying@example.org"}
