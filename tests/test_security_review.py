"""Findings of the security review, each kept fixed by a test."""
from __future__ import annotations

from academy.accounts.models import Role, TokenPurpose
from academy.extensions import db
from academy.accounts.tokens import issue_token
from academy.nominations.invitation_links import issue_invitation


def test_an_account_invitation_page_shown_to_a_signed_out_visitor_is_not_cached(client, make):
    person = make.user(Role.TRAINEE, password=None, email="invitee@example.org")
    token = issue_token(person, TokenPurpose.INVITATION)
    db.session.commit()

    response = client.get(f"/invitation/{token}")

    assert response.status_code == 200 and b"invitee@example.org" in response.data
    assert response.headers["Cache-Control"] == "no-store"


def test_an_edition_invitation_page_shown_to_a_signed_out_visitor_is_not_cached(client, make):
    nomination = make.nomination(status="accepted", given_names="Amina")
    token = issue_invitation(nomination)
    db.session.commit()

    response = client.get(f"/invitation/edition/{token}")

    assert response.status_code == 200 and b"Amina" in response.data
    assert response.headers["Cache-Control"] == "no-store"


def test_signed_out_error_pages_are_not_cached(client):
    assert client.get("/no-such-page").headers["Cache-Control"] == "no-store"


def test_static_files_and_the_public_key_document_keep_their_own_caching(client):
    assert client.get("/.well-known/jwks.json").headers["Cache-Control"] == "public, max-age=3600"
    static = client.get("/static/css/academy.css")
    assert static.status_code == 200
    assert "no-store" not in static.headers.get("Cache-Control", "")


# --- A title with a line break in it (a trainer may type one) must not stop the mail -------------

def test_a_line_break_in_a_mail_subject_becomes_a_space(app, tmp_path):
    from academy.outbox.models import OutboxMessage
    from academy.outbox.operations import deliver, queue_mail

    app.config["MAIL_DIR"] = str(tmp_path)
    message = queue_mail("a@example.org", "en", "You are enrolled in Evil\r\nBcc: x@example.org\u2028",
                         "account_password_changed", name="A", reset_link="http://localhost/")
    db.session.commit()

    assert deliver() == (1, 0)
    sent = db.session.get(OutboxMessage, message.id)
    assert sent.subject == "You are enrolled in Evil Bcc: x@example.org "
    assert sent.sent_at is not None
    assert b"\nBcc:" not in next(tmp_path.glob("*.eml")).read_bytes()


def test_a_message_that_cannot_be_built_does_not_hold_back_the_others(app, tmp_path):
    from academy.outbox.models import OutboxMessage
    from academy.outbox.operations import deliver, queue_mail

    app.config["MAIL_DIR"] = str(tmp_path)
    broken = queue_mail("a@example.org", "en", "Fine", "account_password_changed", name="A", reset_link="x")
    fine = queue_mail("b@example.org", "en", "Fine", "account_password_changed", name="B", reset_link="x")
    broken.subject = "Written before the fix\nBcc: x@example.org"
    db.session.commit()

    assert deliver() == (1, 1)
    assert db.session.get(OutboxMessage, fine.id).sent_at is not None
    assert "ValueError" in db.session.get(OutboxMessage, broken.id).last_error
