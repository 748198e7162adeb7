"""Imports every model so that metadata (and Alembic) sees the whole schema."""
from .accounts.models import AccountToken, RecoveryCode, Role, User, UserRole, UserSession  # noqa: F401
from .audit.models import AuditEvent  # noqa: F401
from .organisations.models import Organisation, OrganisationKind, Region  # noqa: F401
from .outbox.models import OutboxMessage  # noqa: F401
from .curriculum.models import Choice, Lesson, Material, Module, Question, Quiz  # noqa: F401
from .learning.models import Enrolment, LessonProgress, QuizAttempt  # noqa: F401
from .live.models import Attendance, LiveSession  # noqa: F401
from .certificates.models import Certificate, CertificatePdf, SerialCounter  # noqa: F401
from .nominations.models import Edition, Nomination  # noqa: F401
