"""Deleting an account: the person on their profile, or an administrator for someone else. Every
piece of personal data hanging on the account goes; what others made stays, without the name."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from academy.accounts.models import User, UserSession
from academy.audit.models import AuditEvent
from academy.certificates.models import Certificate, CertificatePdf
from academy.certificates.storage import pdf_path
from academy.curriculum.models import Lesson
from academy.learning.models import Enrolment, LessonProgress, QuizAttempt
from academy.live.models import Attendance
from academy.nominations.models import Nomination, NominationStatus
from academy.outbox.models import OutboxMessage
from academy.outbox.operations import queue_mail

from ..factories import DEFAULT_PASSWORD

EMAIL = "leila.erase@example.org"


@dataclass
class Person:
    user: User
    certificate: Certificate
    pdf_sha256: str
    display_code: str
    lesson: Lesson
    trainer: User
    nominations: list[Nomination]


def _count(db, model, *conditions) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*conditions))


@pytest.fixture
def person(make, db, app) -> Person:
    """A trainee with everything personal data can hang on: learning, attendance, a certificate
    with its file, two nominations (one by account, one by address), mail and audit events."""
    trainer = make.trainer(display_name="Tomas Trainer")
    module = make.module(lessons=2, trainers=[trainer], title="Door to door")
    user = make.trainee(email=EMAIL, display_name="Leila Erase")
    edition = make.edition(modules=[module])
    enrolled = make.nomination(edition, status="enrolled", user_id=user.id, email=EMAIL, given_names="Leila")
    elsewhere = make.nomination(make.edition(), status="submitted", email=EMAIL, given_names="Leila",
                                motivation="Runs the tenants' union")
    enrolment = make.enrolment(user, module, edition_id=edition.id)
    lesson = db.session.scalars(sa.select(Lesson).where(Lesson.module_id == module.id).order_by(Lesson.id)).first()
    db.session.add(LessonProgress(enrolment_id=enrolment.id, lesson_id=lesson.id))
    quiz = make.quiz(module)
    db.session.add(QuizAttempt(enrolment_id=enrolment.id, quiz_id=quiz.id, number=1))
    make.attendance(make.live_session(module, trainer_id=trainer.id), enrolment)
    certificate = make.certificate(enrolment)
    with app.test_request_context():
        queue_mail(EMAIL, "en", "A message", "account_password_changed", name="Leila Erase")
    from academy.audit.operations import record

    record("user.update", actor=trainer, target=user, changes={"display_name": ["Leila E.", "Leila Erase"]})
    record("certificate.revoke", actor=trainer, target=certificate, reason="Leila asked for her name in full")
    db.session.commit()
    assert pdf_path(certificate.pdf_sha256).is_file()
    return Person(user=user, certificate=certificate, pdf_sha256=certificate.pdf_sha256,
                  display_code=certificate.display_code, lesson=lesson, trainer=trainer,
                  nominations=[enrolled, elsewhere])


def _assert_erased(db, person: Person, user_id: int) -> None:
    db.session.expire_all()
    assert db.session.get(User, user_id) is None
    for model, condition in ((UserSession, UserSession.user_id == user_id),
                             (Enrolment, Enrolment.user_id == user_id),
                             (Certificate, Certificate.user_id == user_id),
                             (OutboxMessage, OutboxMessage.recipient == EMAIL)):
        assert _count(db, model, condition) == 0, model
    assert _count(db, LessonProgress) == _count(db, QuizAttempt) == _count(db, Attendance) == 0
    assert _count(db, CertificatePdf) == 0
    assert not pdf_path(person.pdf_sha256).exists()
    for nomination in person.nominations:
        kept = db.session.get(Nomination, nomination.id)
        assert (kept.email, kept.given_names, kept.motivation, kept.date_of_birth, kept.user_id) == (
            None, "", "", None, None)
        assert kept.purged_at is not None and kept.gender is not None  # still counted in reports
    assert db.session.get(Nomination, person.nominations[0].id).status is NominationStatus.ENROLLED
    # The audit trail keeps its events about the account, without their details.
    about = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.object_type == "users", AuditEvent.object_id == str(user_id),
        AuditEvent.action != "account.erase")).all()
    assert about and all(event.details == {"details_removed": True} and event.ip_address is None
                         for event in about)
    trail = " ".join(str(event.details) for event in db.session.scalars(sa.select(AuditEvent)))
    assert "Leila" not in trail and EMAIL not in trail
    # What others made stays: the trainer, the lesson, the module.
    assert db.session.get(User, person.trainer.id) is not None
    assert db.session.get(Lesson, person.lesson.id) is not None


def test_a_trainee_deletes_their_account_and_everything_personal_goes(person, db, client_for, web):
    user_id = person.user.id
    client = client_for(person.user)
    page = client.get("/profile/delete")
    assert page.status_code == 200 and "your certificates" in page.get_data(as_text=True)

    response = client.post("/profile/delete", data={"current_password": DEFAULT_PASSWORD, "understood": "y"})

    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "have been deleted" in client.get("/").get_data(as_text=True)
    assert client.get("/profile").status_code == 302  # signed out: the session went with the account
    _assert_erased(db, person, user_id)
    [event] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "account.erase")).all()
    assert event.actor_id is None and event.ip_address is None and event.object_id == str(user_id)
    assert event.details["by_owner"] is True and event.details["nominations"] == 2
    # The certificate's code is unknown to the public verification page now.
    assert web.test_client().get(f"/verify/{person.display_code}").status_code == 404


@pytest.mark.parametrize("data, message", [
    ({"current_password": "not my password at all", "understood": "y"}, "This is not your current password."),
    ({"current_password": DEFAULT_PASSWORD}, "Tick the box to confirm that you want your account deleted."),
    ({}, "This field is required."),
])
def test_nothing_is_deleted_without_the_password_and_the_ticked_box(person, db, client_for, data, message):
    client = client_for(person.user)
    response = client.post("/profile/delete", data=data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, person.user.id) is not None
    assert _count(db, Certificate) == 1 and pdf_path(person.pdf_sha256).is_file()
    wrong_password = data.get("current_password") not in (None, DEFAULT_PASSWORD)
    assert db.session.get(User, person.user.id).failed_sign_ins == (1 if wrong_password else 0)


def test_an_administrator_cannot_delete_their_own_account(make, db, client_for):
    admin = make.admin()
    client = client_for(admin)
    page = client.get("/profile/delete")
    assert page.status_code == 200 and "Ask another administrator" in page.get_data(as_text=True)
    assert "current_password" not in page.get_data(as_text=True)  # no form to fill in
    response = client.post("/profile/delete", data={"current_password": DEFAULT_PASSWORD, "understood": "y"})
    assert response.status_code == 409 and "Ask another administrator" in response.get_data(as_text=True)
    assert client.get(f"/admin/users/{admin.id}/erase").status_code == 200
    assert client.post(f"/admin/users/{admin.id}/erase", data={"email": admin.email}).status_code == 409
    db.session.expire_all()
    assert db.session.get(User, admin.id) is not None


def test_an_administrator_deletes_someone_s_account_after_typing_its_address(person, make, db, client_for):
    admin = make.admin()
    user_id = person.user.id
    client = client_for(admin)
    assert "Delete the account" in client.get(f"/admin/users/{user_id}").get_data(as_text=True)
    assert client.get(f"/admin/users/{user_id}/erase").status_code == 200

    refused = client.post(f"/admin/users/{user_id}/erase", data={"email": "someone.else@example.org"})
    assert refused.status_code == 400
    assert "This is not the e-mail address of this account." in refused.get_data(as_text=True)
    assert db.session.get(User, user_id) is not None

    response = client.post(f"/admin/users/{user_id}/erase", data={"email": " Leila.Erase@example.org "})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/users/"
    _assert_erased(db, person, user_id)
    [event] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "account.erase")).all()
    assert event.actor_id == admin.id and event.details["by_owner"] is False
    assert client.get(f"/admin/users/{user_id}").status_code == 404


def test_nobody_but_an_administrator_deletes_someone_else(person, make, client_for, db):
    for visitor in (make.trainer(), make.coordinator(make.organisation()), make.trainee()):
        response = client_for(visitor).post(f"/admin/users/{person.user.id}/erase", data={"email": EMAIL})
        assert response.status_code == 403
    assert db.session.get(User, person.user.id) is not None


def test_the_nomination_pages_still_work_once_a_nominee_s_account_is_gone(person, make, db, client_for):
    """An enrolled nomination without its account (the seat stays counted) on every page that shows it."""
    nominations = [(item.id, item.edition_id, item.organisation_id) for item in person.nominations]
    admin = make.admin()
    client = client_for(admin)
    assert client.post(f"/admin/users/{person.user.id}/erase", data={"email": EMAIL}).status_code == 302
    from academy.organisations.models import Organisation

    coordinator = client_for(make.coordinator(db.session.get(Organisation, nominations[0][2])))
    pages = ["/admin/nominations/", "/admin/nominations/export.csv"]
    for nomination_id, edition_id, _organisation_id in nominations:
        pages += [f"/admin/nominations/{nomination_id}", f"/admin/editions/{edition_id}",
                  f"/admin/nominations/report/{edition_id}", f"/admin/nominations/report/{edition_id}/chart.svg",
                  f"/follow-up/editions/{edition_id}"]
    pages.append(f"/follow-up/nominees/{nominations[0][0]}")  # followed: the enrolled one
    for page in pages:
        assert client.get(page).status_code == 200, page
    [(enrolled_id, edition_id, _)] = nominations[:1]
    for page in ("/follow-up/", f"/follow-up/nominees/{enrolled_id}", f"/nominations/editions/{edition_id}"):
        response = coordinator.get(page)
        assert response.status_code == 200, page
        assert f"Personal data removed #{enrolled_id}" in response.get_data(as_text=True), page
