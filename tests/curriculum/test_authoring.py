"""Trainer authoring under /teach: who may edit what, lessons with preview, order, status, history."""
from __future__ import annotations

import re

import pytest
from flask import url_for

from academy.audit.models import AuditEvent
from academy.curriculum import operations
from academy.curriculum.models import Lesson, Module, ModuleStatus, module_partners, module_trainers
from academy.learning.models import LessonProgress
from academy.organisations.models import OrganisationKind

from ..querycount import count_queries

LESSON_FORM = {"title": "Branch meetings", "summary": "How to run them.", "estimated_minutes": "40",
               "body_markdown": "## Before\n\nSend the **agenda**.\r\n\r\nThen meet."}


def _module_form(**overrides) -> dict:
    values = {"title": "Canvassing basics", "summary": "Knock on doors well.", "topic": "canvassing",
              "level": "intermediate", "estimated_hours": "6",
              "learning_outcomes": "Plan a route.\r\n\r\nWrite a script.\r\nRecord answers.",
              "requires_all_lessons": "y", "requires_quiz": "y", "attendance_percent": "50"}
    values.update(overrides)
    return values


def _positions(db, module) -> list[tuple[int, str]]:
    db.session.expire_all()
    return [(lesson.position, lesson.slug) for lesson in db.session.scalars(
        db.select(Lesson).where(Lesson.module_id == module.id).order_by(Lesson.position))]


def _actions(db) -> list[str]:
    return list(db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)))


# --- who may reach the authoring pages ------------------------------------------------------

def test_anonymous_visitor_is_sent_to_sign_in(client, make):
    module = make.module()
    for path in ("/teach/", f"/teach/modules/{module.id}"):
        response = client.get(path)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_trainee_and_coordinator_are_refused(client_as, make):
    module = make.module(lessons=1)
    for person in (make.trainee(), make.coordinator()):
        client = client_as(person)
        assert client.get("/teach/").status_code == 403
        assert client.get(f"/teach/modules/{module.id}").status_code == 403


