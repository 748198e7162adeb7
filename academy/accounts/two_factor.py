"""Two-step verification: after the password, a six-digit code from an authenticator app (TOTP,
RFC 6238), or one of ten single-use recovery codes when the phone is lost.

Why: many trainees and coordinators are activists for whom a guessed or phished password is a
real danger, and admins and coordinators see nominees' personal data (``TWO_FACTOR_REQUIRED_ROLES``).

- The shared secret is stored encrypted (Fernet, with a key derived from ``SECRET_KEY``), so a copy
  of the database alone does not yield working codes. Changing ``SECRET_KEY`` therefore turns every
  secret unreadable, and every recovery code with it (their hashes are keyed from it too): an admin
  then resets each person's setting, and ``create-admin`` does it for an admin.
- A code is accepted in the current 30-second step or one step either side (clocks drift), and
  only once: the step of the last accepted code is stored by a conditional UPDATE, so a code seen
  over someone's shoulder, or sent twice at the same instant to two workers, works once at most.
- Recovery codes are shown once, stored as keyed hashes (HMAC with a key derived from
  ``SECRET_KEY``: 80 random bits each, not guessable offline without that key), and used by a
  conditional UPDATE as well.

Every function flushes, audits and queues e-mail; the caller commits.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import unicodedata
from datetime import datetime

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from ..audit.operations import record
from ..db_types import utcnow
from ..extensions import db
from ..outbox.operations import queue_mail
from .models import RecoveryCode, User
from .sessions import end_other_sessions
from .tokens import mail_link

ISSUER = "Activist Academy"
#: Seconds a code lasts (the authenticator apps' default).
STEP_SECONDS = 30
#: Steps accepted either side of the current one, for phones whose clock drifts.
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
#: Base32 letters per recovery code (16 × 5 = 80 random bits), shown in groups of four.
RECOVERY_CODE_LENGTH = 16
_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


class TwoFactorRefused(Exception):
    """A code was wrong while turning two-step verification on; ``message`` says so, translated."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


# --- secrets at rest ---------------------------------------------------------------------------

def _derived_key(purpose: bytes) -> bytes:
    """32 bytes for ``purpose`` from ``SECRET_KEY`` (HKDF-SHA256): one secret, separate keys."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"academy " + purpose).derive(
        current_app.config["SECRET_KEY"].encode())


def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derived_key(b"two-factor secret")))


def new_secret() -> str:
    """A fresh shared secret (base32, 160 bits), to show while setting up; stored only once confirmed."""
    return pyotp.random_base32(length=32)


def encrypted(secret: str) -> str:
    """The stored form of a shared secret (``User.totp_secret``)."""
    return _fernet().encrypt(secret.encode()).decode()


def _stored_secret(user: User) -> str | None:
    """``user``'s secret, or None when it is off or cannot be read (``SECRET_KEY`` changed)."""
    if not user.totp_secret:
        return None
    try:
        return _fernet().decrypt(user.totp_secret.encode()).decode()
    except InvalidToken:
        return None


# --- what the setup page shows -----------------------------------------------------------------

def provisioning_uri(user: User, secret: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> Markup:
    """The QR code of ``uri`` as inline SVG (built from an address we formed, hence Markup)."""
    code = segno.make(uri, error="m", micro=False)
    return Markup(code.svg_inline(scale=4, border=4, dark="#000", light="#fff", svgclass="qr-code",
                                  lineclass=None))


def grouped(secret: str) -> str:
    """A secret or recovery code in groups of four letters, easier to type and read out."""
    return " ".join(secret[index:index + 4] for index in range(0, len(secret), 4))


# --- codes ------------------------------------------------------------------------------------

def normalised_code(code: str) -> str:
    """``code`` in upper-case ASCII letters and digits: separators dropped, and digits typed on
    another keyboard (Arabic-Indic ٣, Persian ۳, full-width ３…) read as the digits they are."""
    characters = []
    for char in (code or "").upper():
        if char.isdecimal():
            characters.append(str(unicodedata.decimal(char)))
        elif char.isascii() and char.isalnum():
            characters.append(char)
    return "".join(characters)


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The step whose code is ``code`` among the current one and its neighbours, else None."""
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def _claim_step(user: User, step: int) -> bool:
    """Record ``step`` as used unless it (or a later one) already was: one conditional UPDATE."""
    claimed = db.session.execute(
        db.update(User)
        .where(User.id == user.id, db.or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if claimed:
        db.session.refresh(user, ["totp_last_step"])
    return claimed


#: Base32 has no 0, 1 or 8: someone who reads one off paper meant O, I or B.
_LOOKALIKES = str.maketrans("018", "OIB")


def recovery_code_hash(user_id: int, code: str) -> str:
    """The stored form of a recovery code: HMAC-SHA256 keyed from ``SECRET_KEY``, bound to its owner."""
    message = f"{user_id}:{normalised_code(code).translate(_LOOKALIKES)}".encode()
    return hmac.new(_derived_key(b"recovery codes"), message, hashlib.sha256).hexdigest()


def _new_recovery_codes(user: User, now: datetime) -> list[str]:
    """Replace ``user``'s recovery codes with fresh ones; return them (shown once, never stored)."""
    db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["".join(secrets.choice(_BASE32) for _ in range(RECOVERY_CODE_LENGTH))
             for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=recovery_code_hash(user.id, code), created_at=now)
                       for code in codes)
    db.session.flush()
    return [grouped(code) for code in codes]


