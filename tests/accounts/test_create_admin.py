"""The create-admin command."""
from academy.accounts.models import Role, User
from academy.accounts.passwords import verify_password

from ..factories import DEFAULT_PASSWORD
from .helpers import NEW_PASSWORD, audit_events

COMMAND = ["academy", "create-admin"]


def _user(db, email):
    return db.session.scalar(db.select(User).where(User.email == email))


def test_creates_an_admin_with_the_password_from_the_environment(runner, db, monkeypatch):
    monkeypatch.setenv("ACADEMY_ADMIN_PASSWORD", NEW_PASSWORD)
    result = runner.invoke(args=COMMAND + ["--email", "Boss@Example.org", "--name", "The Boss"])
    assert result.exit_code == 0, result.output
    user = _user(db, "boss@example.org")
    assert user.is_admin and user.display_name == "The Boss"
    assert verify_password(user.password_hash, NEW_PASSWORD)
    assert audit_events("account.create_admin")[0].details["created"] is True


def test_prompts_for_the_password_twice_when_not_in_the_environment(runner, db, monkeypatch):
    monkeypatch.delenv("ACADEMY_ADMIN_PASSWORD", raising=False)
    result = runner.invoke(args=COMMAND + ["--email", "boss@example.org", "--name", "Boss"],
                           input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert NEW_PASSWORD not in result.output  # hidden input
    assert verify_password(_user(db, "boss@example.org").password_hash, NEW_PASSWORD)


def test_weak_password_is_refused_and_nothing_is_written(runner, db, monkeypatch):
    for weak, reason in (("short", "at least 12 characters"), ("password1234", "too common"),
                         ("boss@example.org", "must not be your e-mail address")):
        monkeypatch.setenv("ACADEMY_ADMIN_PASSWORD", weak)
        result = runner.invoke(args=COMMAND + ["--email", "boss@example.org", "--name", "Boss"])
        assert result.exit_code == 1 and reason in result.output, (weak, result.output)
    assert _user(db, "boss@example.org") is None


def test_bad_email_or_name_is_refused(runner, db, monkeypatch):
    monkeypatch.setenv("ACADEMY_ADMIN_PASSWORD", NEW_PASSWORD)
    for email, name, complaint in (("not-an-address", "Boss", "--email"),
                                   ("boss@example.org", "n" * 251, "--name"),
                                   ("boss@example.org", "  ", "--name")):
        result = runner.invoke(args=COMMAND + ["--email", email, "--name", name])
        assert result.exit_code == 2 and complaint in result.output, result.output
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0


def test_existing_user_becomes_admin_and_keeps_the_password_when_none_given(runner, make, db, monkeypatch):
    user = make.trainer(email="t@example.org", is_active=False, failed_sign_ins=4)
    monkeypatch.delenv("ACADEMY_ADMIN_PASSWORD", raising=False)
    result = runner.invoke(args=COMMAND + ["--email", "T@example.org", "--name", "Other"], input="\n\n")
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    user = _user(db, "t@example.org")
    assert user.role_names == {Role.ADMIN.value, Role.TRAINER.value}
    assert user.is_active and user.failed_sign_ins == 0
    assert verify_password(user.password_hash, DEFAULT_PASSWORD)
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 1


def test_existing_user_password_is_set_when_given(runner, make, db, monkeypatch):
    make.admin(email="a@example.org")
    monkeypatch.setenv("ACADEMY_ADMIN_PASSWORD", NEW_PASSWORD)
    assert runner.invoke(args=COMMAND + ["--email", "a@example.org", "--name", "A"]).exit_code == 0
    db.session.expire_all()
    user = _user(db, "a@example.org")
    assert verify_password(user.password_hash, NEW_PASSWORD)
    assert [role.role for role in user.roles] == [Role.ADMIN]


def test_create_admin_turns_off_two_step_verification_of_a_locked_out_admin(runner, app, make, db, monkeypatch):
    import pyotp

    from academy.accounts import two_factor
    from academy.db_types import utcnow

    user = make.admin(email="boss@example.org")
    secret = two_factor.new_secret()
    with app.test_request_context():
        two_factor.enable(user, secret, pyotp.TOTP(secret).now(), now=utcnow())
    db.session.commit()
    monkeypatch.setenv("ACADEMY_ADMIN_PASSWORD", NEW_PASSWORD)
    result = runner.invoke(args=COMMAND + ["--email", "boss@example.org", "--name", "Boss"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert not _user(db, "boss@example.org").has_two_factor
    [event] = audit_events("account.two_factor_disabled")
    assert event.details["reason"] == "command line" and event.details["by_admin"] is False


def _sessions_of(db, user) -> int:
    from academy.accounts.models import UserSession

    return db.session.scalar(db.select(db.func.count()).select_from(UserSession)
                             .where(UserSession.user_id == user.id))


def test_a_new_password_signs_everyone_out_of_the_account_and_tells_its_owner(runner, make, db, client,
                                                                              login_as, monkeypatch, outbox):
    """The way back into an account taken over: whoever is signed in to it is signed out."""
    user = make.admin(email="boss@example.org")
    login_as(user)
    assert client.get("/profile").status_code == 200
    monkeypatch.setenv("ACADEMY_ADMIN_PASSWORD", NEW_PASSWORD)

    result = runner.invoke(args=COMMAND + ["--email", "boss@example.org", "--name", "Boss"])

    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert _sessions_of(db, user) == 0 and client.get("/profile").status_code == 302
    (mail,) = outbox("boss@example.org")
    assert "password" in mail.subject.lower() and "tell the academy team" in mail.body_text
    assert audit_events("account.create_admin")[-1].details["ended_sessions"] == 1


def test_turning_two_step_verification_off_signs_everyone_out_of_the_account(runner, app, make, db, login_as,
                                                                             monkeypatch):
    import pyotp

    from academy.accounts import two_factor
    from academy.db_types import utcnow

    user = make.admin(email="boss@example.org")
    secret = two_factor.new_secret()
    with app.test_request_context():
        two_factor.enable(user, secret, pyotp.TOTP(secret).now(), now=utcnow())
    db.session.commit()
    login_as(user)
    monkeypatch.delenv("ACADEMY_ADMIN_PASSWORD", raising=False)

    result = runner.invoke(args=COMMAND + ["--email", "boss@example.org", "--name", "Boss"], input="\n\n")

    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert _sessions_of(db, user) == 0
