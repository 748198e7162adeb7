"""One's own two-step verification pages: turning it on, new recovery codes, turning it off."""
from __future__ import annotations

import re
import time
from datetime import timedelta

import pyotp
import pytest

from academy.accounts import two_factor
from academy.accounts.models import User
from academy.db_types import utcnow

from ..factories import DEFAULT_PASSWORD
from .helpers import audit_events

SETUP = "/profile/two-step"
NEW_CODES = "/profile/two-step/recovery-codes"
OFF = "/profile/two-step/off"


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, interval=two_factor.STEP_SECONDS)


def _pending_secret(client) -> str:
    with client.session_transaction() as session:
        return session.get("two_factor_setup")


def _wrong_code(secret: str) -> str:
    """Six digits that match none of the steps the server accepts now."""
    now = time.time()
    accepted = {_totp(secret).at(now + offset) for offset in (-60, -30, 0, 30, 60)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in accepted)


def _shown_codes(response) -> list[str]:
    return re.findall(r"<li><code>([A-Z2-7]{4}(?: [A-Z2-7]{4}){3})</code></li>", response.get_data(as_text=True))


def _reload(db, user) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


@pytest.fixture
def enrolled(app, db, make):
    """A trainee with two-step verification on (since five minutes ago), their secret and codes."""
    person = make.trainee()
    secret = two_factor.new_secret()
    earlier = utcnow() - timedelta(minutes=5)
    with app.test_request_context():
        codes = two_factor.enable(person, secret, _totp(secret).at(earlier), now=earlier)
    db.session.commit()
    return person, secret, codes


# --- turning it on -------------------------------------------------------------------------------

def test_setup_page_shows_the_qr_code_and_the_grouped_secret(client, make, login_as):
    login_as(make.trainee())
    response = client.get(SETUP)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    secret = _pending_secret(client)
    assert secret and '<svg' in page and 'class="qr-code"' in page
    assert two_factor.grouped(secret) in page
    assert 'inputmode="numeric"' in page and 'autocomplete="one-time-code"' in page
    assert 'autocomplete="current-password"' in page


