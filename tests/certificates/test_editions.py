"""Edition certificates: issued once a person has completed every module of an edition, printing
the edition's name, dates, total hours and partner foundations; issued by hand, reissued, exported."""
from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from academy.certificates import editions, operations, storage
from academy.certificates.credentials import build_credential
from academy.certificates.models import Certificate, CertificateKind, CertificateStatus
from academy.curriculum.models import Lesson
from academy.db_types import utcnow
from academy.learning.completion import notify_completed
from academy.learning.models import EnrolmentStatus
from academy.learning.operations import mark_lesson_complete
from academy.organisations.models import OrganisationKind

from .conftest import pdf_text


def _edition_certificates(db):
    return list(db.session.scalars(sa.select(Certificate).where(Certificate.kind == CertificateKind.EDITION)
                                   .order_by(Certificate.id)))


def _completed(make, trainee, module, edition):
    return make.enrolment(trainee, module, edition_id=edition.id, status=EnrolmentStatus.COMPLETED,
                          completed_at=utcnow().replace(microsecond=0))


@pytest.fixture
def programme(make):
    """An edition of two modules run with two foundations (one shared), 5 + 7 hours."""
    dialogue = make.organisation(name="Foundation for Social Democracy and Dialogue", short_name="FSDD",
                                 kind=OrganisationKind.FOUNDATION)
    solidaire = make.organisation(name="Solidarity Foundation of the South", short_name="SFS",
                                  kind=OrganisationKind.FOUNDATION)
    first = make.module(title="Campaign Planning", estimated_hours=5, partners=[dialogue])
    second = make.module(title="Door-to-Door Canvassing", estimated_hours=7, partners=[dialogue, solidaire], lessons=1,
                         requires_quiz=False)
    edition = make.edition(name="Summer School 2027", modules=[first, second], language="en",
                           starts_on=date(2027, 7, 1), ends_on=date(2027, 7, 31))
    return {"edition": edition, "first": first, "second": second, "partners": [dialogue, solidaire]}


def test_completing_the_last_module_of_an_edition_issues_its_certificate_once_and_mails_it(
        db, make, outbox, programme, tmp_path):
    trainee = make.trainee(preferred_language="es", display_name="Amina Diallo")
    programme["edition"].language = "ar"  # printed in the edition's language, mailed in the trainee's
    db.session.commit()
    _completed(make, trainee, programme["first"], programme["edition"])
    last = make.enrolment(trainee, programme["second"], edition_id=programme["edition"].id)
    lesson = db.session.scalar(sa.select(Lesson).where(Lesson.module_id == programme["second"].id))

    mark_lesson_complete(last, lesson, actor=trainee)
    db.session.commit()

    [certificate] = _edition_certificates(db)
    assert certificate.edition_id == programme["edition"].id and certificate.user_id == trainee.id
    assert certificate.enrolment_id is None and certificate.module_id is None
    assert certificate.language == "ar"
    snapshot = certificate.snapshot
    assert snapshot["kind"] == "edition" and snapshot["achievement_title"] == "Summer School 2027"
    assert snapshot["hours"] == 12
    assert [partner["name"] for partner in snapshot["partners"]] == [
        "Foundation for Social Democracy and Dialogue", "Solidarity Foundation of the South"]
    assert snapshot["edition"] == {"id": programme["edition"].id, "starts_on": "2027-07-01", "ends_on": "2027-07-31"}
    assert certificate.edition_dates == (date(2027, 7, 1), date(2027, 7, 31))
    mail = [message for message in outbox(trainee.email) if certificate.serial in message.body_text]
    assert len(mail) == 1 and mail[0].language == "es"
    # The module certificate of the last module was issued too (a module certificate has no edition).
    module_certificate = db.session.scalar(sa.select(Certificate).where(Certificate.enrolment_id == last.id))
    assert module_certificate.kind is CertificateKind.MODULE and module_certificate.edition_id is None



def test_the_edition_certificate_prints_the_edition_its_dates_hours_and_partners(db, make, programme, tmp_path):
    trainee = make.trainee(display_name="Amina Diallo")
    certificate = operations.issue_edition_certificate(trainee, programme["edition"], reason="x")
    db.session.commit()

    text = " ".join(pdf_text(storage.certificate_pdf(certificate), tmp_path).split())
    assert "Summer School 2027" in text and "Amina Diallo" in text
    assert "every module of the programme" in text
    assert "12 hours of study · from July 1, 2027 to July 31, 2027" in text
    assert "Foundation for Social Democracy and Dialogue" in text and "Solidarity Foundation of the South" in text


