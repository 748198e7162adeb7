"""What waits for a signed-in person, shown first on their home page.

Each role has its own lists, each list one query with a limit, so the home page's query count
does not grow with the data: admins, the nominations waiting for a decision; coordinators, their
organisation's drafts in editions still open and the links to join that expired unused;
trainers, the past month's sessions whose attendance nobody has taken (a module's completion can
depend on it).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from ..accounts.models import Role, User
from ..live.queries import attendance_to_take
from ..nominations.attention import awaiting_decision, expired_invitations, unsubmitted_drafts

#: How far back a session without attendance is still shown to its trainers.
ATTENDANCE_LOOKBACK = timedelta(days=30)


def waiting_for(user: User, now: datetime) -> dict[str, list]:
    """The non-empty lists of things waiting for ``user``, by kind."""
    coordinates = user.coordinates()
    waiting = {
        "decisions": awaiting_decision() if user.has_role(Role.ADMIN) else [],
        "drafts": unsubmitted_drafts(user.organisation_id, now=now) if coordinates else [],
        "invitations": expired_invitations(user.organisation_id, now=now) if coordinates else [],
        "attendance": attendance_to_take(user, now=now, within=ATTENDANCE_LOOKBACK),
    }
    return {kind: items for kind, items in waiting.items() if items}
