"""One's own profile: name and language; password change ending the other sessions."""
from academy.accounts.models import UserSession
from academy.accounts.passwords import verify_password

from ..factories import DEFAULT_PASSWORD
from ..fixtures_auth import sign_in_client
from .helpers import NEW_PASSWORD, audit_events

CHANGE = "/profile/password"


def _change(client, current=DEFAULT_PASSWORD, new=NEW_PASSWORD, confirm=None):
    return client.post(CHANGE, data={"change-current_password": current, "change-password": new,
                                     "change-confirm": confirm or new})


def test_profile_shows_the_account(client, make, login_as):
    login_as(make.trainee(email="ana@example.org", display_name="Ana Ferreira"))
    response = client.get("/profile")
    assert response.status_code == 200
    assert b"ana@example.org" in response.data and b"Ana Ferreira" in response.data


def test_profile_needs_a_signed_in_user(client):
    assert client.get("/profile").status_code == 302
    assert client.post(CHANGE, data={}).status_code == 401


def test_name_and_language_can_be_changed(client, make, login_as, db):
    user = make.trainee()
    login_as(user)
    response = client.post("/profile", data={"display_name": "  Ana Ferreira ", "preferred_language": "ar",
                                             "time_zone": "Africa/Casablanca"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.display_name == "Ana Ferreira" and user.preferred_language == "ar"
    assert user.time_zone == "Africa/Casablanca"
    assert audit_events("account.profile_update")[0].details["changes"]["preferred_language"] == ["en", "ar"]
    assert b'dir="rtl"' in client.get("/profile").data


def test_the_confirmation_speaks_the_language_just_chosen(client, make, login_as):
    login_as(make.trainee(preferred_language="en"))
    response = client.post("/profile", data={"display_name": "Ana", "preferred_language": "fr",
                                             "time_zone": "UTC"}, follow_redirects=True)
    assert "Votre profil a été enregistré." in response.text and 'lang="fr"' in response.text


def test_time_zones_are_named_in_the_readers_language_and_sent_as_iana_names(client, make, login_as):
    login_as(make.trainee(preferred_language="ar", time_zone="Africa/Cairo"))

    page = client.get("/profile").text

    assert '<option selected value="Africa/Cairo">القاهرة (Africa/Cairo)</option>' in page
    assert '<option value="Asia/Beirut">بيروت (Asia/Beirut)</option>' in page
    assert ">Africa/Abidjan<" not in page


def test_each_place_is_listed_once_by_its_current_name(client, make, login_as):
    login_as(make.trainee(time_zone="UTC"))

    page = client.get("/profile").text

    for current in ("America/Adak", "Europe/Athens", "Asia/Kolkata", "Europe/Kyiv", "UTC"):
        assert f'value="{current}"' in page, current
    for alias in ("US/Aleutian", "EET", "MET", "Etc/GMT+5", "Asia/Calcutta", "Europe/Kiev"):
        assert f'value="{alias}"' not in page, alias


def test_a_zone_saved_under_an_older_name_stays_selected_and_saving_keeps_it(client, make, login_as, db):
    user = make.trainee(display_name="Ana", time_zone="US/Eastern")
    login_as(user)

    page = client.get("/profile").text
    assert page.count("selected value=") == 2 and '<option selected value="US/Eastern">' in page

    response = client.post("/profile", data={"display_name": "Ana Ferreira", "preferred_language": "en",
                                             "time_zone": "US/Eastern"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.display_name, user.time_zone) == ("Ana Ferreira", "US/Eastern")


def test_bad_profile_values_are_refused_and_nothing_changes(client, make, login_as, db):
    user = make.trainee(display_name="Ana")
    login_as(user)
    good = {"display_name": "Ana", "preferred_language": "en", "time_zone": "UTC"}
    for bad in ({"display_name": ""}, {"display_name": "x" * 251}, {"preferred_language": "xx"},
                {"time_zone": "Mars/Olympus_Mons"}, {"time_zone": ""}):
        assert client.post("/profile", data={**good, "display_name": "Changed", **bad}).status_code == 400
    db.session.refresh(user)
    assert (user.display_name, user.preferred_language, user.time_zone) == ("Ana", "en", "UTC")
    assert audit_events("account.profile_update") == []


def test_password_change_ends_other_sessions_and_keeps_this_one(client, make, login_as, db, serving, outbox):
    user = make.trainee(email="ana@example.org", preferred_language="es")
    login_as(user)
    other = serving.test_client()
    sign_in_client(other, user)
    sign_in_client(serving.test_client(), user)

    response = _change(client)
    assert response.status_code == 302
    db.session.refresh(user)
    assert verify_password(user.password_hash, NEW_PASSWORD)
    assert client.get("/profile").status_code == 200
    assert other.get("/profile").status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(UserSession)) == 1
    assert audit_events("account.password_change")[0].details["ended_sessions"] == 2
    notice = outbox("ana@example.org")[-1]
    assert notice.language == "es" and "http://localhost/reset-password" in notice.body_text


def test_password_change_needs_the_current_password_and_a_good_new_one(client, make, login_as, db):
    user = make.trainee(email="ana@example.org", display_name="Ana Ferreira Lopes")
    login_as(user)
    refused = [
        _change(client, current="not my password at all"),
        _change(client, new="too short"),
        _change(client, new="password1234"),
        _change(client, new="Ana Ferreira Lopes"),
        _change(client, new=NEW_PASSWORD, confirm=NEW_PASSWORD + "?"),
        _change(client, new=DEFAULT_PASSWORD),
        _change(client, new="q" * 129),
        _change(client, current="c" * 129),
    ]
    assert [response.status_code for response in refused] == [400] * len(refused)
    assert b"not your current password" in refused[0].data
    db.session.refresh(user)
    assert verify_password(user.password_hash, DEFAULT_PASSWORD)


def test_password_change_accepts_a_long_passphrase(client, make, login_as, db):
    user = make.trainee()
    login_as(user)
    passphrase = "seven blue herons crossing the lake at dawn while the town sleeps on"
    assert len(passphrase) > 64
    assert _change(client, new=passphrase).status_code == 302
    db.session.refresh(user)
    assert verify_password(user.password_hash, passphrase)


def test_wrong_current_passwords_count_towards_the_lock(client, make, login_as, db, serving):
    serving.config.update(LOGIN_MAX_FAILURES=3, LOGIN_LOCKOUT_MINUTES=15)
    user = make.trainee()
    login_as(user)
    # The password change, the sessions page and the two-step pages all ask for it again.
    assert _change(client, current="guess number one").status_code == 400
    assert client.post("/profile/sessions", data={"current_password": "guess number two"}).status_code == 400
    assert client.post("/profile/two-step", data={"code": "123456",
                                                  "current_password": "guess number three"}).status_code == 400
    db.session.refresh(user)
    assert user.locked_until is not None
    assert [event.details["reason"] for event in audit_events("account.reauthentication_failed")] == [
        "wrong_password"] * 3
    assert len(audit_events("account.locked")) == 1

    refused = _change(client)  # locked: even the right password is refused for a while
    assert refused.status_code == 400 and "Too many wrong passwords or codes" in refused.get_data(as_text=True)
    assert verify_password(user.password_hash, DEFAULT_PASSWORD)
