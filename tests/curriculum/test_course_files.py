"""Reading and checking course folders, without a database: every problem with its file and line."""
from __future__ import annotations

import pytest

from academy.curriculum.course_files.folders import read_catalogue, read_module_folder
from academy.curriculum.course_files.lessons import read_lesson_file
from academy.curriculum.course_files.quiz_yaml import read_quiz_yaml
from academy.curriculum.models import Level, QuestionKind, Topic

from .conftest import quiz_yaml, replace_in, write_course


def _messages(problems) -> list[str]:
    return [str(problem) for problem in problems]


def _only_error(problems):
    errors = [problem for problem in problems if not problem.is_warning]
    assert len(errors) == 1, _messages(problems)
    return errors[0]


def test_a_valid_folder_is_read_completely(tmp_path):
    folder = write_course(tmp_path)
    spec, problems = read_module_folder(folder)
    assert problems == []
    assert (spec.slug, spec.language, spec.topic, spec.level) == ("meeting-basics", "en", Topic.PARTY_ORGANISATION,
                                                                  Level.FOUNDATION)
    assert spec.summary == ("A short module on preparing, chairing and recording a branch meeting. "
                            "For new branch officers.")
    assert spec.partner_foundations == ["FAS", "FSDD"]
    assert (spec.requires_all_lessons, spec.requires_quiz, spec.attendance_percent) == (True, True, 75)
    assert [(lesson.position, lesson.slug) for lesson in spec.lessons] == [(1, "agenda"), (2, "minutes")]
    assert spec.lessons[0].body_markdown.startswith("## The agenda")
    assert len(spec.quiz.questions) == 8
    assert spec.quiz.questions[1].kind is QuestionKind.MULTIPLE


def test_yaml_syntax_error_is_reported_with_its_line(tmp_path):
    folder = write_course(tmp_path)
    replace_in(folder / "module.yaml", 'title: "Meeting Basics: Running a Branch Meeting"',
               'title: "Meeting Basics: unclosed')
    _spec, problems = read_module_folder(folder)
    problem = _only_error(problems)
    assert problem.path == folder / "module.yaml"
    assert problem.line in (3, 4)  # the scanner notices at the quote or on the next line
    assert "YAML syntax error" in problem.message
    assert str(problem).startswith(f"{folder / 'module.yaml'}:{problem.line}: ")


def test_bad_indentation_is_reported_with_its_line(tmp_path):
    folder = write_course(tmp_path)
    replace_in(folder / "module.yaml", "  lessons: all\n", "  lessons: all\n    quiz: true\n")
    _spec, problems = read_module_folder(folder)
    assert _only_error(problems).line == 17


def test_unknown_key_is_reported_with_a_suggestion(tmp_path):
    folder = write_course(tmp_path)
    replace_in(folder / "module.yaml", "estimated_hours: 2", "estimated_hourz: 2")
    _spec, problems = read_module_folder(folder)
    messages = _messages(problems)
    assert f"{folder / 'module.yaml'}:9: unknown key 'estimated_hourz' (did you mean 'estimated_hours'?)" in messages
    assert f"{folder / 'module.yaml'}:1: missing key 'estimated_hours' in the file" in messages


def test_wrong_types_and_ranges_are_each_reported(tmp_path):
    folder = write_course(tmp_path)
    path = folder / "module.yaml"
    replace_in(path, "estimated_hours: 2", "estimated_hours: 500")
    replace_in(path, "level: foundation", "level: expert")
    replace_in(path, "slug: meeting-basics", "slug: Meeting_Basics")
    replace_in(path, "language: en", "language: de")
    replace_in(path, "  quiz: true", "  quiz: yes please")
    replace_in(path, "  attendance: 0.75", "  attendance: 0.333")
    _spec, problems = read_module_folder(folder)
    lines = {problem.line: problem.message for problem in problems}
    assert "between 1 and 200, not 500" in lines[9]
    assert "level must be one of foundation, intermediate, advanced" in lines[8]
    assert "slug 'Meeting_Basics' must be lower-case" in lines[1]
    assert "language must be one of en, fr, es, ar" in lines[2]
    assert "completion.quiz must be true or false" in lines[17]
    assert "at most two decimals" in lines[18]