def test_no_edition_certificate_while_a_module_of_the_edition_is_unfinished(db, make, programme):
    trainee = make.trainee()
    enrolment = _completed(make, trainee, programme["first"], programme["edition"])
    make.enrolment(trainee, programme["second"], edition_id=programme["edition"].id)

    notify_completed(enrolment)
    db.session.commit()

    assert _edition_certificates(db) == []
    assert editions.edition_progress(trainee.id, programme["edition"].id).completed == 1


def test_an_enrolment_outside_any_edition_issues_no_edition_certificate(db, make, programme):
    trainee = make.trainee()
    _completed(make, trainee, programme["first"], programme["edition"])
    outside = make.enrolment(trainee, programme["second"], status=EnrolmentStatus.COMPLETED,
                             completed_at=utcnow().replace(microsecond=0))

    notify_completed(outside)
    db.session.commit()

    assert _edition_certificates(db) == []


def test_the_completion_hook_called_twice_issues_the_edition_certificate_once(db, make, programme):
    trainee = make.trainee()
    _completed(make, trainee, programme["first"], programme["edition"])
    last = _completed(make, trainee, programme["second"], programme["edition"])

    notify_completed(last)
    notify_completed(last)
    db.session.commit()

    assert len(_edition_certificates(db)) == 1


def test_the_database_refuses_a_second_current_edition_certificate(db, make, programme):
    trainee = make.trainee()
    certificate = operations.issue_edition_certificate(trainee, programme["edition"], reason="test")
    db.session.commit()
    twin = Certificate(kind=CertificateKind.EDITION, serial="AA-2000-999998", code="Y" * 20,
                       user_id=trainee.id, edition_id=certificate.edition_id, language="en",
                       holder_name="Twin", snapshot={}, pdf_sha256="0" * 64)
    db.session.add(twin)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert len(_edition_certificates(db)) == 1


def test_an_admin_issues_an_edition_certificate_by_hand_only_with_a_reason_when_unfinished(db, make, programme):
    admin, trainee, stranger = make.admin(), make.trainee(), make.trainee()
    _completed(make, trainee, programme["first"], programme["edition"])
    edition = programme["edition"]

    with pytest.raises(operations.CertificateError) as refused:
        operations.issue_edition_manually(trainee, edition, actor=admin, reason="  ")
    assert refused.value.message is operations.EDITION_REASON_REQUIRED
    with pytest.raises(operations.CertificateError) as refused:
        operations.issue_edition_manually(stranger, edition, actor=admin, reason="Took part")
    assert refused.value.message is operations.NOT_IN_EDITION
    assert _edition_certificates(db) == []

    certificate = operations.issue_edition_manually(trainee, edition, actor=admin, reason="Attended in person")
    db.session.commit()
    assert certificate.issued_by_id == admin.id and certificate.issue_reason == "Attended in person"
    with pytest.raises(operations.CertificateError) as refused:
        operations.issue_edition_manually(trainee, edition, actor=admin, reason="Again")
    assert refused.value.message is operations.EDITION_ALREADY_ISSUED


def test_reissuing_an_edition_certificate_supersedes_it_and_keeps_the_edition(db, make, programme):
    admin, trainee = make.admin(), make.trainee(display_name="Jon Smith")
    _completed(make, trainee, programme["first"], programme["edition"])
    original = operations.issue_edition_certificate(trainee, programme["edition"], actor=admin, reason="x")
    db.session.commit()

    replacement = operations.reissue_certificate(original, actor=admin, reason="Name corrected",
                                                 holder_name="John Smith")
    db.session.commit()

    assert original.status is CertificateStatus.SUPERSEDED
    assert replacement.kind is CertificateKind.EDITION and replacement.edition_id == original.edition_id
    assert replacement.holder_name == "John Smith" and replacement.supersedes_id == original.id
    assert replacement.snapshot["completed_on"] == original.snapshot["completed_on"]


def test_the_credential_of_an_edition_certificate_names_the_programme(db, make, programme):
    trainee = make.trainee()
    certificate = operations.issue_edition_certificate(trainee, programme["edition"], reason="x")
    credential = build_credential(certificate.snapshot)
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["name"] == "Summer School 2027" and achievement["achievementType"] == "LearningProgram"
    module_certificate = make.certificate()
    assert build_credential(module_certificate.snapshot)["credentialSubject"]["achievement"]["id"] != achievement["id"]


