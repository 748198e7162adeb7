"""The single-use link an accepted nominee gets to join the edition: issue, look up, consume.

Only the SHA-256 of a token is stored, on the nomination itself (one live link per nomination:
issuing a new one replaces the old). A link is consumed by one conditional ``UPDATE`` whose row
count is checked, so two requests racing with the same link cannot both succeed.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import set_committed_value

from ..accounts.models import hash_token
from ..accounts.tokens import MAX_TOKEN_LENGTH, USED_LINK
from ..db_types import utcnow
from ..extensions import db
from .models import Edition, Nomination, NominationStatus
from .vocabulary import EditionStatus

UNKNOWN_INVITATION = _l("This invitation link is not valid. It may have been mistyped or replaced by a "
                        "newer one, or the nomination may have been withdrawn.")
ARCHIVED_EDITION_INVITATION = _l("This edition is archived: its invitation links no longer work. If you "
                                  "think this is a mistake, please contact the coordinator who nominated you.")
EXPIRED_INVITATION = _l("This invitation link has expired. Please ask the coordinator who nominated you "
                        "to send you a new one.")


def lifetime() -> timedelta:
    """How long a new invitation link stays valid (the account invitations' setting)."""
    return timedelta(days=current_app.config["INVITATION_TOKEN_DAYS"])


def issue_invitation(nomination: Nomination, now: datetime | None = None) -> str:
    """Give ``nomination`` a new link and return its secret; any earlier link stops working."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    nomination.invitation_token_hash = hash_token(token)
    nomination.invitation_sent_at = now
    nomination.invitation_expires_at = now + lifetime()
    nomination.invitation_used_at = None
    db.session.flush()
    return token


def revoke_invitation(nomination: Nomination) -> None:
    """Make the nomination's unused link stop working (the nominee left the edition)."""
    if nomination.invitation_used_at is None:
        nomination.invitation_token_hash = None
        nomination.invitation_expires_at = None


def find_invitation(token: str) -> Nomination | None:
    """The nomination whose link is ``token``, whatever the link's state, or None."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return db.session.scalar(sa.select(Nomination).where(Nomination.invitation_token_hash == hash_token(token)))


def invitation_problem(nomination: Nomination | None, now: datetime | None = None):
    """``(status, message)`` explaining why the link cannot be used, or None when it can."""
    now = now or utcnow()
    if nomination is None:
        return 404, UNKNOWN_INVITATION
    if nomination.invitation_used_at is not None:
        return 400, USED_LINK
    if nomination.status is not NominationStatus.ACCEPTED or nomination.email is None:
        return 404, UNKNOWN_INVITATION
    if edition_archived(nomination):
        return 400, ARCHIVED_EDITION_INVITATION
    if nomination.invitation_expires_at <= now:
        return 400, EXPIRED_INVITATION
    return None


def edition_archived(nomination: Nomination) -> bool:
    """True when the nominee's edition is archived: it takes no one in any more."""
    return db.session.get(Edition, nomination.edition_id).status is EditionStatus.ARCHIVED


def consume_invitation(nomination: Nomination, now: datetime | None = None) -> bool:
    """Mark the link used; False when another request used (or replaced) it first, or it just expired,
    or the edition was archived meanwhile."""
    now = now or utcnow()
    claimed = db.session.execute(
        sa.update(Nomination)
        .where(Nomination.id == nomination.id,
               Nomination.invitation_token_hash == nomination.invitation_token_hash,
               Nomination.invitation_used_at.is_(None), Nomination.invitation_expires_at > now,
               Nomination.status == NominationStatus.ACCEPTED,
               Nomination.edition_id.in_(sa.select(Edition.id).where(Edition.status != EditionStatus.ARCHIVED)))
        .values(invitation_used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed:
        set_committed_value(nomination, "invitation_used_at", now)
    return claimed == 1
