"""``flask courses import`` and ``export``: all or nothing, idempotent, round trip, clear reports."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from academy.audit.models import AuditEvent
from academy.curriculum.models import Lesson, Module, ModuleStatus, Question, Quiz
from academy.learning.models import LessonProgress, QuizAttempt
from academy.organisations.models import OrganisationKind

from .conftest import replace_in, write_course

COURSES = Path(__file__).resolve().parents[2] / "courses"


def _import(runner, path, *options):
    return runner.invoke(args=["courses", "import", str(path), *options])


def _export(runner, slug, directory, *options):
    return runner.invoke(args=["courses", "export", slug, str(directory), *options])


def _count(db, model) -> int:
    db.session.rollback()  # see what the command committed, not a stale snapshot
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def _module(db, slug="meeting-basics", language="en") -> Module:
    db.session.rollback()
    return db.session.scalar(db.select(Module).where(Module.slug == slug, Module.language == language))


def _files(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def test_import_creates_a_published_module_with_lessons_quiz_and_partners(runner, db, course, foundations):
    result = _import(runner, course)
    assert result.exit_code == 0, result.output
    assert "meeting-basics (en): created (2 lessons, quiz of 8 questions)" in result.stdout

    module = _module(db)
    assert module.status is ModuleStatus.PUBLISHED
    assert (module.title, module.estimated_hours, module.attendance_percent) == (
        "Meeting Basics: Running a Branch Meeting", 2, 75)
    partner_ids = set(db.session.scalars(db.select(Module.partners.property.secondary.c.organisation_id)))
    assert partner_ids == {foundations["FAS"].id, foundations["FSDD"].id}
    lessons = db.session.scalars(db.select(Lesson).where(Lesson.module_id == module.id).order_by(Lesson.position)).all()
    assert [(lesson.position, lesson.slug) for lesson in lessons] == [(1, "agenda"), (2, "minutes")]
    assert "<strong>with the notice</strong>" in lessons[0].body_html and "<table>" in lessons[0].body_html
    assert 'rel="noopener noreferrer nofollow"' in lessons[1].body_html
    assert _count(db, Question) == 8
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "curriculum.import"))
    assert event.object_id == str(module.id) and event.details["outcome"] == "created"


def test_second_import_changes_nothing(runner, db, course, foundations):
    assert _import(runner, course).exit_code == 0
    before = _module(db)
    updated_at, lesson_ids = before.updated_at, set(db.session.scalars(db.select(Lesson.id)))
    question_ids = set(db.session.scalars(db.select(Question.id)))

    result = _import(runner, course)

    assert result.exit_code == 0, result.output
    assert "meeting-basics (en): unchanged" in result.stdout
    assert _module(db).updated_at == updated_at
    assert set(db.session.scalars(db.select(Lesson.id))) == lesson_ids
    assert set(db.session.scalars(db.select(Question.id))) == question_ids
    assert _count(db, AuditEvent) == 1


def test_dry_run_validates_and_saves_nothing(runner, db, course, foundations):
    result = _import(runner, course, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "meeting-basics (en): created" in result.stdout and "nothing was saved" in result.stdout
    assert _count(db, Module) == 0 and _count(db, AuditEvent) == 0


def test_broken_yaml_is_reported_with_file_and_line_and_nothing_is_imported(runner, db, course, foundations):
    write_course(course, "second-module")  # valid: it must not be imported either
    broken = course / "meeting-basics" / "module.yaml"
    replace_in(broken, "level: foundation", "level: [foundation")

    result = _import(runner, course)

    assert result.exit_code == 1
    assert f"{broken}:9: YAML syntax error: while parsing a flow sequence (line 8)" in result.stderr
    assert "nothing was imported" in result.stderr
    assert _count(db, Module) == 0 and _count(db, Lesson) == 0


def test_bad_keys_are_reported_with_lines(runner, db, course, foundations):
    path = course / "meeting-basics" / "module.yaml"
    replace_in(path, "topic: party-organisation", "topics: party-organisation")
    result = _import(runner, course)
    assert result.exit_code == 1
    assert f"{path}:7: unknown key 'topics' (did you mean 'topic'?)" in result.stderr
    assert f"{path}:1: missing key 'topic' in the file" in result.stderr
    assert _count(db, Module) == 0


def test_bad_quiz_is_reported_with_lines(runner, db, course, foundations):
    path = course / "meeting-basics" / "quiz.yaml"
    replace_in(path, '"Wrong 3"\n        correct: false', '"Wrong 3"\n        correct: true')
    result = _import(runner, course)
    assert result.exit_code == 1
    assert f"{path}:27: question 3 is 'single' and needs exactly one correct choice; it has 2" in result.stderr
    assert _count(db, Module) == 0


@pytest.mark.parametrize(("escape", "code"), [("\\0", "U+0000"), ("\\ud800", "U+D800")], ids=["nul", "lone-surrogate"])
def test_an_escape_the_database_cannot_store_is_reported_and_nothing_is_imported(runner, db, course, foundations,
                                                                                  escape, code):
    """Both are valid YAML escapes; the flush failed with a traceback instead of a report (a NUL only on
    PostgreSQL, SQLite stored it; half a surrogate pair everywhere)."""
    path = course / "meeting-basics" / "module.yaml"
    replace_in(path, '"Meeting Basics:', f'"{escape}Meeting Basics:')
    result = _import(runner, course)
    assert isinstance(result.exception, SystemExit) and result.exit_code == 1, result.output
    assert f"{path}:3: title holds " in result.stderr and code in result.stderr
    assert "1 problem(s) found: nothing was imported" in result.stderr
    assert _count(db, Module) == 0


def test_unknown_partner_and_non_foundation_are_reported_with_lines(runner, db, make, course, foundations):
    make.organisation(short_name="PSD", kind=OrganisationKind.PARTY)
    path = course / "meeting-basics" / "module.yaml"
    replace_in(path, "partner_foundations: [FAS, FSDD]", "partner_foundations:\n  - XYZ\n  - PSD")
    result = _import(runner, course)
    assert result.exit_code == 1
    assert f"{path}:15: no organisation has the short name 'XYZ'" in result.stderr
    assert f"{path}:16: 'PSD' (" in result.stderr and "is not a foundation" in result.stderr
    assert _count(db, Module) == 0


def test_partner_short_names_match_regardless_of_case(runner, db, course, foundations):
    replace_in(course / "meeting-basics" / "module.yaml", "[FAS, FSDD]", "[fas]")
    assert _import(runner, course).exit_code == 0


def test_reimport_updates_changed_texts_and_lessons(runner, db, course, foundations):
    assert _import(runner, course).exit_code == 0
    folder = course / "meeting-basics"
    replace_in(folder / "module.yaml", "Running a Branch Meeting", "Running Any Meeting")
    replace_in(folder / "lessons" / "01-agenda.md", "Send the agenda", "Always send the agenda")
    (folder / "lessons" / "02-minutes.md").rename(folder / "lessons" / "03-minutes.md")
    (folder / "lessons" / "02-chairing.md").write_text(
        '---\ntitle: "Chairing"\nsummary: "Keeping time."\nestimated_minutes: 20\n---\nKeep time.\n', encoding="utf-8")
    minutes_id = db.session.scalar(db.select(Lesson.id).where(Lesson.slug == "minutes"))

    result = _import(runner, course)

    assert result.exit_code == 0, result.output
    assert "meeting-basics (en): updated (3 lessons" in result.stdout
    module = _module(db)
    assert module.title == "Meeting Basics: Running Any Meeting"
    lessons = db.session.scalars(db.select(Lesson).where(Lesson.module_id == module.id).order_by(Lesson.position)).all()
    assert [lesson.slug for lesson in lessons] == ["agenda", "chairing", "minutes"]
    assert lessons[2].id == minutes_id  # matched by slug, moved, not recreated
    assert "Always send the agenda" in lessons[0].body_html


def test_lesson_removed_from_files_is_deleted_when_nobody_completed_it(runner, db, course, foundations):
    assert _import(runner, course).exit_code == 0
    (course / "meeting-basics" / "lessons" / "02-minutes.md").unlink()
    assert _import(runner, course).exit_code == 0
    assert list(db.session.scalars(db.select(Lesson.slug))) == ["agenda"]


def test_lesson_with_progress_is_not_removed_and_nothing_changes(runner, db, make, course, foundations):
    assert _import(runner, course).exit_code == 0
    module = _module(db)
    minutes = db.session.scalar(db.select(Lesson).where(Lesson.slug == "minutes"))
    enrolment = make.enrolment(make.trainee(), module)
    db.session.add(LessonProgress(enrolment_id=enrolment.id, lesson_id=minutes.id))
    db.session.commit()
    folder = course / "meeting-basics"
    (folder / "lessons" / "02-minutes.md").unlink()
    replace_in(folder / "module.yaml", "Running a Branch Meeting", "Something else")

    result = _import(runner, course)

    assert result.exit_code == 1
    assert "lesson 'minutes' is no longer in the files, but 1 trainee(s) have completed it" in result.stderr
    assert _module(db).title == "Meeting Basics: Running a Branch Meeting"
    assert _count(db, Lesson) == 2 and _count(db, LessonProgress) == 1


def _attempt(db, make, module):
    quiz = db.session.scalar(db.select(Quiz).where(Quiz.module_id == module.id))
    enrolment = make.enrolment(make.trainee(), module)
    db.session.add(QuizAttempt(enrolment_id=enrolment.id, quiz_id=quiz.id, number=1))
    db.session.commit()


def test_quiz_with_attempts_is_reworded_in_place(runner, db, make, course, foundations):
    assert _import(runner, course).exit_code == 0
    _attempt(db, make, _module(db))
    question_ids = list(db.session.scalars(db.select(Question.id).order_by(Question.id)))
    replace_in(course / "meeting-basics" / "quiz.yaml", '"Question 4?"', '"Question four, reworded?"')

    result = _import(runner, course)

    assert result.exit_code == 0, result.output
    assert list(db.session.scalars(db.select(Question.id).order_by(Question.id))) == question_ids
    assert db.session.scalar(db.select(Question.text).where(Question.position == 4)) == "Question four, reworded?"


def test_quiz_with_attempts_refuses_a_new_structure(runner, db, make, course, foundations):
    assert _import(runner, course).exit_code == 0
    _attempt(db, make, _module(db))
    path = course / "meeting-basics" / "quiz.yaml"
    replace_in(path, '"Right 1"\n        correct: true', '"Right 1"\n        correct: false')
    replace_in(path, '"Wrong 1"\n        correct: false', '"Wrong 1"\n        correct: true')

    result = _import(runner, course)

    assert result.exit_code == 1
    assert "the quiz has 1 attempt(s), so its questions can only be reworded" in result.stderr
    assert db.session.scalar(db.select(Question.id).where(Question.position == 1)) is not None
    right = db.session.scalar(db.select(Question).where(Question.position == 1))
    assert right.text == "Question 1?"


def test_quiz_without_attempts_is_replaced(runner, db, course, foundations):
    assert _import(runner, course).exit_code == 0
    old_ids = set(db.session.scalars(db.select(Question.id)))
    replace_in(course / "meeting-basics" / "quiz.yaml", '"Right 1"\n        correct: true',
               '"Right 1"\n        correct: false\n      - text: "New right 1"\n        correct: true')
    assert _import(runner, course).exit_code == 0
    assert _count(db, Question) == 8 and not old_ids & set(db.session.scalars(db.select(Question.id)))


def test_if_empty_skips_when_modules_exist(runner, db, make, course, foundations):
    make.module()
    result = _import(runner, course, "--if-empty")
    assert result.exit_code == 0 and "nothing imported" in result.stdout
    assert _count(db, Module) == 1


def test_export_round_trip_gives_identical_files(runner, db, tmp_path, course, foundations):
    write_course(course, "meeting-basics", "fr")
    assert _import(runner, course).exit_code == 0
    first, second = tmp_path / "first", tmp_path / "second"
    assert _export(runner, "meeting-basics", first).exit_code == 0
    assert _export(runner, "meeting-basics", first, "--language", "fr").exit_code == 0

    db.session.execute(db.delete(Module))
    db.session.commit()
    assert _import(runner, first).exit_code == 0
    assert _export(runner, "meeting-basics", second).exit_code == 0
    assert _export(runner, "meeting-basics", second, "--language", "fr").exit_code == 0

    assert sorted(path.name for path in first.iterdir()) == ["meeting-basics", "meeting-basics.fr"]
    assert _files(first) == _files(second)


def test_export_removes_lesson_files_the_module_no_longer_has(runner, db, tmp_path, course, foundations):
    assert _import(runner, course).exit_code == 0
    target = tmp_path / "out"
    stale = target / "meeting-basics" / "lessons" / "07-old.md"
    stale.parent.mkdir(parents=True)
    stale.write_text("old", encoding="utf-8")
    assert _export(runner, "meeting-basics", target).exit_code == 0
    assert sorted(path.name for path in stale.parent.iterdir()) == ["01-agenda.md", "02-minutes.md"]


def test_export_of_an_unknown_module_fails(runner, tmp_path):
    result = _export(runner, "no-such-module", tmp_path)
    assert result.exit_code == 1 and "no module 'no-such-module'" in result.stderr


@pytest.mark.skipif(not COURSES.is_dir(), reason="the courses/ folder is not there")
def test_the_real_courses_import_and_round_trip(runner, db, tmp_path, foundations):
    source = tmp_path / "courses"
    shutil.copytree(COURSES, source)
    result = _import(runner, source)
    assert result.exit_code == 0, result.stderr
    modules = db.session.execute(db.select(Module.slug, Module.language)).all()
    assert len(modules) >= 5
    assert {slug for slug, _language in modules} >= {"party-organisation", "campaigning", "online-campaigns",
                                                       "communication"}

    first, second = tmp_path / "first", tmp_path / "second"
    for slug, language in modules:
        assert _export(runner, slug, first, "--language", language).exit_code == 0
    db.session.execute(db.delete(Module))
    db.session.commit()
    assert _import(runner, first).exit_code == 0
    for slug, language in modules:
        assert _export(runner, slug, second, "--language", language).exit_code == 0
    assert _files(first) == _files(second)
    # The export says the same as the writers' files, in the house style.
    from academy.curriculum.course_files.folders import read_catalogue
    originals = {(spec.slug, spec.language): spec for spec in read_catalogue(source)[0]}
    for spec in read_catalogue(first)[0]:
        original = originals[(spec.slug, spec.language)]
        assert spec.lessons == original.lessons and spec.quiz == original.quiz
        assert spec.title == original.title and spec.learning_outcomes == original.learning_outcomes
