"""``flask courses export SLUG DIR`` writes and deletes files only inside DIR: a module or lessons
folder that is a symbolic link is refused, nothing written.
"""
from __future__ import annotations


def test_export_neither_writes_nor_deletes_outside_the_directory(runner, db, make, tmp_path):
    module = make.module(lessons=2)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    victim = outside / "07-someone-elses-notes.md"
    victim.write_text("not part of any export\n", encoding="utf-8")
    directory = tmp_path / "export"
    (directory / module.slug).mkdir(parents=True)
    (directory / module.slug / "lessons").symlink_to(outside, target_is_directory=True)

    runner.invoke(args=["courses", "export", module.slug, str(directory)])

    assert victim.exists(), "the export deleted a file outside DIR"
    assert sorted(path.name for path in outside.iterdir()) == [victim.name], (
        f"the export wrote outside DIR: {sorted(path.name for path in outside.iterdir())}")
