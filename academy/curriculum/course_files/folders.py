"""Reading whole folders: one module folder with all its files, or every module under courses/.

Checks that need more than one file live here: the folder name against the slug and language in
module.yaml, a quiz required by the completion rule, and one folder per slug and language.
"""
from __future__ import annotations

from pathlib import Path

from ..yaml_source import SYMLINK_PROBLEM, Problem
from .lessons import read_lessons
from .module_yaml import read_module_yaml
from .quiz_yaml import read_quiz_yaml
from .specs import LESSONS_DIR, MODULE_FILE, QUIZ_FILE, ModuleSpec

_FOLDER_ENTRIES = {MODULE_FILE, QUIZ_FILE, LESSONS_DIR}


def read_module_folder(folder: Path) -> tuple[ModuleSpec | None, list[Problem]]:
    """A whole module folder: module.yaml, its lessons and its quiz, with every problem found."""
    problems: list[Problem] = []
    for entry in sorted(folder.iterdir()):
        if entry.name not in _FOLDER_ENTRIES and not entry.name.startswith("."):
            problems.append(Problem(entry, None, "unexpected file or folder: a module folder holds module.yaml, "
                                                 "lessons/ and quiz.yaml"))
    module_path = folder / MODULE_FILE
    values, module_problems = (read_module_yaml(module_path) if module_path.is_file()
                               else (None, [Problem(module_path, None, "missing file")]))
    problems.extend(module_problems)
    lessons, lesson_problems = read_lessons(folder / LESSONS_DIR)
    problems.extend(lesson_problems)
    quiz = None
    quiz_path = folder / QUIZ_FILE
    if quiz_path.is_file():
        quiz, quiz_problems = read_quiz_yaml(quiz_path)
        problems.extend(quiz_problems)
    if values is None:
        return None, problems
    spec = ModuleSpec(**values, lessons=lessons, quiz=quiz, folder=folder)
    if folder.name != spec.folder_name:
        problems.append(Problem(module_path, 1, f"the folder of {spec.label} must be named '{spec.folder_name}', "
                                                f"not '{folder.name}'"))
    if spec.requires_quiz and not quiz_path.is_file():
        problems.append(Problem(module_path, spec.lines.get("completion.quiz"),
                                "completion.quiz is true but the module has no quiz.yaml"))
    if any(not problem.is_warning for problem in problems):
        return None, problems
    return spec, problems


def read_catalogue(root: Path) -> tuple[list[ModuleSpec], list[Problem]]:
    """Every module under ``root`` (a courses/ folder), or ``root`` itself when it is a module folder."""
    specs: list[ModuleSpec] = []
    problems: list[Problem] = []
    if (root / MODULE_FILE).exists():
        folders = [root]
    else:
        folders = []
        for entry in sorted(root.iterdir()):
            if entry.name.startswith(".") or not entry.is_dir():
                continue
            if entry.is_symlink():
                problems.append(Problem(entry, None, SYMLINK_PROBLEM))
                continue
            folders.append(entry)
    seen: dict[tuple[str, str], Path] = {}
    for folder in folders:
        spec, folder_problems = read_module_folder(folder)
        problems.extend(folder_problems)
        if spec is None:
            continue
        key = (spec.slug, spec.language)
        if key in seen:
            problems.append(Problem(folder / MODULE_FILE, None, f"{spec.label} is also defined in {seen[key]}"))
            continue
        seen[key] = folder
        specs.append(spec)
    if not folders:
        problems.append(Problem(root, None, "no module folders found"))
    return specs, problems
