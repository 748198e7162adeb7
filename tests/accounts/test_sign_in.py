"""Signing in: success, `next`, one message for every refusal, lockout, audit, rate limit."""
import re
from datetime import timedelta

from argon2 import PasswordHasher, Type

from academy.accounts import operations, passwords
from academy.accounts.models import User, UserSession
from academy.db_types import utcnow

from ..factories import DEFAULT_PASSWORD
from .helpers import audit_events, post_sign_in

REFUSED = b"is not right, or this account cannot sign in"


def test_sign_in_page_offers_a_forgotten_password_link(client):
    response = client.get("/sign-in")
    assert response.status_code == 200
    assert b'href="/reset-password"' in response.data


def test_right_password_signs_in_and_opens_a_server_side_session(client, make, db):
    user = make.trainee(email="ana@example.org")
    response = post_sign_in(client, "ana@example.org")
    assert response.status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(UserSession)) == 1
    assert client.get("/profile").status_code == 200
    db.session.refresh(user)
    assert user.last_sign_in_at is not None


def test_sign_in_ignores_letter_case_and_spaces_in_the_address(client, make):
    make.trainee(email="ana@example.org")
    assert post_sign_in(client, "  ANA@Example.ORG ").status_code == 302


def test_sign_in_follows_a_local_next_and_refuses_a_foreign_one(client, make):
    make.trainee(email="ana@example.org")
    response = post_sign_in(client, "ana@example.org", next_="/profile")
    assert response.headers["Location"] == "/profile"
    client.post("/sign-out")
    response = post_sign_in(client, "ana@example.org", next_="//evil.example/steal")
    assert response.headers["Location"] == "/"


def test_session_is_rotated_at_sign_in(client, make):
    make.trainee(email="ana@example.org")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
        session["lang"] = "fr"
    post_sign_in(client, "ana@example.org")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["lang"] == "fr"
        assert session["_user_id"]


def test_every_refusal_gives_the_same_answer(client, make):
    make.trainee(email="ana@example.org")
    make.trainee(email="off@example.org", is_active=False)
    make.trainee(email="locked@example.org", locked_until=utcnow() + timedelta(minutes=5))
    make.trainee(email="invited@example.org", password=None)
    attempts = [("nobody@example.org", DEFAULT_PASSWORD), ("ana@example.org", "a wrong password here"),
                ("off@example.org", DEFAULT_PASSWORD), ("locked@example.org", DEFAULT_PASSWORD),
                ("invited@example.org", "anything long enough")]
    answers = [post_sign_in(client, email, password) for email, password in attempts]
    assert {answer.status_code for answer in answers} == {400}
    assert all(REFUSED in answer.data for answer in answers)
    # Apart from the address typed in (shown again) and the time-stamped CSRF tokens, the pages
    # are identical.
    pages = {re.sub(rb'name="csrf_token" value="[^"]*"', b"", answer.data.replace(email.encode(), b"EMAIL"))
             for answer, (email, _) in zip(answers, attempts)}
    assert len(pages) == 1


def test_the_refusal_points_a_locked_out_owner_to_a_new_password_not_to_waiting(client, make):
    """A lock can last a day (LOGIN_LOCKOUT_MAX_MINUTES); the reset link opens the account at once."""
    make.trainee(email="victim@example.org", lock_count=7, locked_until=utcnow() + timedelta(minutes=1440))
    page = post_sign_in(client, "victim@example.org").get_data(as_text=True)
    assert "Forgot your password?" in page and "a few minutes" not in page


def test_unknown_address_still_spends_a_password_verification(client, monkeypatch):
    calls = []
    monkeypatch.setattr(passwords, "dummy_verify", lambda password: calls.append(password))
    post_sign_in(client, "nobody@example.org", "some password")
    assert calls == ["some password"]


def test_disabled_account_cannot_sign_in_even_with_the_right_password(client, make, db):
    make.trainee(email="off@example.org", is_active=False)
    assert post_sign_in(client, "off@example.org").status_code == 400
    assert db.session.scalar(db.select(db.func.count()).select_from(UserSession)) == 0