def test_trainer_of_another_module_is_refused_everywhere(client, db, make, login_as):
    trainer = make.trainer()
    mine, theirs = make.module(trainers=[trainer]), make.module(lessons=2)
    lesson = db.session.scalars(db.select(Lesson).where(Lesson.module_id == theirs.id)).first()
    login_as(trainer)
    assert client.get(f"/teach/modules/{mine.id}").status_code == 200
    assert client.get(f"/teach/modules/{theirs.id}").status_code == 403
    assert client.post(f"/teach/modules/{theirs.id}", data=_module_form()).status_code == 403
    assert client.get(f"/teach/lessons/{lesson.id}").status_code == 403
    assert client.post(f"/teach/lessons/{lesson.id}", data={**LESSON_FORM, "save": "1"}).status_code == 403
    assert client.post(f"/teach/lessons/{lesson.id}/move", data={"direction": "down"}).status_code == 403
    assert client.post(f"/teach/lessons/{lesson.id}/delete").status_code == 403
    assert client.post(f"/teach/modules/{theirs.id}/status", data={"status": "archived"}).status_code == 403
    assert client.post(f"/teach/modules/{theirs.id}/lessons/new", data={**LESSON_FORM, "slug": "x"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Module, theirs.id).status is ModuleStatus.PUBLISHED
    assert db.session.scalar(db.select(db.func.count()).select_from(Lesson)) == 2


def test_creating_modules_is_for_admins(client, make, login_as):
    login_as(make.trainer())
    assert client.get("/teach/modules/new").status_code == 403


@pytest.mark.parametrize("path", ["/teach/modules/999999", "/teach/lessons/999999", "/materials/999999",
                                  "/teach/modules/99999999999999999999999", "/teach/lessons/2147483648",
                                  "/materials/99999999999999999999999", "/teach/modules/-1"])
def test_unknown_or_absurd_ids_give_404(client, make, login_as, path):
    login_as(make.admin())
    assert client.get(path).status_code == 404


# --- the module list ------------------------------------------------------------------------

def test_trainer_sees_only_their_modules_and_admin_sees_all(client_as, make):
    trainer = make.trainer()
    make.module(title="Taught module", trainers=[trainer])
    make.module(title="Someone else's module")
    page = client_as(trainer).get("/teach/").get_data(as_text=True)
    assert "Taught module" in page and "Someone else" not in page
    page = client_as(make.admin()).get("/teach/").get_data(as_text=True)
    assert "Taught module" in page and "Someone else" in page


def test_module_list_survives_a_bad_page_parameter(client, make, login_as):
    login_as(make.admin())
    assert client.get("/teach/?page=abc").status_code == 200
    assert client.get("/teach/?page=-5").status_code == 200


def test_teaching_link_is_shown_to_trainers_only(client_as, make):
    assert "/teach/" not in client_as(make.trainee()).get("/").get_data(as_text=True)
    assert 'href="/teach/"' in client_as(make.trainer()).get("/").get_data(as_text=True)


@pytest.mark.parametrize("as_admin", [True, False], ids=["admin", "trainer"])
def test_teaching_pages_send_a_constant_number_of_queries(make_app, make, db, login_as, as_admin):
    web = make_app()
    client = web.test_client()
    person = make.admin() if as_admin else make.trainer()
    login_as(person, on_client=client)
    region = make.region()
    module = make.module(trainers=[person])

    def grow(count):
        for number in range(count):
            other = make.module(trainers=[person, make.trainer()],
                                partners=[make.organisation(region=region, kind=OrganisationKind.FOUNDATION)])
            lesson = make.lesson(module)
            make.lesson(other)
            make.material(lesson, url=f"https://example.org/{number}")
            make.material(lesson)
            enrolment = make.enrolment(make.trainee(), module)
            db.session.add(LessonProgress(enrolment_id=enrolment.id, lesson_id=lesson.id))
            db.session.commit()
        return db.session.scalar(db.select(Lesson.id).where(Lesson.module_id == module.id).order_by(Lesson.id))

    paths = lambda lesson_id: ["/teach/", f"/teach/modules/{module.id}", f"/teach/lessons/{lesson_id}"]  # noqa: E731
    lesson_id = grow(2)
    counts = {}
    for size in ("small", "large"):
        for path in paths(lesson_id):
            client.get(path)  # warm-up
            with count_queries(db.engine) as queries:
                assert client.get(path).status_code == 200
            counts.setdefault(path, []).append(queries.count)
        lesson_id = grow(8)
    assert all(small == large for small, large in counts.values()), counts


# --- editing a module -----------------------------------------------------------------------

def test_trainer_edits_a_module_and_the_edit_is_recorded(client, db, make, login_as):
    trainer, other_trainer = make.trainer(), make.trainer()
    foundation = make.organisation(kind=OrganisationKind.FOUNDATION)
    module = make.module(trainers=[trainer])
    login_as(trainer)

    response = client.post(f"/teach/modules/{module.id}",
                           data=_module_form(partners=[str(foundation.id)], trainers=[str(other_trainer.id)]))

    assert response.status_code == 302
    db.session.expire_all()
    module = db.session.get(Module, module.id)
    assert (module.title, module.estimated_hours, module.attendance_percent) == ("Canvassing basics", 6, 50)
    assert module.learning_outcomes == ["Plan a route.", "Write a script.", "Record answers."]
    assert module.updated_by_id == trainer.id
    assert list(db.session.scalars(db.select(module_partners.c.organisation_id))) == [foundation.id]
    # Only admins change trainers: the field is not even on a trainer's form.
    assert list(db.session.scalars(db.select(module_trainers.c.user_id))) == [trainer.id]
    assert "curriculum.module_update" in _actions(db)


def test_admin_assigns_trainers(client, db, make, login_as):
    first, second = make.trainer(), make.trainer()
    module = make.module(trainers=[first])
    login_as(make.admin())
    assert client.post(f"/teach/modules/{module.id}", data=_module_form(trainers=[str(second.id)])).status_code == 302
    assert list(db.session.scalars(db.select(module_trainers.c.user_id))) == [second.id]
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "curriculum.module_update"))
    assert event.details == {"trainer_ids": [second.id]}


