"""Server-side sign-in sessions.

Flask's session cookie alone cannot be revoked, so each sign-in gets a row in ``user_sessions``
and the cookie carries only a random token. Deleting rows ends sessions: at sign-out, when a
password changes (the other sessions) and when an account is disabled (all of them).
"""
from __future__ import annotations

import secrets
from datetime import timedelta
from functools import cache

from flask import current_app, session
from flask_login import login_user, logout_user
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from ..db_types import utcnow
from ..extensions import db
from .models import User, UserSession, hash_token

#: ``last_seen_at`` is written at most this often, to keep reads from turning into writes.
TOUCH_INTERVAL = timedelta(seconds=60)


def clear_cookie() -> None:
    """Drop everything the session cookie holds except the chosen language."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language


def start_session(user: User) -> UserSession:
    """Sign ``user`` in with a fresh session (the old cookie's contents are dropped: rotation)."""
    clear_cookie()
    token = secrets.token_urlsafe(32)
    user_session = UserSession(user_id=user.id, token_hash=hash_token(token))
    db.session.add(user_session)
    db.session.flush()
    user.session_token = token
    session.permanent = True
    login_user(user)
    return user_session


def end_session(user: User | None) -> None:
    """Sign out of the current session only."""
    token = getattr(user, "session_token", None)
    if token:
        db.session.execute(db.delete(UserSession).where(UserSession.token_hash == hash_token(token)))
    logout_user()
    session.clear()


def end_other_sessions(user: User) -> int:
    """End every session of ``user`` except the current one; return how many ended."""
    statement = db.delete(UserSession).where(UserSession.user_id == user.id)
    token = getattr(user, "session_token", None)
    if token:
        statement = statement.where(UserSession.token_hash != hash_token(token))
    return db.session.execute(statement).rowcount


def end_all_sessions(user: User) -> int:
    """End every session of ``user`` (account disabled)."""
    return db.session.execute(db.delete(UserSession).where(UserSession.user_id == user.id)).rowcount


@cache
def _session_query():
    """Built once, on first use: every signed-in request runs it, and building it (loader
    options and all) cost more than running it. Only the token's hash changes."""
    # One query for the session, its user, the user's roles and organisation: every signed-in
    # request pays for this, so it stays a single round trip.
    user = joinedload(UserSession.user)
    return (
        db.select(UserSession)
        .options(user.joinedload(User.organisation), user.joinedload(User.roles))
        .where(UserSession.token_hash == db.bindparam("token_hash"))
    )


def _find_session(token: str) -> UserSession | None:
    return db.session.execute(
        _session_query(), {"token_hash": hash_token(token)}
    ).unique().scalar_one_or_none()


def load_user(token: str) -> User | None:
    """Flask-Login loader: the user of a live session, or None when it ended or timed out."""
    row = _find_session(token)
    if row is None or not row.user.is_active:
        return None
    now = utcnow()
    config = current_app.config
    idle_limit = timedelta(minutes=config["SESSION_IDLE_MINUTES"])
    absolute_limit = timedelta(hours=config["SESSION_ABSOLUTE_HOURS"])
    if now - row.last_seen_at > idle_limit or now - row.created_at > absolute_limit:
        db.session.delete(row)
        db.session.commit()
        return None
    if now - row.last_seen_at > TOUCH_INTERVAL:
        # Written in its own short transaction so that the request's session (and the objects
        # just loaded into it) is left untouched.
        with db.engine.begin() as connection:
            connection.execute(
                db.update(UserSession).where(UserSession.id == row.id).values(last_seen_at=now)
            )
        set_committed_value(row, "last_seen_at", now)
    user = row.user
    user.session_token = token
    return user
