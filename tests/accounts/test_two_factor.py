"""Two-step verification's rules: codes work once, recovery codes once, the secret is encrypted."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pyotp
import pytest
import sqlalchemy as sa

from academy.accounts import two_factor
from academy.accounts.models import RecoveryCode, User, UserSession
from academy.audit.models import AuditEvent
from academy.outbox.models import OutboxMessage

from .. import factories

NOW = datetime(2027, 3, 1, 12, 0, 0, tzinfo=timezone.utc)


def _code(secret: str, moment: datetime) -> str:
    return pyotp.TOTP(secret, interval=two_factor.STEP_SECONDS).at(moment)


@pytest.fixture(autouse=True)
def _request(app):
    """The e-mails link to this site, as they do when a request turns the setting on or off."""
    with app.test_request_context():
        yield


@pytest.fixture
def enrolled(app, db):
    """A person with two-step verification on, their secret and their recovery codes."""
    person = factories.user()
    secret = two_factor.new_secret()
    codes = two_factor.enable(person, secret, _code(secret, NOW - timedelta(minutes=5)),
                              now=NOW - timedelta(minutes=5))
    db.session.commit()
    return person, secret, codes


def test_turning_it_on_needs_a_code_from_the_app(app, db):
    person = factories.user()
    secret = two_factor.new_secret()
    with pytest.raises(two_factor.TwoFactorRefused):
        two_factor.enable(person, secret, "000000" if _code(secret, NOW) != "000000" else "111111", now=NOW)
    assert not person.has_two_factor
    codes = two_factor.enable(person, secret, _code(secret, NOW), now=NOW)
    db.session.commit()
    assert person.has_two_factor and len(codes) == two_factor.RECOVERY_CODE_COUNT
    assert len(set(codes)) == len(codes) and all(len(code.replace(" ", "")) == 16 for code in codes)


def test_the_secret_is_stored_encrypted(enrolled):
    person, secret, _codes = enrolled
    assert secret not in person.totp_secret and person.totp_secret.startswith("gAAAA")  # a Fernet token


def test_recovery_codes_are_stored_as_keyed_hashes_only(enrolled, db):
    person, _secret, codes = enrolled
    stored = db.session.scalars(sa.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == person.id)).all()
    assert len(stored) == len(codes)
    assert not any(code.replace(" ", "") in value for code in codes for value in stored)


def test_a_code_works_once_only(enrolled, db):
    person, secret, _codes = enrolled
    code = _code(secret, NOW)
    assert two_factor.verify(person, code, now=NOW)
    assert not two_factor.verify(person, code, now=NOW + timedelta(seconds=5))


def test_an_older_code_than_the_last_used_one_is_refused(enrolled):
    person, secret, _codes = enrolled
    assert two_factor.verify(person, _code(secret, NOW), now=NOW)
    earlier = NOW - timedelta(seconds=two_factor.STEP_SECONDS)
    assert not two_factor.verify(person, _code(secret, earlier), now=NOW)


def test_a_code_from_a_neighbouring_step_is_accepted_but_not_from_further(enrolled):
    person, secret, _codes = enrolled
    assert not two_factor.verify(person, _code(secret, NOW - timedelta(seconds=95)), now=NOW)
    assert two_factor.verify(person, _code(secret, NOW - timedelta(seconds=30)), now=NOW)


def test_a_recovery_code_works_once_in_any_letter_case_or_grouping(enrolled, db):
    person, _secret, codes = enrolled
    typed = codes[3].lower().replace(" ", "-")
    assert two_factor.verify(person, typed, now=NOW)
    assert not two_factor.verify(person, codes[3], now=NOW)
    assert two_factor.recovery_codes_left(person) == two_factor.RECOVERY_CODE_COUNT - 1
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "account.recovery_code_used"))


def test_another_persons_recovery_code_does_not_work(enrolled, db):
    person, _secret, codes = enrolled
    other = factories.user()
    other_secret = two_factor.new_secret()
    two_factor.enable(other, other_secret, _code(other_secret, NOW), now=NOW)
    assert not two_factor.verify(other, codes[0], now=NOW)
    assert two_factor.verify(person, codes[0], now=NOW)


def test_nothing_verifies_while_it_is_off(app, db):
    person = factories.user()
    assert not two_factor.verify(person, "123456", now=NOW)


def test_renewing_recovery_codes_retires_the_old_ones(enrolled):
    person, _secret, codes = enrolled
    fresh = two_factor.regenerate_recovery_codes(person, now=NOW)
    assert not two_factor.verify(person, codes[0], now=NOW)
    assert two_factor.verify(person, fresh[0], now=NOW)


def test_a_changed_secret_key_makes_codes_fail_without_an_error(enrolled, app):
    person, secret, _codes = enrolled
    original = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "another-secret-key-for-this-test-only"
    try:
        assert not two_factor.verify(person, _code(secret, NOW), now=NOW)
    finally:
        app.config["SECRET_KEY"] = original


def test_turning_it_on_ends_the_other_sessions_and_tells_the_person(app, db):
    person = factories.user()
    db.session.add(UserSession(user_id=person.id, token_hash="a" * 64))
    db.session.commit()
    secret = two_factor.new_secret()
    two_factor.enable(person, secret, _code(secret, NOW), now=NOW)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 0
    assert db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.recipient == person.email))


def test_turning_it_off_forgets_the_secret_and_the_codes(enrolled, db):
    person, secret, codes = enrolled
    admin = factories.admin()
    two_factor.disable(person, actor=admin, reason="lost phone")
    db.session.commit()
    db.session.expire_all()
    person = db.session.get(User, person.id)
    assert not person.has_two_factor and person.totp_secret is None
    assert two_factor.recovery_codes_left(person) == 0
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "account.two_factor_disabled"))
    assert event.details["by_admin"] is True


def test_the_requirement_follows_the_roles(app, db):
    coordinator = factories.coordinator()
    trainee = factories.user()
    app.config["TWO_FACTOR_REQUIRED_ROLES"] = frozenset({"admin", "coordinator"})
    try:
        assert two_factor.is_required(coordinator) and not two_factor.is_required(trainee)
    finally:
        app.config["TWO_FACTOR_REQUIRED_ROLES"] = frozenset()


def test_a_recovery_code_typed_with_digits_for_lookalike_letters_still_works(enrolled):
    person, _secret, codes = enrolled
    # Ten codes of sixteen letters all but surely hold an O, an I or a B somewhere.
    code = next(code.replace(" ", "") for code in codes if set(code) & set("OIB"))
    typed = code.replace("O", "0").replace("I", "1").replace("B", "8")
    assert typed != code
    assert two_factor.verify(person, typed, now=NOW)
