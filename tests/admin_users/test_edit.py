"""Editing an account: name, language, organisation, roles; an admin keeps their own role."""
import re

from academy.accounts.models import Role

from ..accounts.helpers import audit_events


def _edit(client, user, **fields):
    data = {"display_name": user.display_name, "preferred_language": user.preferred_language,
            "organisation_id": str(user.organisation_id or ""),
            "roles": sorted(user.role_names)}
    data.update(fields)
    return client.post(f"/admin/users/{user.id}", data=data)


def test_edit_page_shows_the_account_with_its_current_values(client, make, login_as):
    organisation = make.organisation(name="Blue Party")
    user = make.coordinator(organisation, display_name="Carla", preferred_language="es")
    login_as(make.admin())
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert 'value="Carla"' in page and "Blue Party" in page
    assert re.search(r'<input checked [^>]*value="coordinator"', page)
    assert not re.search(r'<input checked [^>]*value="trainee"', page)
    assert "Disable account" in page


def test_admin_changes_name_language_organisation_and_roles(client, make, login_as, db):
    organisation = make.organisation()
    user = make.trainee(display_name="Old Name")
    admin = make.admin()
    login_as(admin)
    response = _edit(client, user, display_name="New Name", preferred_language="ar",
                     organisation_id=str(organisation.id), roles=["coordinator", "trainee"])
    assert response.status_code == 302
    db.session.expire_all()
    assert (user.display_name, user.preferred_language, user.organisation_id) == (
        "New Name", "ar", organisation.id)
    assert user.role_names == {"coordinator", "trainee"}
    (event,) = audit_events("user.update")
    assert event.actor_id == admin.id
    assert event.details["changes"]["roles"] == [["trainee"], ["coordinator", "trainee"]]


def test_roles_can_be_removed(client, make, login_as, db):
    user = make.user(Role.TRAINER, Role.TRAINEE)
    login_as(make.admin())
    assert _edit(client, user, roles=["trainee"]).status_code == 302
    db.session.expire_all()
    assert user.role_names == {"trainee"}


def test_an_admin_cannot_remove_their_own_admin_role(client, make, login_as, db):
    admin = make.user(Role.ADMIN, Role.TRAINER)
    login_as(admin)
    response = _edit(client, admin, roles=["trainer"])
    assert response.status_code == 400
    assert b"cannot remove your own administrator role" in response.data
    db.session.expire_all()
    assert admin.is_admin


def test_an_admin_may_remove_another_admins_role(client, make, login_as, db):
    other = make.admin()
    login_as(make.admin())
    assert _edit(client, other, roles=["trainee"]).status_code == 302
    db.session.expire_all()
    assert not other.is_admin


def test_bad_edits_are_refused_and_nothing_changes(client, make, login_as, db):
    user = make.trainee(display_name="Stays")
    login_as(make.admin())
    for fields in ({"display_name": ""}, {"display_name": "x" * 251}, {"preferred_language": "zz"},
                   {"organisation_id": "999999"}, {"organisation_id": "x"}, {"roles": []},
                   {"roles": ["trainee", "wizard"]}, {"roles": ["coordinator"]}):
        assert _edit(client, user, **fields).status_code == 400, fields
    db.session.expire_all()
    assert user.display_name == "Stays" and user.role_names == {"trainee"}
    assert audit_events("user.update") == []


def test_current_inactive_organisation_stays_selectable(client, make, login_as, db):
    closed = make.organisation(name="Dissolved Party", is_active=False)
    user = make.coordinator(closed, display_name="Loyal")
    login_as(make.admin())
    assert "Dissolved Party" in client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert _edit(client, user, display_name="Still Loyal").status_code == 302
