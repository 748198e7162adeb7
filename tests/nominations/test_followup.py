"""Following up: coordinators see their own nominees' progress, admins a whole edition's."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import url_for

from academy.db_types import utcnow
from academy.learning.models import EnrolmentStatus, LessonProgress, QuizAttempt
from tests.fixtures_auth import sign_in_client
from tests.querycount import count_queries

QUIZ_ANSWER_MARKER = "Right"


@dataclass
class Intake:
    """An edition of two modules; organisation ``ours`` has an enrolled and an accepted nominee."""

    edition: object
    quizzed: object
    plain: object
    ours: object
    coordinator: object
    enrolled: object
    accepted: object
    trainee: object
    enrolment: object


def _url(web, endpoint, **values):
    with web.test_request_context():
        return url_for(endpoint, **values)


def _progress(db, make, enrolment, module, *, lessons_done, passed=None, attended=0, held=0):
    """Lessons done, an attempt (passed or not), and ``attended`` of ``held`` started sessions."""
    from academy.curriculum.models import Lesson, Quiz

    lesson_ids = db.session.scalars(db.select(Lesson.id).where(Lesson.module_id == module.id)
                                    .order_by(Lesson.position)).all()
    for lesson_id in lesson_ids[:lessons_done]:
        db.session.add(LessonProgress(enrolment_id=enrolment.id, lesson_id=lesson_id))
    if passed is not None:
        quiz_id = db.session.scalar(db.select(Quiz.id).where(Quiz.module_id == module.id))
        db.session.add(QuizAttempt(enrolment_id=enrolment.id, quiz_id=quiz_id, number=1, submitted_at=utcnow(),
                                   score_percent=87 if passed else 13, passed=passed,
                                   answers={"1": [1]}))
    # Sessions count for an enrolment from the day it began: this one began before them.
    enrolment.created_at = utcnow() - timedelta(days=held + 1)
    db.session.commit()
    for number in range(held):
        session = make.live_session(module, starts_at=utcnow() - timedelta(days=number + 1))
        if number < attended:
            make.attendance(session, enrolment, "present")


@pytest.fixture
def intake(make, db) -> Intake:
    quizzed = make.module(lessons=4, title="Campaign strategy")
    make.quiz(quizzed)
    plain = make.module(lessons=2, title="Digital organising")
    edition = make.edition(modules=[quizzed, plain], name="Spring Academy 2027", seats=100)
    ours = make.organisation(name="Green Youth")
    trainee = make.trainee(organisation=ours, display_name="Amina Diallo")
    enrolled = make.nomination(edition, ours, status="enrolled", user_id=trainee.id, given_names="Amina",
                               family_name="Diallo")
    accepted = make.nomination(edition, ours, status="accepted", given_names="Bruno", family_name="Costa",
                               gender="man")
    enrolment = make.enrolment(trainee, quizzed, edition_id=edition.id)
    _progress(db, make, enrolment, quizzed, lessons_done=3, passed=True, attended=1, held=2)
    return Intake(edition=edition, quizzed=quizzed, plain=plain, ours=ours, coordinator=make.coordinator(ours),
                  enrolled=enrolled, accepted=accepted, trainee=trainee, enrolment=enrolment)


def test_coordinator_sees_progress_of_own_nominees(intake, web, client_for):
    page = client_for(intake.coordinator).get(_url(web, "followup.my_nominees"))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Amina Diallo" in html and "Bruno Costa" in html
    assert "3 of 4" in html  # lessons done of total
    assert "Passed" in html
    assert "1 of 2 sessions" in html
    assert "Has not taken the invitation yet." in html  # the accepted nominee
    assert "Not enrolled in this module for this edition" in html  # Amina in the plain module


def test_coordinator_never_sees_quiz_scores_or_answers(intake, web, client_for):
    html = client_for(intake.coordinator).get(_url(web, "followup.my_nominees")).get_data(as_text=True)
    detail = client_for(intake.coordinator).get(
        _url(web, "followup.nominee", nomination_id=intake.enrolled.id)).get_data(as_text=True)
    for text in (html, detail):
        main = text.split("<main", 1)[1]
        assert "87" not in main  # the attempt's score
        assert QUIZ_ANSWER_MARKER not in main  # the text of the chosen answer


def test_other_organisations_nominees_are_not_listed(intake, make, web, client_for):
    other = make.organisation(name="Red Youth")
    make.nomination(intake.edition, other, status="enrolled", given_names="Carla", family_name="Other")
    html = client_for(intake.coordinator).get(_url(web, "followup.my_nominees")).get_data(as_text=True)
    assert "Carla Other" not in html
    assert "Red Youth" not in html


@pytest.mark.parametrize("status", ["submitted", "waitlisted", "declined", "withdrawn", "draft"])
def test_only_accepted_and_enrolled_nominees_are_followed(intake, make, web, client_for, status):
    make.nomination(intake.edition, intake.ours, status=status, given_names="Dora", family_name="Unseated")
    html = client_for(intake.coordinator).get(_url(web, "followup.my_nominees")).get_data(as_text=True)
    assert "Dora Unseated" not in html


def test_coordinator_filters_by_edition(intake, make, web, client_for):
    later = make.edition(name="Autumn Academy 2027")
    make.nomination(later, intake.ours, status="accepted", given_names="Eva", family_name="Later")
    client = client_for(intake.coordinator)
    everything = client.get(_url(web, "followup.my_nominees")).get_data(as_text=True)
    assert "Eva Later" in everything and "Amina Diallo" in everything
    only_later = client.get(_url(web, "followup.my_nominees", edition=later.id)).get_data(as_text=True)
    assert "Eva Later" in only_later and "Amina Diallo" not in only_later


def test_an_edition_filter_not_in_the_list_is_a_400_showing_everything(intake, make, web, client_for):
    foreign = make.edition(name="Not ours")
    for value in (str(foreign.id), "abc", "99999999999999999999"):
        response = client_for(intake.coordinator).get(_url(web, "followup.my_nominees", edition=value))
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert "Choose an edition from the list." in html and "Amina Diallo" in html


def test_coordinator_without_organisation_sees_an_explanation(make, web, client_for):
    from academy.accounts.models import Role

    lone = make.user(Role.COORDINATOR)
    response = client_for(lone).get(_url(web, "followup.my_nominees"))
    assert response.status_code == 200
    assert "not tied to an organisation" in response.get_data(as_text=True)


def test_nominee_detail_for_own_coordinator_and_admin(intake, make, web, client_for):
    path = _url(web, "followup.nominee", nomination_id=intake.enrolled.id)
    for viewer in (intake.coordinator, make.admin()):
        response = client_for(viewer).get(path)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "Amina Diallo" in html and "Campaign strategy" in html and "Wants to learn." in html


def test_nominee_detail_is_404_for_another_coordinator(intake, make, web, client_for):
    stranger = make.coordinator(make.organisation())
    path = _url(web, "followup.nominee", nomination_id=intake.enrolled.id)
    assert client_for(stranger).get(path).status_code == 404
    missing = _url(web, "followup.nominee", nomination_id=intake.enrolled.id + 1000)
    assert client_for(stranger).get(missing).status_code == 404


def test_nominee_detail_is_404_for_a_nomination_not_followed(intake, make, web, client_for):
    submitted = make.nomination(intake.edition, intake.ours, status="submitted")
    path = _url(web, "followup.nominee", nomination_id=submitted.id)
    assert client_for(intake.coordinator).get(path).status_code == 404


def test_completion_and_certificate_link_for_the_coordinator(intake, make, db, web, client_for):
    intake.enrolment.status = EnrolmentStatus.COMPLETED
    intake.enrolment.completed_at = utcnow()
    db.session.commit()
    certificate = make.certificate(intake.enrolment)
    html = client_for(intake.coordinator).get(
        _url(web, "followup.nominee", nomination_id=intake.enrolled.id)).get_data(as_text=True)
    pdf = _url(web, "certificates.download_pdf", certificate_id=certificate.id)
    assert certificate.serial in html and f'href="{pdf}"' in html
    assert "1 of 2 modules completed" in html
    assert client_for(intake.coordinator).get(pdf).status_code == 200


def test_no_certificate_link_when_the_download_rules_refuse(intake, make, db, web, client_for):
    # A revoked certificate is listed with its status, but only admins may download it.
    from academy.certificates.operations import revoke_certificate

    certificate = make.certificate(intake.enrolment)
    revoke_certificate(certificate, actor=make.admin(), reason="Issued by mistake")
    db.session.commit()
    pdf = _url(web, "certificates.download_pdf", certificate_id=certificate.id)
    coordinators = client_for(intake.coordinator).get(_url(web, "followup.my_nominees")).get_data(as_text=True)
    admins = client_for(make.admin()).get(
        _url(web, "followup.edition", edition_id=intake.edition.id)).get_data(as_text=True)
    assert certificate.serial in coordinators and pdf not in coordinators
    assert certificate.serial in admins and pdf in admins


def test_the_nominating_organisation_keeps_the_certificate_when_the_holder_moves(intake, make, db, web,
                                                                                 client_for):
    # The holder's account now belongs to another organisation: the certificate was earned in
    # the edition this organisation nominated her for, so its coordinators still download it.
    certificate = make.certificate(intake.enrolment)
    intake.trainee.organisation_id = make.organisation().id
    db.session.commit()
    html = client_for(intake.coordinator).get(_url(web, "followup.my_nominees")).get_data(as_text=True)
    pdf = _url(web, "certificates.download_pdf", certificate_id=certificate.id)
    assert f'href="{pdf}"' in html
    assert client_for(intake.coordinator).get(pdf).status_code == 200


def test_admin_edition_page_groups_and_filters_by_organisation(intake, make, web, client_for):
    other = make.organisation(name="Red Youth")
    make.nomination(intake.edition, other, status="enrolled", given_names="Carla", family_name="Other")
    client = client_for(make.admin())
    html = client.get(_url(web, "followup.edition", edition_id=intake.edition.id)).get_data(as_text=True)
    table = html.split("<table", 1)[1]
    order = [table.index(text) for text in ("Green Youth", "Amina Diallo", "Red Youth", "Carla Other")]
    assert order == sorted(order)
    filtered = client.get(_url(web, "followup.edition", edition_id=intake.edition.id, organisation=other.id))
    assert filtered.status_code == 200
    shown = filtered.get_data(as_text=True)
    assert "Carla Other" in shown and "Amina Diallo" not in shown
    assert client.get(_url(web, "followup.edition", edition_id=intake.edition.id, organisation="x")).status_code == 400


def test_admin_edition_page_of_a_missing_edition_is_404(make, web, client_for):
    assert client_for(make.admin()).get(_url(web, "followup.edition", edition_id=424242)).status_code == 404


def test_edition_page_is_for_admins_only(intake, web, client_for):
    path = _url(web, "followup.edition", edition_id=intake.edition.id)
    assert client_for(intake.coordinator).get(path).status_code == 403
    assert client_for(intake.trainee).get(path).status_code == 403


def _grow(make, db, intake, nominees: int, organisations: int) -> None:
    """More organisations, each with enrolled nominees who have progress and certificates."""
    for number in range(organisations):
        organisation = make.organisation()
        for _ in range(nominees):
            person = make.trainee(organisation=organisation)
            make.nomination(intake.edition, organisation, status="enrolled", user_id=person.id)
            for module in (intake.quizzed, intake.plain):
                enrolment = make.enrolment(person, module, edition_id=intake.edition.id)
                passed = number % 2 == 0 if module is intake.quizzed else None
                _progress(db, make, enrolment, module, lessons_done=1, passed=passed, attended=1, held=1)
    for _ in range(nominees):
        person = make.trainee(organisation=intake.ours)
        make.nomination(intake.edition, intake.ours, status="enrolled", user_id=person.id)
        make.certificate(make.enrolment(person, intake.plain, edition_id=intake.edition.id))
        make.nomination(make.edition(modules=[intake.plain]), intake.ours, status="accepted")


@pytest.mark.parametrize("screen", ["my_nominees", "edition", "nominee"])
def test_follow_up_pages_do_not_grow_queries_with_data(intake, make, db, web, client_for, screen):
    viewer = make.admin() if screen == "edition" else intake.coordinator
    values = {"edition": {"edition_id": intake.edition.id},
              "nominee": {"nomination_id": intake.enrolled.id}}.get(screen, {})
    path = _url(web, f"followup.{screen}", **values)
    client = client_for(viewer)
    engine = _engine(web, db)
    make.certificate(intake.enrolment)

    def measure():
        client.get(path)  # warm-up
        with count_queries(engine) as queries:
            response = client.get(path)
        assert response.status_code == 200
        return queries

    small = measure()
    _grow(make, db, intake, nominees=3, organisations=3)
    large = measure()
    assert large.count == small.count, f"{small.describe()}\n---\n{large.describe()}"


def _engine(web, db):
    with web.app_context():
        return db.engine


def test_admin_edition_page_is_paginated(intake, make, make_app):
    small_pages = make_app(PAGE_SIZE=1)
    client = small_pages.test_client()
    sign_in_client(client, make.admin())
    first = client.get(_url(small_pages, "followup.edition", edition_id=intake.edition.id))
    second = client.get(_url(small_pages, "followup.edition", edition_id=intake.edition.id, page=2))
    assert first.status_code == second.status_code == 200
    # Bruno Costa sorts before Amina Diallo by family name.
    assert "Bruno Costa" in first.get_data(as_text=True) and "Amina Diallo" not in first.get_data(as_text=True)
    assert "Amina Diallo" in second.get_data(as_text=True) and 'rel="prev"' in second.get_data(as_text=True)