def test_the_verification_page_of_an_edition_certificate_shows_the_programme_and_its_dates(
        db, make, programme, client_for):
    trainee = make.trainee()
    certificate = operations.issue_edition_certificate(trainee, programme["edition"], reason="x")
    db.session.commit()

    html = client_for().get(f"/verify/{certificate.display_code}").get_data(as_text=True)
    assert "Summer School 2027" in html and "every module of the programme" in html
    assert "July 1, 2027" in html and "July 31, 2027" in html


# --- admin screens -----------------------------------------------------------------------------

def test_the_admin_issue_screen_issues_an_edition_certificate(db, make, programme, client_for):
    admin, trainee = make.admin(), make.trainee()
    _completed(make, trainee, programme["first"], programme["edition"])
    _completed(make, trainee, programme["second"], programme["edition"])
    client = client_for(admin)

    both = client.post("/admin/certificates/issue", data={
        "email": trainee.email, "module": str(programme["first"].id), "edition": str(programme["edition"].id)})
    assert both.status_code == 400 and "either a module or an edition" in both.get_data(as_text=True)
    neither = client.post("/admin/certificates/issue", data={"email": trainee.email})
    assert neither.status_code == 400
    bad = client.post("/admin/certificates/issue", data={"email": trainee.email, "edition": "999999"})
    assert bad.status_code == 400
    assert _edition_certificates(db) == []

    response = client.post("/admin/certificates/issue", data={
        "email": trainee.email, "edition": str(programme["edition"].id)})
    assert response.status_code == 302
    [certificate] = _edition_certificates(db)
    assert certificate.user_id == trainee.id and certificate.issued_by_id == admin.id


def test_the_zip_of_an_edition_holds_its_certificates_and_its_trainees_module_certificates(
        db, make, programme, client_for):
    admin, trainee, other = make.admin(), make.trainee(), make.trainee()
    first = make.certificate(_completed(make, trainee, programme["first"], programme["edition"]))
    second = make.certificate(_completed(make, trainee, programme["second"], programme["edition"]))
    edition_certificate = operations.issue_edition_certificate(trainee, programme["edition"], reason="x")
    db.session.commit()
    # The same module taken outside the edition is not part of its ZIP; neither is a revoked one.
    outside = make.certificate(make.enrolment(other, programme["first"], status=EnrolmentStatus.COMPLETED,
                                              completed_at=utcnow().replace(microsecond=0)))
    operations.revoke_certificate(second, actor=admin, reason="Plagiarism")
    db.session.commit()
    storage.pdf_path(first.pdf_sha256).unlink()  # rendered again, in the pool

    response = client_for(admin).get("/admin/certificates/export.zip",
                                     query_string={"edition_id": programme["edition"].id})

    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert f"certificates-edition-{programme['edition'].id}.zip" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert sorted(archive.namelist()) == sorted([f"{first.serial}.pdf", f"{edition_certificate.serial}.pdf"])
    assert outside.serial + ".pdf" not in archive.namelist()
    for item in (first, edition_certificate):
        assert hashlib.sha256(archive.read(f"{item.serial}.pdf")).hexdigest() == item.pdf_sha256


@pytest.mark.parametrize("args, status", [({"edition_id": "999999"}, 404), ({"edition_id": "0"}, 400),
                                          ({"edition_id": "1", "module_id": "1"}, 400)])
def test_the_zip_needs_one_existing_edition_or_module(make, client_for, args, status):
    response = client_for(make.admin()).get("/admin/certificates/export.zip", query_string=args)
    assert response.status_code == status


def test_the_admin_list_filters_by_edition_and_offers_its_zip(db, make, programme, client_for):
    trainee, other = make.trainee(), make.trainee()
    inside = make.certificate(_completed(make, trainee, programme["first"], programme["edition"]))
    outside = make.certificate(make.enrolment(other, programme["first"], status=EnrolmentStatus.COMPLETED,
                                              completed_at=utcnow().replace(microsecond=0)))

    response = client_for(make.admin()).get("/admin/certificates/",
                                             query_string={"edition": programme["edition"].id})

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert inside.serial in html and outside.serial not in html
    assert f"export.zip?edition_id={programme['edition'].id}" in html
