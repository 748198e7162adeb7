"""What happens to an account: sign-in checks, resets, invitations, profile and password changes.

Every function flushes, audits and queues e-mail; the caller (a view or a command) commits.
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..audit.operations import record
from ..db_types import UTCDateTime, utcnow
from ..extensions import db
from ..outbox.operations import queue_mail
from . import passwords, two_factor
from .models import AccountToken, Role, TokenPurpose, User, UserRole
from .sessions import end_all_sessions, end_other_sessions
from .tokens import absolute_url, consume_token, issue_token, lifetime, mail_link, revoke_tokens


def normalise_email(email: str) -> str:
    """The stored form of an address: trimmed and lower-case (uniqueness ignores letter case)."""
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    """The user with this address in any letter case, or None."""
    return db.session.execute(
        db.select(User).where(User.email == normalise_email(email))
    ).scalar_one_or_none()


def authenticate(email: str, password: str, now: datetime | None = None) -> User | None:
    """The user when the address and password are right and the account may sign in, else None.

    Every refusal costs one password verification, whatever its reason, and callers show the same
    message for all of them, so that nobody can learn which addresses have accounts. Wrong
    passwords are counted in the database (shared by every worker) and lock the account a while.
    """
    now = now or utcnow()
    user = find_user_by_email(email)
    if user is None:
        passwords.dummy_verify(password)
        record("account.sign_in_failed", reason="unknown_email")
        return None
    matches = _verify(user, password)
    if not user.is_active:
        reason = "disabled"
    elif user.is_locked(now):
        reason = "locked"
    elif not matches:
        reason = "no_password" if user.password_hash is None else "wrong_password"
    else:
        _password_accepted(user, password, now)
        return user
    _refused(user, reason, now)
    return None


def complete_sign_in(user: User, code: str, now: datetime | None = None) -> str | None:
    """The second step of signing in: ``"totp"`` or ``"recovery"`` when ``code`` proves it and the
    account may sign in (the sign-in is then complete), else None.

    A wrong code counts as a failed sign-in, so guessing codes locks the account like guessing
    passwords.
    """
    now = now or utcnow()
    if not user.is_active or user.is_locked(now):
        record("account.sign_in_failed", target=user, reason="disabled" if not user.is_active else "locked")
        return None
    kind = two_factor.code_kind(code)
    if kind is None or not two_factor.verify(user, code, now):
        _refused(user, "wrong_code", now)
        return None
    _signed_in(user, now, second_factor=kind)
    return kind


def _refused(user: User, reason: str, now: datetime) -> None:
    """Audit a refused sign-in; wrong passwords and codes count towards the lock."""
    counted = reason in ("wrong_password", "wrong_code")
    record("account.sign_in_failed", target=user, reason=reason)
    locked = _count_towards_lock(user, now) if counted else False
    if locked and reason == "wrong_code":
        # Wrong codes come after the right password: the owner must know their password is out,
        # or the guessing could go on, one lock after another, unnoticed.
        minutes = math.ceil((user.locked_until - now).total_seconds() / 60)
        queue_mail(user.email, user.preferred_language,
                   _l("Someone tried to sign in to your Activist Academy account"), "account_second_step_locked",
                   name=user.display_name, minutes=minutes, reset_link=mail_link("accounts.request_reset"))


def reauthentication_refused(user: User, reason: str, now: datetime | None = None) -> None:
    """Count a wrong current password or code typed into a security change of one's own account
    towards the lock, as at sign-in: a session left open must not allow guessing for ever."""
    record("account.reauthentication_failed", actor=user, target=user, reason=reason)
    _count_towards_lock(user, now or utcnow())


def _count_towards_lock(user: User, now: datetime) -> bool:
    """Count one wrong password or code, audit the lock it may cause; True if it locked."""
    locked = count_failure(user, now)
    if locked:
        record("account.locked", target=user, until=user.locked_until.isoformat())
    return locked


def _verify(user: User, password: str) -> bool:
    if user.password_hash is None:
        passwords.dummy_verify(password)
        return False
    return passwords.verify_password(user.password_hash, password)


def _password_accepted(user: User, password: str, now: datetime) -> None:
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    if not user.has_two_factor:
        _signed_in(user, now)
        return
    # Half-way: the failure count stays until the code is right, or else knowing the password
    # would reset it and allow guessing codes for ever.
    record("account.sign_in_password_ok", actor=user, target=user)
    db.session.flush()


def _signed_in(user: User, now: datetime, **details) -> None:
    user.unlock()
    user.last_sign_in_at = now
    record("account.sign_in", actor=user, target=user, **details)
    db.session.flush()


def lock_minutes(config) -> list[int]:
    """How long each lock in a row lasts, in minutes: the first ``LOGIN_LOCKOUT_MINUTES``, each
    next one twice as long, up to ``LOGIN_LOCKOUT_MAX_MINUTES`` (the last entry, for every later lock)."""
    first, longest = config["LOGIN_LOCKOUT_MINUTES"], max(config["LOGIN_LOCKOUT_MAX_MINUTES"], 1)
    minutes = [min(max(first, 1), longest)]
    while minutes[-1] < longest:
        minutes.append(min(minutes[-1] * 2, longest))
    return minutes


def count_failure(user: User, now: datetime) -> bool:
    """Count one wrong password or code in a single UPDATE (no lost updates across workers);
    True if it locked the account."""
    config = current_app.config
    reaches_limit = User.failed_sign_ins + 1 >= config["LOGIN_MAX_FAILURES"]
    # Typed, so the values are stored as naive UTC like every other UTCDateTime.
    until = [db.literal(now + timedelta(minutes=minutes), UTCDateTime()) for minutes in lock_minutes(config)]
    # (A CASE needs one WHEN at least: with one length only, every lock lasts it.)
    longer = (db.case({number: value for number, value in enumerate(until[:-1])}, value=User.lock_count,
                      else_=until[-1]) if len(until) > 1 else until[0])
    db.session.execute(
        db.update(User)
        .where(User.id == user.id)
        .values(
            # Locking starts the count afresh: after the lock, another full series is needed.
            failed_sign_ins=db.case((reaches_limit, 0), else_=User.failed_sign_ins + 1),
            locked_until=db.case((reaches_limit, longer), else_=User.locked_until),
            lock_count=db.case((reaches_limit, User.lock_count + 1), else_=User.lock_count),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(user, ["failed_sign_ins", "locked_until", "lock_count"])
    return user.is_locked(now)


def sign_out(user: User) -> None:
    """Audit the end of ``user``'s current session (the caller ends it)."""
    record("account.sign_out", actor=user, target=user)


