"""Certificates: what was issued to whom, as printed, and whether it still stands."""
from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..config import LANGUAGES
from ..db_types import UTCDateTime, enum_type, utcnow
from ..extensions import db
from ..learning.models import Enrolment
from .codes import format_code, format_serial

_LANGUAGE_LIST = ", ".join(f"'{code}'" for code in LANGUAGES)

#: Longest name printed on a certificate (a reissue may correct a name beyond the 120 characters
#: of a display name); the layout shrinks long names to keep one page.
NAME_MAX_LENGTH = 300
REASON_MAX_LENGTH = 500


class CertificateKind(enum.Enum):
    """What a certificate attests: one module, or a whole edition (intake)."""

    MODULE = "module"
    EDITION = "edition"


class CertificateStatus(enum.Enum):
    """A certificate stands (valid), was withdrawn (revoked) or replaced by a reissue (superseded)."""

    VALID = "valid"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    CertificateStatus.VALID: _l("Valid"),
    CertificateStatus.REVOKED: _l("Revoked"),
    CertificateStatus.SUPERSEDED: _l("Replaced by a newer certificate"),
}


class SerialCounter(db.Model):
    """The last serial number given out in one year (see ``allocate_serial``)."""

    __tablename__ = "certificate_serial_counters"
    __table_args__ = (sa.CheckConstraint("last_number >= 1", name="last_number_positive"),)

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int]


def allocate_serial(year: int) -> str:
    """The next serial of ``year``, taken from the year's counter without a race.

    One conditional ``UPDATE … RETURNING`` increments the counter; PostgreSQL locks the row and
    SQLite the database until the transaction ends, so two issuers never get the same number,
    and a rolled-back issuance gives its number back (no gaps). The first serial of a year
    inserts the counter inside a savepoint; if another transaction inserted it first, the
    unique key refuses ours and the update is tried again.
    """
    table = SerialCounter.__table__
    for _attempt in range(3):
        number = db.session.execute(
            sa.update(table).where(table.c.year == year)
            .values(last_number=table.c.last_number + 1).returning(table.c.last_number)
        ).scalar_one_or_none()
        if number is not None:
            return format_serial(year, number)
        try:
            with db.session.begin_nested():
                db.session.execute(sa.insert(table).values(year=year, last_number=1))
        except IntegrityError:
            continue
        return format_serial(year, 1)
    raise RuntimeError(f"could not allocate a certificate serial for {year}")