def test_consecutive_failures_lock_the_account_for_the_configured_time(client, make, serving, db):
    serving.config.update(LOGIN_MAX_FAILURES=3, LOGIN_LOCKOUT_MINUTES=15)
    user = make.trainee(email="ana@example.org")
    for _ in range(3):
        post_sign_in(client, "ana@example.org", "not the password at all")
    db.session.refresh(user)
    assert user.locked_until is not None
    assert timedelta(minutes=14) < user.locked_until - utcnow() <= timedelta(minutes=15)
    # Locked: even the right password is refused, with the same message.
    response = post_sign_in(client, "ana@example.org")
    assert response.status_code == 400 and REFUSED in response.data
    assert [event.details["reason"] for event in audit_events("account.sign_in_failed")][-1] == "locked"
    assert len(audit_events("account.locked")) == 1


def test_failures_below_the_limit_do_not_lock_and_success_resets_the_count(client, make, serving, db):
    serving.config["LOGIN_MAX_FAILURES"] = 3
    user = make.trainee(email="ana@example.org")
    for _ in range(2):
        post_sign_in(client, "ana@example.org", "not the password at all")
    db.session.refresh(user)
    assert user.failed_sign_ins == 2 and user.locked_until is None
    assert post_sign_in(client, "ana@example.org").status_code == 302
    db.session.refresh(user)
    assert user.failed_sign_ins == 0


def _lock_once(client, db, user, failures: int) -> timedelta:
    """Let the last lock run out, guess ``failures`` wrong passwords; return how long the new lock lasts."""
    db.session.execute(db.update(User).where(User.id == user.id).values(locked_until=None))
    db.session.commit()
    for _ in range(failures):
        post_sign_in(client, user.email, "not the password at all")
    db.session.refresh(user)
    return user.locked_until - utcnow()


def test_each_lock_in_a_row_lasts_twice_as_long_up_to_the_longest(client, make, serving, db):
    serving.config.update(LOGIN_MAX_FAILURES=2, LOGIN_LOCKOUT_MINUTES=15, LOGIN_LOCKOUT_MAX_MINUTES=100)
    user = make.trainee(email="ana@example.org")
    lasting = [_lock_once(client, db, user, 2) for _ in range(5)]
    for length, minutes in zip(lasting, (15, 30, 60, 100, 100)):
        assert timedelta(minutes=minutes - 1) < length <= timedelta(minutes=minutes), lasting
    assert user.lock_count == 5 and len(audit_events("account.locked")) == 5


def test_locks_of_one_length_when_the_longest_is_the_first(client, make, serving, db):
    serving.config.update(LOGIN_MAX_FAILURES=2, LOGIN_LOCKOUT_MINUTES=20, LOGIN_LOCKOUT_MAX_MINUTES=20)
    user = make.trainee(email="ana@example.org")
    for _ in range(3):
        assert timedelta(minutes=19) < _lock_once(client, db, user, 2) <= timedelta(minutes=20)


def test_signing_in_or_a_new_password_starts_the_locks_afresh(client, make, serving, db):
    serving.config.update(LOGIN_MAX_FAILURES=2, LOGIN_LOCKOUT_MINUTES=15, LOGIN_LOCKOUT_MAX_MINUTES=1440)
    user = make.trainee(email="ana@example.org")
    _lock_once(client, db, user, 2), _lock_once(client, db, user, 2)
    assert user.lock_count == 2
    db.session.execute(db.update(User).where(User.id == user.id).values(locked_until=None))
    db.session.commit()
    assert post_sign_in(client, "ana@example.org").status_code == 302
    db.session.refresh(user)
    assert user.lock_count == 0
    stranger = serving.test_client()
    assert timedelta(minutes=14) < _lock_once(stranger, db, user, 2) <= timedelta(minutes=15)

    _lock_once(stranger, db, user, 2)
    assert user.lock_count == 2
    with serving.test_request_context():
        operations.change_password(db.session.get(User, user.id), "a brand new passphrase 2027")
        db.session.commit()
    db.session.refresh(user)
    assert (user.lock_count, user.locked_until, user.failed_sign_ins) == (0, None, 0)