def test_too_few_learning_outcomes_and_overlong_title_are_reported(tmp_path):
    folder = write_course(tmp_path)
    path = folder / "module.yaml"
    replace_in(path, "  - Write minutes that record decisions, votes and actions.\n", "")
    replace_in(path, '"Meeting Basics: Running a Branch Meeting"', '"' + "x" * 201 + '"')
    _spec, problems = read_module_folder(folder)
    messages = _messages(problems)
    assert any(":10: learning_outcomes has 2 items; 3 to 8 are needed" in message for message in messages)
    assert any(":3: title is 201 characters long; at most 200 are allowed" in message for message in messages)


def test_duplicate_key_is_reported(tmp_path):
    folder = write_course(tmp_path)
    replace_in(folder / "module.yaml", "level: foundation\n", "level: foundation\nlevel: advanced\n")
    _spec, problems = read_module_folder(folder)
    assert "'level' appears twice" in _only_error(problems).message
    assert _only_error(problems).line == 9


def test_folder_name_must_match_slug_and_language(tmp_path):
    folder = write_course(tmp_path, language="fr")
    renamed = folder.rename(tmp_path / "meeting-basics.es")
    _spec, problems = read_module_folder(renamed)
    assert "must be named 'meeting-basics.fr'" in _only_error(problems).message


def test_quiz_required_by_completion_rule_must_exist(tmp_path):
    folder = write_course(tmp_path)
    (folder / "quiz.yaml").unlink()
    _spec, problems = read_module_folder(folder)
    problem = _only_error(problems)
    assert (problem.line, problem.message) == (17, "completion.quiz is true but the module has no quiz.yaml")


def test_lesson_front_matter_errors_carry_file_lines(tmp_path):
    folder = write_course(tmp_path)
    path = folder / "lessons" / "02-minutes.md"
    replace_in(path, "estimated_minutes: 25", "estimated_minutes: twenty")
    _spec, problems = read_module_folder(folder)
    problem = _only_error(problems)
    assert (problem.path, problem.line) == (path, 4)
    assert "estimated_minutes must be a whole number, not text" in problem.message


def test_lesson_without_front_matter_or_body_is_refused(tmp_path):
    path = tmp_path / "01-empty.md"
    path.write_text("## No front matter\n", encoding="utf-8")
    assert read_lesson_file(path, 1, "empty")[1][0].message.startswith("a lesson starts with front matter")
    path.write_text('---\ntitle: "T"\nsummary: "S"\nestimated_minutes: 5\n---\n\n\n', encoding="utf-8")
    lesson, problems = read_lesson_file(path, 1, "empty")
    assert lesson is None and "has no text" in problems[0].message


def test_lesson_file_names_and_numbering_are_checked(tmp_path):
    folder = write_course(tmp_path)
    lessons = folder / "lessons"
    (lessons / "02-minutes.md").rename(lessons / "03-minutes.md")
    (lessons / "notes.txt").write_text("scratch", encoding="utf-8")
    (lessons / "04-Bad_Slug.md").write_text("x", encoding="utf-8")
    _spec, problems = read_module_folder(folder)
    messages = _messages(problems)
    for name in ("notes.txt", "04-Bad_Slug.md"):
        assert any(message.startswith(f"{lessons / name}: lesson files are named NN-slug.md") for message in messages)
    gap = "lesson numbers must run 01, 02, 03 … without gaps; expected 02 here"
    assert f"{lessons / '03-minutes.md'}: {gap}" in messages


def test_raw_html_and_images_in_lessons_are_warnings_with_lines(tmp_path):
    folder = write_course(tmp_path)
    path = folder / "lessons" / "01-agenda.md"
    replace_in(path, "Send the agenda",
               '<div onclick="x()">boo</div>\n\n![map](https://example.org/m.png)\n\nSend the agenda')
    spec, problems = read_module_folder(folder)
    assert spec is not None  # warnings do not stop an import
    warnings = {(problem.line, problem.message) for problem in problems if problem.is_warning}
    assert (8, "raw HTML is not allowed in lessons; it will be shown as text") in warnings
    assert (10, "images are not shown in lessons; attach them as materials") in warnings


def test_a_reference_link_in_a_lesson_is_a_warning_at_its_definition(tmp_path):
    """The lesson page leaves reference links as written (each use would repeat the URL)."""
    folder = write_course(tmp_path)
    path = folder / "lessons" / "01-agenda.md"
    replace_in(path, "Send the agenda", "Read [the guide][guide].\n\n[guide]: https://example.org/guide\n\nSend the agenda")
    spec, problems = read_module_folder(folder)
    assert spec is not None
    warnings = [(problem.line, problem.message) for problem in problems if problem.is_warning]
    assert len(warnings) == 1 and warnings[0][0] == 10 and "reference links are not supported" in warnings[0][1]


