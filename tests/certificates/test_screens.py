"""The screens: trainees see their own, coordinators their members', admins everything."""
from __future__ import annotations

import io
import re
import zipfile

import pytest
import sqlalchemy as sa

from academy.audit.models import AuditEvent
from academy.certificates import operations, storage
from academy.certificates.models import Certificate, CertificateStatus


@pytest.fixture
def people(make):
    party = make.organisation(name="Unity Party")
    other = make.organisation(name="Other Party")
    return {
        "holder": make.trainee(display_name="Grace Mensah", organisation=party),
        "classmate": make.trainee(display_name="Tomas Berg", organisation=party),
        "coordinator": make.coordinator(party),
        "foreign_coordinator": make.coordinator(other),
        "admin": make.admin(),
    }


@pytest.fixture
def certificate(make, people, completed_enrolment):
    return make.certificate(completed_enrolment(people["holder"], make.module(title="Party Organisation")))


def test_my_certificates_lists_only_mine_with_downloads(client_for, people, certificate, make, completed_enrolment):
    make.certificate(completed_enrolment(people["classmate"], make.module(title="Secret Other Module")))
    page = client_for(people["holder"]).get("/certificates/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Party Organisation" in html and certificate.serial in html
    assert f"/certificates/{certificate.id}.pdf" in html and f"/certificates/{certificate.id}.jwt" in html
    assert "Secret Other Module" not in html


@pytest.mark.parametrize("visitor, status", [
    ("holder", 200), ("coordinator", 200), ("admin", 200), ("classmate", 404), ("foreign_coordinator", 404),
])
def test_who_may_download_a_certificate(client_for, people, certificate, visitor, status):
    client = client_for(people[visitor])
    pdf = client.get(f"/certificates/{certificate.id}.pdf")
    assert pdf.status_code == status
    if status == 200:
        assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF-")
        assert "attachment" in pdf.headers["Content-Disposition"]
    assert client.get(f"/certificates/{certificate.id}.jwt").status_code == status


def test_a_revoked_certificate_is_no_longer_downloadable_by_its_holder(client_for, people, certificate, db):
    operations.revoke_certificate(certificate, actor=people["admin"], reason="Error")
    db.session.commit()
    assert client_for(people["holder"]).get(f"/certificates/{certificate.id}.pdf").status_code == 404
    assert client_for(people["admin"]).get(f"/certificates/{certificate.id}.pdf").status_code == 200
    assert "No longer valid" in client_for(people["holder"]).get("/certificates/").get_data(as_text=True)


def test_a_coordinator_sees_their_members_certificates_and_no_other_data(client_for, people, certificate, make,
                                                                          completed_enrolment):
    outsider = make.trainee(display_name="Outside Person", organisation=make.organisation())
    make.certificate(completed_enrolment(outsider))
    html = client_for(people["coordinator"]).get("/certificates/organisation").get_data(as_text=True)
    assert "Grace Mensah" in html and certificate.serial in html
    assert "Outside Person" not in html
    assert people["holder"].email not in html
    assert client_for(people["holder"]).get("/certificates/organisation").status_code == 403


def test_certificates_of_an_edition_belong_to_the_organisation_that_nominated_for_it(
        client_for, people, make, db):
    """The holder is a member of Unity Party, but Other Party nominated her for this edition:
    Unity's coordinators must not learn that from her certificates; Other's see them."""
    from academy.certificates.operations import issue_edition_certificate
    from academy.db_types import utcnow
    from academy.learning.models import EnrolmentStatus

    holder, other = people["holder"], make.organisation(name="Nominating Party")
    module = make.module(title="Online Campaigns")
    edition = make.edition(modules=[module], name="Autumn Intake")
    make.nomination(edition, other, status="enrolled", user_id=holder.id, email=holder.email)
    enrolment = make.enrolment(holder, module, edition_id=edition.id, status=EnrolmentStatus.COMPLETED,
                               completed_at=utcnow().replace(microsecond=0))
    module_certificate = make.certificate(enrolment)
    edition_certificate = issue_edition_certificate(holder, edition, actor=people["admin"], reason="All done")
    db.session.commit()
    nominating = make.coordinator(other)

    for certificate in (module_certificate, edition_certificate):
        assert client_for(people["coordinator"]).get(f"/certificates/{certificate.id}.pdf").status_code == 404
        assert client_for(nominating).get(f"/certificates/{certificate.id}.pdf").status_code == 200
    members_page = client_for(people["coordinator"]).get("/certificates/organisation").get_data(as_text=True)
    nominators_page = client_for(nominating).get("/certificates/organisation").get_data(as_text=True)
    assert module_certificate.serial not in members_page and edition_certificate.serial not in members_page
    assert module_certificate.serial in nominators_page and edition_certificate.serial in nominators_page


@pytest.mark.parametrize("query", ["{serial}", "{code}", "{code_lower}", "mensah"])
def test_admins_find_certificates_by_serial_code_or_name(client_for, people, certificate, make, query):
    make.certificate()  # another one that must not match
    q = query.format(serial=certificate.serial, code=certificate.display_code,
                     code_lower=certificate.code.lower())
    html = client_for(people["admin"]).get("/admin/certificates/", query_string={"q": q}).get_data(as_text=True)
    assert certificate.serial in html
    assert "1 certificate" in html


@pytest.mark.parametrize("args", [{"status": "bogus"}, {"module": "abc"}, {"q": "x" * 500}, {"page": "-3"}])
def test_bad_filters_are_refused_or_ignored_never_a_server_error(client_for, people, args):
    response = client_for(people["admin"]).get("/admin/certificates/", query_string=args)
    assert response.status_code in (200, 400)


def test_an_admin_revokes_with_a_reason_and_a_second_revocation_changes_nothing(client_for, people, certificate,
                                                                               fresh, db):
    admin = client_for(people["admin"])
    assert admin.post(f"/admin/certificates/{certificate.id}/revoke", data={"reason": ""}).status_code == 400
    assert fresh(certificate).status is CertificateStatus.VALID

    response = admin.post(f"/admin/certificates/{certificate.id}/revoke", data={"reason": "Issued in error"})
    assert response.status_code == 302
    revoked = fresh(certificate)
    assert revoked.status is CertificateStatus.REVOKED and revoked.status_reason == "Issued in error"

    again = admin.post(f"/admin/certificates/{certificate.id}/revoke", data={"reason": "Twice"})
    assert again.status_code == 400
    assert "no longer valid" in again.get_data(as_text=True)
    assert fresh(certificate).status_reason == "Issued in error"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "certificate.revoke")) == 1


