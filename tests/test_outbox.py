"""E-mail goes out only after the action that caused it commits, in the recipient's language,
and what could not be sent is retried by ``academy mail deliver``."""
from __future__ import annotations

import re
import socket
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from flask import g

from academy.extensions import db
from academy.outbox.models import OutboxMessage
from academy.outbox.operations import Mail, deliver, queue_mail, queue_mails, without_secrets
from tests.querycount import count_queries


def _eml_files(app) -> list[Path]:
    return sorted(Path(app.config["MAIL_DIR"]).glob("*.eml"))


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mail_dir(tmp_path) -> str:
    """A mail folder of this test's own (ids restart between tests, and so would file names)."""
    return str(tmp_path / "mail")


def test_a_committed_action_writes_its_mail_in_the_recipients_language(make, make_app, mail_dir):
    application = make_app(MAIL_DIR=mail_dir)
    user = make.user(email="lea@example.org", preferred_language="fr")
    before = set(_eml_files(application))
    response = application.test_client().post("/reset-password", data={"email": "lea@example.org"})
    assert response.status_code == 302
    response.close()  # as a server does once the answer is sent: mail goes out only then
    written = [path for path in _eml_files(application) if path not in before]
    assert len(written) == 1
    mail = message_from_bytes(written[0].read_bytes(), policy=policy.default)
    assert mail["To"] == user.email
    assert mail["Content-Language"] == "fr"
    assert "mot de passe" in mail["Subject"].lower()
    with application.app_context():
        message = db.session.scalars(db.select(OutboxMessage)).one()
        assert message.sent_at is not None and message.attempts == 1


def test_the_kept_copy_of_a_sent_mail_holds_no_working_link(make, make_app, mail_dir):
    application = make_app(MAIL_DIR=mail_dir)
    make.user(email="lea@example.org")
    before = set(_eml_files(application))
    application.test_client().post("/reset-password", data={"email": "lea@example.org"}).close()
    [written] = [path for path in _eml_files(application) if path not in before]
    sent = message_from_bytes(written.read_bytes(), policy=policy.default).get_body(("plain",)).get_content()
    link = re.search(r"https?://[^/\s]+(/reset-password/[^\s]+)", sent).group(1)
    with application.app_context():
        kept = db.session.scalars(db.select(OutboxMessage)).one()
        assert kept.sent_at is not None
        assert link not in kept.body_text and "/reset-password/…" in kept.body_text
    assert application.test_client().get(link).status_code == 200  # the delivered link still works


def test_links_without_secrets_are_kept_as_they_are():
    text = ("Reset: https://academy.example.org/reset-password/abc123\n"
            "Join: https://academy.example.org/invitation/edition/xyz\n"
            "Below a prefix: https://example.org/academy/invitation/edition/xyz?x=1\n"
            "Your modules: https://academy.example.org/learn/modules/4")
    assert without_secrets(text) == ("Reset: https://academy.example.org/reset-password/…\n"
                                     "Join: https://academy.example.org/invitation/edition/…\n"
                                     "Below a prefix: https://example.org/academy/invitation/edition/…\n"
                                     "Your modules: https://academy.example.org/learn/modules/4")


def test_mail_of_a_rolled_back_action_is_never_sent(make_app, mail_dir):
    app = make_app(MAIL_DIR=mail_dir)
    before = set(_eml_files(app))
    with app.test_request_context("/"):
        queue_mail("nobody@example.org", "en", "Subject", "account_password_changed", name="Nobody")
        pending = list(g.outbox_pending)
        db.session.rollback()
        assert deliver(pending) == (0, 0)
        assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 0
    assert set(_eml_files(app)) == before


