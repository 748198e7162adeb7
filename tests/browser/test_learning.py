"""Learning in a real browser: a trainee completes a module, a trainer takes attendance; axe-core
checks of the module, lesson and quiz-attempt pages in English and Arabic.

Journeys run under the application's real Content-Security-Policy and fail on any violation of it.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import sign_in

pytestmark = pytest.mark.browser

LANGUAGES = ["en", "ar"]

#: Two single-answer questions; the right choice's text says so (the order is shuffled per attempt).
QUESTIONS = [
    ("single", [("Knock on every door", True), ("Only call people", False), ("Post leaflets only", False)]),
    ("single", [("Listen first", True), ("Argue at once", False), ("Leave immediately", False)]),
]


def _course(make, trainee=None):
    """A published module with two lessons and a two-question quiz (pass mark 50)."""
    module = make.module(title="Door-to-door canvassing")
    first = make.lesson(module, title="Preparing your walk list")
    second = make.lesson(module, title="The doorstep conversation")
    quiz = make.quiz(module, questions=QUESTIONS, pass_mark=50)
    enrolment = make.enrolment(trainee, module) if trainee is not None else None
    return module, first, second, quiz, enrolment


def _correct_choices(db, quiz) -> dict[int, int]:
    """Question id → id of its right choice, found by the choice's text in the database."""
    from academy.curriculum.models import Choice, Question

    right_texts = {text for _kind, choices in QUESTIONS for text, correct in choices if correct}
    rows = db.session.execute(db.select(Choice.question_id, Choice.id, Choice.text).join(Question)
                              .where(Question.quiz_id == quiz.id)).all()
    return {question_id: choice_id for question_id, choice_id, text in rows if text in right_texts}


# --- journeys ------------------------------------------------------------------------------------

def test_trainee_completes_the_lessons_and_passes_the_quiz(page: Page, make, db, csp_violations):
    trainee = make.trainee(display_name="Tala Trainee")
    module, first, second, quiz, enrolment = _course(make, trainee)
    correct = _correct_choices(db, quiz)
    assert len(correct) == 2

    sign_in(page, trainee.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My learning").click()
    expect(page).to_have_url(re.compile(r"/learn/$"))
    page.get_by_role("link", name=module.title).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(module.title)

    page.get_by_role("link", name=first.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(first.title)
    page.get_by_role("button", name="Mark as complete").click()
    # Completing a lesson goes on to the next one.
    expect(page.get_by_text(f"Lesson “{first.title}” marked as complete.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(second.title)
    page.get_by_role("button", name="Mark as complete").click()
    expect(page.get_by_text(f"Lesson “{second.title}” marked as complete.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(module.title)  # back to the module

    page.get_by_role("link", name="Go to the quiz").click()
    page.get_by_role("button", name="Start an attempt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Attempt 1")
    for question_id, choice_id in correct.items():
        page.locator(f"input[name=question_{question_id}][value='{choice_id}']").check()
    page.get_by_role("button", name="Submit my answers").click()

    expect(page.get_by_text("You scored 100% and passed.")).to_be_visible()
    expect(page.locator(".quiz-score")).to_contain_text("Passed")
    expect(page.locator(".quiz-review__explanation")).to_have_count(2)
    expect(page.get_by_text("Why question 1 is answered so.")).to_be_visible()
    expect(page.get_by_text("Right", exact=True)).to_have_count(2)

    page.get_by_role("link", name=module.title).first.click()
    expect(page.locator("#my-progress").locator("..")).to_contain_text("You completed this module on")
    db.session.refresh(enrolment)
    assert enrolment.completed_at is not None
    assert csp_violations == []


def test_trainer_takes_attendance_for_a_past_session(page: Page, make, db, csp_violations):
    from academy.db_types import utcnow
    from academy.live.models import Attendance, AttendanceStatus

    trainer = make.trainer()
    module = make.module(trainers=[trainer], title="Campaign planning")
    held = make.live_session(module, title="Kick-off meeting", trainer_id=trainer.id,
                             starts_at=(utcnow() - timedelta(days=2)).replace(microsecond=0))
    amal, bruno = make.trainee(display_name="Amal Haddad"), make.trainee(display_name="Bruno Costa")
    amal_enrolment, bruno_enrolment = make.enrolment(amal, module), make.enrolment(bruno, module)

    sign_in(page, trainer.email)
    page.goto(f"/teach/sessions/{held.id}/attendance")
    expect(page.get_by_role("heading", level=1)).to_have_text("Attendance: Kick-off meeting")
    page.get_by_role("row").filter(has_text="Amal Haddad").get_by_label("Present").check()
    page.get_by_role("row").filter(has_text="Bruno Costa").get_by_label("Absent").check()
    page.get_by_role("button", name="Save attendance").click()

    expect(page.get_by_text("Attendance saved.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Amal Haddad").get_by_label("Present")).to_be_checked()
    expect(page.get_by_role("row").filter(has_text="Bruno Costa").get_by_label("Absent")).to_be_checked()
    statuses = dict(db.session.execute(db.select(Attendance.enrolment_id, Attendance.status)
                                       .where(Attendance.session_id == held.id)).all())
    assert statuses == {amal_enrolment.id: AttendanceStatus.PRESENT, bruno_enrolment.id: AttendanceStatus.ABSENT}

    page.get_by_role("link", name="Back to the sessions of Campaign planning").click()
    rates = page.get_by_role("region", name="Attendance rate of each trainee")
    expect(rates.get_by_role("row").filter(has_text="Amal Haddad")).to_contain_text("100%")
    expect(rates.get_by_role("row").filter(has_text="Bruno Costa")).to_contain_text("0%")
    assert csp_violations == []


# --- accessibility -------------------------------------------------------------------------------

def _module_page(page, make, db, trainee):
    module, *_rest = _course(make, trainee)
    page.goto(f"/learn/modules/{module.id}")


def _lesson_page(page, make, db, trainee):
    module, first, *_rest = _course(make, trainee)
    make.material(first, url="https://example.org/reading", title="Further reading")
    page.goto(f"/learn/lessons/{first.id}")


def _quiz_page(page, make, db, trainee):
    module, *_rest = _course(make, trainee)
    page.goto(f"/learn/modules/{module.id}/quiz")
    expect(page.locator("main form button[type=submit]")).to_be_visible()


def _attempt_page(page, make, db, trainee):
    module, *_rest = _course(make, trainee)
    page.goto(f"/learn/modules/{module.id}/quiz")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main input[type=radio]").first).to_be_visible()


def _attempt_result_page(page, make, db, trainee):
    _attempt_page(page, make, db, trainee)
    page.locator("main input[type=radio]").first.check()
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".quiz-review")).to_be_visible()


PAGES = {
    "module": _module_page,
    "lesson": _lesson_page,
    "quiz": _quiz_page,
    "quiz-attempt": _attempt_page,
    "quiz-result": _attempt_result_page,
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page_name", list(PAGES))
def test_learning_page_has_no_accessibility_violations(axe_page, assert_accessible, sign_in_context, make, db,
                                                       page_name, language):
    page = axe_page(locale=language)
    trainee = make.trainee(preferred_language=language)
    sign_in_context(page.context, trainee)

    PAGES[page_name](page, make, db, trainee)
    assert_accessible(page, page_name, language)
