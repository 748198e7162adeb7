"""Signing in with two-step verification: the password, then a code; no session in between."""
from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest

from academy.accounts import second_step, two_factor
from academy.accounts.models import User, UserSession
from academy.db_types import utcnow

from .helpers import audit_events, post_sign_in

CODE_REFUSED = b"This code is not right, or it was used already"


@pytest.fixture
def enrolled(app, db, make):
    """ana@example.org with two-step verification on: (user, secret, recovery codes)."""
    user = make.trainee(email="ana@example.org")
    secret = two_factor.new_secret()
    earlier = utcnow() - timedelta(minutes=2)  # so that the current code is still unused
    with app.test_request_context():
        codes = two_factor.enable(user, secret, pyotp.TOTP(secret).at(earlier), now=earlier)
    db.session.commit()
    return user, secret, codes


def _now_code(secret: str) -> str:
    return pyotp.TOTP(secret).now()


def _wrong_code(secret: str) -> str:
    right = {pyotp.TOTP(secret).at(utcnow() + timedelta(seconds=offset)) for offset in (-30, 0, 30)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in right)


def _sessions(db) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(UserSession))


def test_right_password_opens_no_session_until_the_code(client, enrolled, db):
    response = post_sign_in(client, "ana@example.org", next_="/profile")
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in/code"
    assert _sessions(db) == 0
    assert client.get("/profile").status_code == 302  # still signed out
    page = client.get("/sign-in/code")
    assert page.status_code == 200 and b'autocomplete="one-time-code"' in page.data
    assert audit_events("account.sign_in") == [] and len(audit_events("account.sign_in_password_ok")) == 1


def test_right_code_signs_in_rotates_the_session_and_follows_next(client, enrolled, db):
    user, secret, _codes = enrolled
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    post_sign_in(client, "ana@example.org", next_="/profile")
    response = client.post("/sign-in/code", data={"code": _now_code(secret)})
    assert response.status_code == 302 and response.headers["Location"] == "/profile"
    assert _sessions(db) == 1 and client.get("/profile").status_code == 200
    with client.session_transaction() as session:
        assert "planted" not in session and second_step.PENDING_KEY not in session
    [event] = audit_events("account.sign_in")
    assert event.actor_id == user.id and event.details["second_factor"] == "totp"


@pytest.mark.parametrize("digits", ["0123456789", "٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹", "０１２３４５６７８９"],
                         ids=["ascii", "arabic-indic", "persian", "full-width"])
def test_a_code_typed_on_any_keyboard_signs_in(client, enrolled, db, digits):
    user, secret, _codes = enrolled
    post_sign_in(client, "ana@example.org")
    typed = _now_code(secret).translate(str.maketrans("0123456789", digits))

    response = client.post("/sign-in/code", data={"code": typed[:3] + " " + typed[3:]})

    assert response.status_code == 302 and _sessions(db) == 1


def test_a_wrong_code_in_other_digits_is_refused_not_an_error(client, enrolled, db):
    user, secret, _codes = enrolled
    post_sign_in(client, "ana@example.org")
    wrong = _wrong_code(secret).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    for code in (wrong, "١٢٣abc", "é" * 6):
        response = client.post("/sign-in/code", data={"code": code})
        assert response.status_code == 400 and CODE_REFUSED in response.data
    assert _sessions(db) == 0


def test_wrong_code_is_refused_and_counted(client, enrolled, db):
    user, secret, _codes = enrolled
    post_sign_in(client, "ana@example.org")
    response = client.post("/sign-in/code", data={"code": _wrong_code(secret)})
    assert response.status_code == 400 and CODE_REFUSED in response.data
    assert _sessions(db) == 0
    db.session.refresh(user)
    assert user.failed_sign_ins == 1
    assert audit_events("account.sign_in_failed")[-1].details["reason"] == "wrong_code"


def test_guessing_codes_locks_the_account_like_guessing_passwords(client, enrolled, serving, db):
    serving.config.update(LOGIN_MAX_FAILURES=3, LOGIN_LOCKOUT_MINUTES=15)
    user, secret, _codes = enrolled
    post_sign_in(client, "ana@example.org")
    for _ in range(3):
        assert client.post("/sign-in/code", data={"code": _wrong_code(secret)}).status_code == 400
    db.session.refresh(user)
    assert user.is_locked(utcnow()) and len(audit_events("account.locked")) == 1
    # Locked: even the right code is refused, and the half-done sign-in is dropped.
    response = client.post("/sign-in/code", data={"code": _now_code(secret)})
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    assert _sessions(db) == 0


def test_the_owner_is_told_when_wrong_codes_lock_the_account(client, enrolled, serving, db, outbox):
    serving.config.update(LOGIN_MAX_FAILURES=3, LOGIN_LOCKOUT_MINUTES=15)
    user, secret, _codes = enrolled
    before = len(outbox(user.email))  # the mail saying two-step verification is on
    post_sign_in(client, "ana@example.org")
    for _ in range(2):
        client.post("/sign-in/code", data={"code": _wrong_code(secret)})
    assert len(outbox(user.email)) == before  # a slip or two is not news
    client.post("/sign-in/code", data={"code": _wrong_code(secret)})
    [message] = outbox(user.email)[before:]
    assert message.subject == "Someone tried to sign in to your Activist Academy account"
    assert "blocked for 15 minutes" in message.body_text and "/reset-password" in message.body_text

    # The next lock lasts twice as long, and the mail says so.
    db.session.execute(db.update(User).where(User.id == user.id).values(locked_until=None))
    db.session.commit()
    post_sign_in(client, "ana@example.org")
    for _ in range(3):
        client.post("/sign-in/code", data={"code": _wrong_code(secret)})
    [_first, second] = outbox(user.email)[before:]
    assert "blocked for 30 minutes" in second.body_text