def test_a_failed_delivery_is_kept_and_retried_by_the_command(make_app, mail_dir):
    unreachable = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=_closed_port(), MAIL_USE_TLS=False)
    with unreachable.test_request_context("/"):
        queue_mail("ama@example.org", "en", "Welcome", "account_password_changed", name="Ama")
        db.session.commit()
        assert deliver() == (0, 1)
        message = db.session.scalars(db.select(OutboxMessage)).one()
        assert message.sent_at is None and message.attempts == 1 and message.last_error

    working = make_app(MAIL_DIR=mail_dir)
    before = set(_eml_files(working))
    result = working.test_cli_runner().invoke(args=["academy", "mail", "deliver"])
    assert result.exit_code == 0, result.output
    assert "sent 1, failed 0" in result.output
    assert len(set(_eml_files(working)) - before) == 1
    with working.app_context():
        message = db.session.scalars(db.select(OutboxMessage)).one()
        assert message.sent_at is not None and message.attempts == 2 and message.last_error is None


def test_mail_that_cannot_be_sent_after_the_answer_is_kept_for_the_command(make, make_app):
    unreachable = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=_closed_port(), MAIL_USE_TLS=False)
    make.user(email="lea@example.org")
    response = unreachable.test_client().post("/reset-password", data={"email": "lea@example.org"})
    assert response.status_code == 302
    response.close()
    with unreachable.app_context():
        message = db.session.scalars(db.select(OutboxMessage)).one()
        assert message.sent_at is None and message.attempts == 1
        assert message.last_error.startswith("ConnectionRefusedError")


def test_a_message_is_delivered_only_once_even_when_asked_twice(app):
    with app.test_request_context("/"):
        message = queue_mail("once@example.org", "es", "Hola", "account_password_changed", name="Once")
        db.session.commit()
        assert deliver([message.id]) == (1, 0)
        assert deliver([message.id]) == (0, 0)


def test_a_batch_is_rendered_per_language_written_at_once_and_delivered_after_the_request(app):
    languages = ["fr", "en", "es", "fr", "ar"]
    mails = [Mail(f"person{number}@example.org", language, "Subject", "account_password_changed",
                  {"name": f"Person {number}"}) for number, language in enumerate(languages)]
    with app.test_request_context("/"):
        with count_queries() as queries:
            messages = queue_mails(mails)
        assert queries.count == 1  # one multi-row INSERT for the whole batch
        assert sorted(g.outbox_pending) == sorted(message.id for message in messages)
        db.session.commit()
        assert deliver(g.outbox_pending) == (5, 0)
    by_recipient = {message.recipient: message for message in db.session.scalars(db.select(OutboxMessage))}
    single = queue_mail("single@example.org", "fr", "Subject", "account_password_changed", name="Person 0")
    assert by_recipient["person0@example.org"].body_text == single.body_text  # as ``queue_mail`` renders it
    for number, language in enumerate(languages):
        message = by_recipient[f"person{number}@example.org"]
        assert message.language == language and f"Person {number}" in message.body_text
    assert by_recipient["person0@example.org"].body_text != by_recipient["person1@example.org"].body_text.replace(
        "Person 1", "Person 0")  # French and English, not one language for all


def test_an_empty_batch_writes_nothing(app):
    assert queue_mails([]) == []
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 0


def test_a_mail_file_never_replaces_an_earlier_one_of_the_same_name(make_app, mail_dir):
    """Ids start again when the database is recreated: a message with the id and second of an
    earlier one gets a file of its own, not the earlier one's."""
    from academy.outbox.operations import _write_new_file

    directory = Path(mail_dir)
    directory.mkdir(parents=True, exist_ok=True)
    first = _write_new_file(directory, "20261129T041918-00000001", b"first")
    second = _write_new_file(directory, "20261129T041918-00000001", b"second")
    assert first != second and second.name == "20261129T041918-00000001-2.eml"
    assert (first.read_bytes(), second.read_bytes()) == (b"first", b"second")
    # Written aside and linked under its name: no half-written message, and nothing left aside.
    assert sorted(path.name for path in directory.iterdir()) == sorted([first.name, second.name])
