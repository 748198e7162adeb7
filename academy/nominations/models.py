"""Editions (intakes) and the nominations member organisations make for them."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..config import LANGUAGES
from ..db_types import UTCDateTime, enum_type, utcnow
from ..extensions import db
from .vocabulary import (  # noqa: F401  (re-exported: the models' columns use them)
    HISTORY_LABELS, SEATED_STATUSES, EditionFormat, EditionStatus, Gender, NominationStatus, ParityRule,
)

_LANGUAGE_LIST = ", ".join(f"'{code}'" for code in LANGUAGES)


edition_modules = sa.Table(
    "edition_modules",
    db.metadata,
    sa.Column("edition_id", sa.ForeignKey("editions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("module_id", sa.ForeignKey("modules.id", ondelete="RESTRICT"), primary_key=True, index=True),
)

#: Eligibility allow-list by region; empty means every region.
edition_regions = sa.Table(
    "edition_regions",
    db.metadata,
    sa.Column("edition_id", sa.ForeignKey("editions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("region_id", sa.ForeignKey("regions.id", ondelete="CASCADE"), primary_key=True, index=True),
)

#: Eligibility allow-list by organisation; empty means every organisation.
edition_organisations = sa.Table(
    "edition_organisations",
    db.metadata,
    sa.Column("edition_id", sa.ForeignKey("editions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("organisation_id", sa.ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True,
              index=True),
)


class Edition(db.Model):
    """An intake: its modules, its nomination window, its seats and who may be nominated."""

    __tablename__ = "editions"
    __table_args__ = (
        sa.CheckConstraint(f"language IN ({_LANGUAGE_LIST})", name="language_known"),
        sa.CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        sa.CheckConstraint("nominations_close_at > nominations_open_at", name="window_closes_after_opening"),
        sa.CheckConstraint("seats > 0", name="seats_positive"),
        # The database, not Python, is what finally guarantees seats are never exceeded.
        sa.CheckConstraint("seats_taken >= 0 AND seats_taken <= seats", name="seats_taken_within_seats"),
        sa.CheckConstraint("quota_per_organisation IS NULL OR quota_per_organisation >= 1", name="quota_positive"),
        sa.CheckConstraint("min_age >= 0 AND min_age <= max_age", name="age_range_ordered"),
        sa.CheckConstraint("required_language IS NULL OR required_language = lower(required_language)",
                           name="required_language_lowercase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.String(2000), default="")
    #: Language the edition is taught in.
    language: Mapped[str] = mapped_column(sa.String(2), default="en")
    format: Mapped[EditionFormat] = mapped_column(enum_type(EditionFormat, "edition_format"))
    #: Where it takes place (in person and blended editions); free text.
    venue: Mapped[str | None] = mapped_column(sa.String(300))
    starts_on: Mapped[date] = mapped_column(sa.Date, index=True)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    #: Coordinators may submit nominations from this instant (inclusive) …
    nominations_open_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: … until this one (exclusive).
    nominations_close_at: Mapped[datetime] = mapped_column(UTCDateTime())
    seats: Mapped[int]
    #: Seats held by accepted and enrolled nominees; changed only by conditional UPDATEs in operations.
    seats_taken: Mapped[int] = mapped_column(default=0)
    #: How many accepted (or enrolled) nominees one organisation may have; NULL means no quota.
    quota_per_organisation: Mapped[int | None]
    #: Age range on ``starts_on``, inclusive.
    min_age: Mapped[int] = mapped_column(default=18)
    max_age: Mapped[int] = mapped_column(default=35)
    #: A language every nominee must speak (ISO 639-1, lower case), if any.
    required_language: Mapped[str | None] = mapped_column(sa.String(8))
    parity_rule: Mapped[ParityRule] = mapped_column(enum_type(ParityRule, "parity_rule"), default=ParityRule.NONE)
    status: Mapped[EditionStatus] = mapped_column(enum_type(EditionStatus, "edition_status"),
                                                  default=EditionStatus.DRAFT, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    modules = relationship("Module", secondary=edition_modules, lazy="raise", order_by="Module.title")
    allowed_regions = relationship("Region", secondary=edition_regions, lazy="raise", order_by="Region.code")
    allowed_organisations = relationship("Organisation", secondary=edition_organisations, lazy="raise",
                                         order_by="Organisation.name")

    @property
    def seats_left(self) -> int:
        return self.seats - self.seats_taken


class Nomination(db.Model):
    """A person proposed by a coordinator of a member organisation for a seat in an edition."""

    __tablename__ = "nominations"
    __table_args__ = (
        # An organisation nominates a person once per edition. Two organisations may nominate the
        # same address: refusing the second would tell its coordinator that someone else nominated
        # this person. The admins see both and seat the person once (the index below).
        # (Columns in this order, so that the index also finds an address's nominations in an edition.)
        sa.UniqueConstraint("edition_id", "email", "organisation_id",
                            name="uq_nominations_edition_id_email_organisation_id"),
        # One account takes one seat per edition (NULLs, i.e. not yet enrolled, never collide).
        sa.UniqueConstraint("edition_id", "user_id", name="uq_nominations_edition_id_user_id"),
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
        sa.CheckConstraint("length(country) = 2 AND country = upper(country)", name="country_iso_code"),
        sa.CheckConstraint(
            "status NOT IN ('accepted', 'waitlisted', 'declined', 'enrolled') OR decided_at IS NOT NULL",
            name="decision_has_time"),
        sa.CheckConstraint("status <> 'waitlisted' OR waitlisted_at IS NOT NULL", name="waitlist_has_time"),
        # An enrolled nomination leads to its trainee's account, unless the account was deleted
        # with its personal data (``accounts.erasure``): the seat stays counted.
        sa.CheckConstraint("status <> 'enrolled' OR user_id IS NOT NULL OR purged_at IS NOT NULL",
                           name="enrolled_has_user"),
        sa.CheckConstraint(f"language IN ({_LANGUAGE_LIST})", name="language_known"),
        # Personal data goes only when purged (``purge.purge_expired``); counts for reports stay.
        sa.CheckConstraint("purged_at IS NOT NULL OR (email IS NOT NULL AND date_of_birth IS NOT NULL)",
                           name="personal_data_until_purged"),
        sa.CheckConstraint("invitation_token_hash IS NULL OR invitation_expires_at IS NOT NULL",
                           name="invitation_expires"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("editions.id", ondelete="RESTRICT"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="RESTRICT"),
                                                 index=True)
    #: The coordinator who made the nomination.
    nominated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    status: Mapped[NominationStatus] = mapped_column(enum_type(NominationStatus, "nomination_status"),
                                                     default=NominationStatus.DRAFT, index=True)
    #: Given names exactly as they should appear on certificates.
    given_names: Mapped[str] = mapped_column(sa.String(120))
    #: Family name exactly as it should appear on certificates.
    family_name: Mapped[str] = mapped_column(sa.String(120))
    #: The nominee's address, lower-case; the invitation goes here. NULL once purged.
    email: Mapped[str | None] = mapped_column(sa.String(254))
    #: The language the nominee is written to in (one of the academy's languages).
    language: Mapped[str] = mapped_column(sa.String(2), default="en")
    #: Personal data: visible to admins and the nominee's own coordinator only. NULL once purged.
    date_of_birth: Mapped[date | None] = mapped_column(sa.Date)
    gender: Mapped[Gender] = mapped_column(enum_type(Gender, "gender"), index=True)
    #: ISO 3166-1 alpha-2 code of the country the nominee lives in.
    country: Mapped[str] = mapped_column(sa.String(2))
    #: Languages the nominee works in, as lower-case ISO 639-1 codes.
    languages: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: Role in the party or organisation, free text.
    party_role: Mapped[str] = mapped_column(sa.String(200), default="")
    motivation: Mapped[str] = mapped_column(sa.String(4000), default="")
    #: When the nominee consented to the privacy notice, and which version of its text.
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    consent_version: Mapped[str] = mapped_column(sa.String(20))
    #: When the nomination was submitted; the review queue lists the newest submissions first.
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    #: Time, author and reason of the last decision (accept, waitlist, decline).
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    decision_reason: Mapped[str | None] = mapped_column(sa.String(1000))
    #: When the nominee joined the waiting list; the list is served in this order.
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: SHA-256 of the single-use invitation link sent on acceptance (replaced when resent).
    invitation_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    invitation_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    invitation_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When the link was used; a used link never works again.
    invitation_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When ``purge-expired`` removed the personal data (names, e-mail, birth date, motivation …).
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    #: The trainee account, set when the invitation is taken.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    edition: Mapped[Edition] = relationship(lazy="raise")
    organisation = relationship("Organisation", lazy="raise")
    nominated_by = relationship("User", foreign_keys=[nominated_by_id], lazy="raise")
    decided_by = relationship("User", foreign_keys=[decided_by_id], lazy="raise")
    user = relationship("User", foreign_keys=[user_id], lazy="raise")

    @property
    def full_name(self) -> str:
        name = " ".join(name for name in (self.given_names, self.family_name) if name)
        if not name and self.purged_at is not None:  # the names went with the personal data
            return f"{gettext('Personal data removed')} #{self.id}"
        return name

    @property
    def holds_seat(self) -> bool:
        return self.status in SEATED_STATUSES


#: ``SEATED_STATUSES`` as SQL, for the partial index below.
_SEATED_SQL = sa.text("status IN (" + ", ".join(f"'{status.value}'" for status in SEATED_STATUSES) + ")")
# One seat per person per edition, whichever organisations nominated them.
sa.Index("uq_nominations_edition_id_email_seated", Nomination.edition_id, Nomination.email, unique=True,
         sqlite_where=_SEATED_SQL, postgresql_where=_SEATED_SQL)
# The review queue filters by edition and status together.
sa.Index("ix_nominations_edition_id_status", Nomination.edition_id, Nomination.status)
# … and lists the newest submissions first: one page is read off these in order, never sorted.
sa.Index("ix_nominations_edition_id_submitted_at", Nomination.edition_id, Nomination.submitted_at)
sa.Index("ix_nominations_status_submitted_at", Nomination.status, Nomination.submitted_at)
