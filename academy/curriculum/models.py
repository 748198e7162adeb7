"""The curriculum: modules taught with partner foundations, their lessons, materials and quiz."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..config import LANGUAGES
from ..db_types import UTCDateTime, enum_type, utcnow
from ..extensions import db

_LANGUAGE_LIST = ", ".join(f"'{code}'" for code in LANGUAGES)


class Topic(enum.Enum):
    """The five fields the academy teaches."""

    PARTY_ORGANISATION = "party-organisation"
    CAMPAIGNING = "campaigning"
    CANVASSING = "canvassing"
    ONLINE_CAMPAIGNS = "online-campaigns"
    COMMUNICATION = "communication"


class Level(enum.Enum):
    FOUNDATION = "foundation"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


class ModuleStatus(enum.Enum):
    """Only published modules are visible to trainees; archived ones keep their history."""

    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


module_partners = sa.Table(
    "module_partners",
    db.metadata,
    sa.Column("module_id", sa.ForeignKey("modules.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("organisation_id", sa.ForeignKey("organisations.id", ondelete="RESTRICT"),
              primary_key=True, index=True),
)

module_trainers = sa.Table(
    "module_trainers",
    db.metadata,
    sa.Column("module_id", sa.ForeignKey("modules.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Module(db.Model):
    """A training module in one language; translations share its slug."""

    __tablename__ = "modules"
    __table_args__ = (
        sa.UniqueConstraint("slug", "language", name="uq_modules_slug_language"),
        sa.CheckConstraint(f"language IN ({_LANGUAGE_LIST})", name="language_known"),
        sa.CheckConstraint("estimated_hours BETWEEN 1 AND 200", name="estimated_hours_range"),
        sa.CheckConstraint("attendance_percent BETWEEN 0 AND 100", name="attendance_percent_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable identifier shared by every language version of the module.
    slug: Mapped[str] = mapped_column(sa.String(80), index=True)
    language: Mapped[str] = mapped_column(sa.String(2))
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.String(2000))
    topic: Mapped[Topic] = mapped_column(enum_type(Topic, "topic"), index=True)
    level: Mapped[Level] = mapped_column(enum_type(Level, "level"))
    estimated_hours: Mapped[int]
    #: One sentence per outcome, in order.
    learning_outcomes: Mapped[list] = mapped_column(sa.JSON, default=list)
    status: Mapped[ModuleStatus] = mapped_column(enum_type(ModuleStatus, "module_status"),
                                                 default=ModuleStatus.DRAFT, index=True)
    #: Completion rule: every lesson marked complete.
    requires_all_lessons: Mapped[bool] = mapped_column(default=True)
    #: Completion rule: the quiz passed at its pass mark (ignored when the module has no quiz).
    requires_quiz: Mapped[bool] = mapped_column(default=True)
    #: Completion rule: share of the module's live sessions attended, in percent (0 = none needed).
    attendance_percent: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    #: Who last edited the module (its own fields, a lesson or a material).
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)

    lessons: Mapped[list["Lesson"]] = relationship(
        back_populates="module", lazy="raise", order_by="Lesson.position", cascade="all, delete-orphan"
    )
    partners = relationship("Organisation", secondary=module_partners, lazy="raise", order_by="Organisation.name")
    trainers = relationship("User", secondary=module_trainers, lazy="raise", order_by="User.display_name")
    quiz: Mapped["Quiz | None"] = relationship(back_populates="module", lazy="raise", uselist=False,
                                               cascade="all, delete-orphan")
    updated_by = relationship("User", foreign_keys=[updated_by_id], lazy="raise")

    @property
    def is_published(self) -> bool:
        return self.status is ModuleStatus.PUBLISHED


class Lesson(db.Model):
    """One lesson of a module: Markdown as written, and its sanitised HTML rendered on save."""

    __tablename__ = "lessons"
    __table_args__ = (
        sa.UniqueConstraint("module_id", "slug", name="uq_lessons_module_id_slug"),
        sa.CheckConstraint("position >= 1", name="position_positive"),
        sa.CheckConstraint("estimated_minutes BETWEEN 1 AND 1440", name="estimated_minutes_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    #: Order within the module, from 1.
    position: Mapped[int]
    slug: Mapped[str] = mapped_column(sa.String(80))
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.String(500), default="")
    estimated_minutes: Mapped[int] = mapped_column(default=30)
    body_markdown: Mapped[str] = mapped_column(sa.Text)
    #: ``body_markdown`` rendered and sanitised with nh3 at save time, never per request.
    body_html: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)

    module: Mapped[Module] = relationship(back_populates="lessons", lazy="raise")
    materials: Mapped[list["Material"]] = relationship(
        back_populates="lesson", lazy="raise", order_by="Material.position", cascade="all, delete-orphan"
    )
    updated_by = relationship("User", foreign_keys=[updated_by_id], lazy="raise")


class MaterialKind(enum.Enum):
    FILE = "file"
    LINK = "link"


class Material(db.Model):
    """A file or a link attached to a lesson."""

    __tablename__ = "materials"
    __table_args__ = (
        sa.CheckConstraint(
            "(kind = 'file' AND sha256 IS NOT NULL AND url IS NULL) OR "
            "(kind = 'link' AND url IS NOT NULL AND sha256 IS NULL)",
            name="file_or_link",
        ),
        sa.CheckConstraint("size_bytes IS NULL OR size_bytes >= 0", name="size_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(sa.ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    kind: Mapped[MaterialKind] = mapped_column(enum_type(MaterialKind, "material_kind"))
    title: Mapped[str] = mapped_column(sa.String(200))
    #: For links: an http or https address.
    url: Mapped[str | None] = mapped_column(sa.String(1000))
    #: For files: SHA-256 of the stored content, which is also its name on disk under instance/.
    sha256: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    #: For files: the name offered on download (sanitised).
    filename: Mapped[str | None] = mapped_column(sa.String(255))
    #: For files: the type detected from the content, not the one the browser claimed.
    content_type: Mapped[str | None] = mapped_column(sa.String(100))
    size_bytes: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)

    lesson: Mapped[Lesson] = relationship(back_populates="materials", lazy="raise")


class QuestionKind(enum.Enum):
    SINGLE = "single"
    MULTIPLE = "multiple"


class Quiz(db.Model):
    """The quiz that ends a module."""

    __tablename__ = "quizzes"
    __table_args__ = (
        sa.CheckConstraint("pass_mark BETWEEN 1 AND 100", name="pass_mark_range"),
        sa.CheckConstraint("max_attempts >= 0", name="max_attempts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id", ondelete="CASCADE"), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    #: Score needed to pass, in percent.
    pass_mark: Mapped[int] = mapped_column(default=70)
    #: Attempts allowed per enrolment; 0 means unlimited.
    max_attempts: Mapped[int] = mapped_column(default=3)

    module: Mapped[Module] = relationship(back_populates="quiz", lazy="raise")
    questions: Mapped[list["Question"]] = relationship(
        back_populates="quiz", lazy="raise", order_by="Question.position", cascade="all, delete-orphan"
    )


class Question(db.Model):
    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(sa.ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    kind: Mapped[QuestionKind] = mapped_column(enum_type(QuestionKind, "question_kind"))
    text: Mapped[str] = mapped_column(sa.String(1000))
    #: Shown after the attempt is submitted.
    explanation: Mapped[str] = mapped_column(sa.String(2000), default="")

    quiz: Mapped[Quiz] = relationship(back_populates="questions", lazy="raise")
    choices: Mapped[list["Choice"]] = relationship(
        back_populates="question", lazy="raise", order_by="Choice.position", cascade="all, delete-orphan"
    )


class Choice(db.Model):
    __tablename__ = "choices"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    text: Mapped[str] = mapped_column(sa.String(500))
    is_correct: Mapped[bool] = mapped_column(default=False)

    question: Mapped[Question] = relationship(back_populates="choices", lazy="raise")
