"""No text field takes a control character; text areas keep their line breaks and tabs.

The rule lives in ``AcademyForm``, the base of every form, so a form added later obeys it too.
"""
from __future__ import annotations

import pytest

from academy.curriculum.models import Module
from academy.organisations.models import Region
from tests.curriculum.test_authoring import _module_form


def _modules(db) -> list[str]:
    return list(db.session.scalars(db.select(Module.slug)))


@pytest.mark.parametrize("title", ["Canvassing\x1b[31m basics", "Canvassing\r\nBcc: all@example.org", "Bell\x07"])
def test_a_one_line_field_refuses_control_characters_and_nothing_is_saved(client_for, make, db, title):
    response = client_for(make.admin(preferred_language="es")).post(
        "/teach/modules/new", data=_module_form(slug="canvassing-basics", language="en", title=title))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Quite los caracteres de control de este campo." in page
    assert 'aria-invalid="true"' in page
    assert _modules(db) == []


def test_a_text_area_keeps_line_breaks_and_tabs(client_for, make, db):
    response = client_for(make.admin()).post("/teach/modules/new", data=_module_form(
        slug="canvassing-basics", language="en", summary="First line.\r\n\tIndented second line."))
    assert response.status_code == 302
    # Kept, with the browser's CRLF line ending normalised to LF.
    assert db.session.scalar(db.select(Module.summary)) == "First line.\n\tIndented second line."


def test_a_text_area_refuses_other_control_characters(client_for, make, db):
    response = client_for(make.admin()).post("/teach/modules/new", data=_module_form(
        slug="canvassing-basics", language="en", summary="Red \x1b[31malert\x1b[0m"))
    assert response.status_code == 400
    assert "Remove the control characters from this field." in response.get_data(as_text=True)
    assert _modules(db) == []


def test_an_ordinary_title_in_any_script_passes(client_for, make, db):
    response = client_for(make.admin()).post("/teach/modules/new", data=_module_form(
        slug="canvassing-basics", language="ar", title="الطرق على الأبواب — دليل عملي"))
    assert response.status_code == 302
    assert _modules(db) == ["canvassing-basics"]


def test_a_field_with_its_own_error_gets_no_second_message(client_for, make, db):
    """A name refused for its hidden characters says so once, in its own words."""
    user = make.trainee(display_name="Ana")
    response = client_for(user).post("/profile", data={
        "display_name": "Ana\x07", "preferred_language": "en", "time_zone": "UTC"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Remove the invisible or control characters from this name." in page
    assert "Remove the control characters from this field." not in page
    db.session.refresh(user)
    assert user.display_name == "Ana"


def test_a_one_line_admin_field_refuses_a_line_break(client_for, make, db):
    region = make.region()
    response = client_for(make.admin()).post(f"/admin/regions/{region.id}", data={
        "code": region.code, "name_en": "North\nSouth", "name_fr": "Nord", "name_es": "Norte", "name_ar": "الشمال"})
    assert response.status_code == 400
    assert "Remove the control characters from this field." in response.get_data(as_text=True)
    db.session.expire_all()
    assert "\n" not in db.session.get(Region, region.id).name_en
