"""Course files are read only up to a size, before any decoding: an oversized one is reported.
"""
from __future__ import annotations

import pathlib

import pytest

from academy.curriculum.course_files.folders import read_catalogue
from academy.curriculum.rules import BODY_MAX

from tests.curriculum.conftest import write_course

#: A lesson may hold BODY_MAX characters of at most 4 bytes each, plus front matter.
READ_LIMIT = 4 * BODY_MAX + 64 * 1024


def test_a_huge_lesson_file_is_refused_without_reading_it_whole(tmp_path, monkeypatch):
    root = tmp_path / "courses"
    folder = write_course(root)
    huge = folder / "lessons" / "02-minutes.md"
    with huge.open("r+b") as handle:  # sparse: costs no disk space
        handle.truncate(64 * 1024 * 1024)

    read_sizes: dict[str, int] = {}
    original = pathlib.Path.read_bytes

    def recording_read_bytes(self):
        data = original(self)
        read_sizes[self.name] = max(read_sizes.get(self.name, 0), len(data))
        return data

    monkeypatch.setattr(pathlib.Path, "read_bytes", recording_read_bytes)
    specs, problems = read_catalogue(root)

    assert specs == []
    assert any(problem.path == huge and not problem.is_warning for problem in problems)
    assert read_sizes.get(huge.name, 0) <= READ_LIMIT, (
        f"the importer read {read_sizes[huge.name]:,} bytes of a lesson file into memory "
        f"(a lesson is at most about {READ_LIMIT:,} bytes)")
