"""The name as it should appear on certificates, typed when joining an edition: it must print
(letters or digits, not only joiners, combining marks or fillers), and the nominated name, given
and family names of up to 120 characters each, can be kept whole."""
import pytest
import sqlalchemy as sa

from academy.accounts.models import User
from academy.certificates.models import NAME_MAX_LENGTH
from academy.certificates.rendering import clean_text
from academy.nominations.invitation_links import issue_invitation
from academy.nominations.models import Nomination, NominationStatus

PASSWORD = "marching band of quiet otters"


@pytest.mark.parametrize("name", ["\u200c", "\u200d\u200c", "\u0301", "\u0301\u0302"])
def test_a_name_that_prints_as_nothing_is_refused_when_joining(client, make, db, name):
    assert clean_text(name, NAME_MAX_LENGTH) == ""  # what the certificate would print
    edition = make.edition(modules=[make.module()])
    nomination = make.nomination(edition, make.organisation(), status="accepted")
    token = issue_invitation(nomination)
    db.session.commit()

    response = client.post(f"/invitation/edition/{token}", data=dict(
        display_name=name, preferred_language="en", time_zone="UTC", password=PASSWORD, confirm=PASSWORD))

    assert response.status_code == 400
    assert db.session.get(Nomination, nomination.id).status is NominationStatus.ACCEPTED
    assert db.session.scalar(sa.select(sa.func.count(User.id)).where(User.email == nomination.email)) == 0


def test_the_nominated_name_can_be_kept_when_joining(client, make, db):
    edition = make.edition(modules=[make.module()])
    given = "María de los Ángeles Guadalupe Esperanza del Carmen Inmaculada"      # 62 characters
    family = "Fernández de Córdoba y Álvarez de Toledo Ponce de León Osorio"      # 61 characters
    nomination = make.nomination(edition, make.organisation(), status="accepted", given_names=given,
                                 family_name=family)
    token = issue_invitation(nomination)
    db.session.commit()
    assert len(nomination.full_name) > 120

    form = client.get(f"/invitation/edition/{token}")
    assert form.status_code == 200  # prefilled with the name as nominated
    response = client.post(f"/invitation/edition/{token}", data=dict(
        display_name=nomination.full_name, preferred_language="es", time_zone="UTC",
        password=PASSWORD, confirm=PASSWORD))

    assert response.status_code == 302  # joined under the name as nominated
    db.session.expire_all()
    user = db.session.scalars(sa.select(User).where(User.email == nomination.email)).one()
    assert user.display_name == f"{given} {family}"
    assert db.session.get(Nomination, nomination.id).status is NominationStatus.ENROLLED


@pytest.mark.parametrize("name", ["\u3164", "\u115f\u1160", " \u0301 "])
def test_names_printing_nothing_are_refused_on_every_form_that_writes_one(make, client_for, db, name):
    from academy.nominations.nominate_forms import clean_name
    from wtforms import ValidationError

    user = make.trainee()
    response = client_for(user).post("/profile", data={"display_name": name, "preferred_language": "en",
                                                       "time_zone": "UTC"})
    assert response.status_code == 400 and "would print as nothing" in response.get_data(as_text=True)
    with pytest.raises(ValidationError):
        clean_name(name, "given_names")
    assert clean_name("Ḿ", "given_names") == "Ḿ"
