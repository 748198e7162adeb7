"""Trainers and admins enrol trainees and follow everyone's progress in the progress table."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from academy.audit.models import AuditEvent
from academy.curriculum.models import ModuleStatus
from academy.db_types import utcnow
from academy.learning.models import Enrolment, LessonProgress, QuizAttempt


def _enrolled_ids(db, module):
    db.session.rollback()
    return sorted(db.session.scalars(sa.select(Enrolment.user_id).where(Enrolment.module_id == module.id)))


def _url(module):
    return f"/teach/modules/{module.id}/enrolments"


def test_search_lists_trainees_not_yet_enrolled(course, client_for, make):
    make.trainee(display_name="Amina Searchable")
    make.trainee(display_name="Amina Disabled", is_active=False)
    make.trainer(display_name="Amina Trainer")
    # By part of a name: admins only (trainers type a whole address, see test_trainee_search.py).
    html = client_for(make.admin()).get(_url(course.module) + "?q=amina").get_data(as_text=True)
    assert "Amina Searchable" in html
    assert "Amina Disabled" not in html and "Amina Trainer" not in html
    enrolled = client_for(course.trainer).get(_url(course.module) + f"?q={course.trainee.email}")
    assert 'name="trainees"' not in enrolled.get_data(as_text=True)


def test_a_trainer_of_the_module_enrols_trainees(course, client_for, make, db, outbox):
    first, second = make.trainee(), make.trainee(preferred_language="es")
    client = client_for(course.trainer)
    for trainee in (first, second):  # a trainer finds and enrols one person at a time, by address
        response = client.post(_url(course.module), query_string={"q": trainee.email}, data={"trainees": [trainee.id]})
        assert response.status_code == 302
    assert _enrolled_ids(db, course.module) == sorted([course.trainee.id, first.id, second.id])
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "enrolment.create")).all()
    assert {event.details["user_id"] for event in events} == {first.id, second.id}
    assert all(event.actor_id == course.trainer.id for event in events)
    (mail,) = outbox(second.email)
    assert mail.language == "es" and course.module.title in mail.body_text


def test_enrolling_someone_twice_changes_nothing(course, client_for, make, db):
    response = client_for(make.admin()).post(_url(course.module), data={"trainees": [course.trainee.id]})
    assert response.status_code == 302
    assert _enrolled_ids(db, course.module) == [course.trainee.id]


@pytest.mark.parametrize("kind", ["not a trainee", "disabled", "missing", "garbage", "none"])
def test_only_active_trainees_can_be_enrolled(course, client_for, make, db, kind):
    value = {
        "not a trainee": lambda: make.coordinator().id,
        "disabled": lambda: make.trainee(is_active=False).id,
        "missing": lambda: 987654,
        "garbage": lambda: "1; DROP TABLE users",
        "none": lambda: None,
    }[kind]()
    data = {"trainees": [value]} if value is not None else {}
    response = client_for(course.trainer).post(_url(course.module), data=data)
    assert response.status_code == 400
    assert _enrolled_ids(db, course.module) == [course.trainee.id]


def test_an_archived_module_takes_no_new_trainees(course, client_for, make, db):
    course.module.status = ModuleStatus.ARCHIVED
    db.session.commit()
    response = client_for(course.trainer).post(_url(course.module), data={"trainees": [make.trainee().id]})
    assert response.status_code == 400 and "archived" in response.get_data(as_text=True)
    assert _enrolled_ids(db, course.module) == [course.trainee.id]


@pytest.mark.parametrize("who", ["other trainer", "trainee", "coordinator"])
def test_only_the_modules_trainers_and_admins_manage_enrolments(course, client_for, make, db, who):
    visitor = {"other trainer": make.trainer, "trainee": lambda: course.trainee, "coordinator": make.coordinator}[who]()
    client = client_for(visitor)
    assert client.get(_url(course.module)).status_code == 403
    assert client.post(_url(course.module), data={"trainees": [make.trainee().id]}).status_code == 403
    assert client.post(f"{_url(course.module)}/{course.enrolment.id}/delete").status_code == 403
    assert _enrolled_ids(db, course.module) == [course.trainee.id]


def test_an_admin_manages_any_module(course, client_for, make, db):
    newcomer = make.trainee()
    assert client_for(make.admin()).post(_url(course.module), data={"trainees": [newcomer.id]}).status_code == 302
    assert newcomer.id in _enrolled_ids(db, course.module)


def test_a_too_long_search_is_a_bad_request(course, client_for):
    assert client_for(course.trainer).get(_url(course.module) + "?q=" + "x" * 101).status_code == 400


@pytest.mark.parametrize("page_number", ["-3", "abc", "99999999999999999999"])
def test_odd_page_numbers_are_ignored(course, client_for, page_number):
    assert client_for(course.trainer).get(_url(course.module) + f"?page={page_number}").status_code == 200


def test_the_progress_table_shows_each_trainees_progress(course, client_for, make, db):
    course.enrolment.created_at = utcnow() - timedelta(days=3)  # before both sessions: they count
    db.session.add(LessonProgress(enrolment_id=course.enrolment.id, lesson_id=course.lessons[0].id))
    db.session.add(QuizAttempt(enrolment_id=course.enrolment.id, quiz_id=course.quiz.id, number=1,
                               submitted_at=utcnow(), score_percent=50, passed=True))
    session = make.live_session(course.module, starts_at=utcnow() - timedelta(days=1))
    make.live_session(course.module, starts_at=utcnow() - timedelta(days=2))
    make.attendance(session, course.enrolment, "late")
    html = client_for(course.trainer).get(_url(course.module)).get_data(as_text=True)
    assert course.trainee.display_name in html
    assert "1 of 3 lessons done (33%)" in html
    assert "50%" in html and "Passed" in html and "1 attempt" in html
    assert "50% (1 of 2)" in html


def test_unenrolling_works_only_without_progress(course, client_for, make, db):
    fresh_id = make.enrolment(make.trainee(), course.module).id
    db.session.add(LessonProgress(enrolment_id=course.enrolment.id, lesson_id=course.lessons[0].id))
    db.session.commit()
    client = client_for(course.trainer)

    assert client.post(f"{_url(course.module)}/{fresh_id}/delete").status_code == 302
    refused = client.post(f"{_url(course.module)}/{course.enrolment.id}/delete")
    assert refused.status_code == 409 and "already made progress" in refused.get_data(as_text=True)

    assert _enrolled_ids(db, course.module) == [course.trainee.id]
    (event,) = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "enrolment.delete")).all()
    assert event.object_id == str(fresh_id) and event.actor_id == course.trainer.id


def test_an_enrolment_with_a_certificate_stays_so_the_certificate_keeps_its_edition(client_for, make, db):
    """An admin may issue a certificate before any progress; removing its enrolment would make it
    "earned outside any edition" and hand it to the coordinators of the holder's own organisation,
    although another organisation nominated them for the edition."""
    from academy.certificates import operations as certificates

    member_of, nominating = make.organisation(name="Unity Party"), make.organisation(name="Nominating Party")
    holder = make.trainee(display_name="Grace Mensah", organisation=member_of)
    module = make.module(title="Online Campaigns")
    edition = make.edition(modules=[module])
    make.nomination(edition, nominating, status="enrolled", user_id=holder.id, email=holder.email)
    enrolment = make.enrolment(holder, module, edition_id=edition.id)
    admin = make.admin()
    certificate = certificates.issue_manually(enrolment, actor=admin, reason="Took the course offline")
    db.session.commit()

    refused = client_for(admin).post(f"{_url(module)}/{enrolment.id}/delete")

    assert refused.status_code == 409 and "holds its certificate" in refused.get_data(as_text=True)
    assert _enrolled_ids(db, module) == [holder.id]
    coordinator = client_for(make.coordinator(member_of))
    assert coordinator.get(f"/certificates/{certificate.id}.pdf").status_code == 404
    assert certificate.serial not in coordinator.get("/certificates/organisation").get_data(as_text=True)


def test_unenrolling_an_enrolment_of_another_module_is_not_found(course, client_for, make):
    other = make.enrolment(make.trainee(), make.module(trainers=[course.trainer]))
    assert client_for(course.trainer).post(f"{_url(course.module)}/{other.id}/delete").status_code == 404