def test_quiz_rules_are_checked_with_lines(tmp_path):
    path = tmp_path / "quiz.yaml"
    text = quiz_yaml()
    # Question 1 (single) gets a second correct choice; question 2 (multiple) gets none.
    text = text.replace('"Wrong 1"\n        correct: false', '"Wrong 1"\n        correct: true', 1)
    text = text.replace('"Right 2"\n        correct: true', '"Right 2"\n        correct: false', 1)
    text = text.replace('"Also right 2"\n        correct: true', '"Also right 2"\n        correct: false', 1)
    text = text.replace("pass_mark: 70", "pass_mark: 0")
    path.write_text(text, encoding="utf-8")
    quiz, problems = read_quiz_yaml(path)
    assert quiz is None
    messages = {(problem.line, problem.message) for problem in problems}
    assert (2, "pass_mark must be between 1 and 100, not 0") in messages
    assert (7, "question 1 is 'single' and needs exactly one correct choice; it has 2") in messages
    assert (17, "question 2 needs at least one correct choice") in messages


def test_quiz_needs_enough_questions_and_choices(tmp_path):
    path = tmp_path / "quiz.yaml"
    text = quiz_yaml(questions=7).replace('      - text: "Wrong again 1"\n        correct: false\n', "", 1)
    path.write_text(text, encoding="utf-8")
    _quiz, problems = read_quiz_yaml(path)
    messages = {(problem.line, problem.message) for problem in problems}
    assert (4, "questions has 7 items; at least 8 are needed") in messages
    assert (7, "questions[1].choices has 2 items; 3 to 6 are needed") in messages


def test_quiz_missing_and_unknown_keys(tmp_path):
    path = tmp_path / "quiz.yaml"
    path.write_text(quiz_yaml().replace("    explanation: \"Why question 3 is answered so.\"",
                                        "    explanaton: \"Why question 3 is answered so.\""), encoding="utf-8")
    _quiz, problems = read_quiz_yaml(path)
    messages = _messages(problems)
    assert f"{path}:34: unknown key 'explanaton' (did you mean 'explanation'?)" in messages
    assert f"{path}:25: missing key 'explanation' in questions[3]" in messages


def test_catalogue_reports_problems_of_every_module_at_once(tmp_path):
    write_course(tmp_path, "first")
    second = write_course(tmp_path, "second")
    third = write_course(tmp_path, "third")
    replace_in(second / "module.yaml", "topic: party-organisation", "topic: football")
    replace_in(third / "quiz.yaml", "max_attempts: 3", "max_attempts: -1")
    specs, problems = read_catalogue(tmp_path)
    assert [spec.slug for spec in specs] == ["first"]
    assert {problem.path for problem in problems} == {second / "module.yaml", third / "quiz.yaml"}


def test_catalogue_accepts_a_single_module_folder(tmp_path):
    folder = write_course(tmp_path)
    specs, problems = read_catalogue(folder)
    assert problems == [] and [spec.slug for spec in specs] == ["meeting-basics"]


def test_unexpected_files_in_a_module_folder_are_reported(tmp_path):
    folder = write_course(tmp_path)
    (folder / "notes.md").write_text("todo", encoding="utf-8")
    (folder / ".DS_Store").write_bytes(b"\0")
    _spec, problems = read_module_folder(folder)
    assert _only_error(problems).path == folder / "notes.md"


def test_file_that_is_not_utf8_is_reported(tmp_path):
    folder = write_course(tmp_path)
    (folder / "quiz.yaml").write_bytes(b'title: "caf\xe9"\n')
    _spec, problems = read_module_folder(folder)
    assert (_only_error(problems).line, _only_error(problems).message) == (1, "is not UTF-8 text")


@pytest.mark.parametrize("character", ["\x0c", "\x7f", "\x01", "\x00"], ids=["form-feed", "del", "soh", "nul"])
def test_a_control_character_in_module_yaml_is_reported_with_its_line(tmp_path, character):
    """An editor or a paste leaves one; PyYAML's ReaderError (not a syntax error) escaped the reader."""
    folder = write_course(tmp_path)
    replace_in(folder / "module.yaml", "level: foundation", f"level: foundation{character}")
    spec, problems = read_module_folder(folder)
    problem = _only_error(problems)
    assert spec is None and (problem.path, problem.line) == (folder / "module.yaml", 8)
    assert problem.message == (f"holds a control character (U+{ord(character):04X}): remove it; "
                               f"only tabs and line breaks are allowed")


