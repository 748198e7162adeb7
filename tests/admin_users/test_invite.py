"""Inviting people: validation, unique addresses in any case, the invitation e-mail."""
import pytest

from academy.accounts.models import AccountToken, Role, TokenPurpose, User
from academy.admin_users import forms as admin_forms
from academy.outbox.models import OutboxMessage

from ..accounts.helpers import audit_events, link_in


def _invite(client, **fields):
    data = {"email": "new.person@example.org", "display_name": "New Person",
            "preferred_language": "fr", "organisation_id": "", "roles": ["trainee"]}
    data.update(fields)
    return client.post("/admin/users/invite", data=data)


def _count(db, model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_invite_page_offers_active_organisations_sorted_by_name(client, make, login_as):
    make.organisation(name="Zeta Party")
    make.organisation(name="Alpha Party")
    make.organisation(name="Closed Party", is_active=False)
    login_as(make.admin())
    page = client.get("/admin/users/invite").get_data(as_text=True)
    assert page.index("Alpha Party") < page.index("Zeta Party")
    assert "Closed Party" not in page
    assert "<legend>Roles</legend>" in page and 'type="checkbox"' in page


def test_invitation_creates_a_passwordless_account_and_mails_a_link(client, make, login_as, db, outbox):
    organisation = make.organisation()
    admin = make.admin()
    login_as(admin)
    response = _invite(client, email="New.Person@Example.org", organisation_id=str(organisation.id),
                       roles=["coordinator", "trainer"])
    assert response.status_code == 302
    user = db.session.scalar(db.select(User).where(User.email == "new.person@example.org"))
    assert user.password_hash is None and user.organisation_id == organisation.id
    assert user.role_names == {"coordinator", "trainer"} and user.preferred_language == "fr"
    token = db.session.scalar(db.select(AccountToken).where(AccountToken.user_id == user.id))
    assert token.purpose is TokenPurpose.INVITATION
    (message,) = outbox("new.person@example.org")
    assert message.language == "fr"
    assert link_in(message, "/invitation/").startswith("/invitation/")
    (event,) = audit_events("user.invite")
    assert event.actor_id == admin.id and event.details["roles"] == ["coordinator", "trainer"]


@pytest.mark.parametrize("existing", ["taken@example.org", "TAKEN@EXAMPLE.ORG"])
@pytest.mark.parametrize("typed", ["taken@example.org", "Taken@Example.Org", "  TAKEN@example.org "])
def test_duplicate_address_in_any_case_is_refused_and_nothing_written(client, make, login_as, db,
                                                                      existing, typed):
    make.trainee(email=existing)
    login_as(make.admin())
    users, messages = _count(db, User), _count(db, OutboxMessage)
    response = _invite(client, email=typed)
    assert response.status_code == 400
    assert b"exists already" in response.data
    assert (_count(db, User), _count(db, OutboxMessage), _count(db, AccountToken)) == (users, messages, 0)


def test_a_duplicate_slipping_past_the_form_is_still_refused_cleanly(client, make, login_as, db, monkeypatch):
    make.trainee(email="taken@example.org")
    login_as(make.admin())
    monkeypatch.setattr(admin_forms, "find_user_by_email", lambda email: None)  # as in a race
    users = _count(db, User)
    response = _invite(client, email="Taken@example.org")
    assert response.status_code == 400 and b"exists already" in response.data
    assert _count(db, User) == users and _count(db, OutboxMessage) == 0


@pytest.mark.parametrize("fields", [
    {"email": "not-an-address"},
    {"email": ""},
    {"email": "a" * 245 + "@example.org"},
    {"display_name": ""},
    {"display_name": "n" * 251},
    {"preferred_language": "de"},
    {"organisation_id": "abc"},
    {"organisation_id": "424242"},
    {"roles": []},
    {"roles": ["emperor"]},
    {"roles": ["coordinator"]},  # a coordinator needs an organisation
])
def test_bad_invitations_are_refused_and_nothing_written(client, make, login_as, db, fields):
    login_as(make.admin())
    users = _count(db, User)
    assert _invite(client, **fields).status_code == 400
    assert _count(db, User) == users
    assert _count(db, OutboxMessage) == 0 and _count(db, AccountToken) == 0


def test_inactive_organisation_cannot_be_chosen(client, make, login_as, db):
    closed = make.organisation(is_active=False)
    login_as(make.admin())
    assert _invite(client, organisation_id=str(closed.id)).status_code == 400


def test_invited_person_with_non_ascii_address_and_long_name(client, make, login_as, db):
    login_as(make.admin())
    name = "Ñ" * 120
    assert _invite(client, email="josé.núñez@exämple.org", display_name=name).status_code == 302
    user = db.session.scalar(db.select(User).where(User.display_name == name))
    assert user.email == "josé.núñez@exämple.org"
    assert user.role_names == {Role.TRAINEE.value}
