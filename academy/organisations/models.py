"""The alliance's regional networks and its member organisations."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db_types import UTCDateTime, enum_type, utcnow
from ..extensions import db


class Region(db.Model):
    """A regional network (Africa, Americas, Arab world, …); names kept in each language."""

    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable short identifier, e.g. ``africa``.
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(100), unique=True)
    name_fr: Mapped[str] = mapped_column(sa.String(100))
    name_es: Mapped[str] = mapped_column(sa.String(100))
    name_ar: Mapped[str] = mapped_column(sa.String(100))

    def localised_name(self, language: str) -> str:
        """The region's name in ``language``, falling back to English."""
        return getattr(self, f"name_{language}", None) or self.name_en


class OrganisationKind(enum.Enum):
    """What kind of member an organisation is."""

    PARTY = "party"
    ORGANISATION = "organisation"
    FOUNDATION = "foundation"
    YOUTH = "youth"

    @property
    def label(self):
        """The kind's name in the reader's language."""
        return KIND_LABELS[self]


KIND_LABELS = {
    OrganisationKind.PARTY: _l("Party"),
    OrganisationKind.ORGANISATION: _l("Organisation"),
    OrganisationKind.FOUNDATION: _l("Foundation"),
    OrganisationKind.YOUTH: _l("Youth organisation"),
}


class Organisation(db.Model):
    """A member party, organisation, party foundation or youth organisation."""

    __tablename__ = "organisations"
    __table_args__ = (
        sa.CheckConstraint("length(country) = 2 AND country = upper(country)", name="country_iso_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    #: Acronym as the organisation uses it, e.g. ``PSD``; shown on certificates for foundations.
    short_name: Mapped[str] = mapped_column(sa.String(40), unique=True)
    #: ISO 3166-1 alpha-2 code; its name is shown in the reader's language.
    country: Mapped[str] = mapped_column(sa.String(2), index=True)
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[OrganisationKind] = mapped_column(enum_type(OrganisationKind, "organisation_kind"), index=True)
    website: Mapped[str | None] = mapped_column(sa.String(300))
    #: Logo printed on certificates of modules the organisation runs as a partner foundation:
    #: SHA-256 of the stored file (content-addressed, see ``academy.media``) and its media type.
    logo_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    logo_media_type: Mapped[str | None] = mapped_column(sa.String(40))
    #: Deactivated organisations stay for history but take no new members or nominations, and their
    #: coordinators act for them no more (``User.acting_role_names``).
    is_active: Mapped[bool] = mapped_column(default=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    region: Mapped[Region] = relationship(lazy="raise")


# Names and short names must also be unique ignoring letter case ("PSD" and "psd" are one
# organisation). Expression indexes work on SQLite and PostgreSQL alike; SQLite's lower() folds
# ASCII letters only, PostgreSQL's folds every script.
sa.Index("uq_organisations_name_lower", sa.func.lower(Organisation.name), unique=True)
sa.Index("uq_organisations_short_name_lower", sa.func.lower(Organisation.short_name), unique=True)
sa.Index("uq_regions_name_en_lower", sa.func.lower(Region.name_en), unique=True)
