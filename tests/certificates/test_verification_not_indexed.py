"""A certificate's public pages name its holder: reachable with the code, never listed by search engines."""
from __future__ import annotations


def test_the_pages_of_a_certificate_ask_search_engines_not_to_index_them(client_for, make, completed_enrolment):
    certificate = make.certificate(completed_enrolment(make.trainee(display_name="Layla Haddad")))
    client = client_for()
    for path in (f"/verify/{certificate.display_code}", f"/verify/{certificate.display_code}/credential.json",
                 f"/certificates/status/{certificate.display_code}"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["X-Robots-Tag"] == "noindex, nofollow", path


def test_the_form_to_check_a_certificate_may_be_indexed(client_for):
    assert "X-Robots-Tag" not in client_for().get("/verify").headers