def test_an_admin_reissues_with_a_corrected_name(client_for, people, certificate, fresh, db):
    response = client_for(people["admin"]).post(
        f"/admin/certificates/{certificate.id}/reissue",
        data={"holder_name": "Grace A. Mensah", "language": "fr", "reason": "Middle initial missing"})
    assert response.status_code == 302
    replacement = db.session.scalar(sa.select(Certificate).where(Certificate.supersedes_id == certificate.id))
    assert replacement.holder_name == "Grace A. Mensah" and replacement.language == "fr"
    assert fresh(certificate).status is CertificateStatus.SUPERSEDED
    assert response.headers["Location"].endswith(f"/admin/certificates/{replacement.id}")


@pytest.mark.parametrize("name", ["Grace \u202eMensah", "Grace\x07 Mensah", "Grace\u200bMensah"])
def test_a_reissue_refuses_a_name_with_invisible_or_control_characters(client_for, people, certificate, fresh,
                                                                       db, name):
    response = client_for(people["admin"]).post(
        f"/admin/certificates/{certificate.id}/reissue", data={"holder_name": name, "language": "en",
                                                              "reason": "Correction"})
    assert response.status_code == 400
    assert "invisible or control characters" in response.get_data(as_text=True)
    assert fresh(certificate).status is CertificateStatus.VALID
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 1


