"""Following nominees up: where each accepted or enrolled nominee stands in their edition's modules.

A coordinator follows their organisation's nominees, admins follow a whole edition. Both pages
show the same facts, read here for a whole page of nominees at once with a fixed number of
queries, however many nominees, modules, lessons, attempts or sessions there are. The pages show
only what a coordinator needs: lessons done, whether the quiz is passed (never answers or
scores), attendance, completion and certificates.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from ..certificates.models import Certificate, CertificateKind, CertificateStatus, downloadable_ids
from ..curriculum.models import Module
from ..extensions import db
from ..learning.models import Enrolment
from ..learning.progress import Progress, progress_for
from ..organisations.models import Organisation
from .models import SEATED_STATUSES, Edition, Nomination, edition_modules

#: The nominees followed up: those holding a seat, whether or not they have taken the invitation.
FOLLOWED_STATUSES = SEATED_STATUSES


@dataclass(frozen=True)
class ModuleFollowUp:
    """One nominee in one module of their edition."""

    module: Module
    #: None until the nominee is enrolled in the module for this edition.
    enrolment: Enrolment | None = None
    progress: Progress | None = None
    #: The module certificate, current or revoked (a superseded one gives way to its reissue).
    certificate: Certificate | None = None

    @property
    def is_completed(self) -> bool:
        return self.enrolment is not None and self.enrolment.completed_at is not None


@dataclass(frozen=True)
class NomineeFollowUp:
    """One nominee and where they stand in each module of their edition, in title order."""

    nomination: Nomination
    modules: list[ModuleFollowUp] = field(default_factory=list)
    #: The certificate for the whole edition, if one was issued.
    edition_certificate: Certificate | None = None

    @property
    def modules_completed(self) -> int:
        return sum(1 for item in self.modules if item.is_completed)


def followed_nominations():
    """The query of every followed nomination, edition and organisation loaded; callers narrow it."""
    return (sa.select(Nomination)
            .join(Nomination.edition).join(Nomination.organisation)
            .options(contains_eager(Nomination.edition), contains_eager(Nomination.organisation))
            .where(Nomination.status.in_(FOLLOWED_STATUSES)))


def by_edition_then_name(query):
    """Newest editions first, then nominees by family and given names (a coordinator's list)."""
    return query.order_by(Edition.starts_on.desc(), Edition.id.desc(), Nomination.family_name,
                          Nomination.given_names, Nomination.id)


def by_organisation_then_name(query):
    """Organisations by name, then nominees by name: one edition's list, grouped by organisation."""
    return query.order_by(sa.func.lower(Organisation.name), Organisation.id, Nomination.family_name,
                          Nomination.given_names, Nomination.id)


def followed_editions(organisation_id: int) -> list[Edition]:
    """The editions in which ``organisation_id`` has followed nominees, newest first (one query)."""
    followed = sa.select(Nomination.edition_id).where(Nomination.organisation_id == organisation_id,
                                                      Nomination.status.in_(FOLLOWED_STATUSES))
    return list(db.session.scalars(sa.select(Edition).where(Edition.id.in_(followed))
                                   .order_by(Edition.starts_on.desc(), Edition.id.desc())))


def followed_organisations(edition_id: int) -> list[Organisation]:
    """The organisations with followed nominees in ``edition_id``, by name (one query)."""
    followed = sa.select(Nomination.organisation_id).where(Nomination.edition_id == edition_id,
                                                           Nomination.status.in_(FOLLOWED_STATUSES))
    return list(db.session.scalars(sa.select(Organisation).where(Organisation.id.in_(followed))
                                   .order_by(sa.func.lower(Organisation.name), Organisation.id)))


def follow_up(nominations: Sequence[Nomination], *, now: datetime | None = None) -> list[NomineeFollowUp]:
    """Each nomination of ``nominations`` with its per-module progress and certificates, in order.

    The same queries whatever the number of nominations: the editions' modules, the nominees'
    enrolments in them, the progress of those enrolments, and their certificates with holders.
    """
    if not nominations:
        return []
    modules = _modules_by_edition({nomination.edition_id for nomination in nominations})
    enrolments = _enrolments(nominations)
    progress = progress_for((enrolment.id for enrolment in enrolments.values()), now=now)
    module_certificates, edition_certificates = _certificates(nominations, enrolments.values())
    followed = []
    for nomination in nominations:
        items = []
        for module in modules.get(nomination.edition_id, []):
            enrolment = enrolments.get((nomination.user_id, nomination.edition_id, module.id))
            items.append(ModuleFollowUp(
                module=module, enrolment=enrolment,
                progress=progress.get(enrolment.id) if enrolment is not None else None,
                certificate=module_certificates.get(enrolment.id) if enrolment is not None else None))
        followed.append(NomineeFollowUp(
            nomination=nomination, modules=items,
            edition_certificate=edition_certificates.get((nomination.user_id, nomination.edition_id))))
    return followed


def downloadable(viewer, followed: Sequence[NomineeFollowUp]) -> set[int]:
    """The ids of the certificates on these rows that ``viewer`` may download (one query at most)."""
    certificates = [certificate for item in followed
                    for certificate in (item.edition_certificate, *(module.certificate for module in item.modules))
                    if certificate is not None]
    return downloadable_ids(viewer, certificates)


def _modules_by_edition(edition_ids: set[int]) -> dict[int, list[Module]]:
    rows = db.session.execute(
        sa.select(edition_modules.c.edition_id, Module)
        .join(Module, Module.id == edition_modules.c.module_id)
        .where(edition_modules.c.edition_id.in_(sorted(edition_ids)))
        .order_by(Module.title, Module.id)).all()
    modules: dict[int, list[Module]] = defaultdict(list)
    for edition_id, module in rows:
        modules[edition_id].append(module)
    return modules


def _enrolments(nominations: Sequence[Nomination]) -> dict[tuple[int, int, int], Enrolment]:
    """The enrolments the nominees took through their edition, by (user, edition, module)."""
    pairs = {(nomination.user_id, nomination.edition_id) for nomination in nominations
             if nomination.user_id is not None}
    if not pairs:
        return {}
    rows = db.session.scalars(sa.select(Enrolment).where(
        Enrolment.user_id.in_(sorted({user_id for user_id, _ in pairs})),
        Enrolment.edition_id.in_(sorted({edition_id for _, edition_id in pairs})))).all()
    # The two IN lists may pair a user with another nominee's edition: keep the real pairs only.
    return {(row.user_id, row.edition_id, row.module_id): row for row in rows
            if (row.user_id, row.edition_id) in pairs}


def _certificates(nominations: Sequence[Nomination], enrolments) -> tuple[dict, dict]:
    """Module certificates by enrolment id, edition certificates by (user, edition).

    A superseded certificate is left out: its reissue is the one that counts.
    """
    enrolment_ids = sorted(enrolment.id for enrolment in enrolments)
    pairs = {(nomination.user_id, nomination.edition_id) for nomination in nominations
             if nomination.user_id is not None}
    if not pairs:
        return {}, {}
    edition_kind = sa.and_(
        Certificate.kind == CertificateKind.EDITION,
        Certificate.user_id.in_(sorted({user_id for user_id, _ in pairs})),
        Certificate.edition_id.in_(sorted({edition_id for _, edition_id in pairs})))
    rows = db.session.scalars(
        sa.select(Certificate)
        .where(Certificate.status != CertificateStatus.SUPERSEDED,
               sa.or_(Certificate.enrolment_id.in_(enrolment_ids), edition_kind))).all()
    by_enrolment, by_edition = {}, {}
    for certificate in rows:
        if certificate.kind is CertificateKind.EDITION:
            if (certificate.user_id, certificate.edition_id) in pairs:
                by_edition[(certificate.user_id, certificate.edition_id)] = certificate
        else:
            by_enrolment[certificate.enrolment_id] = certificate
    return by_enrolment, by_edition
