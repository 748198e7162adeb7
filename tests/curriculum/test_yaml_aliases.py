"""YAML anchors and aliases in course files are refused with their line (a few lines of aliases of
aliases would otherwise grow into billions of items: a "billion laughs").
"""
from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

from academy.curriculum.course_files.folders import read_catalogue

from tests.curriculum.conftest import replace_in, write_course

PROJECT = Path(__file__).resolve().parents[2]

_CHILD = """
import sys
from pathlib import Path
from academy.curriculum.course_files.folders import read_catalogue
specs, problems = read_catalogue(Path(sys.argv[1]))
for problem in problems:
    print(problem)
print("SPECS", len(specs))
"""


def _bomb(levels: int = 9, width: int = 9) -> str:
    lines = ['x0: &a0 ["lol"]']
    for level in range(1, levels + 1):
        lines.append(f"x{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def _limit_child():
    resource.setrlimit(resource.RLIMIT_AS, (1536 * 1024 * 1024, 1536 * 1024 * 1024))


def test_an_alias_bomb_in_module_yaml_is_reported_not_expanded(tmp_path):
    root = tmp_path / "courses"
    folder = write_course(root)
    module_yaml = folder / "module.yaml"
    module_yaml.write_text(module_yaml.read_text(encoding="utf-8") + _bomb(), encoding="utf-8")
    assert module_yaml.stat().st_size < 2000  # a small file

    env = dict(os.environ, PYTHONPATH=str(PROJECT))
    try:
        result = subprocess.run([sys.executable, "-c", _CHILD, str(root)], cwd=PROJECT, env=env,
                                capture_output=True, text=True, timeout=20, preexec_fn=_limit_child)
    except subprocess.TimeoutExpired:
        raise AssertionError("reading a 2 kB module.yaml with YAML aliases did not finish in 20 s "
                             "(exponential alias expansion)") from None
    assert result.returncode == 0, f"the reader crashed instead of reporting a problem:\n{result.stderr[-2000:]}"
    assert "SPECS 0" in result.stdout
    assert "module.yaml:" in result.stdout and "anchors and aliases" in result.stdout  # with file and line


def test_an_alias_of_a_plain_value_is_refused_at_its_anchor(tmp_path):
    """Not only lists and mappings: ``summary: *title`` repeats a value as much as an alias of a list."""
    folder = write_course(tmp_path)
    path = folder / "lessons" / "01-agenda.md"
    replace_in(path, 'title: "The agenda"', 'title: &title "The agenda"')
    replace_in(path, 'summary: "What goes into an agenda."', "summary: *title")
    specs, problems = read_catalogue(tmp_path)
    assert specs == []
    assert [str(problem) for problem in problems] == [
        f"{path}:2: anchors and aliases (& and *) are not allowed: write the value out"]