def test_an_admin_issues_by_hand_with_a_reason_for_an_unfinished_enrolment(client_for, people, make, db):
    module = make.module(title="Campaigning")
    make.enrolment(people["classmate"], module)
    admin = client_for(people["admin"])
    form = {"email": people["classmate"].email, "module": str(module.id), "language": "", "reason": ""}

    refused = admin.post("/admin/certificates/issue", data=form)
    assert refused.status_code == 400
    assert "Give a reason" in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 0

    accepted = admin.post("/admin/certificates/issue", data=dict(form, reason="Attended the residential course"))
    assert accepted.status_code == 302
    certificate = db.session.scalar(sa.select(Certificate))
    assert certificate.issue_reason == "Attended the residential course"

    twice = admin.post("/admin/certificates/issue", data=dict(form, reason="again"))
    assert twice.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 1


def test_issuing_for_someone_not_enrolled_is_refused(client_for, people, make):
    module = make.module()
    response = client_for(people["admin"]).post("/admin/certificates/issue", data={
        "email": people["classmate"].email, "module": str(module.id), "reason": "x"})
    assert response.status_code == 400
    assert "not enrolled" in response.get_data(as_text=True)


@pytest.mark.parametrize("field", ["module", "edition"])
@pytest.mark.parametrize("value", ["\u00b2", "99999999999999999999", "-1", "0", "1e3", " 7"])
def test_a_malformed_module_or_edition_on_the_issue_form_is_a_400_and_issues_nothing(
        client_for, people, make, db, field, value):
    module = make.module()
    make.enrolment(people["classmate"], module)
    form = {"email": people["classmate"].email, "module": "", "edition": "", "reason": "Attended"}
    response = client_for(people["admin"]).post("/admin/certificates/issue", data=dict(form, **{field: value}))
    assert response.status_code == 400
    assert "from the list" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 0


@pytest.mark.parametrize("value", ["\u00b2", "99999999999999999999"])
def test_a_malformed_module_or_edition_filter_lists_everything(client_for, people, value):
    for name in ("module", "edition"):
        response = client_for(people["admin"]).get("/admin/certificates/", query_string={name: value})
        assert response.status_code in (200, 400)


def test_the_zip_holds_every_valid_certificate_of_the_module_as_issued(client_for, people, make, db,
                                                                        completed_enrolment):
    module = make.module(title="Communication")
    kept = [make.certificate(completed_enrolment(make.trainee(), module)) for _ in range(3)]
    revoked = make.certificate(completed_enrolment(make.trainee(), module))
    operations.revoke_certificate(revoked, actor=people["admin"], reason="x")
    db.session.commit()
    storage.pdf_path(kept[0].pdf_sha256).unlink()  # one must be rendered again, in the pool

    response = client_for(people["admin"]).get("/admin/certificates/export.zip",
                                               query_string={"module_id": module.id})
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert sorted(archive.namelist()) == sorted(f"{item.serial}.pdf" for item in kept)
    for item in kept:
        import hashlib
        assert hashlib.sha256(archive.read(f"{item.serial}.pdf")).hexdigest() == item.pdf_sha256


@pytest.mark.parametrize("args, status", [({}, 400), ({"module_id": "x"}, 400), ({"module_id": "999999"}, 404),
                                          ({"module_id": "-1"}, 400), ({"module_id": str(2**40)}, 400)])
def test_the_zip_needs_an_existing_module(client_for, people, args, status):
    response = client_for(people["admin"]).get("/admin/certificates/export.zip", query_string=args)
    assert response.status_code == status


def test_the_admin_detail_page_shows_history_and_forms(client_for, people, certificate):
    html = client_for(people["admin"]).get(f"/admin/certificates/{certificate.id}").get_data(as_text=True)
    assert certificate.serial in html and "Revoke" in html and "Reissue" in html
    assert certificate.pdf_sha256 in html


def test_the_revoke_and_reissue_forms_on_the_admin_detail_page_have_distinct_field_ids(client_for, people,
                                                                                        certificate):
    html = client_for(people["admin"]).get(f"/admin/certificates/{certificate.id}").get_data(as_text=True)
    ids = [value for value in re.findall(r'\bid="([^"]+)"', html) if value != "csrf_token"]
    assert sorted(value for value in set(ids) if ids.count(value) > 1) == []
    assert re.search(r'<label for="revoke-reason">Reason for revoking</label>', html)
    assert re.search(r'<textarea[^>]*id="revoke-reason"[^>]*name="reason"', html)
