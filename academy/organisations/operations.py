"""Changes to regions and member organisations; each one flushes and is audited, none commits."""
from __future__ import annotations

from ..audit.operations import record
from ..extensions import db
from ..media.storage import store
from .models import Organisation, OrganisationKind, Region

#: Region columns that an administrator edits (the code and the name in each language).
REGION_FIELDS = ("code", "name_en", "name_fr", "name_es", "name_ar")


def _audit_value(value):
    """A JSON-friendly form of a column value for the audit trail."""
    if isinstance(value, OrganisationKind):
        return value.value
    if isinstance(value, Region):
        return value.code
    return value


def _apply(item, values: dict) -> dict:
    """Set ``values`` on ``item``; return ``{field: {"from": old, "to": new}}`` for what changed."""
    changes = {}
    for name, new in values.items():
        old = getattr(item, name)
        if old != new:
            changes[name] = {"from": _audit_value(old), "to": _audit_value(new)}
            setattr(item, name, new)
    return changes


def create_region(*, actor, code: str, name_en: str, name_fr: str, name_es: str,
                  name_ar: str) -> Region:
    """Add a regional network."""
    region = Region(code=code, name_en=name_en, name_fr=name_fr, name_es=name_es, name_ar=name_ar)
    db.session.add(region)
    db.session.flush()
    record("region.create", actor=actor, target=region, code=code, name=name_en)
    return region


def update_region(region: Region, *, actor, **values) -> dict:
    """Change a region's code or names; return the changes (nothing is recorded when none)."""
    unknown = set(values) - set(REGION_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {', '.join(sorted(unknown))}")
    changes = _apply(region, values)
    if changes:
        db.session.flush()
        record("region.update", actor=actor, target=region, changes=changes)
    return changes


def delete_region(region: Region, *, actor) -> bool:
    """Delete ``region`` unless an organisation still belongs to it; return whether it went.

    The check and the delete are one statement, so an organisation added meanwhile cannot be
    orphaned (and the foreign key's RESTRICT guards the rest).
    """
    region_id, code = region.id, region.code
    still_used = db.select(Organisation.id).where(Organisation.region_id == region_id).exists()
    deleted = db.session.execute(
        db.delete(Region).where(Region.id == region_id, ~still_used)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not deleted:
        return False
    db.session.expunge(region)
    record("region.delete", actor=actor, object_type=Region.__tablename__, object_id=region_id, code=code)
    return True


def create_organisation(*, actor, name: str, short_name: str, country: str, region: Region,
                        kind: OrganisationKind, website: str | None = None) -> Organisation:
    """Add a member organisation (active)."""
    organisation = Organisation(name=name, short_name=short_name, country=country, region=region,
                                kind=kind, website=website or None)
    db.session.add(organisation)
    db.session.flush()
    record("organisation.create", actor=actor, target=organisation, name=name,
           short_name=short_name, country=country, region=region.code, kind=kind.value)
    return organisation


#: Organisation attributes that ``update_organisation`` may change.
ORGANISATION_FIELDS = ("name", "short_name", "country", "region", "kind", "website")


def update_organisation(organisation: Organisation, *, actor, **values) -> dict:
    """Change an organisation's details; return the changes (nothing is recorded when none).

    The region is compared by id, so the caller need not have loaded the current one.
    """
    unknown = set(values) - set(ORGANISATION_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {', '.join(sorted(unknown))}")
    if "website" in values:
        values["website"] = values["website"] or None
    changes = {}
    new_region = values.pop("region", None)
    if new_region is not None and new_region.id != organisation.region_id:
        old_code = db.session.scalar(db.select(Region.code).where(Region.id == organisation.region_id))
        changes["region"] = {"from": old_code, "to": new_region.code}
        organisation.region = new_region
    changes.update(_apply(organisation, values))
    if changes:
        db.session.flush()
        record("organisation.update", actor=actor, target=organisation, changes=changes)
    return changes


def set_organisation_logo(organisation: Organisation, logo, *, actor) -> bool:
    """Store a new logo (``(content, file type)``, already cleaned by ``logos.prepare_logo``) or
    remove it (``None``); return whether anything changed. The file is stored by its hash: the
    certificates issued before keep printing the logo they were issued with."""
    if logo is None:
        if organisation.logo_sha256 is None:
            return False
        old, organisation.logo_sha256, organisation.logo_media_type = organisation.logo_sha256, None, None
        db.session.flush()
        record("organisation.logo_remove", actor=actor, target=organisation, sha256=old)
        return True
    content, file_type = logo
    stored = store(content, file_type.content_type)
    if stored.sha256 == organisation.logo_sha256:
        return False
    organisation.logo_sha256, organisation.logo_media_type = stored.sha256, file_type.content_type
    db.session.flush()
    record("organisation.logo_set", actor=actor, target=organisation, sha256=stored.sha256,
           media_type=file_type.content_type, size_bytes=stored.size_bytes)
    return True


def set_organisation_active(organisation: Organisation, active: bool, *, actor) -> bool:
    """Activate or deactivate ``organisation``; return False when it already was so."""
    if organisation.is_active == active:
        return False
    organisation.is_active = active
    db.session.flush()
    record("organisation.activate" if active else "organisation.deactivate", actor=actor,
           target=organisation, name=organisation.name)
    return True