def request_reset(email: str) -> None:
    """E-mail a reset link when an active account has this address; do nothing visible otherwise."""
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        record("account.reset_requested", reason="no_active_account")
        return
    token = issue_token(user, TokenPurpose.RESET)
    queue_mail(user.email, user.preferred_language, _l("Reset your Activist Academy password"),
               "account_reset", name=user.display_name,
               link=absolute_url("accounts.reset_password", token=token),
               hours=int(lifetime(TokenPurpose.RESET).total_seconds() // 3600))
    record("account.reset_requested", target=user)


def reset_password(account_token: AccountToken, new_password: str, now: datetime | None = None) -> bool:
    """Set a new password through a reset link and end every session; False if the link was taken."""
    now = now or utcnow()
    if not consume_token(account_token, now):
        return False
    user = account_token.user
    _set_password(user, new_password, now)
    ended = end_all_sessions(user)
    revoke_tokens(user)
    _notify_password_changed(user)
    record("account.password_reset", actor=user, target=user, ended_sessions=ended)
    return True


def accept_invitation(account_token: AccountToken, *, password: str, display_name: str,
                      preferred_language: str, time_zone: str, now: datetime | None = None) -> bool:
    """Complete an invited account (password, name, language, time zone); False if the link was taken."""
    now = now or utcnow()
    if not consume_token(account_token, now):
        return False
    user = account_token.user
    user.display_name = display_name
    user.preferred_language = preferred_language
    user.time_zone = time_zone
    _set_password(user, password, now)
    end_all_sessions(user)
    revoke_tokens(user)
    record("account.invitation_accepted", actor=user, target=user)
    return True


def update_profile(user: User, *, display_name: str, preferred_language: str, time_zone: str) -> None:
    """Change what a person may change about themselves: name, language and time zone."""
    changes = _changes(user, display_name=display_name, preferred_language=preferred_language,
                       time_zone=time_zone)
    user.display_name = display_name
    user.preferred_language = preferred_language
    user.time_zone = time_zone
    db.session.flush()
    if changes:
        record("account.profile_update", actor=user, target=user, changes=changes)


def change_password(user: User, new_password: str, now: datetime | None = None) -> int:
    """Set ``user``'s new password and end their other sessions; return how many ended."""
    _set_password(user, new_password, now or utcnow())
    ended = end_other_sessions(user)
    revoke_tokens(user, TokenPurpose.RESET)
    _notify_password_changed(user)
    record("account.password_change", actor=user, target=user, ended_sessions=ended)
    return ended


def create_admin(*, email: str, display_name: str, password: str | None) -> tuple[User, bool]:
    """Create an administrator, or make an existing person one; return ``(user, created)``.

    An existing account is also re-enabled, unlocked and its two-step verification turned off:
    this command is the way back in when nobody can sign in as an administrator, or when the
    account was taken over. So a new password or turning two-step verification off also ends
    every session of the account (whoever took it over is signed out), and a new password
    cancels its unused links and tells the owner by mail, as a reset does.
    """
    now = utcnow()
    user = find_user_by_email(email)
    created = user is None
    two_factor_off = False
    if created:
        user = User(email=normalise_email(email), display_name=display_name)
        db.session.add(user)
    else:
        user.is_active = True
        user.unlock()
        if user.has_two_factor:  # the phone may be what was lost
            two_factor.disable(user, actor=user, reason="command line")
            two_factor_off = True
    if not user.has_role(Role.ADMIN):
        user.roles.append(UserRole(role=Role.ADMIN))
    db.session.flush()
    if password:
        _set_password(user, password, now)
    ended = 0
    if not created and (password or two_factor_off):
        ended = end_all_sessions(user)
        if password:
            revoke_tokens(user)
            _notify_password_changed(user)
    record("account.create_admin", target=user, created=created, password_set=bool(password),
           ended_sessions=ended, source="command line")
    return user, created


def _set_password(user: User, password: str, now: datetime) -> None:
    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = now
    user.unlock()
    db.session.flush()


def _notify_password_changed(user: User) -> None:
    # mail_link: the command line (create-admin) may have no address to build the link from.
    queue_mail(user.email, user.preferred_language, _l("Your Activist Academy password was changed"),
               "account_password_changed", name=user.display_name,
               reset_link=mail_link("accounts.request_reset"))


def _changes(obj, **new_values) -> dict:
    """``{field: [old, new]}`` for each value that differs (for the audit trail)."""
    return {name: [getattr(obj, name), value] for name, value in new_values.items()
            if getattr(obj, name) != value}


class NoLongerAdmin(Exception):
    """An administrator's change refused because, a moment before, another administrator took
    their role away or disabled them (``hold_admin_power``)."""


def lock_account(user_id: int) -> bool:
    """Lock the account's row for the rest of the transaction; False if it no longer exists.

    A no-op UPDATE: PostgreSQL locks the row, SQLite takes its single write lock, and what is
    read after it is what another transaction committed."""
    return db.session.execute(db.update(User).where(User.id == user_id).values(is_active=User.is_active)
                              .execution_options(synchronize_session=False)).rowcount == 1


def hold_admin_power(actor: User, *others: User) -> None:
    """Lock the rows of ``actor`` and ``others`` for the rest of the transaction, then make sure
    ``actor`` is still an active administrator; raise ``NoLongerAdmin`` if not.

    Every change an administrator makes to another account goes through here first. Two admins
    demoting, disabling or deleting each other at the same moment then take turns (rows locked
    in id order, so they wait rather than deadlock), and the second finds that they are no
    longer an administrator: the academy always keeps one. A no-op UPDATE locks on both
    databases (PostgreSQL locks the rows; SQLite takes its single write lock), and what is read
    after it is what the other transaction committed.
    """
    for user_id in sorted({actor.id, *(other.id for other in others)}):
        lock_account(user_id)
    still = db.session.scalar(db.select(db.exists().where(
        User.id == actor.id, User.is_active.is_(True), User.roles.any(UserRole.role == Role.ADMIN))))
    if not still:
        raise NoLongerAdmin()
