"""Edition certificates: how far a person is through an edition's modules, and the edition
certificate they hold. Issuing one is in ``operations``, with the module certificates."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..learning.models import Enrolment, EnrolmentStatus
from ..nominations.models import edition_modules
from .models import Certificate, CertificateKind, CertificateStatus


@dataclass(frozen=True)
class EditionProgress:
    """How far a person is through an edition's modules."""

    modules: int
    completed: int
    last_completed_at: datetime | None

    @property
    def is_complete(self) -> bool:
        return self.modules > 0 and self.completed == self.modules


def edition_progress(user_id: int, edition_id: int) -> EditionProgress:
    """The edition's module count and how many of them ``user_id`` completed (two queries).

    A module completed outside the edition counts too: a person enrols in a module only once.
    """
    module_ids = sa.select(edition_modules.c.module_id).where(edition_modules.c.edition_id == edition_id)
    modules = db.session.scalar(sa.select(sa.func.count()).select_from(module_ids.subquery()))
    completed, last = db.session.execute(
        sa.select(sa.func.count(Enrolment.id), sa.func.max(Enrolment.completed_at))
        .where(Enrolment.user_id == user_id, Enrolment.module_id.in_(module_ids),
               Enrolment.status == EnrolmentStatus.COMPLETED)).one()
    return EditionProgress(modules, completed, last)


def current_edition_certificate(user_id: int, edition_id: int) -> Certificate | None:
    """The person's edition certificate for ``edition_id`` that has not been superseded, if any."""
    return db.session.scalar(sa.select(Certificate).where(
        Certificate.user_id == user_id, Certificate.edition_id == edition_id,
        Certificate.kind == CertificateKind.EDITION, Certificate.status != CertificateStatus.SUPERSEDED))