def test_module_form_errors_rerender_with_400_and_change_nothing(client, db, make, login_as):
    trainer = make.trainer()
    module = make.module(trainers=[trainer], title="Original")
    login_as(trainer)
    for bad in ({"estimated_hours": "0"}, {"learning_outcomes": "Only one."}, {"title": "x" * 201},
                {"topic": "football"}, {"attendance_percent": "101"}, {"partners": ["abc"]}):
        response = client.post(f"/teach/modules/{module.id}", data=_module_form(**bad))
        assert response.status_code == 400, bad
        assert 'aria-invalid="true"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Module, module.id).title == "Original"


def test_admin_creates_a_draft_module_and_duplicates_are_refused(client, db, make, login_as):
    login_as(make.admin())
    response = client.post("/teach/modules/new", data=_module_form(slug="canvassing-basics", language="fr"))
    assert response.status_code == 302
    module = db.session.scalar(db.select(Module).where(Module.slug == "canvassing-basics"))
    assert (module.language, module.status) == ("fr", ModuleStatus.DRAFT)
    assert "curriculum.module_create" in _actions(db)

    again = client.post("/teach/modules/new", data=_module_form(slug="canvassing-basics", language="fr"))
    assert again.status_code == 400 and "exists in this language already" in again.get_data(as_text=True)
    bad_slug = client.post("/teach/modules/new", data=_module_form(slug="Bad Slug!", language="en"))
    assert bad_slug.status_code == 400


# --- lessons --------------------------------------------------------------------------------

