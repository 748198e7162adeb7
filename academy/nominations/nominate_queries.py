"""What the coordinators' nomination pages show: editions, counts, quota use and parity status.

Each function is one or two aggregate queries, whatever the number of nominations, so the pages'
query counts do not grow with data.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from ..extensions import db
from . import operations, rules
from .models import Edition, EditionStatus, Gender, Nomination, NominationStatus as S

#: Closed editions stay on the overview this long, when the organisation nominated for them.
RECENTLY_CLOSED = timedelta(days=60)


def editions_query(organisation_id: int, now: datetime):
    """Editions open for nominations, and recently closed ones the organisation nominated for."""
    nominated = db.select(Nomination.edition_id).where(Nomination.organisation_id == organisation_id)
    return (db.select(Edition)
            .where(Edition.status.in_((EditionStatus.OPEN, EditionStatus.CLOSED)),
                   db.or_(db.and_(Edition.status == EditionStatus.OPEN, Edition.nominations_close_at > now),
                          db.and_(Edition.nominations_close_at > now - RECENTLY_CLOSED,
                                  Edition.id.in_(nominated))))
            .order_by(Edition.nominations_close_at, Edition.id))


def counts_by_edition(organisation_id: int, edition_ids: list[int]) -> dict[int, dict[S, int]]:
    """The organisation's nominations per edition and status (one query)."""
    counts: dict[int, dict[S, int]] = {edition_id: {} for edition_id in edition_ids}
    rows = db.session.execute(
        db.select(Nomination.edition_id, Nomination.status, db.func.count())
        .where(Nomination.organisation_id == organisation_id, Nomination.edition_id.in_(edition_ids))
        .group_by(Nomination.edition_id, Nomination.status))
    for edition_id, status, count in rows:
        counts[edition_id][status] = count
    return counts


def standing(edition: Edition, organisation_id: int) -> dict:
    """Quota use and parity status of one organisation in one edition (two aggregate queries)."""
    seated = operations.seated_counts(edition.id, organisation_id)
    submitted = dict(db.session.execute(
        db.select(Nomination.gender, db.func.count())
        .where(Nomination.edition_id == edition.id, Nomination.organisation_id == organisation_id,
               Nomination.status == S.SUBMITTED)
        .group_by(Nomination.gender)).all())
    seated_total = sum(seated.values())
    women, men = seated[Gender.WOMAN], seated[Gender.MAN]
    return dict(seated_total=seated_total, quota=edition.quota_per_organisation,
                quota_left=rules.quota_allows(edition.quota_per_organisation, seated_total),
                seated_women=women, seated_men=men,
                submitted_women=submitted.get(Gender.WOMAN, 0), submitted_men=submitted.get(Gender.MAN, 0),
                woman_may_be_seated=rules.parity_allows(edition.parity_rule, women, men, Gender.WOMAN),
                man_may_be_seated=rules.parity_allows(edition.parity_rule, women, men, Gender.MAN))


def pair_drafts(edition: Edition, organisation_id: int) -> list[Nomination]:
    """The organisation's drafts of women and men in the edition, the candidates for a pair."""
    return list(db.session.scalars(
        db.select(Nomination).where(Nomination.edition_id == edition.id,
                                    Nomination.organisation_id == organisation_id, Nomination.status == S.DRAFT,
                                    Nomination.gender.in_(rules.PARITY_GENDERS))
        .order_by(Nomination.family_name, Nomination.given_names, Nomination.id)))