def test_the_pending_secret_stays_the_same_until_it_is_confirmed(client, make, login_as, db):
    person = make.trainee()
    login_as(person)
    client.get(SETUP)
    first = _pending_secret(client)
    assert two_factor.grouped(first) in client.get(SETUP).get_data(as_text=True)
    assert _pending_secret(client) == first
    response = client.post(SETUP, data={"code": _totp(first).now(), "current_password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    assert _pending_secret(client) is None
    assert two_factor.verify(_reload(db, person), _totp(first).at(time.time() + 30))


def test_a_secret_sent_by_the_visitor_is_ignored(client, make, login_as, db):
    person = make.trainee()
    login_as(person)
    client.get(SETUP)
    chosen = two_factor.new_secret()
    response = client.post(SETUP, data={"code": _totp(chosen).now(), "secret": chosen,
                                        "current_password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert not _reload(db, person).has_two_factor


def test_a_wrong_code_is_refused_and_nothing_is_saved(client, make, login_as, db):
    person = make.trainee()
    login_as(person)
    client.get(SETUP)
    secret = _pending_secret(client)
    response = client.post(SETUP, data={"code": _wrong_code(secret), "current_password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert "This code does not match" in response.get_data(as_text=True)
    assert not _reload(db, person).has_two_factor
    assert _pending_secret(client) == secret  # the phone already has it: try again with the same one
    assert audit_events("account.two_factor_enabled") == []


def test_a_code_that_is_not_six_digits_is_refused(client, make, login_as, db):
    person = make.trainee()
    login_as(person)
    client.get(SETUP)
    response = client.post(SETUP, data={"code": "12345", "current_password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert "Type the six digits" in response.get_data(as_text=True)
    assert not _reload(db, person).has_two_factor


def test_the_first_code_may_be_typed_in_persian_digits(client, make, login_as, db):
    person = make.trainee()
    login_as(person)
    client.get(SETUP)
    typed = _totp(_pending_secret(client)).now().translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    response = client.post(SETUP, data={"code": typed, "current_password": DEFAULT_PASSWORD})
    assert response.status_code == 200 and _reload(db, person).has_two_factor


def test_a_wrong_password_is_refused_and_nothing_is_saved(client, make, login_as, db):
    person = make.trainee()
    login_as(person)
    client.get(SETUP)
    secret = _pending_secret(client)
    response = client.post(SETUP, data={"code": _totp(secret).now(), "current_password": "not my password"})
    assert response.status_code == 400
    assert "This is not your current password." in response.get_data(as_text=True)
    assert not _reload(db, person).has_two_factor


def test_success_turns_it_on_and_shows_ten_recovery_codes_once(client, make, login_as, db):
    person = make.trainee()
    login_as(person)
    client.get(SETUP)
    secret = _pending_secret(client)
    response = client.post(SETUP, data={"code": _totp(secret).now(), "current_password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    codes = _shown_codes(response)
    assert len(codes) == two_factor.RECOVERY_CODE_COUNT == len(set(codes))
    person = _reload(db, person)
    assert person.has_two_factor and two_factor.recovery_codes_left(person) == 10
    assert two_factor.verify(person, codes[0])
    assert client.get("/profile").status_code == 200  # this session stays signed in
    assert not any(code in client.get("/profile").get_data(as_text=True) for code in codes[1:])
    assert client.get(SETUP).status_code == 409  # already on: no second set of codes this way


# --- the profile page ----------------------------------------------------------------------------

def test_the_profile_says_when_it_is_off_and_offers_to_turn_it_on(client, make, login_as):
    login_as(make.trainee())
    page = client.get("/profile").get_data(as_text=True)
    assert "Two-step verification" in page and f'href="{SETUP}"' in page
    assert f'href="{OFF}"' not in page


def test_the_profile_shows_since_when_it_is_on_and_the_codes_left(client, make, login_as, enrolled, db):
    person, _secret, codes = enrolled
    assert two_factor.verify(person, codes[0])
    db.session.commit()
    login_as(person)
    page = client.get("/profile").get_data(as_text=True)
    assert "9 unused codes left" in page and "On since " in page
    assert f'href="{NEW_CODES}"' in page and f'href="{OFF}"' in page and f'href="{SETUP}"' not in page


# --- new recovery codes --------------------------------------------------------------------------

def test_new_recovery_codes_need_the_password(client, login_as, enrolled, db):
    person, _secret, codes = enrolled
    login_as(person)
    assert client.get(NEW_CODES).status_code == 200
    response = client.post(NEW_CODES, data={"current_password": "not my password"})
    assert response.status_code == 400 and _shown_codes(response) == []
    assert two_factor.verify(_reload(db, person), codes[0])


def test_new_recovery_codes_are_announced_by_mail_without_the_codes(client, login_as, enrolled, outbox):
    person, _secret, _old = enrolled
    login_as(person)
    before = len(outbox(person.email))
    codes = _shown_codes(client.post(NEW_CODES, data={"current_password": DEFAULT_PASSWORD}))
    [message] = outbox(person.email)[before:]
    assert message.subject == "New recovery codes for your Activist Academy account"
    assert "If this was not you" in message.body_text and "/reset-password" in message.body_text
    assert codes and not any(code in message.body_text or code.replace(" ", "") in message.body_text
                             for code in codes)


def test_new_recovery_codes_replace_the_old_ones(client, login_as, enrolled, db):
    person, _secret, old = enrolled
    login_as(person)
    response = client.post(NEW_CODES, data={"current_password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    new = _shown_codes(response)
    assert len(new) == 10 and not set(new) & set(old)
    person = _reload(db, person)
    assert not two_factor.verify(person, old[0])
    assert two_factor.verify(person, new[0])
    assert audit_events("account.recovery_codes_renewed")


def test_new_recovery_codes_are_refused_while_it_is_off(client, make, login_as):
    login_as(make.trainee())
    assert client.post(NEW_CODES, data={"current_password": DEFAULT_PASSWORD}).status_code == 409


# --- turning it off ------------------------------------------------------------------------------

def test_turning_it_off_needs_the_password_and_a_valid_code(client, login_as, enrolled, db, outbox):
    person, secret, _codes = enrolled
    login_as(person)
    assert client.get(OFF).status_code == 200
    code = _totp(secret).now()
    assert client.post(OFF, data={"current_password": "not my password", "code": code}).status_code == 400
    refused = client.post(OFF, data={"current_password": DEFAULT_PASSWORD, "code": _wrong_code(secret)})
    assert refused.status_code == 400 and "This code is not right" in refused.get_data(as_text=True)
    assert _reload(db, person).has_two_factor

    response = client.post(OFF, data={"current_password": DEFAULT_PASSWORD, "code": code})
    assert response.status_code == 302 and response.headers["Location"] == "/profile"
    person = _reload(db, person)
    assert not person.has_two_factor and two_factor.recovery_codes_left(person) == 0
    assert audit_events("account.two_factor_disabled")[0].details["by_admin"] is False
    body = outbox(person.email)[-1].body_text
    assert "Two-step verification has just been turned off" in body and "administrator" not in body
    assert "You can turn it on again from your profile page" in body and "If you did not do this" in body


def test_wrong_codes_on_the_turn_off_form_count_towards_the_lock(client, login_as, enrolled, db, serving):
    serving.config.update(LOGIN_MAX_FAILURES=2)
    person, secret, _codes = enrolled
    login_as(person)
    for _ in range(2):
        refused = client.post(OFF, data={"current_password": DEFAULT_PASSWORD, "code": _wrong_code(secret)})
        assert refused.status_code == 400
    locked = _reload(db, person)
    assert locked.locked_until is not None and locked.has_two_factor
    assert [event.details["reason"] for event in audit_events("account.reauthentication_failed")] == [
        "wrong_code", "wrong_code"]
    assert client.post(OFF, data={"current_password": DEFAULT_PASSWORD,
                                  "code": _totp(secret).now()}).status_code == 400
    assert _reload(db, person).has_two_factor


def test_a_code_used_once_cannot_turn_it_off(client, login_as, enrolled, db):
    person, secret, _codes = enrolled
    login_as(person)
    now = time.time()
    assert two_factor.verify(person, _totp(secret).at(now))
    db.session.commit()
    replayed = client.post(OFF, data={"current_password": DEFAULT_PASSWORD, "code": _totp(secret).at(now)})
    assert replayed.status_code == 400 and _reload(db, person).has_two_factor
    fresh = client.post(OFF, data={"current_password": DEFAULT_PASSWORD, "code": _totp(secret).at(now + 30)})
    assert fresh.status_code == 302 and not _reload(db, person).has_two_factor


def test_a_code_in_arabic_indic_digits_turns_it_off_and_a_wrong_one_is_refused(client, login_as, enrolled, db):
    person, secret, _codes = enrolled
    login_as(person)
    arabic = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    refused = client.post(OFF, data={"current_password": DEFAULT_PASSWORD,
                                     "code": _wrong_code(secret).translate(arabic)})
    assert refused.status_code == 400 and _reload(db, person).has_two_factor
    response = client.post(OFF, data={"current_password": DEFAULT_PASSWORD,
                                      "code": _totp(secret).now().translate(arabic)})
    assert response.status_code == 302 and not _reload(db, person).has_two_factor


def test_a_recovery_code_can_turn_it_off(client, login_as, enrolled, db):
    person, _secret, codes = enrolled
    login_as(person)
    response = client.post(OFF, data={"current_password": DEFAULT_PASSWORD, "code": codes[2].lower()})
    assert response.status_code == 302 and not _reload(db, person).has_two_factor


def test_turning_it_off_is_refused_when_the_role_requires_it(client, app, serving, make, login_as, db):
    coordinator = make.coordinator()
    secret = two_factor.new_secret()
    earlier = utcnow() - timedelta(minutes=5)
    with app.test_request_context():
        two_factor.enable(coordinator, secret, _totp(secret).at(earlier), now=earlier)
    db.session.commit()
    serving.config["TWO_FACTOR_REQUIRED_ROLES"] = frozenset({"coordinator"})
    login_as(coordinator)

    page = client.get("/profile").get_data(as_text=True)
    assert f'href="{OFF}"' not in page and "requires two-step verification" in page
    response = client.post(OFF, data={"current_password": DEFAULT_PASSWORD, "code": _totp(secret).now()})
    assert response.status_code == 409
    assert "requires two-step verification" in response.get_data(as_text=True)
    assert _reload(db, coordinator).has_two_factor


# --- access and forgery --------------------------------------------------------------------------

def test_the_pages_need_a_signed_in_user(client):
    for url in (SETUP, NEW_CODES, OFF):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
        assert client.post(url, data={}).status_code == 401


def test_every_change_needs_the_csrf_token(make_app, make, login_as, enrolled, db):
    web = make_app(WTF_CSRF_ENABLED=True)
    person, secret, codes = enrolled
    client = login_as(person, on_client=web.test_client())
    for url in (NEW_CODES, OFF):
        response = client.post(url, data={"current_password": DEFAULT_PASSWORD, "code": codes[0]})
        assert response.status_code == 400 and _shown_codes(response) == []
    assert two_factor.verify(_reload(db, person), codes[0])  # neither renewed nor used up
    assert not audit_events("account.recovery_codes_renewed")

    newcomer = login_as(make.trainee(), on_client=web.test_client())
    page = newcomer.get(SETUP).get_data(as_text=True)
    pending = _pending_secret(newcomer)
    form = {"code": _totp(pending).now(), "current_password": DEFAULT_PASSWORD}
    assert newcomer.post(SETUP, data=form).status_code == 400
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', page)
    assert newcomer.post(SETUP, data={**form, "csrf_token": token.group(1) or token.group(2)}).status_code == 200
