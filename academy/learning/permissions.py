"""Who may read a module and who may make progress in it (object-level checks for the views)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ..access import require
from ..accounts.models import Role, User
from ..config import LANGUAGES
from ..curriculum.models import Module, ModuleStatus, module_trainers
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
    #: A trainee looking back at an archived module they completed: reading only, no progress.
    read_only: bool = False

    @property
    def may_progress(self) -> bool:
        """Whether the reader may mark lessons complete and take the quiz."""
        return self.enrolment is not None and not self.read_only


def completed_archive(module: Module, enrolment: Enrolment | None) -> bool:
    """Whether ``module`` is archived and ``enrolment`` completed it (the trainee may look back at it)."""
    return (module.status is ModuleStatus.ARCHIVED and enrolment is not None
            and enrolment.status is EnrolmentStatus.COMPLETED)


def reader_of(module: Module, user: User) -> Reader:
    """Check that ``user`` may read ``module`` (aborting otherwise) and say why they may.

    Trainers of the module and admins read it in any state. Trainees read it once it is
    published and they are enrolled; a draft is hidden from them (404), a published module
    they are not enrolled in is refused (403). An archived module stays readable, without
    progress, to the trainees who completed it (the completion e-mail promises they can look
    back at it); to everyone else among trainees it is hidden (404).
    """
    teaching = teaches(user, module.id)
    enrolment = enrolment_of(user, module.id)
    read_only = False
    if not teaching:
        read_only = completed_archive(module, enrolment)
        require(module.is_published or read_only, 404)
        require(enrolment is not None, 403)
    return Reader(enrolment=enrolment, teaching=teaching, read_only=read_only)


def learner_enrolment(module: Module, user: User) -> Enrolment:
    """The enrolment through which ``user`` makes progress in ``module`` (aborting otherwise).

    A trainee looking back at an archived module makes no progress in it: refused as before
    (404), as if the module were not there for that purpose. Progress is made in published
    modules only, by everyone: a trainer who is also enrolled may read a draft they write, not
    complete it (nor certify themselves in it).
    """
    reader = reader_of(module, user)
    require(module.is_published and not reader.read_only, 404)
    require(reader.enrolment is not None, 403)
    return reader.enrolment


def readable_versions(module: Module, user: User) -> list[tuple[int, str, str]]:
    """``(id, language, title)`` of the other language versions of ``module`` (those sharing its
    slug) that ``user`` may read by the rules of ``reader_of``, in the order of ``LANGUAGES``; one query.

    Admins see every version; trainers those they teach; trainees the published versions they
    are enrolled in, and archived ones they completed.
    """
    if user.is_admin:
        visible = db.true()
    else:
        rules = []
        if user.has_role(Role.TRAINER):
            rules.append(db.exists().where(module_trainers.c.module_id == Module.id,
                                           module_trainers.c.user_id == user.id))
        if user.has_role(Role.TRAINEE):
            enrolled = (Enrolment.module_id == Module.id, Enrolment.user_id == user.id)
            rules.append(db.and_(Module.status == ModuleStatus.PUBLISHED,
                                 db.exists().where(*enrolled, Enrolment.status != EnrolmentStatus.WITHDRAWN)))
            rules.append(db.and_(Module.status == ModuleStatus.ARCHIVED,
                                 db.exists().where(*enrolled, Enrolment.status == EnrolmentStatus.COMPLETED)))
        if not rules:
            return []
        visible = db.or_(*rules)
    rows = db.session.execute(
        db.select(Module.id, Module.language, Module.title)
        .where(Module.slug == module.slug, Module.id != module.id, visible)
    ).all()
    order = {code: index for index, code in enumerate(LANGUAGES)}
    return sorted(((row.id, row.language, row.title) for row in rows),
                  key=lambda version: (order.get(version[1], len(order)), version[0]))
