"""Helpers of the edition screen tests: a valid form, and reading editions and audit events back."""
from __future__ import annotations

from academy.audit.models import AuditEvent
from academy.extensions import db
from academy.nominations.models import Edition

LIST = "/admin/editions/"
NEW = "/admin/editions/new"
def valid_form(module, **overrides) -> dict:
    data = dict(name="Spring school 2027", description="Organising for the local elections.", language="fr",
                format="blended", venue="Dakar", starts_on="2027-04-01", ends_on="2027-04-30",
                nominations_open_at="2027-03-01T09:00", nominations_close_at="2027-03-20T18:00",
                seats="20", quota_per_organisation="2", min_age="18", max_age="35", required_language="FR",
                parity_rule="balanced", modules=[str(module.id)])
    data.update(overrides)
    return data


def all_editions() -> list[Edition]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(Edition).order_by(Edition.id)))


def audit_events(action: str | None = None) -> list[AuditEvent]:
    query = db.select(AuditEvent).order_by(AuditEvent.id)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query))


def reloaded(edition: Edition) -> Edition:
    db.session.expire_all()
    return db.session.get(Edition, edition.id)
