"""Certificates in a real browser: a trainee completes a module and downloads the certificate, anyone
verifies it by its QR code and its PDF, an admin revokes it; axe-core checks of the certificate
screens in English and Arabic.

Journeys run under the application's real Content-Security-Policy, in several browser contexts
(trainee, anonymous visitor, admin), and fail on any violation of it in any of them.
"""
from __future__ import annotations

import base64
import json
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import sign_in
from tests.certificates.conftest import pdf_qr_code

pytestmark = pytest.mark.browser

LANGUAGES = ["en", "ar"]

#: A JWS in compact form: three base64url parts separated by dots.
COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


def _watch_csp(page: Page, messages: list[str]) -> Page:
    """Collect the page's Content-Security-Policy violations into ``messages`` (as ``csp_violations``)."""
    def on_console(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            messages.append(message.text)

    page.on("console", on_console)
    return page


def _holder(make):
    """A trainee whose e-mail address and party must never appear on a public page."""
    party = make.organisation(name="Partido Secreto de Prueba", short_name="PSP")
    return make.trainee(display_name="Amina Diallo", email="amina.private@example.org", organisation=party)


def _certificate_of(db, user):
    """The user's one certificate, as the live server wrote it."""
    from academy.certificates.models import Certificate

    db.session.expire_all()
    return db.session.scalars(db.select(Certificate).where(Certificate.user_id == user.id)).one()


def _upload(page: Page, path) -> None:
    """Upload ``path`` through the "Check a PDF file" form of the page shown."""
    page.locator("main input[name=document]").set_input_files(path)
    page.locator("main form[enctype='multipart/form-data'] button[type=submit]").click()


def _jws_payload(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


# --- journeys ------------------------------------------------------------------------------------

def test_trainee_downloads_the_certificate_and_anyone_verifies_it(page: Page, new_context, make, db, live_app,
                                                                  live_server, monkeypatch, tmp_path,
                                                                  csp_violations):
    # The printed QR code and the credential must point at this live server.
    monkeypatch.setitem(live_app.config, "SERVER_BASE_URL", live_server)
    trainee = _holder(make)
    module = make.module(title="Door-to-door canvassing", requires_quiz=False)
    lesson = make.lesson(module, title="The doorstep conversation")
    make.enrolment(trainee, module)

    # Completing the module's only lesson completes the module, which issues the certificate.
    sign_in(page, trainee.email)
    page.goto(f"/learn/lessons/{lesson.id}")
    page.get_by_role("button", name="Mark as complete").click()
    expect(page.get_by_text(f"Lesson “{lesson.title}” marked as complete.")).to_be_visible()
    certificate = _certificate_of(db, trainee)
    code = certificate.display_code
    verification_url = f"{live_server}/verify/{code}"

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My certificates").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My certificates")
    row = page.get_by_role("row").filter(has_text=module.title)
    expect(row).to_contain_text(certificate.serial)
    expect(row).to_contain_text("Valid")
    with page.expect_download() as pdf_download:
        row.get_by_role("link", name="PDF", exact=True).click()
    assert pdf_download.value.suggested_filename == f"certificate-{certificate.serial}.pdf"
    genuine = tmp_path / "certificate.pdf"
    pdf_download.value.save_as(genuine)
    pdf = genuine.read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert pdf_qr_code(pdf, tmp_path) == verification_url

    with page.expect_download() as credential_download:
        row.get_by_role("link", name="Digital credential (Open Badges)").click()
    token = credential_download.value.path().read_text(encoding="ascii").strip()
    assert COMPACT_JWS.fullmatch(token), token[:200]
    assert _jws_payload(token)["jti"] == f"{verification_url}/credential.json"

    # Anyone who scans the QR code sees the certificate stand, the name as printed and nothing else.
    visitor = _watch_csp(new_context().new_page(), csp_violations)
    visitor.goto(verification_url)
    expect(visitor.get_by_role("heading", level=1)).to_have_text(f"Certificate {certificate.serial}")
    expect(visitor.get_by_role("status")).to_have_text("This certificate is genuine and valid.")
    expect(visitor.locator("main dd").first).to_have_text("Amina Diallo")
    main = visitor.locator("main")
    expect(main).to_contain_text(module.title)
    for private in (trainee.email, "Partido Secreto de Prueba", "PSP", certificate.pdf_sha256):
        expect(visitor.locator("body")).not_to_contain_text(private)
        assert private not in visitor.content()

    # The downloaded file is declared genuine; the same file with one byte changed is not.
    visitor.get_by_role("link", name="Check another certificate").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Check a certificate")
    _upload(visitor, genuine)
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Result of the check")
    expect(main).to_contain_text("This file is a certificate issued by the Activist Academy, unchanged since it "
                                 "was issued.")
    visitor.get_by_role("link", name="See whether it is still valid").click()
    expect(visitor).to_have_url(verification_url)

    changed = tmp_path / "changed.pdf"
    middle = len(pdf) // 2
    changed.write_bytes(pdf[:middle] + bytes([pdf[middle] ^ 0x01]) + pdf[middle + 1:])
    visitor.goto("/verify")
    _upload(visitor, changed)
    expect(visitor.get_by_role("alert")).to_contain_text("This file does not match any certificate we issued.")
    expect(main).not_to_contain_text(certificate.serial)
    assert csp_violations == []


def test_admin_revokes_a_certificate_and_its_public_page_says_so(page: Page, new_context, make, db,
                                                                 csp_violations):
    from academy.certificates.models import CertificateStatus

    admin = make.admin()
    certificate = make.certificate(make.enrolment(_holder(make), make.module(title="Speaking in public")))
    make.certificate()  # another one, which the search must leave out

    sign_in(page, admin.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Certificates").click()
    page.get_by_label("Serial, code or name").fill("diallo")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("status")).to_have_text("1 certificate")
    page.get_by_role("link", name=certificate.serial).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Certificate {certificate.serial}")
    page.get_by_label("Reason for revoking").fill("Quiz answers copied from another trainee")
    page.get_by_role("button", name="Revoke", exact=True).click()

    expect(page.get_by_text(f"Certificate {certificate.serial} is revoked.")).to_be_visible()
    expect(page.locator(".page-heading .badge")).to_have_text("Revoked")
    expect(page.get_by_label("Reason for revoking")).to_have_count(0)
    db.session.expire_all()
    assert db.session.get(type(certificate), certificate.id).status is CertificateStatus.REVOKED

    visitor = _watch_csp(new_context().new_page(), csp_violations)
    visitor.goto(f"/verify/{certificate.display_code}")
    expect(visitor.get_by_role("alert")).to_contain_text("This certificate was revoked on")
    expect(visitor.get_by_role("alert")).to_contain_text("It is no longer valid.")
    expect(visitor.locator("main")).not_to_contain_text("genuine and valid")
    expect(visitor.locator("main")).not_to_contain_text("Quiz answers copied")  # the reason stays internal
    assert csp_violations == []


# --- accessibility -------------------------------------------------------------------------------

# Each recipe brings ``page`` to the page to check; ``as_user(user)`` signs someone in (by cookie)
# in the language of the check. The public pages are checked as an anonymous visitor, whose
# language comes from the browser's.

def _issued(make, trainee=None):
    from academy.organisations.models import OrganisationKind

    trainee = trainee or _holder(make)
    foundation = make.organisation(name="Fundación Abierta", short_name="FA", kind=OrganisationKind.FOUNDATION)
    return make.certificate(make.enrolment(trainee, make.module(title="Door-to-door canvassing",
                                                                partners=[foundation])))


def _my_certificates(page, make, db, as_user):
    from academy.certificates.operations import revoke_certificate

    trainee = _holder(make)
    _issued(make, trainee)
    revoked = make.certificate(make.enrolment(trainee, make.module(title="Speaking in public")))
    revoke_certificate(revoked, actor=make.admin(), reason="Issued in error")
    db.session.commit()
    as_user(trainee)
    page.goto("/certificates/")
    expect(page.locator("main table")).to_be_visible()


def _verify_form(page, make, db, as_user):
    page.goto("/verify")
    expect(page.locator("main input[name=document]")).to_be_visible()


def _verify_form_with_errors(page, make, db, as_user):
    page.goto("/verify?code=hello")
    expect(page.locator("[aria-invalid=true]").first).to_be_visible()


def _verify_code(page, make, db, as_user):
    page.goto(f"/verify/{_issued(make).display_code}")
    expect(page.locator("main dl")).to_be_visible()


def _verify_code_revoked(page, make, db, as_user):
    from academy.certificates.operations import revoke_certificate

    certificate = _issued(make)
    revoke_certificate(certificate, actor=make.admin(), reason="Issued in error")
    db.session.commit()
    page.goto(f"/verify/{certificate.display_code}")
    expect(page.locator("main [role=alert]")).to_be_visible()


def _upload_result(page, make, db, as_user, *, damaged=False):
    from academy.certificates.storage import stored_pdf

    pdf = stored_pdf(_issued(make))
    if damaged:
        pdf = pdf[:-10]
    page.goto("/verify")
    page.locator("main input[name=document]").set_input_files(
        {"name": "certificate.pdf", "mimeType": "application/pdf", "buffer": pdf})
    page.locator("main form[enctype='multipart/form-data'] button[type=submit]").click()
    expect(page.locator("main .flash")).to_be_visible()


def _upload_result_genuine(page, make, db, as_user):
    _upload_result(page, make, db, as_user)
    expect(page.locator("main a.button")).to_be_visible()


def _upload_result_not_genuine(page, make, db, as_user):
    _upload_result(page, make, db, as_user, damaged=True)
    expect(page.locator("main [role=alert]")).to_be_visible()


def _admin_search(page, make, db, as_user):
    certificate = _issued(make)
    make.certificate()
    as_user(make.admin())
    page.goto(f"/admin/certificates/?q={certificate.serial}")
    expect(page.locator("main table")).to_be_visible()


def _admin_certificate(page, make, db, as_user):
    certificate = _issued(make)
    as_user(make.admin())
    page.goto(f"/admin/certificates/{certificate.id}")
    expect(page.locator("main textarea[name=reason]").first).to_be_visible()


def _admin_certificate_revoke_errors(page, make, db, as_user):
    certificate = _issued(make)
    as_user(make.admin())
    page.goto(f"/admin/certificates/{certificate.id}")
    page.locator("main form[action$='/revoke'] button[type=submit]").click()
    expect(page.locator("[aria-invalid=true]").first).to_be_visible()


PAGES = {
    "my-certificates": _my_certificates,
    "verify-form": _verify_form,
    "verify-form-errors": _verify_form_with_errors,
    "verify-code": _verify_code,
    "verify-code-revoked": _verify_code_revoked,
    "verify-upload-genuine": _upload_result_genuine,
    "verify-upload-not-genuine": _upload_result_not_genuine,
    "admin-search": _admin_search,
    "admin-certificate": _admin_certificate,
    "admin-certificate-revoke-errors": _admin_certificate_revoke_errors,
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page_name", list(PAGES))
def test_certificate_page_has_no_accessibility_violations(axe_page, assert_accessible, sign_in_with_language, make, db,
                                                          page_name, language):
    page = axe_page(locale=language)
    PAGES[page_name](page, make, db, sign_in_with_language(page, language))
    assert_accessible(page, page_name, language)