@pytest.mark.parametrize(("file_name", "old", "new", "line"), [
    ("lessons/01-agenda.md", "estimated_minutes: 30", "estimated_minutes: 30\x7f", 4),  # front matter
    ("lessons/02-minutes.md", "2. Record the vote.", "2. Record the\x00 vote.", 9),  # lesson text
    ("quiz.yaml", "pass_mark: 70", "pass_mark: 70\x1b", 2),
], ids=["front-matter", "lesson-text", "quiz"])
def test_a_control_character_in_any_course_file_is_reported_with_its_line(tmp_path, file_name, old, new, line):
    """Lesson text too: PostgreSQL cannot store a NUL, and the lesson form refuses control characters."""
    folder = write_course(tmp_path)
    replace_in(folder / file_name, old, new)
    spec, problems = read_module_folder(folder)
    problem = _only_error(problems)
    assert spec is None and (problem.path, problem.line) == (folder / file_name, line)
    assert problem.message.startswith("holds a control character")


@pytest.mark.parametrize(("escape", "refusal"), [
    ("\\0", "holds a control character (U+0000)"),
    ("\\e", "holds a control character (U+001B)"),
    ("\\ud800", "holds U+D800, half of a UTF-16 surrogate pair, which is not a character"),
], ids=["nul", "escape", "lone-surrogate"])
def test_an_escape_making_a_character_that_cannot_be_stored_is_reported_at_its_value(tmp_path, escape, refusal):
    """Valid YAML escapes in double quotes, but the database refuses the text (a NUL on PostgreSQL, half a
    surrogate pair everywhere) and the web forms refuse control characters."""
    folder = write_course(tmp_path)
    replace_in(folder / "module.yaml", '"Meeting Basics:', f'"{escape}Meeting Basics:')
    replace_in(folder / "quiz.yaml", '"Right 2"', f'"Right{escape} 2"')
    _spec, problems = read_module_folder(folder)
    assert sorted((problem.path.name, problem.line, problem.message.split(":")[0]) for problem in problems) == [
        ("module.yaml", 3, f"title {refusal}"),
        ("quiz.yaml", 18, f"questions[2].choices[1].text {refusal}"),
    ]


def test_tabs_and_line_breaks_are_still_allowed_in_texts(tmp_path):
    folder = write_course(tmp_path)
    replace_in(folder / "module.yaml", '"Meeting Basics: Running', '"Meeting\\tBasics: Running')
    replace_in(folder / "lessons" / "02-minutes.md", "1. Record the decision.", "1. Record\tthe decision.")
    spec, problems = read_module_folder(folder)
    assert problems == []
    assert spec.title.startswith("Meeting\tBasics") and "Record\tthe" in spec.lessons[1].body_markdown


@pytest.mark.parametrize("file_name", ["module.yaml", "quiz.yaml"])
def test_deeply_nested_yaml_is_reported_with_its_line_not_a_recursion_error(tmp_path, file_name):
    """60 kB of '[' (far under the size limit) made PyYAML's composer recurse past Python's limit."""
    folder = write_course(tmp_path)
    path = folder / file_name
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "x: " + "[" * 30000 + "]" * 30000 + "\n", encoding="utf-8")
    spec, problems = read_module_folder(folder)
    problem = _only_error(problems)
    assert spec is None and (problem.path, problem.line) == (path, text.count("\n") + 1)
    assert problem.message == "the YAML is nested too deeply"


def test_nesting_up_to_the_limit_is_read(tmp_path):
    folder = write_course(tmp_path)
    path = folder / "lessons" / "01-agenda.md"
    replace_in(path, "estimated_minutes: 30", "estimated_minutes: 30\nx: " + "[" * 11 + "1" + "]" * 11)
    assert _only_error(read_module_folder(folder)[1]).message.startswith("unknown key 'x'")
    replace_in(path, "[1]", "[[1]]")
    problem = _only_error(read_module_folder(folder)[1])
    assert (problem.line, problem.message) == (5, "the YAML is nested too deeply")


@pytest.mark.parametrize("value, expected", [("door-to-door", True), ("door-to-door\n", False), ("a--b", False),
                                             ("Door", False), ("", False), ("x" * 81, False)])
def test_a_slug_is_lower_case_words_joined_by_single_hyphens_and_nothing_else(value, expected):
    from academy.curriculum import rules

    assert rules.is_slug(value) is expected
