"""Password reset: same answer for every address, single-use expiring links, sessions end."""
from datetime import timedelta

from academy.accounts.models import AccountToken, TokenPurpose, UserSession
from academy.accounts.passwords import verify_password
from academy.db_types import utcnow

from ..factories import DEFAULT_PASSWORD
from ..fixtures_auth import sign_in_client
from .helpers import NEW_PASSWORD, audit_events, link_in, post_sign_in


def _request(client, email):
    return client.post("/reset-password", data={"email": email}, follow_redirects=True)


def _reset(client, path, password=NEW_PASSWORD, confirm=None):
    return client.post(path, data={"password": password, "confirm": confirm or password})


def _reset_link(client, mailbox, email):
    """The link of the reset mail as delivered (the outbox keeps it without its secret)."""
    _request(client, email)
    return link_in(mailbox(email)[-1], "/reset-password/")


def test_answer_is_the_same_whether_or_not_the_address_has_an_account(client, make, outbox):
    make.trainee(email="ana@example.org")
    make.trainee(email="off@example.org", is_active=False)
    known = _request(client, "ana@example.org")
    unknown = _request(client, "nobody@example.org")
    disabled = _request(client, "off@example.org")
    assert known.status_code == unknown.status_code == disabled.status_code == 200
    assert b"If an account exists" in known.data and b"If an account exists" in unknown.data
    assert [message.recipient for message in outbox()] == ["ana@example.org"]


def test_reset_mail_is_in_the_recipients_language_and_links_absolutely(client, make, outbox):
    make.trainee(email="ana@example.org", preferred_language="fr", display_name="Ana")
    _request(client, "ANA@example.org")
    (message,) = outbox("ana@example.org")
    assert message.language == "fr"
    assert "Ana" in message.body_text
    assert "http://localhost/reset-password/" in message.body_text


def test_reset_sets_the_password_ends_every_session_and_signs_nobody_in(client, mailbox, make, outbox, db,
                                                                       serving):
    user = make.trainee(email="ana@example.org")
    other_device = serving.test_client()
    sign_in_client(other_device, user)
    path = _reset_link(client, mailbox, "ana@example.org")
    assert client.get(path).status_code == 200

    response = _reset(client, path)
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    db.session.refresh(user)
    assert verify_password(user.password_hash, NEW_PASSWORD)
    assert db.session.scalar(db.select(db.func.count()).select_from(UserSession)) == 0
    assert other_device.get("/profile").status_code == 302
    assert client.get("/profile").status_code == 302
    assert len(audit_events("account.password_reset")) == 1
    assert "password was changed" in outbox("ana@example.org")[-1].subject
    assert post_sign_in(client, "ana@example.org", NEW_PASSWORD).status_code == 302


def test_reset_lifts_a_lock(client, mailbox, make, db):
    user = make.trainee(email="ana@example.org", locked_until=utcnow() + timedelta(minutes=10),
                        failed_sign_ins=3)
    _reset(client, _reset_link(client, mailbox, "ana@example.org"))
    db.session.refresh(user)
    assert user.locked_until is None and user.failed_sign_ins == 0


def test_a_reset_link_works_only_once(client, mailbox, make):
    make.trainee(email="ana@example.org")
    path = _reset_link(client, mailbox, "ana@example.org")
    assert _reset(client, path).status_code == 302
    again = _reset(client, path, "yet another fine passphrase")
    assert again.status_code == 400 and b"already been used" in again.data
    assert client.get(path).status_code == 400


def test_an_expired_reset_link_is_refused(client, mailbox, make, db):
    user = make.trainee(email="ana@example.org")
    path = _reset_link(client, mailbox, "ana@example.org")
    db.session.execute(db.update(AccountToken).values(
        created_at=utcnow() - timedelta(hours=3), expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    response = _reset(client, path)
    assert response.status_code == 400 and b"expired" in response.data
    db.session.refresh(user)
    assert verify_password(user.password_hash, DEFAULT_PASSWORD)


def test_reset_link_lifetime_follows_the_configuration(client, make, db, serving):
    serving.config["RESET_TOKEN_HOURS"] = 5
    make.trainee(email="ana@example.org")
    _request(client, "ana@example.org")
    token = db.session.scalar(db.select(AccountToken))
    assert token.purpose is TokenPurpose.RESET
    assert token.expires_at - token.created_at == timedelta(hours=5)


def test_unknown_or_absurd_tokens_give_404(client):
    assert client.get("/reset-password/not-a-token").status_code == 404
    assert client.get("/reset-password/" + "x" * 500).status_code == 404
    assert _reset(client, "/reset-password/not-a-token").status_code == 404


def test_a_newer_reset_link_replaces_the_older(client, mailbox, make):
    make.trainee(email="ana@example.org")
    first = _reset_link(client, mailbox, "ana@example.org")
    second = _reset_link(client, mailbox, "ana@example.org")
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200


def test_an_invitation_link_is_not_a_reset_link(client, make, outbox, login_as):
    login_as(make.admin())
    client.post("/admin/users/invite", data={"email": "new@example.org", "display_name": "New",
                                             "preferred_language": "en", "organisation_id": "",
                                             "roles": ["trainee"]})
    invitation = link_in(outbox("new@example.org")[-1], "/invitation/")
    assert client.get(invitation.replace("/invitation/", "/reset-password/")).status_code == 404


def test_weak_or_mismatched_new_passwords_are_refused_and_the_link_stays_valid(client, mailbox, make, db):
    user = make.trainee(email="ana@example.org", display_name="Ana Longname")
    path = _reset_link(client, mailbox, "ana@example.org")
    for password, confirm in [("short pass", None), ("password1234", None), ("Ana Longname", None),
                              ("ana@example.org", None), (NEW_PASSWORD, NEW_PASSWORD + "!"),
                              ("p" * 129, None)]:
        response = _reset(client, path, password, confirm)
        assert response.status_code == 400, password
    db.session.refresh(user)
    assert verify_password(user.password_hash, DEFAULT_PASSWORD)
    assert db.session.scalar(db.select(AccountToken.used_at)) is None
    assert _reset(client, path).status_code == 302


def test_bad_reset_requests_are_refused(client):
    assert client.post("/reset-password", data={"email": "not an address"}).status_code == 400
    assert client.post("/reset-password", data={"email": "a" * 250 + "@example.org"}).status_code == 400


def test_reset_requests_are_rate_limited(make_app):
    limited = make_app(RATELIMIT_ENABLED=True, RATELIMIT_RESET="2 per minute")
    client = limited.test_client()
    codes = [client.post("/reset-password", data={"email": "nobody@example.org"}).status_code
             for _ in range(3)]
    assert codes == [302, 302, 429]
