"""Trainee home, module and lesson pages, marking lessons done, and who may see what."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from academy.curriculum.models import ModuleStatus, module_partners
from academy.db_types import utcnow
from academy.learning.models import EnrolmentStatus, LessonProgress


def _html(response) -> str:
    return response.get_data(as_text=True)


def _progress_rows(db, enrolment):
    db.session.rollback()
    return db.session.scalars(sa.select(LessonProgress.lesson_id).where(LessonProgress.enrolment_id == enrolment.id)).all()


# --- trainee home ------------------------------------------------------------------------------

def test_home_shows_my_published_modules_with_progress_and_next_lesson(course, client_for, make, db):
    db.session.add(LessonProgress(enrolment_id=course.enrolment.id, lesson_id=course.lessons[0].id))
    db.session.commit()
    draft = make.module(title="Secret draft", status=ModuleStatus.DRAFT)
    make.enrolment(course.trainee, draft)
    not_mine = make.module(title="Someone else's module")
    make.enrolment(make.trainee(), not_mine)

    html = _html(client_for(course.trainee).get("/learn/"))

    assert course.module.title in html
    assert "Secret draft" not in html and "Someone else" not in html
    assert '<progress max="3" value="1"' in html and "1 of 3 lessons done (33%)" in html
    assert f'href="/learn/lessons/{course.lessons[1].id}"' in html  # the next lesson to do
    assert "Quiz not taken yet" in html


def test_home_lists_upcoming_sessions_of_my_modules_only(course, client_for, make):
    make.live_session(course.module, title="Canvassing practice", starts_at=utcnow() + timedelta(days=2))
    make.live_session(course.module, title="Already held", starts_at=utcnow() - timedelta(days=2))
    make.live_session(make.module(), title="Other module session")
    html = _html(client_for(course.trainee).get("/learn/"))
    assert "Canvassing practice" in html
    assert "Already held" not in html and "Other module session" not in html


def test_home_hides_withdrawn_enrolments(course, client_for, db):
    course.enrolment.status = EnrolmentStatus.WITHDRAWN
    db.session.commit()
    html = _html(client_for(course.trainee).get("/learn/"))
    assert course.module.title not in html and "not enrolled in any module" in html


def test_home_is_for_trainees(client_for, make):
    assert client_for(make.trainer()).get("/learn/").status_code == 403


def test_nav_links_trainees_to_their_learning(course, client_for):
    assert 'href="/learn/"' in _html(client_for(course.trainee).get(f"/learn/modules/{course.module.id}"))
    assert 'href="/learn/"' not in _html(client_for(course.trainer).get(f"/learn/modules/{course.module.id}"))


# --- module page -----------------------------------------------------------------------------

def test_module_page_shows_outcomes_partners_ticks_and_the_rule(course, client_for, make, db):
    partner = make.organisation(name="Foundation for Democracy", short_name="FFD")
    db.session.execute(module_partners.insert().values(module_id=course.module.id, organisation_id=partner.id))
    db.session.add(LessonProgress(enrolment_id=course.enrolment.id, lesson_id=course.lessons[0].id))
    db.session.commit()
    html = _html(client_for(course.trainee).get(f"/learn/modules/{course.module.id}"))
    assert "Outcome one of module" in html and "Foundation for Democracy" in html
    assert html.count("badge badge--ok\">Done") == 1  # the one lesson done
    assert "pass the quiz with at least 50%" in html
    assert f'/learn/modules/{course.module.id}/quiz' in html


@pytest.mark.parametrize("who", ["trainer", "admin"])
def test_teachers_read_drafts_and_link_to_the_progress_table(course, client_for, make, db, who):
    course.module.status = ModuleStatus.DRAFT
    db.session.commit()
    reader = course.trainer if who == "trainer" else make.admin()
    response = client_for(reader).get(f"/learn/modules/{course.module.id}")
    assert response.status_code == 200
    assert f"/teach/modules/{course.module.id}/enrolments" in _html(response)
    assert client_for(reader).get(f"/learn/lessons/{course.lessons[0].id}").status_code == 200


@pytest.mark.parametrize(("case", "status"), [
    ("trainee not enrolled", 403),
    ("trainer of another module", 403),
    ("coordinator", 403),
    ("enrolled but draft", 404),
    ("withdrawn", 403),
    ("missing module", 404),
])
def test_module_and_lesson_pages_refuse_outsiders(course, client_for, make, db, case, status):
    module_id, lesson_id = course.module.id, course.lessons[0].id
    visitor = {"trainee not enrolled": make.trainee, "trainer of another module": make.trainer,
               "coordinator": make.coordinator}.get(case, lambda: course.trainee)()
    if case == "enrolled but draft":
        course.module.status = ModuleStatus.DRAFT
    if case == "withdrawn":
        course.enrolment.status = EnrolmentStatus.WITHDRAWN
    if case == "missing module":
        module_id, lesson_id = 999999, 999999
    db.session.commit()
    client = client_for(visitor)
    assert client.get(f"/learn/modules/{module_id}").status_code == status
    assert client.get(f"/learn/lessons/{lesson_id}").status_code == status
    assert client.get(f"/learn/modules/{module_id}/handbook.pdf").status_code == status


def test_anonymous_visitors_are_sent_to_sign_in(course, web):
    response = web.test_client().get(f"/learn/lessons/{course.lessons[0].id}")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


# --- lesson page -----------------------------------------------------------------------------

def test_lesson_page_renders_the_sanitised_body_materials_and_neighbours(course, client_for, make, db):
    middle = course.lessons[1]
    middle.body_html = "<h2>Door scripts</h2><p>Say <strong>hello</strong>.</p>"
    db.session.commit()
    make.material(middle, title="Canvassing handout")
    make.material(middle, url="https://example.org/video", title="Training video")
    html = _html(client_for(course.trainee).get(f"/learn/lessons/{middle.id}"))
    assert "<h2>Door scripts</h2><p>Say <strong>hello</strong>.</p>" in html
    assert "Canvassing handout" in html and 'href="https://example.org/video"' in html
    assert f'rel="prev" href="/learn/lessons/{course.lessons[0].id}"' in html
    assert f'rel="next" href="/learn/lessons/{course.lessons[2].id}"' in html
    assert "Mark as complete" in html


def test_a_material_link_with_a_dangerous_scheme_is_not_linked(course, client_for, make):
    make.material(course.lessons[0], url="javascript:alert(1)", title="Trap")
    html = _html(client_for(course.trainee).get(f"/learn/lessons/{course.lessons[0].id}"))
    assert "Trap" in html and "javascript:" not in html


def test_first_and_last_lessons_have_one_neighbour(course, client_for):
    client = client_for(course.trainee)
    first = _html(client.get(f"/learn/lessons/{course.lessons[0].id}"))
    last = _html(client.get(f"/learn/lessons/{course.lessons[-1].id}"))
    assert 'rel="prev"' not in first and 'rel="next"' in first
    assert 'rel="next"' not in last and "Back to the module" in last


def test_a_forged_lesson_id_is_not_found(course, client_for):
    client = client_for(course.trainee)
    assert client.get("/learn/lessons/987654").status_code == 404
    assert client.post("/learn/lessons/987654/complete").status_code == 404


def test_marking_a_lesson_complete_is_idempotent_and_moves_on(course, client_for, db):
    client = client_for(course.trainee)
    first = client.post(f"/learn/lessons/{course.lessons[0].id}/complete")
    second = client.post(f"/learn/lessons/{course.lessons[0].id}/complete")
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"].endswith(f"/learn/lessons/{course.lessons[1].id}")
    assert _progress_rows(db, course.enrolment) == [course.lessons[0].id]
    assert "You have marked this lesson as complete." in _html(client.get(f"/learn/lessons/{course.lessons[0].id}"))


def test_the_last_lesson_leads_back_to_the_module(course, client_for):
    response = client_for(course.trainee).post(f"/learn/lessons/{course.lessons[-1].id}/complete")
    assert response.headers["Location"].endswith(f"/learn/modules/{course.module.id}")


@pytest.mark.parametrize("who", ["outsider", "trainer"])
def test_progress_in_a_module_one_is_not_enrolled_in_is_refused(course, client_for, make, db, who):
    visitor = make.trainee() if who == "outsider" else course.trainer
    response = client_for(visitor).post(f"/learn/lessons/{course.lessons[0].id}/complete")
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LessonProgress)) == 0


def test_marking_complete_without_a_csrf_token_is_refused(course, make_app, db):
    from tests.fixtures_auth import sign_in_client

    strict = make_app(WTF_CSRF_ENABLED=True)
    client = strict.test_client()
    sign_in_client(client, course.trainee)
    assert client.post(f"/learn/lessons/{course.lessons[0].id}/complete").status_code == 400
    assert _progress_rows(db, course.enrolment) == []


def test_pages_carry_no_inline_styles_or_scripts(course, client_for):
    client = client_for(course.trainee)
    for path in ("/learn/", f"/learn/modules/{course.module.id}", f"/learn/lessons/{course.lessons[0].id}",
                 f"/learn/modules/{course.module.id}/quiz"):
        html = _html(client.get(path))
        assert " style=" not in html and "<script" not in html, path


@pytest.mark.parametrize("path", [
    "/learn/modules/99999999999999999999999",
    "/learn/lessons/99999999999999999999999",
    "/learn/attempts/99999999999999999999999",
    "/learn/modules/99999999999999999999999/handbook.pdf",
    "/teach/modules/99999999999999999999999/enrolments",
])
def test_absurd_ids_are_not_found_rather_than_errors(course, client_for, path):
    assert client_for(course.trainer).get(path).status_code == 404
