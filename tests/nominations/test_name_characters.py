"""Nominee names (printed on certificates) refuse control and invisible characters."""
import pytest
import sqlalchemy as sa

from academy.nominations.models import Nomination

from .test_nominate_views import _form


@pytest.mark.parametrize("field, value", [
    ("given_names", "N\u202eame"), ("given_names", "A\u200bB"), ("family_name", "Diallo\u2066"),
    ("family_name", "\ufeffDiallo"), ("given_names", "Ami\u00adna"),
])
def test_nominee_names_with_hidden_characters_are_refused(client, db, make, coordinator, field, value):
    edition = make.edition()
    response = client.post(f"/nominations/editions/{edition.id}/new", data=_form(edition, **{field: value}))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in page
    assert "Remove the invisible or control characters from this name." in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Nomination)) == 0


def test_a_nominee_name_with_a_zero_width_non_joiner_is_kept(client, db, make, coordinator):
    edition = make.edition()
    name = "مهر\u200cآسا"
    response = client.post(f"/nominations/editions/{edition.id}/new", data=_form(edition, given_names=name))
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Nomination.given_names)) == name
