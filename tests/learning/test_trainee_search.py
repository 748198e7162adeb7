"""The enrolment search: admins search by any part of a name or address; trainers only by a whole address."""
from __future__ import annotations

import pytest


def _url(module):
    return f"/teach/modules/{module.id}/enrolments"


@pytest.fixture
def people(make):
    return dict(amina=make.trainee(display_name="Amina Diallo", email="amina.diallo@example.org"),
                aminata=make.trainee(display_name="Aminata Sow", email="aminata.sow@example.org"))


def test_an_admin_finds_trainees_by_part_of_a_name_or_address(course, client_for, make, people):
    client = client_for(make.admin())
    html = client.get(_url(course.module) + "?q=amin").get_data(as_text=True)
    assert "Amina Diallo" in html and "Aminata Sow" in html
    assert "amina.diallo@example.org" in html and "aminata.sow@example.org" in html
    assert "Any part of a name or e-mail address." in html
    html = client.get(_url(course.module) + "?q=example.org").get_data(as_text=True)
    assert "Amina Diallo" in html and "Aminata Sow" in html


@pytest.mark.parametrize("search", ["am", "amin", "Amina Diallo", "example.org", "@example.org",
                                    "amina.diallo@example", "mina.diallo@example.org", "%%", "amina%"])
def test_a_trainer_cannot_list_trainees_by_part_of_a_name_or_address(course, client_for, people, search):
    response = client_for(course.trainer).get(_url(course.module), query_string={"q": search})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="trainees"' not in html  # no result to tick
    assert "(amina.diallo@example.org)" not in html and "Aminata Sow" not in html
    assert "No trainee to enrol matches" in html


@pytest.mark.parametrize("search", ["amina.diallo@example.org", "Amina.Diallo@EXAMPLE.org",
                                    "  amina.diallo@example.org "])
def test_a_trainer_finds_one_trainee_by_the_whole_address_in_any_case(course, client_for, people, search):
    response = client_for(course.trainer).get(_url(course.module), query_string={"q": search})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Amina Diallo" in html and "Aminata Sow" not in html
    assert html.count('name="trainees"') == 1 and f'value="{people["amina"].id}"' in html
    assert "Type the trainee&#39;s whole e-mail address" in html or "Type the trainee's whole e-mail address" in html
    assert "Trainee&#39;s e-mail address" in html or "Trainee's e-mail address" in html


def test_a_trainer_enrols_the_trainee_found_by_address(course, client_for, people, db):
    from academy.learning.models import Enrolment

    amina = people["amina"]
    client = client_for(course.trainer)
    response = client.post(_url(course.module) + "?q=amina.diallo@example.org", data={"trainees": [amina.id]})
    assert response.status_code == 302
    db.session.rollback()
    assert db.session.scalar(db.select(Enrolment).where(Enrolment.user_id == amina.id,
                                                        Enrolment.module_id == course.module.id)) is not None


@pytest.mark.parametrize("search", ["", "aminata.sow@example.org"])
def test_a_trainer_cannot_enrol_a_trainee_their_search_did_not_find(course, client_for, people, db, search):
    from academy.learning.models import Enrolment

    amina = people["amina"]
    response = client_for(course.trainer).post(_url(course.module), query_string={"q": search},
                                               data={"trainees": [amina.id]})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Enrol the trainee found by their e-mail address." in html
    assert "Amina Diallo" not in html
    db.session.rollback()
    assert db.session.scalar(db.select(Enrolment).where(Enrolment.user_id == amina.id)) is None


def test_an_admin_enrols_any_active_trainee_by_id(course, client_for, make, people, db):
    from academy.learning.models import Enrolment

    response = client_for(make.admin()).post(_url(course.module), data={"trainees": [people["aminata"].id]})
    assert response.status_code == 302
    db.session.rollback()
    assert db.session.scalar(db.select(Enrolment).where(Enrolment.user_id == people["aminata"].id)) is not None
