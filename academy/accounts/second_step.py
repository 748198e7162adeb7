"""Half-way through signing in: the password was right, the code from the app is still to come.

Between the two steps the signed session cookie holds a marker (who, since when, where to go
next) and nothing else: no session row exists and the person is not signed in. The marker lasts
a few minutes; finishing the sign-in replaces the cookie's contents (``start_session``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import session
from flask_babel import lazy_gettext as _l

from ..db_types import utcnow
from ..extensions import db
from .models import User
from .sessions import clear_cookie

#: The session key of the marker.
PENDING_KEY = "sign_in_pending"
#: How long the code may take to arrive after the password.
PENDING_LIFETIME = timedelta(minutes=5)

TOO_SLOW = _l("Signing in took too long. Please enter your e-mail address and password again.")


@dataclass(frozen=True)
class PendingSignIn:
    """The person who gave the right password, and the page to show once the code is right."""

    user: User
    target: str


class NoPendingSignIn(Exception):
    """No usable marker. ``message`` (translated) says why when it is too old; ``refused`` is True
    when the account may no longer sign in (the caller gives its usual refusal)."""

    def __init__(self, message=None, refused: bool = False):
        super().__init__(str(message or ""))
        self.message = message
        self.refused = refused


def _password_stamp(user: User) -> str | None:
    """When ``user``'s password last changed: the marker holds it, so a new password (a reset
    after the "wrong codes" mail, say) voids a sign-in begun with the old one."""
    return user.password_changed_at.isoformat() if user.password_changed_at else None


def await_code(user: User, target: str) -> None:
    """Remember that ``user`` gave the right password and will go to ``target`` after the code."""
    clear_cookie()  # nothing from before the password step survives, as at a full sign-in
    session[PENDING_KEY] = {"user_id": user.id, "since": int(utcnow().timestamp()), "next": target,
                            "password": _password_stamp(user)}


def forget() -> None:
    """Drop the marker (refused, or started over)."""
    session.pop(PENDING_KEY, None)


def pending_sign_in() -> PendingSignIn:
    """The sign-in waiting for its code; raises ``NoPendingSignIn`` when there is none, it is too
    old, the password changed since, or the account may no longer sign in."""
    marker = session.get(PENDING_KEY)
    if not isinstance(marker, dict):
        raise NoPendingSignIn()
    now = utcnow()
    if now.timestamp() - marker.get("since", 0) > PENDING_LIFETIME.total_seconds():
        forget()
        raise NoPendingSignIn(TOO_SLOW)
    user = db.session.get(User, marker.get("user_id"))
    if (user is None or not user.is_active or user.is_locked(now) or not user.has_two_factor
            or marker.get("password") != _password_stamp(user)):
        forget()
        raise NoPendingSignIn(refused=True)
    return PendingSignIn(user=user, target=marker.get("next") or "/")
