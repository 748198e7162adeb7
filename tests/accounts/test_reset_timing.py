"""A reset request takes as long whether or not the address has an account: everything that depends
on the account happens once the answer has been sent (timing would otherwise enumerate accounts)."""
from pathlib import Path

import pytest

from academy.accounts.models import AccountToken

from .helpers import QueryCounter, audit_events


def _request(client, email):
    response = client.post("/reset-password", data={"email": email})
    assert response.status_code == 302
    return response


def _tokens(db) -> list[AccountToken]:
    return list(db.session.scalars(db.select(AccountToken)))


def test_nothing_depends_on_the_account_until_the_answer_has_been_sent(client, serving, make, db, outbox):
    make.trainee(email="ana@example.org")
    mail_dir = Path(serving.config["MAIL_DIR"])
    mail_before = set(mail_dir.glob("*.eml"))

    response = _request(client, "ana@example.org")
    assert _tokens(db) == [] and outbox() == [] and audit_events("account.reset_requested") == []
    assert set(mail_dir.glob("*.eml")) == mail_before

    response.close()  # what the server does once the answer is sent
    db.session.expire_all()
    assert len(_tokens(db)) == 1
    [message] = outbox("ana@example.org")
    assert message.sent_at is not None and len(set(mail_dir.glob("*.eml")) - mail_before) == 1
    assert "http://localhost/reset-password/" in message.body_text  # built from the request's own URL
    [event] = audit_events("account.reset_requested")
    assert event.ip_address == "127.0.0.1"  # the request's address, although the request is over


@pytest.mark.parametrize("email", ["nobody@example.org", "off@example.org"])
def test_the_request_sends_the_database_the_same_statements_whatever_the_address(client, serving, make,
                                                                                  email):
    make.trainee(email="ana@example.org")
    make.trainee(email="off@example.org", is_active=False)

    def statements_before_the_answer(address):
        with QueryCounter(serving) as counter:
            response = _request(client, address)
        response.close()
        return counter.statements

    assert statements_before_the_answer(email) == statements_before_the_answer("ana@example.org")
