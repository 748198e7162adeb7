"""Who may read a module and who may make progress in it (object-level checks for the views)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ..access import require
from ..accounts.models import Role, User
from ..curriculum.models import Module, module_trainers
from ..extensions import db
from .models import Enrolment, EnrolmentStatus


def teaches(user: User, module_id: int) -> bool:
    """Whether ``user`` is an admin or one of the module's trainers."""
    if user.is_admin:
        return True
    if not user.has_role(Role.TRAINER):
        return False
    return db.session.execute(
        db.select(module_trainers.c.user_id)
        .where(module_trainers.c.module_id == module_id, module_trainers.c.user_id == user.id)
        .limit(1)
    ).first() is not None


@cache
def _enrolment_query():
    """Built once (every module and lesson page runs it). Parameters: ``user_id``, ``module_id``."""
    return db.select(Enrolment).where(Enrolment.user_id == db.bindparam("user_id"),
                                      Enrolment.module_id == db.bindparam("module_id"),
                                      Enrolment.status != EnrolmentStatus.WITHDRAWN)


def enrolment_of(user: User, module_id: int) -> Enrolment | None:
    """``user``'s enrolment in the module, unless there is none or it was withdrawn."""
    if not user.has_role(Role.TRAINEE):
        return None
    return db.session.execute(
        _enrolment_query(), {"user_id": user.id, "module_id": module_id}
    ).scalar_one_or_none()


@dataclass(frozen=True)
class Reader:
    """Why someone may read a module: their enrolment, their teaching, or both."""

    enrolment: Enrolment | None
    teaching: bool


def reader_of(module: Module, user: User) -> Reader:
    """Check that ``user`` may read ``module`` (aborting otherwise) and say why they may.

    Trainers of the module and admins read it in any state. Trainees read it once it is
    published and they are enrolled; a draft is hidden from them (404), a published module
    they are not enrolled in is refused (403).
    """
    teaching = teaches(user, module.id)
    enrolment = enrolment_of(user, module.id)
    if not teaching:
        require(module.is_published, 404)
        require(enrolment is not None, 403)
    return Reader(enrolment=enrolment, teaching=teaching)


def learner_enrolment(module: Module, user: User) -> Enrolment:
    """The enrolment through which ``user`` makes progress in ``module`` (aborting otherwise)."""
    reader = reader_of(module, user)
    require(reader.enrolment is not None, 403)
    return reader.enrolment
