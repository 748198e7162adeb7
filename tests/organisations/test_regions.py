"""Regional networks: list, create, edit, delete (only when empty), validation, access."""
from __future__ import annotations

import pytest

from academy.audit.models import AuditEvent
from academy.organisations.models import Region

LIST = "/admin/regions/"
NEW = "/admin/regions/new"


def _valid(**overrides) -> dict:
    data = dict(code="caribbean", name_en="Caribbean", name_fr="Caraïbes", name_es="Caribe",
                name_ar="الكاريبي")
    data.update(overrides)
    return data


def _regions(db) -> list[Region]:
    return list(db.session.scalars(db.select(Region).order_by(Region.id)))


def _actions(db) -> list[str]:
    return list(db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.mark.parametrize("path", [LIST, NEW, "/admin/regions/{id}"])
def test_anonymous_visitors_are_sent_to_sign_in_from_regions(client, make, path):
    region = make.region()
    response = client.get(path.format(id=region.id))
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


@pytest.mark.parametrize("path", [LIST, NEW, "/admin/regions/{id}"])
def test_regions_are_refused_to_non_admins(client, make, login_as, path):
    region = make.region()
    login_as(make.trainer())
    assert client.get(path.format(id=region.id)).status_code == 403


def test_non_admin_cannot_delete_a_region(client, db, make, login_as):
    region = make.region()
    login_as(make.coordinator())
    assert client.post(f"/admin/regions/{region.id}/delete").status_code == 403
    assert db.session.get(Region, region.id) is not None


def test_admin_creates_a_region_in_four_languages(client, db, make, login_as):
    login_as(make.admin())
    response = client.post(NEW, data=_valid(code="  Caribbean "))
    assert response.status_code == 302
    [region] = _regions(db)
    assert region.code == "caribbean"
    assert (region.name_fr, region.name_es, region.name_ar) == ("Caraïbes", "Caribe", "الكاريبي")
    assert _actions(db) == ["region.create"]


def test_region_list_shows_localised_names_and_member_counts(client, make, login_as):
    region = make.region(name_en="Caribbean", name_es="Caribe")
    make.organisation(region=region)
    make.organisation(region=region)
    login_as(make.admin(preferred_language="es"))
    page = client.get(LIST).get_data(as_text=True)
    assert "Caribe" in page
    assert f'?region={region.id}&amp;status=all">2</a>' in page


@pytest.mark.parametrize(("field", "value"), [("code", "x" * 41), ("name_en", "n" * 101),
                                               ("name_ar", "ن" * 101), ("code", "Not a code!"),
                                               ("name_fr", ""), ("code", "-leading")])
def test_invalid_region_values_are_refused(client, db, make, login_as, field, value):
    login_as(make.admin())
    response = client.post(NEW, data=_valid(**{field: value}))
    assert response.status_code == 400
    assert b"error-message" in response.data
    assert _regions(db) == []


@pytest.mark.parametrize(("field", "value"), [("code", "EUROPE"), ("name_en", "EUROPE")])
def test_duplicate_region_code_or_name_is_refused(client, db, make, login_as, field, value):
    make.region(code="europe", name_en="Europe")
    login_as(make.admin())
    response = client.post(NEW, data=_valid(**{field: value}))
    assert response.status_code == 400
    assert b"already exists" in response.data
    assert len(_regions(db)) == 1


def test_editing_a_region_records_the_changes(client, db, make, login_as):
    region = make.region(code="asia", name_en="Asia")
    login_as(make.admin())
    response = client.post(f"/admin/regions/{region.id}",
                           data=_valid(code="asia-pacific", name_en="Asia-Pacific"))
    assert response.status_code == 302
    db.session.refresh(region)
    assert (region.code, region.name_en) == ("asia-pacific", "Asia-Pacific")
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "region.update")).one()
    assert event.details["changes"]["code"] == {"from": "asia", "to": "asia-pacific"}


def test_a_region_with_organisations_cannot_be_deleted(client, db, make, login_as):
    region = make.region()
    make.organisation(region=region)
    login_as(make.admin())
    response = client.post(f"/admin/regions/{region.id}/delete", follow_redirects=True)
    assert response.status_code == 200
    assert b"still has member organisations" in response.data
    assert db.session.get(Region, region.id) is not None
    assert "region.delete" not in _actions(db)


def test_an_empty_region_can_be_deleted_and_it_is_audited(client, db, make, login_as):
    region = make.region(code="gone")
    region_id = region.id
    login_as(make.admin())
    response = client.post(f"/admin/regions/{region_id}/delete")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Region, region_id) is None
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "region.delete")).one()
    assert (event.object_id, event.details["code"]) == (str(region_id), "gone")