def test_the_lock_schedule_doubles_and_stops_at_the_longest():
    assert operations.lock_minutes({"LOGIN_LOCKOUT_MINUTES": 15, "LOGIN_LOCKOUT_MAX_MINUTES": 1440}) == [
        15, 30, 60, 120, 240, 480, 960, 1440]
    # A longest shorter than the first lock wins; nothing lasts under a minute.
    assert operations.lock_minutes({"LOGIN_LOCKOUT_MINUTES": 30, "LOGIN_LOCKOUT_MAX_MINUTES": 10}) == [10]
    assert operations.lock_minutes({"LOGIN_LOCKOUT_MINUTES": 0, "LOGIN_LOCKOUT_MAX_MINUTES": 3}) == [1, 2, 3]


def test_lock_ends_after_its_time(client, make, db):
    make.trainee(email="ana@example.org", locked_until=utcnow() - timedelta(seconds=1))
    assert post_sign_in(client, "ana@example.org").status_code == 302


def test_lockout_is_counted_in_the_database_for_every_worker(make, app, db):
    app.config["LOGIN_MAX_FAILURES"] = 2
    user = make.trainee(email="ana@example.org")
    # Another worker's failure, written straight to the database, counts too.
    db.session.execute(db.update(User).where(User.id == user.id).values(failed_sign_ins=1))
    db.session.commit()
    with app.test_request_context():
        operations.authenticate("ana@example.org", "not the password at all")
        db.session.commit()
    db.session.refresh(user)
    assert user.is_locked(utcnow())


def test_success_and_failure_are_audited_without_the_password(client, make):
    user = make.trainee(email="ana@example.org")
    post_sign_in(client, "ana@example.org", "wrong password typed here")
    post_sign_in(client, "nobody@example.org", "another secret guess")
    post_sign_in(client, "ana@example.org")
    failed = audit_events("account.sign_in_failed")
    assert [(event.object_id, event.details["reason"]) for event in failed] == [
        (str(user.id), "wrong_password"), (None, "unknown_email")]
    success = audit_events("account.sign_in")
    assert len(success) == 1 and success[0].actor_id == user.id
    everything = repr([(event.details, event.object_id) for event in audit_events()])
    assert "wrong password typed here" not in everything
    assert "another secret guess" not in everything
    assert "nobody@example.org" not in everything


def test_outdated_hash_is_upgraded_at_sign_in(client, make, db):
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1, type=Type.ID)
    user = make.trainee(email="ana@example.org")
    user.password_hash = weak.hash(DEFAULT_PASSWORD)
    db.session.commit()
    assert post_sign_in(client, "ana@example.org").status_code == 302
    db.session.refresh(user)
    assert "m=19456,t=2,p=1" in user.password_hash
    assert passwords.verify_password(user.password_hash, DEFAULT_PASSWORD)


def test_over_long_or_missing_values_are_refused_without_a_lookup(client, make):
    long_email = "a" * 250 + "@example.org"
    assert post_sign_in(client, long_email).status_code == 400
    assert post_sign_in(client, "ana@example.org", "p" * 129).status_code == 400
    assert client.post("/sign-in", data={}).status_code == 400
    assert audit_events("account.sign_in_failed") == []


def test_signed_in_user_visiting_sign_in_is_sent_on(client, make, login_as):
    login_as(make.trainee())
    response = client.get("/sign-in?next=/profile")
    assert response.status_code == 302 and response.headers["Location"] == "/profile"


def test_sign_in_posts_are_rate_limited(make_app):
    limited = make_app(RATELIMIT_ENABLED=True, RATELIMIT_SIGN_IN="2 per minute")
    client = limited.test_client()
    codes = [post_sign_in(client, "nobody@example.org", "guess number one").status_code
             for _ in range(3)]
    assert codes == [400, 400, 429]
    assert b"too many attempts" in client.post("/sign-in", data={}).data
    assert client.get("/sign-in").status_code == 200  # reading the page is not limited
