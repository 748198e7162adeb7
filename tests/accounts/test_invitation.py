"""Accepting an invitation: name, language and password; single-use, expiring links."""
from datetime import timedelta

from academy.accounts.models import AccountToken, User
from academy.accounts.passwords import verify_password
from academy.db_types import utcnow

from .helpers import NEW_PASSWORD, audit_events, link_in, post_sign_in


def _invite(client, make, login_as, outbox, email="new@example.org", language="es"):
    admin = make.admin()
    login_as(admin)
    response = client.post("/admin/users/invite", data={
        "email": email, "display_name": "Nuevo", "preferred_language": language,
        "organisation_id": "", "roles": ["trainee"]})
    assert response.status_code == 302
    client.post("/sign-out")
    return link_in(outbox(email)[-1], "/invitation/")


def _accept(client, path, **fields):
    data = {"display_name": "Nueva Persona", "preferred_language": "fr", "time_zone": "America/Bogota",
            "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    data.update(fields)
    return client.post(path, data=data)


def test_invitation_page_shows_the_address_and_prefills_name_and_language(client, make, login_as, outbox):
    path = _invite(client, make, login_as, outbox)
    response = client.get(path)
    assert response.status_code == 200
    assert b"new@example.org" in response.data
    assert b'value="Nuevo"' in response.data
    assert b'<option selected value="es">' in response.data or b'value="es" selected' in response.data


def test_accepting_sets_password_name_and_language_then_sign_in_works(client, make, login_as, outbox, db):
    path = _invite(client, make, login_as, outbox)
    response = _accept(client, path)
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    user = db.session.scalar(db.select(User).where(User.email == "new@example.org"))
    assert user.display_name == "Nueva Persona" and user.preferred_language == "fr"
    assert user.time_zone == "America/Bogota"
    assert verify_password(user.password_hash, NEW_PASSWORD)
    assert len(audit_events("account.invitation_accepted")) == 1
    assert post_sign_in(client, "new@example.org", NEW_PASSWORD).status_code == 302


def test_an_invitation_works_only_once(client, make, login_as, outbox):
    path = _invite(client, make, login_as, outbox)
    assert _accept(client, path).status_code == 302
    again = _accept(client, path, password="another long passphrase", confirm="another long passphrase")
    assert again.status_code == 400 and b"already been used" in again.data


def test_an_expired_invitation_is_refused(client, make, login_as, outbox, db):
    path = _invite(client, make, login_as, outbox)
    db.session.execute(db.update(AccountToken).values(
        created_at=utcnow() - timedelta(days=20), expires_at=utcnow() - timedelta(days=6)))
    db.session.commit()
    assert client.get(path).status_code == 400
    assert _accept(client, path).status_code == 400
    user = db.session.scalar(db.select(User).where(User.email == "new@example.org"))
    assert user.password_hash is None


def test_invitation_lifetime_follows_the_configuration(client, make, login_as, outbox, db, serving):
    serving.config["INVITATION_TOKEN_DAYS"] = 3
    _invite(client, make, login_as, outbox)
    token = db.session.scalar(db.select(AccountToken))
    assert token.expires_at - token.created_at == timedelta(days=3)


def test_bad_answers_are_refused_and_nothing_is_written(client, make, login_as, outbox, db):
    path = _invite(client, make, login_as, outbox)
    bad = [
        {"display_name": ""},
        {"display_name": "n" * 251},
        {"preferred_language": "de"},
        {"time_zone": "Nowhere/Atlantis"},
        {"password": "too short", "confirm": "too short"},
        {"password": "password1234", "confirm": "password1234"},
        {"password": "new@example.org", "confirm": "new@example.org"},
        {"display_name": "Nueva Persona Larga", "password": "Nueva Persona Larga",
         "confirm": "Nueva Persona Larga"},
        {"confirm": "something else entirely"},
    ]
    for fields in bad:
        assert _accept(client, path, **fields).status_code == 400, fields
    user = db.session.scalar(db.select(User).where(User.email == "new@example.org"))
    assert user.password_hash is None and user.display_name == "Nuevo"
    assert db.session.scalar(db.select(AccountToken.used_at)) is None


def test_unknown_invitation_gives_404(client):
    assert client.get("/invitation/nothing-like-this").status_code == 404


def test_invitation_of_a_disabled_account_no_longer_works(client, make, login_as, outbox, db):
    path = _invite(client, make, login_as, outbox)
    user = db.session.scalar(db.select(User).where(User.email == "new@example.org"))
    user.is_active = False
    db.session.commit()
    assert client.get(path).status_code == 404
