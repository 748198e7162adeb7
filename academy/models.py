"""Imports every model so that metadata (and Alembic) sees the whole schema."""
import sqlalchemy as sa

from .extensions import db
from .accounts.models import AccountToken, RecoveryCode, Role, User, UserRole, UserSession  # noqa: F401
from .audit.models import AuditEvent  # noqa: F401
from .organisations.models import Organisation, OrganisationKind, Region  # noqa: F401
from .outbox.models import OutboxMessage  # noqa: F401
from .curriculum.models import Choice, Lesson, Material, Module, Question, Quiz  # noqa: F401
from .learning.models import Enrolment, LessonProgress, QuizAttempt  # noqa: F401
from .live.models import Attendance, LiveSession  # noqa: F401
from .certificates.models import Certificate, CertificatePdf, SerialCounter  # noqa: F401
from .nominations.models import Edition, Nomination  # noqa: F401


def _never_reuse_ids() -> None:
    """Make SQLite number rows as PostgreSQL's sequences do: never giving a deleted row's id again.

    Without ``AUTOINCREMENT`` SQLite hands the highest deleted id to the next row, and the audit
    log names objects by id: a new account would inherit the history of an erased one (and show
    it in its own data download), a new enrolment the events of a deleted one.
    """
    for table in db.metadata.tables.values():
        columns = list(table.primary_key.columns)
        if (len(columns) == 1 and isinstance(columns[0].type, sa.Integer) and not columns[0].foreign_keys
                and columns[0].autoincrement is not False):
            table.dialect_options["sqlite"]["autoincrement"] = True


_never_reuse_ids()
