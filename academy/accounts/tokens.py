"""Single-use links sent by e-mail (password reset, invitation): issue, look up, consume.

Only the SHA-256 of a token is stored. A link is consumed by one conditional ``UPDATE`` whose row
count is checked, so two requests racing with the same link cannot both succeed.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import current_app, has_request_context, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from ..db_types import utcnow
from ..extensions import db
from .models import AccountToken, TokenPurpose, User, hash_token

#: Longer strings are not tokens we issued; they are refused before touching the database.
MAX_TOKEN_LENGTH = 100

UNKNOWN_LINK = _l("This link is not valid. It may have been mistyped, replaced by a newer one, "
                  "or the account may have been closed.")
USED_LINK = _l("This link has already been used. Each link works only once.")
EXPIRED_LINK = _l("This link has expired. Please ask for a new one.")


def lifetime(purpose: TokenPurpose) -> timedelta:
    """How long a new link of ``purpose`` stays valid (from the configuration)."""
    config = current_app.config
    if purpose is TokenPurpose.RESET:
        return timedelta(hours=config["RESET_TOKEN_HOURS"])
    return timedelta(days=config["INVITATION_TOKEN_DAYS"])


def issue_token(user: User, purpose: TokenPurpose, now: datetime | None = None) -> str:
    """Create a link for ``user`` and return its secret; earlier unused links of ``purpose`` stop working."""
    now = now or utcnow()
    revoke_tokens(user, purpose)
    token = secrets.token_urlsafe(32)
    db.session.add(AccountToken(user_id=user.id, purpose=purpose, token_hash=hash_token(token),
                                created_at=now, expires_at=now + lifetime(purpose)))
    db.session.flush()
    return token


def revoke_tokens(user: User, purpose: TokenPurpose | None = None) -> int:
    """Delete ``user``'s unused links (of one purpose, or all); return how many."""
    statement = db.delete(AccountToken).where(AccountToken.user_id == user.id,
                                              AccountToken.used_at.is_(None))
    if purpose is not None:
        statement = statement.where(AccountToken.purpose == purpose)
    return db.session.execute(statement).rowcount


def find_token(token: str, purpose: TokenPurpose) -> AccountToken | None:
    """The stored link for ``token`` (with its user), whatever its state, or None."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return db.session.execute(
        db.select(AccountToken)
        .options(joinedload(AccountToken.user))
        .where(AccountToken.token_hash == hash_token(token), AccountToken.purpose == purpose)
    ).scalar_one_or_none()


def token_problem(account_token: AccountToken | None, now: datetime | None = None):
    """``(status, message)`` explaining why the link cannot be used, or None when it can."""
    now = now or utcnow()
    if account_token is None or not account_token.user.is_active:
        return 404, UNKNOWN_LINK
    if account_token.is_used:
        return 400, USED_LINK
    if account_token.is_expired(now):
        return 400, EXPIRED_LINK
    return None


def consume_token(account_token: AccountToken, now: datetime | None = None) -> bool:
    """Mark the link used; False when another request used it first or it has just expired."""
    now = now or utcnow()
    claimed = db.session.execute(
        db.update(AccountToken)
        .where(AccountToken.id == account_token.id, AccountToken.used_at.is_(None),
               AccountToken.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed:
        set_committed_value(account_token, "used_at", now)
    return bool(claimed)


def absolute_url(endpoint: str, **values) -> str:
    """An absolute link for e-mail.

    With ``SERVER_BASE_URL`` set (production), links never depend on the request's Host header,
    which an attacker controls (password-reset poisoning).
    """
    base = current_app.config.get("SERVER_BASE_URL")
    if not base:
        return url_for(endpoint, _external=True, **values)
    if has_request_context():
        return base.rstrip("/") + url_for(endpoint, **values)
    # A command (the demo data, create-admin): no request, but the base is all a link needs.
    adapter = current_app.url_map.bind("localhost", script_name=current_app.config["APPLICATION_ROOT"])
    return base.rstrip("/") + adapter.build(endpoint, values)


def mail_link(endpoint: str, **values) -> str | None:
    """``absolute_url``, or None where no link can be built: a command-line run with neither a
    request nor ``SERVER_BASE_URL``/``SERVER_NAME``. Mail templates leave the link out then."""
    try:
        return absolute_url(endpoint, **values)
    except RuntimeError:
        return None
