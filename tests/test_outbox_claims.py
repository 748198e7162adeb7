"""One e-mail is sent once, even when two processes deliver at the same time.

A web worker delivers the mail its request queued once the response is sent; ``academy mail
deliver`` runs from cron, on every machine. A delivery claims each message for a while before
sending it; the others leave it alone until then, and take it over only if that delivery died.
"""
from __future__ import annotations

import threading
from collections import Counter

from academy.db_types import utcnow
from academy.extensions import db
from academy.outbox import operations
from academy.outbox.models import OutboxMessage
from academy.outbox.operations import deliver, queue_mail


def test_a_message_being_sent_by_one_worker_is_not_sent_again_by_the_cron_on_another(make_app, tmp_path,
                                                                                     monkeypatch):
    web = make_app(MAIL_DIR=str(tmp_path / "web-mail"))        # the worker that answered the request
    cron = make_app(MAIL_DIR=str(tmp_path / "cron-mail"))      # `academy mail deliver` on another machine

    with web.app_context():
        message_id = queue_mail("ama@example.org", "en", "Welcome", "account_password_changed", name="Ama").id
        db.session.commit()

    real_send = operations._send
    sent = Counter()
    cron_result = {}

    def run_cron():
        with cron.app_context():
            cron_result["sent_failed"] = deliver()

    def slow_send(email, message):
        sent[message.id] += 1
        if sent.total() == 1:
            # The web worker is talking to the mail server (a slow SMTP server, greylisting...)
            # when the cron job starts: it runs to the end meanwhile.
            cron_thread = threading.Thread(target=run_cron)
            cron_thread.start()
            cron_thread.join(timeout=60)
        real_send(email, message)

    monkeypatch.setattr(operations, "_send", slow_send)
    with web.app_context():
        assert deliver([message_id]) == (1, 0)

    assert cron_result["sent_failed"] == (0, 0), f"the cron job sent it too: {cron_result['sent_failed']}"
    assert sent[message_id] == 1, f"message sent {sent[message_id]} times"
    with web.app_context():
        assert db.session.get(OutboxMessage, message_id).attempts == 1
    delivered = list((tmp_path / "web-mail").glob("*.eml")) + list((tmp_path / "cron-mail").glob("*.eml"))
    assert len(delivered) == 1


def test_a_message_left_claimed_by_a_delivery_that_died_is_sent_by_a_later_one(app, db, tmp_path):
    message = queue_mail("ama@example.org", "en", "Welcome", "account_password_changed", name="Ama")
    message.attempts, message.claimed_until = 1, utcnow() + operations.CLAIM_TIME
    db.session.commit()
    assert deliver() == (0, 0)  # still held by the delivery sending it

    message.claimed_until = utcnow() - operations.CLAIM_TIME / 10
    db.session.commit()
    assert deliver() == (1, 0)
    db.session.expire_all()
    delivered = db.session.get(OutboxMessage, message.id)
    assert delivered.attempts == 2 and delivered.sent_at is not None and delivered.claimed_until is None


def test_a_failed_message_is_released_for_the_next_delivery(app, db, monkeypatch):
    message = queue_mail("ama@example.org", "en", "Welcome", "account_password_changed", name="Ama")
    db.session.commit()

    def refused(email, message):
        raise OSError("connection refused")

    monkeypatch.setattr(operations, "_send", refused)
    assert deliver() == (0, 1)
    db.session.expire_all()
    failed = db.session.get(OutboxMessage, message.id)
    assert failed.claimed_until is None and failed.sent_at is None and "connection refused" in failed.last_error
    monkeypatch.undo()
    assert deliver() == (1, 0)
