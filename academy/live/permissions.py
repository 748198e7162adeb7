"""Who may see, manage and take attendance at a live session (object-level checks for the views)."""
from __future__ import annotations

from ..accounts.models import User
from ..curriculum.models import Module
from ..learning.permissions import enrolment_of, teaches
from .models import LiveSession


def can_manage_sessions(user: User, module_id: int) -> bool:
    """Admins and the module's trainers schedule, change and cancel its sessions."""
    return teaches(user, module_id)


def can_take_attendance(user: User, live_session: LiveSession) -> bool:
    """The module's trainers (the session's own trainer is one) and admins take attendance.

    Leading a session gives nothing beyond teaching its module: a trainer taken off the module
    loses its sessions, their trainees' names and their links, though still named on them.
    """
    return teaches(user, live_session.module_id)


def can_see_session(user: User, live_session: LiveSession, module: Module) -> bool:
    """Who sees a session with its online link: those who take attendance at it, and the trainees
    enrolled in its module once the module is published."""
    if can_take_attendance(user, live_session):
        return True
    return module.is_published and enrolment_of(user, module.id) is not None
