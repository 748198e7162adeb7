"""Who may see, manage and take attendance at a live session (object-level checks for the views)."""
from __future__ import annotations

from ..accounts.models import Role, User
from ..curriculum.models import Module
from ..learning.permissions import enrolment_of, teaches
from .models import LiveSession


def can_manage_sessions(user: User, module_id: int) -> bool:
    """Admins and the module's trainers schedule, change and cancel its sessions."""
    return teaches(user, module_id)


def can_take_attendance(user: User, live_session: LiveSession) -> bool:
    """The session's own trainer, the module's trainers and admins take attendance."""
    if user.has_role(Role.TRAINER) and live_session.trainer_id == user.id:
        return True
    return teaches(user, live_session.module_id)


def can_see_session(user: User, live_session: LiveSession, module: Module) -> bool:
    """Who sees a session with its online link: those who take attendance at it, and the trainees
    enrolled in its module once the module is published."""
    if can_take_attendance(user, live_session):
        return True
    return module.is_published and enrolment_of(user, module.id) is not None