def test_wrong_passwords_locking_the_account_send_no_mail(client, make, serving, outbox):
    serving.config.update(LOGIN_MAX_FAILURES=3)
    person = make.trainee(email="bo@example.org")
    for _ in range(3):
        client.post("/sign-in", data={"email": person.email, "password": "not the password at all"})
    assert outbox(person.email) == []  # anyone can type an address: no mail a stranger can trigger


def test_the_right_password_does_not_reset_the_count_of_wrong_codes(client, enrolled, serving, db):
    serving.config["LOGIN_MAX_FAILURES"] = 3
    user, secret, _codes = enrolled
    for _ in range(2):
        post_sign_in(client, "ana@example.org")
        client.post("/sign-in/code", data={"code": _wrong_code(secret)})
    post_sign_in(client, "ana@example.org")
    db.session.refresh(user)
    assert user.failed_sign_ins == 2


def test_a_code_used_once_is_refused_the_second_time(client, enrolled, db, make_app):
    _user, secret, _codes = enrolled
    code = _now_code(secret)
    post_sign_in(client, "ana@example.org")
    assert client.post("/sign-in/code", data={"code": code}).status_code == 302
    other = make_app().test_client()
    post_sign_in(other, "ana@example.org")
    response = other.post("/sign-in/code", data={"code": code})
    assert response.status_code == 400 and CODE_REFUSED in response.data


def test_an_expired_half_sign_in_goes_back_to_the_password(client, enrolled, db):
    _user, secret, _codes = enrolled
    post_sign_in(client, "ana@example.org")
    with client.session_transaction() as session:
        marker = dict(session[second_step.PENDING_KEY])
        marker["since"] -= int(second_step.PENDING_LIFETIME.total_seconds()) + 1
        session[second_step.PENDING_KEY] = marker
    response = client.post("/sign-in/code", data={"code": _now_code(secret)}, follow_redirects=True)
    assert response.request.path == "/sign-in" and b"Signing in took too long" in response.data
    assert _sessions(db) == 0


def test_the_code_page_without_a_password_first_sends_to_sign_in(client, enrolled, db):
    _user, secret, _codes = enrolled
    response = client.post("/sign-in/code", data={"code": _now_code(secret)})
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    assert _sessions(db) == 0


def test_a_half_sign_in_of_an_account_disabled_meanwhile_is_refused(client, enrolled, db):
    user, secret, _codes = enrolled
    post_sign_in(client, "ana@example.org")
    db.session.execute(db.update(User).where(User.id == user.id).values(is_active=False))
    db.session.commit()
    response = client.post("/sign-in/code", data={"code": _now_code(secret)}, follow_redirects=True)
    assert response.request.path == "/sign-in" and b"cannot sign in at the moment" in response.data
    assert _sessions(db) == 0


def test_a_half_sign_in_begun_with_the_old_password_is_refused_after_a_reset(app, client, enrolled, db):
    """The "wrong codes locked your account" mail sends the owner to reset the password: the
    intruder's half sign-in (made with the old password) must not get the fresh count of tries."""
    from academy.accounts import operations
    from academy.accounts.models import TokenPurpose
    from academy.accounts.tokens import find_token, issue_token

    from .helpers import NEW_PASSWORD

    user, secret, _codes = enrolled
    assert post_sign_in(client, "ana@example.org").headers["Location"] == "/sign-in/code"
    with app.test_request_context():
        token = issue_token(user, TokenPurpose.RESET)
        assert operations.reset_password(find_token(token, TokenPurpose.RESET), NEW_PASSWORD)
    db.session.commit()

    response = client.post("/sign-in/code", data={"code": _now_code(secret)}, follow_redirects=True)
    assert response.request.path == "/sign-in"
    assert _sessions(db) == 0


def test_a_recovery_code_works_once_and_says_how_many_are_left(client, enrolled, db):
    _user, _secret, codes = enrolled
    post_sign_in(client, "ana@example.org")
    response = client.post("/sign-in/code", data={"code": codes[0]}, follow_redirects=True)
    assert response.status_code == 200 and b"9 recovery codes are left" in response.data
    assert audit_events("account.sign_in")[-1].details["second_factor"] == "recovery"
    client.post("/sign-out")
    post_sign_in(client, "ana@example.org")
    assert client.post("/sign-in/code", data={"code": codes[0]}).status_code == 400


def test_few_recovery_codes_left_suggests_making_new_ones(client, enrolled, db):
    _user, _secret, codes = enrolled
    for code in codes[:7]:
        post_sign_in(client, "ana@example.org")
        response = client.post("/sign-in/code", data={"code": code}, follow_redirects=True)
        client.post("/sign-out")
    assert b"3 recovery codes are left" in response.data and b"Make new recovery codes" in response.data


def test_without_two_step_verification_the_password_alone_signs_in(client, make, db):
    make.trainee(email="bo@example.org")
    response = post_sign_in(client, "bo@example.org")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert _sessions(db) == 1 and len(audit_events("account.sign_in")) == 1


def test_code_posts_are_rate_limited(make_app, enrolled):
    limited = make_app(RATELIMIT_ENABLED=True, RATELIMIT_SIGN_IN="2 per minute")
    client = limited.test_client()
    codes = [client.post("/sign-in/code", data={"code": "123456"}).status_code for _ in range(3)]
    assert codes == [302, 302, 429]
