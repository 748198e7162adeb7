"""A NUL character anywhere in a request is refused with a translated 400, before any view runs.

PostgreSQL cannot store or compare text holding U+0000, so without this guard a search term or
a form field carrying one ended in a server error there (found by tests/test_hostile_input.py).
"""
from __future__ import annotations

import io

import pytest

from academy.organisations.models import Region


@pytest.fixture
def admin_client(client_for, make):
    return client_for(make.admin(preferred_language="fr"))


def test_a_nul_in_the_query_is_refused(admin_client):
    response = admin_client.get("/admin/organisations/?q=a%00b")
    assert response.status_code == 400
    assert "caractère nul" in response.get_data(as_text=True)


def test_a_nul_in_a_form_field_is_refused_and_nothing_is_written(admin_client, db):
    before = db.session.scalar(db.select(db.func.count()).select_from(Region))
    response = admin_client.post("/admin/regions/new", data={
        "code": "xx", "name_en": "North\x00", "name_fr": "Nord", "name_es": "Norte", "name_ar": "الشمال"})
    assert response.status_code == 400
    assert "caractère nul" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Region)) == before


def test_a_nul_in_an_uploaded_file_name_is_refused(admin_client):
    response = admin_client.post("/verify", data={"document": (io.BytesIO(b"%PDF-1.7\n"), "a\x00.pdf")},
                                 content_type="multipart/form-data")
    assert response.status_code == 400


def test_a_nul_in_a_url_segment_is_refused(client):
    response = client.get("/invitation/abc%00def", headers={"Accept-Language": "es"})
    assert response.status_code == 400
    assert "carácter nulo" in response.get_data(as_text=True)


def test_the_same_requests_without_nul_pass_the_guard(admin_client):
    assert admin_client.get("/admin/organisations/?q=ab").status_code == 200
    assert admin_client.get("/invitation/abcdef").status_code != 400


def test_binary_file_content_is_not_inspected(admin_client):
    """File bodies are bytes, where NUL is ordinary; only names and text fields are text."""
    response = admin_client.post("/verify", data={"document": (io.BytesIO(b"%PDF-1.7\n\x00\x00"), "a.pdf")},
                                 content_type="multipart/form-data")
    assert response.status_code == 200
    assert "caractère nul" not in response.get_data(as_text=True)


def test_the_access_check_comes_first(client, client_for, make):
    """Someone who may not make the request is refused as such, whatever the request carries."""
    response = client.get("/admin/organisations/?q=a%00b")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    trainee_client = client_for(make.trainee())
    assert trainee_client.get("/admin/organisations/?q=a%00b").status_code == 403
