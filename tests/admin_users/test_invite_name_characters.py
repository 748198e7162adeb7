"""The invitation form refuses names with control or invisible characters, writing nothing."""
import pytest

from academy.accounts.models import AccountToken, User
from academy.outbox.models import OutboxMessage


def _count(db, model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


@pytest.mark.parametrize("name", ["N\u202eame\x07", "A\u200bB", "Ana\x1b[31m", "\u2067Ana", "Ana\ufeff Diallo"])
def test_invitation_with_hidden_characters_in_the_name_is_refused(client, make, login_as, db, name):
    login_as(make.admin())
    users = _count(db, User)
    response = client.post("/admin/users/invite", data={
        "email": "new.person@example.org", "display_name": name, "preferred_language": "fr",
        "organisation_id": "", "roles": ["trainee"]})
    assert response.status_code == 400
    assert "Remove the invisible or control characters from this name." in response.get_data(as_text=True)
    assert _count(db, User) == users
    assert _count(db, OutboxMessage) == 0 and _count(db, AccountToken) == 0


def test_invitation_keeps_a_name_with_a_zero_width_joiner(client, make, login_as, db):
    login_as(make.admin())
    name = "क्\u200dष Devi"
    response = client.post("/admin/users/invite", data={
        "email": "new.person@example.org", "display_name": name, "preferred_language": "fr",
        "organisation_id": "", "roles": ["trainee"]})
    assert response.status_code == 302
    assert db.session.scalar(db.select(User).where(User.display_name == name)) is not None
