"""Adversarial review (newfeat): crafted course folders must give reported problems
(``file:line: message``), never a traceback. Each case here crashes the reader or the import."""
from __future__ import annotations

import pytest

from academy.curriculum.course_files.folders import read_catalogue
from academy.curriculum.importer import import_catalogue

from tests.curriculum.conftest import replace_in, write_course


@pytest.mark.parametrize("character", ["\x0c", "\x7f", "\x01", "\x00"])
def test_a_control_character_in_module_yaml_is_reported_not_raised(tmp_path, character):
    # A form feed, DEL, SOH or NUL byte (an editor or a copy-paste leaves them): PyYAML's reader
    # raises ReaderError, which is not a MarkedYAMLError, so load_yaml lets it through.
    root = tmp_path / "courses"
    folder = write_course(root)
    replace_in(folder / "module.yaml", "level: foundation", f"level: foundation{character}")
    specs, problems = read_catalogue(root)
    assert specs == [] and any(p.path.name == "module.yaml" and not p.is_warning for p in problems)


def test_a_control_character_in_lesson_front_matter_is_reported_not_raised(tmp_path):
    root = tmp_path / "courses"
    folder = write_course(root)
    replace_in(folder / "lessons" / "01-agenda.md", "estimated_minutes: 30", "estimated_minutes: 30\x7f")
    specs, problems = read_catalogue(root)
    assert specs == [] and any(p.path.name == "01-agenda.md" for p in problems)


@pytest.mark.parametrize("file_name", ["module.yaml", "quiz.yaml"])
def test_deeply_nested_yaml_is_reported_not_a_recursion_error(tmp_path, file_name):
    # 60 kB of '[' (well under the 1 MB cap): PyYAML's composer recurses before _MAX_DEPTH is checked.
    root = tmp_path / "courses"
    folder = write_course(root)
    path = folder / file_name
    path.write_text(path.read_text(encoding="utf-8") + "x: " + "[" * 30000 + "]" * 30000 + "\n", encoding="utf-8")
    specs, problems = read_catalogue(root)
    assert specs == [] and any(p.path.name == file_name for p in problems)


def test_a_lone_surrogate_escape_is_reported_not_a_unicode_error_at_flush(tmp_path, foundations, db):
    # "\ud800" is valid YAML escape syntax; the text then cannot be encoded for the database.
    root = tmp_path / "courses"
    folder = write_course(root)
    replace_in(folder / "module.yaml", '"Meeting Basics:', '"\\ud800Meeting Basics:')
    try:
        report = import_catalogue(root, evaluate_completions=False)
    finally:
        db.session.rollback()
    assert not report.ok