class Certificate(db.Model):
    """One issued certificate. The record never changes what it printed: a correction is a new
    certificate that supersedes this one."""

    __tablename__ = "certificates"
    __table_args__ = (
        sa.CheckConstraint(f"language IN ({_LANGUAGE_LIST})", name="language_known"),
        sa.CheckConstraint("length(code) = 20", name="code_length"),
        sa.CheckConstraint("length(pdf_sha256) = 64", name="pdf_sha256_length"),
        # Revoked and superseded certificates say why and since when; valid ones have neither.
        sa.CheckConstraint(
            "(status = 'valid') = (status_changed_at IS NULL AND status_reason IS NULL)",
            name="status_change_recorded",
        ),
        sa.CheckConstraint("supersedes_id IS NULL OR supersedes_id != id", name="not_self_superseding"),
        # Exactly one standing-or-revoked certificate per enrolment: a second automatic issuance
        # fails here, whatever the race; reissues first mark the old one superseded.
        sa.Index("uq_certificates_enrolment_id_current", "enrolment_id", unique=True,
                 sqlite_where=sa.text("status != 'superseded'"),
                 postgresql_where=sa.text("status != 'superseded'")),
        # Likewise one edition certificate per person and edition.
        sa.Index("uq_certificates_user_id_edition_id_current", "user_id", "edition_id", unique=True,
                 sqlite_where=sa.text("status != 'superseded' AND edition_id IS NOT NULL"),
                 postgresql_where=sa.text("status != 'superseded' AND edition_id IS NOT NULL")),
        sa.CheckConstraint("kind != 'edition' OR edition_id IS NOT NULL", name="edition_certificate_has_edition"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[CertificateKind] = mapped_column(enum_type(CertificateKind, "certificate_kind"),
                                                  default=CertificateKind.MODULE, index=True)
    #: Human-readable number, e.g. ``AA-2027-000123`` (year of issue, number within the year).
    serial: Mapped[str] = mapped_column(sa.String(20), unique=True)
    #: Verification code: 20 Crockford base32 characters (100 random bits), stored without dashes.
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    #: The person certified.
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The module completed (module certificates); kept in the snapshot if the module goes.
    module_id: Mapped[int | None] = mapped_column(sa.ForeignKey("modules.id", ondelete="SET NULL"), index=True)
    #: The enrolment completed; automatic certificates are unique per enrolment (index above).
    enrolment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enrolments.id", ondelete="SET NULL"))
    #: The edition completed (edition certificates).
    edition_id: Mapped[int | None] = mapped_column(sa.ForeignKey("editions.id", ondelete="SET NULL"), index=True)
    #: Language the certificate is printed in.
    language: Mapped[str] = mapped_column(sa.String(2))
    #: The name exactly as printed (also in the snapshot; a column so that admins can search it).
    holder_name: Mapped[str] = mapped_column(sa.String(NAME_MAX_LENGTH), index=True)
    #: Every value printed on the PDF, as plain JSON: the PDF is a function of this alone.
    snapshot: Mapped[dict] = mapped_column(sa.JSON)
    #: SHA-256 of the PDF rendered at issuance (hex).
    pdf_sha256: Mapped[str] = mapped_column(sa.String(64))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    #: The admin who issued it by hand; empty for automatic issuance on completion.
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: Why an admin issued it by hand (required when the enrolment was not completed).
    issue_reason: Mapped[str | None] = mapped_column(sa.String(REASON_MAX_LENGTH))
    status: Mapped[CertificateStatus] = mapped_column(enum_type(CertificateStatus, "certificate_status"),
                                                      default=CertificateStatus.VALID, index=True)
    #: Why it was revoked or superseded.
    status_reason: Mapped[str | None] = mapped_column(sa.String(REASON_MAX_LENGTH))
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status_changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"),
                                                             index=True)
    #: The certificate this one replaces (a reissue); each is replaced at most once.
    supersedes_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificates.id", ondelete="SET NULL"),
                                                      unique=True)

    user = relationship("User", foreign_keys=[user_id], lazy="raise")
    module = relationship("Module", lazy="raise")
    enrolment = relationship("Enrolment", lazy="raise")
    edition = relationship("Edition", lazy="raise")
    supersedes: Mapped["Certificate | None"] = relationship(remote_side=[id], lazy="raise")

    @property
    def is_valid(self) -> bool:
        return self.status is CertificateStatus.VALID

    @property
    def is_revoked(self) -> bool:
        return self.status is CertificateStatus.REVOKED

    @property
    def display_code(self) -> str:
        """The verification code as printed, in groups of five."""
        return format_code(self.code)

    @property
    def completed_on(self) -> date:
        """The day the module was completed, as printed."""
        return date.fromisoformat(self.snapshot["completed_on"])

    @property
    def edition_dates(self) -> tuple[date, date] | None:
        """An edition certificate's programme dates as printed (None for a module certificate)."""
        edition = self.snapshot.get("edition")
        if not edition:
            return None
        return date.fromisoformat(edition["starts_on"]), date.fromisoformat(edition["ends_on"])

    @property
    def title(self) -> str:
        """What the certificate attests, as printed (the module's title at issuance)."""
        return self.snapshot.get("achievement_title", "")

    @classmethod
    def of_edition(cls, edition_id: int):
        """SQL condition: the edition's own certificates and the module certificates of
        enrolments made through it (what an admin downloads "per edition")."""
        through_edition = sa.select(Enrolment.id).where(Enrolment.edition_id == edition_id)
        return (cls.edition_id == edition_id) | cls.enrolment_id.in_(through_edition)

    @classmethod
    def of_organisation(cls, organisation_id: int):
        """SQL condition: the certificates an organisation's coordinators see — those earned in
        an edition the organisation nominated the holder for, and its members' certificates
        earned outside any edition. A certificate from an edition another organisation
        nominated the person for stays that organisation's: it would tell who nominated them."""
        from ..accounts.models import User
        from ..nominations.models import Nomination, NominationStatus

        by_organisation = sa.and_(Nomination.user_id == cls.user_id, Nomination.organisation_id == organisation_id,
                                  Nomination.status == NominationStatus.ENROLLED)
        edition_nominated = sa.exists().where(Nomination.edition_id == cls.edition_id, by_organisation)
        enrolment_nominated = sa.exists().where(Enrolment.id == cls.enrolment_id,
                                                Nomination.edition_id == Enrolment.edition_id, by_organisation)
        outside_editions = sa.and_(cls.edition_id.is_(None), ~sa.exists().where(
            Enrolment.id == cls.enrolment_id, Enrolment.edition_id.is_not(None)))
        member = sa.exists().where(User.id == cls.user_id, User.organisation_id == organisation_id)
        return sa.or_(edition_nominated, enrolment_nominated, sa.and_(outside_editions, member))

    def can_be_downloaded_by(self, user) -> bool:
        """Admins get any certificate; the holder, and the coordinators whose organisation's
        page lists it (``of_organisation``), get valid ones."""
        return self.id in downloadable_ids(user, [self])

    def __repr__(self) -> str:
        return f"<Certificate {self.serial} {self.status.value}>"


def downloadable_ids(user, certificates) -> set[int]:
    """The ids of ``certificates`` that ``user`` may download (``can_be_downloaded_by``), found
    with one query at most, so that a list of them asks once and not per row."""
    if user.is_admin:
        return {certificate.id for certificate in certificates}
    valid = [certificate for certificate in certificates if certificate.is_valid]
    own = {certificate.id for certificate in valid if certificate.user_id == user.id}
    others = sorted(certificate.id for certificate in valid if certificate.user_id != user.id)
    from ..accounts.models import Role

    if not others or not user.coordinates():
        return own
    return own | set(db.session.scalars(sa.select(Certificate.id).where(
        Certificate.id.in_(others), Certificate.of_organisation(user.organisation_id))))


class CertificatePdf(db.Model):
    """A PDF file of a certificate, by hash: the one rendered at issuance, and any later
    re-rendering that came out different (new software or fonts), so every genuine copy ever
    handed out still verifies by upload."""

    __tablename__ = "certificate_pdfs"
    __table_args__ = (sa.CheckConstraint("length(sha256) = 64", name="sha256_length"),)

    #: SHA-256 of the file (hex); also its name under ``instance/certificates/``.
    sha256: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificates.id", ondelete="CASCADE"), index=True)
    rendered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    certificate: Mapped[Certificate] = relationship(lazy="raise")