def test_preview_shows_sanitised_html_and_saves_nothing(client, db, make, login_as):
    trainer = make.trainer()
    module = make.module(trainers=[trainer])
    login_as(trainer)
    response = client.post(f"/teach/modules/{module.id}/lessons/new",
                           data={**LESSON_FORM, "slug": "branch-meetings", "preview": "1"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h2>Before</h2>" in page and "<strong>agenda</strong>" in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Lesson)) == 0


def test_saving_a_new_lesson_renders_its_html_and_records_who(client, db, make, login_as):
    trainer = make.trainer()
    module = make.module(trainers=[trainer], lessons=1)
    login_as(trainer)
    response = client.post(f"/teach/modules/{module.id}/lessons/new",
                           data={**LESSON_FORM, "slug": "branch-meetings", "save": "1"})
    assert response.status_code == 302
    lesson = db.session.scalar(db.select(Lesson).where(Lesson.slug == "branch-meetings"))
    assert lesson.position == 2
    assert lesson.body_markdown == "## Before\n\nSend the **agenda**.\n\nThen meet."
    assert lesson.body_html == "<h2>Before</h2>\n<p>Send the <strong>agenda</strong>.</p>\n<p>Then meet.</p>\n"
    assert lesson.updated_by_id == trainer.id
    assert db.session.get(Module, module.id).updated_by_id == trainer.id
    assert "curriculum.lesson_create" in _actions(db)


def test_lesson_slug_must_be_new_and_well_formed(client, db, make, login_as):
    module = make.module()
    make.lesson(module, slug="taken")
    login_as(make.admin())
    for slug in ("taken", "Not OK", ""):
        response = client.post(f"/teach/modules/{module.id}/lessons/new",
                               data={**LESSON_FORM, "slug": slug, "save": "1"})
        assert response.status_code == 400, slug
    assert db.session.scalar(db.select(db.func.count()).select_from(Lesson)) == 1


def test_editing_a_lesson_rerenders_the_stored_html(client, db, make, login_as):
    trainer = make.trainer()
    module = make.module(trainers=[trainer])
    lesson = make.lesson(module)
    login_as(trainer)
    response = client.post(f"/teach/lessons/{lesson.id}",
                           data={**LESSON_FORM, "body_markdown": "New *text*", "save": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    lesson = db.session.get(Lesson, lesson.id)
    assert lesson.body_html == "<p>New <em>text</em></p>\n"
    assert lesson.updated_by_id == trainer.id
    assert "curriculum.lesson_update" in _actions(db)


def test_a_save_over_a_colleague_s_newer_save_is_refused_and_keeps_what_was_typed(client, db, make, login_as):
    first, second = make.trainer(), make.trainer()
    module = make.module(trainers=[first, second])
    lesson = make.lesson(module)
    login_as(first)
    page = client.get(f"/teach/lessons/{lesson.id}").text
    seen = re.search(r'name="seen" type="hidden" value="([0-9a-f]{64})"', page)
    assert seen, "the form carries the lesson as it was opened"
    # Meanwhile the colleague saves a new summary.
    operations.update_lesson(lesson, module, title=lesson.title, summary="The colleague's summary.",
                             estimated_minutes=lesson.estimated_minutes, body_markdown=lesson.body_markdown,
                             actor=second)
    db.session.commit()

    mine = {**LESSON_FORM, "body_markdown": "My added paragraph.", "seen": seen.group(1), "save": "1"}
    refused = client.post(f"/teach/lessons/{lesson.id}", data=mine)
    assert refused.status_code == 409 and "Someone else saved this lesson after you opened it" in refused.text
    assert "My added paragraph." in refused.text
    db.session.expire_all()
    assert db.session.get(Lesson, lesson.id).summary == "The colleague's summary."

    again = re.search(r'name="seen" type="hidden" value="([0-9a-f]{64})"', refused.text).group(1)
    assert client.post(f"/teach/lessons/{lesson.id}", data={**mine, "seen": again}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Lesson, lesson.id).body_markdown == "My added paragraph."


def test_lesson_form_errors_are_shown_with_400(client, make, login_as):
    lesson = make.lesson(make.module())
    login_as(make.admin())
    response = client.post(f"/teach/lessons/{lesson.id}",
                           data={**LESSON_FORM, "estimated_minutes": "0", "body_markdown": "  ", "save": "1"})
    assert response.status_code == 400
    assert response.get_data(as_text=True).count('aria-invalid="true"') == 2


def test_reordering_keeps_positions_one_to_n(client, db, make, login_as):
    module = make.module()
    first, second, third = (make.lesson(module, slug=slug) for slug in ("a", "b", "c"))
    login_as(make.admin())
    assert client.post(f"/teach/lessons/{third.id}/move", data={"direction": "up"}).status_code == 302
    assert _positions(db, module) == [(1, "a"), (2, "c"), (3, "b")]
    assert client.post(f"/teach/lessons/{first.id}/move", data={"direction": "down"}).status_code == 302
    assert _positions(db, module) == [(1, "c"), (2, "a"), (3, "b")]
    client.post(f"/teach/lessons/{third.id}/move", data={"direction": "up"})  # already first
    client.post(f"/teach/lessons/{second.id}/move", data={"direction": "down"})  # already last
    assert _positions(db, module) == [(1, "c"), (2, "a"), (3, "b")]
    assert client.post(f"/teach/lessons/{second.id}/move", data={"direction": "sideways"}).status_code == 400
    assert _actions(db).count("curriculum.lesson_move") == 2


def test_reordering_repairs_gaps_left_by_earlier_data(client, db, make, login_as):
    module = make.module()
    make.lesson(module, slug="a", position=2)
    last = make.lesson(module, slug="b", position=7)
    login_as(make.admin())
    client.post(f"/teach/lessons/{last.id}/move", data={"direction": "up"})
    assert _positions(db, module) == [(1, "b"), (2, "a")]


def test_deleting_a_lesson_closes_the_gap(client, db, make, login_as):
    module = make.module()
    make.lesson(module, slug="a")
    middle = make.lesson(module, slug="b")
    make.lesson(module, slug="c")
    make.material(middle)
    login_as(make.admin())
    assert client.post(f"/teach/lessons/{middle.id}/delete").status_code == 302
    assert _positions(db, module) == [(1, "a"), (2, "c")]
    assert "curriculum.lesson_delete" in _actions(db)


def test_deleting_a_lesson_is_asked_first_and_the_pages_link_to_the_question(client, db, make, login_as):
    module = make.module()
    lesson = make.lesson(module, slug="a", title="Door knocking")
    make.material(lesson)
    login_as(make.admin())
    question = client.get(f"/teach/lessons/{lesson.id}/delete")
    assert question.status_code == 200 and db.session.get(Lesson, lesson.id) is not None
    assert "Delete the lesson “Door knocking”?" in question.text and "its 1 material are deleted" in question.text
    assert f'action="/teach/lessons/{lesson.id}/delete"' in question.text
    for page in (f"/teach/modules/{module.id}", f"/teach/lessons/{lesson.id}"):
        html = client.get(page).text
        assert f'href="/teach/lessons/{lesson.id}/delete"' in html, page
        assert f'action="/teach/lessons/{lesson.id}/delete"' not in html, page


def test_a_lesson_with_progress_cannot_be_deleted(client, db, make, login_as):
    module = make.module()
    lesson = make.lesson(module)
    enrolment = make.enrolment(make.trainee(), module)
    db.session.add(LessonProgress(enrolment_id=enrolment.id, lesson_id=lesson.id))
    db.session.commit()
    login_as(make.admin())
    response = client.post(f"/teach/lessons/{lesson.id}/delete")
    assert response.status_code == 409
    assert "cannot be deleted" in response.get_data(as_text=True)
    assert db.session.get(Lesson, lesson.id) is not None


# --- status -----------------------------------------------------------------------------------

def test_publish_unpublish_and_archive(client, db, make, login_as):
    trainer = make.trainer()
    module = make.module(trainers=[trainer], status=ModuleStatus.DRAFT, lessons=1)
    login_as(trainer)
    for status in ("published", "draft", "archived", "published"):
        assert client.post(f"/teach/modules/{module.id}/status", data={"status": status}).status_code == 302
        db.session.expire_all()
        assert db.session.get(Module, module.id).status.value == status
    assert _actions(db).count("curriculum.module_status") == 4
    assert client.post(f"/teach/modules/{module.id}/status", data={"status": "deleted"}).status_code == 400


def test_a_module_without_lessons_cannot_be_published(client, db, make, login_as):
    module = make.module(status=ModuleStatus.DRAFT)
    login_as(make.admin())
    response = client.post(f"/teach/modules/{module.id}/status", data={"status": "published"})
    assert response.status_code == 400
    assert db.session.get(Module, module.id).status is ModuleStatus.DRAFT


def test_edit_page_renders_in_arabic(client, make, login_as):
    admin = make.admin(preferred_language="ar")
    module = make.module(lessons=2)
    login_as(admin)
    response = client.get(f"/teach/modules/{module.id}")
    assert response.status_code == 200 and 'dir="rtl"' in response.get_data(as_text=True)


def test_no_state_changes_on_get(client, db, make, login_as):
    module = make.module(lessons=2)
    lesson = db.session.scalars(db.select(Lesson).where(Lesson.module_id == module.id)).first()
    login_as(make.admin())
    for path in (f"/teach/lessons/{lesson.id}/move", f"/teach/modules/{module.id}/status"):
        assert client.get(path).status_code == 405
    # GET on the delete address only asks the question.
    assert client.get(f"/teach/lessons/{lesson.id}/delete").status_code == 200
    assert db.session.get(Lesson, lesson.id) is not None
    with client.application.test_request_context():
        assert url_for("curriculum.list_modules") == "/teach/"


def test_edit_form_shows_the_stored_values(client, make, login_as):
    foundation = make.organisation(kind=make.OrganisationKind.FOUNDATION, short_name="FAS")
    make.organisation(kind=make.OrganisationKind.FOUNDATION, short_name="FHP")
    trainer = make.trainer()
    module = make.module(partners=[foundation], trainers=[trainer], learning_outcomes=["First.", "Second."],
                         attendance_percent=40)
    login_as(make.admin())
    page = client.get(f"/teach/modules/{module.id}").get_data(as_text=True)
    assert "\nFirst.\nSecond.</textarea>" in page
    assert '<option selected value="campaigning">' in page
    assert f'<option selected value="{foundation.id}">' in page
    assert f'<option selected value="{trainer.id}">' in page
    assert 'name="attendance_percent" required type="number" value="40"' in page


def test_action_buttons_carry_a_working_csrf_token(make_app, db, make, login_as):
    import re

    web = make_app(WTF_CSRF_ENABLED=True)
    module = make.module()
    first, second = make.lesson(module, slug="a"), make.lesson(module, slug="b")
    client = login_as(make.admin(), on_client=web.test_client())
    assert client.post(f"/teach/lessons/{second.id}/move", data={"direction": "up"}).status_code == 400
    page = client.get(f"/teach/modules/{module.id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(f"/teach/lessons/{second.id}/move", data={"direction": "up", "csrf_token": token})
    assert response.status_code == 302
    assert _positions(db, module) == [(1, "b"), (2, "a")]
    assert first.id != second.id