def _use_recovery_code(user: User, code: str, now: datetime) -> bool:
    used = db.session.execute(
        db.update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == recovery_code_hash(user.id, code),
               RecoveryCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if used:
        record("account.recovery_code_used", actor=user, target=user, left=recovery_codes_left(user))
    return used


def recovery_codes_left(user: User) -> int:
    """How many of ``user``'s recovery codes are still unused."""
    return db.session.scalar(db.select(db.func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))


def code_kind(code: str) -> str | None:
    """``"totp"`` for six digits, ``"recovery"`` for a recovery code's shape, else None."""
    code = normalised_code(code)
    if len(code) == 6 and code.isdigit():
        return "totp"
    return "recovery" if len(code) == RECOVERY_CODE_LENGTH else None


def verify(user: User, code: str, now: datetime | None = None) -> bool:
    """Whether ``code`` — six digits from the app, or an unused recovery code — proves the second
    step for ``user``; an accepted code is spent at once and never works again."""
    now = now or utcnow()
    kind = code_kind(code)
    code = normalised_code(code)
    if not user.has_two_factor:
        return False
    if kind == "totp":
        secret = _stored_secret(user)
        step = _matching_step(secret, code, now) if secret else None
        return step is not None and _claim_step(user, step)
    if kind == "recovery":
        return _use_recovery_code(user, code, now)
    return False


# --- turning it on and off ---------------------------------------------------------------------

def enable(user: User, secret: str, code: str, now: datetime | None = None) -> list[str]:
    """Turn two-step verification on with ``secret`` once ``code`` shows the app has it; end the
    person's other sessions (they were opened without it); return the new recovery codes."""
    now = now or utcnow()
    step = _matching_step(secret, normalised_code(code), now)
    if step is None:
        raise TwoFactorRefused(_l("This code does not match. Check that the phone's clock is right and "
                                  "type the code the app shows now."))
    user.totp_secret = encrypted(secret)
    user.totp_enabled_at = now
    user.totp_last_step = step
    db.session.flush()
    codes = _new_recovery_codes(user, now)
    ended = end_other_sessions(user)
    record("account.two_factor_enabled", actor=user, target=user, ended_sessions=ended)
    _notify(user, "account_two_factor_enabled", _l("Two-step verification is on for your Activist Academy account"))
    return codes


def regenerate_recovery_codes(user: User, now: datetime | None = None) -> list[str]:
    """New recovery codes for ``user`` (the old ones stop working); return them."""
    codes = _new_recovery_codes(user, now or utcnow())
    record("account.recovery_codes_renewed", actor=user, target=user)
    # Told by mail like turning it on or off: whoever holds a session and the password could
    # otherwise take codes that sign in without the phone, unnoticed.
    _notify(user, "account_recovery_codes_renewed", _l("New recovery codes for your Activist Academy account"))
    return codes


def disable(user: User, *, actor: User, reason: str | None = None) -> None:
    """Turn two-step verification off (by the person themselves, or an admin after a lost phone)."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.flush()
    record("account.two_factor_disabled", actor=actor, target=user, reason=reason, by_admin=actor.id != user.id)
    _notify(user, "account_two_factor_disabled", _l("Two-step verification is off for your Activist Academy account"),
            by_admin=actor.id != user.id, required=is_required(user))


def is_required(user: User) -> bool:
    """Whether ``user`` holds a role that must use two-step verification (``TWO_FACTOR_REQUIRED_ROLES``)."""
    return bool(user.role_names & frozenset(current_app.config["TWO_FACTOR_REQUIRED_ROLES"]))


def _notify(user: User, template: str, subject, **values) -> None:
    queue_mail(user.email, user.preferred_language, subject, template, name=user.display_name,
               reset_link=mail_link("accounts.request_reset"), **values)
