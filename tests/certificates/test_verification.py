"""Public verification: what it shows, what it hides, and how it answers bad input."""
from __future__ import annotations

import io

import pytest

from academy.certificates import operations, storage
from academy.certificates.codes import format_code, new_code, normalise_code


@pytest.fixture
def holder(make):
    organisation = make.organisation(name="Partido Secreto de Prueba", short_name="PSP")
    return make.trainee(display_name="Layla Haddad", email="layla.private@example.org",
                        organisation=organisation)


@pytest.fixture
def certificate(make, holder, completed_enrolment):
    foundation = make.organisation(name="Fundación Abierta", short_name="FA")
    module = make.module(title="Door-to-Door Canvassing", partners=[foundation], estimated_hours=9)
    return make.certificate(completed_enrolment(holder, module))


def test_the_public_page_shows_the_certificate_and_nothing_else_about_the_person(client_for, certificate):
    page = client_for().get(f"/verify/{certificate.display_code}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for shown in ("Layla Haddad", "Door-to-Door Canvassing", "Fundación Abierta", certificate.serial,
                  "genuine and valid", "9 hours"):
        assert shown in html
    for hidden in ("layla.private@example.org", "Partido Secreto de Prueba", "PSP", "birth", "gender",
                   certificate.pdf_sha256):
        assert hidden not in html
    assert f"/verify/{certificate.display_code}/credential.json" in html


def test_partners_are_listed_as_the_reader_writes_a_list_each_name_isolated(client_for, make, holder,
                                                                            completed_enrolment):
    partners = [make.organisation(name="Fundación <Abierta>"), make.organisation(name="Fundación Horizonte Común")]
    module = make.module(title="Door-to-Door Canvassing", partners=partners)
    certificate = make.certificate(completed_enrolment(holder, module))

    html = client_for().get(f"/verify/{certificate.display_code}",
                            headers={"Accept-Language": "ar"}).get_data(as_text=True)

    assert "<bdi>Fundación &lt;Abierta&gt;</bdi> و<bdi>Fundación Horizonte Común</bdi>" in html


@pytest.mark.parametrize("typed", [
    "{code}", "{lower}", "{spaced}", "{confusable}",
])
def test_codes_are_forgiven_for_case_separators_and_confusable_letters(client_for, certificate, typed):
    code = certificate.code
    variants = {"code": code, "lower": format_code(code).lower(), "spaced": " ".join(code),
                "confusable": code.replace("0", "O").replace("1", "l")}
    response = client_for().get("/verify", query_string={"code": typed.format(**variants)})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/verify/{certificate.display_code}")


def test_normalising_codes():
    assert normalise_code("7k3qd-m0xj4 9tz2b_hx6wa") == "7K3QDM0XJ49TZ2BHX6WA"
    assert normalise_code("OIL" + "0" * 17) == "011" + "0" * 17
    for bad in ("", None, "U" * 20, "7K3QD", "7K3QD-M0XJ4-9TZ2B-HX6WA-X", "ü" * 20, "A" * 65, "%00" * 7):
        assert normalise_code(bad) is None
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200 and all(normalise_code(code) == code for code in codes)


def test_a_non_canonical_code_in_the_address_redirects_to_the_printed_form(client_for, certificate):
    response = client_for().get(f"/verify/{certificate.code.lower()}")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/verify/{certificate.display_code}")


@pytest.mark.parametrize("code", ["7K3QD-M0XJ4-9TZ2B-HX6WA", "not-a-code", "A" * 200, "%3Cscript%3E", "0"])
def test_unknown_and_malformed_codes_get_the_same_404(client_for, certificate, code):
    response = client_for().get(f"/verify/{code}")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "No certificate has this code." in html
    assert "Layla" not in html and certificate.serial not in html
    assert client_for().get(f"/verify/{code}/credential.json").status_code == 404
    assert client_for().get(f"/certificates/status/{code}").status_code == 404


def test_a_malformed_typed_code_is_a_form_error(client_for):
    response = client_for().get("/verify", query_string={"code": "hello"})
    assert response.status_code == 400
    assert "This is not a certificate code" in response.get_data(as_text=True)


def _upload(client, content: bytes, name="certificate.pdf"):
    return client.post("/verify", data={"document": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def test_uploading_the_genuine_pdf_confirms_it(client_for, certificate):
    response = _upload(client_for(), storage.stored_pdf(certificate))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "unchanged since it was issued" in html
    assert f"/verify/{certificate.display_code}" in html


@pytest.mark.parametrize("damage", ["tampered", "truncated", "appended"])
def test_a_changed_pdf_is_not_confirmed(client_for, certificate, damage):
    genuine = storage.stored_pdf(certificate)
    changed = {"tampered": genuine.replace(b"Layla", b"Leyla", 1) if b"Layla" in genuine
               else genuine[:500] + bytes([genuine[500] ^ 1]) + genuine[501:],
               "truncated": genuine[: len(genuine) // 2],
               "appended": genuine + b"\n%%EOF\n"}[damage]
    response = _upload(client_for(), changed)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "does not match any certificate" in html
    assert certificate.serial not in html


@pytest.mark.parametrize("content, message", [
    (b"GIF89a not a pdf", "This file is not a PDF."),
    (b"", "This file is not a PDF."),
])
def test_an_upload_that_is_not_a_pdf_is_refused(client_for, content, message):
    response = _upload(client_for(), content, name="picture.gif")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_posting_no_file_asks_for_one(client_for):
    response = client_for().post("/verify", data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Choose a PDF file." in response.get_data(as_text=True)


def test_an_oversized_upload_is_refused(make_app, certificate):
    client = make_app(CERTIFICATE_UPLOAD_MAX_BYTES=1000).test_client()
    response = _upload(client, b"%PDF-" + b"x" * 2000)
    assert response.status_code == 400
    assert "larger than any certificate" in response.get_data(as_text=True)


def test_revocation_shows_on_the_page_and_in_the_credential_status(client_for, make, certificate, db):
    status_url = f"/certificates/status/{certificate.display_code}"
    before = client_for().get(status_url).get_json()
    assert before["status"] == "valid" and before["revokedCredentials"] == []

    operations.revoke_certificate(certificate, actor=make.admin(), reason="Plagiarised quiz answers")
    db.session.commit()

    page = client_for().get(f"/verify/{certificate.display_code}").get_data(as_text=True)
    assert "was revoked" in page and "genuine and valid" not in page
    assert "Plagiarised" not in page  # the reason stays internal
    after = client_for().get(status_url).get_json()
    assert after["status"] == "revoked"
    base = certificate.snapshot["issuer"]["url"]
    assert after["revokedCredentials"] == [{"id": f"{base}verify/{certificate.display_code}/credential.json"}]
    assert "Plagiarised" not in str(after)


def test_a_replaced_certificate_says_so(client_for, make, certificate, db):
    operations.reissue_certificate(certificate, actor=make.admin(), reason="Typo", holder_name="Leila Haddad")
    db.session.commit()
    page = client_for().get(f"/verify/{certificate.display_code}").get_data(as_text=True)
    assert "replaced by a newer one" in page
    assert client_for().get(f"/certificates/status/{certificate.display_code}").get_json()["status"] == "superseded"


def test_verification_is_rate_limited(make_app, certificate):
    client = make_app(RATELIMIT_ENABLED=True, RATELIMIT_VERIFY="3 per minute").test_client()
    statuses = [client.get(f"/verify/{certificate.display_code}").status_code for _ in range(3)]
    statuses.append(client.get("/verify/AAAAA-AAAAA-AAAAA-AAAAA").status_code)
    assert statuses == [200, 200, 200, 429]
