"""Every string of the interface exists, translated, in French, Spanish and Arabic."""
from __future__ import annotations

from fnmatch import fnmatch
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "academy" / "translations"
LANGUAGES = ("fr", "es", "ar")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
            "lazy_ngettext": (1, 2), "_n": (1, 2), "N_": None}
#: The folders ``make translations`` skips (its ``--ignore-dirs``): Babel's own default would also
#: skip every folder whose name starts with an underscore, such as templates/_macros.
IGNORED_DIRS = (".*", "__pycache__", "node_modules", "instance")


def _scanned(directory: str) -> bool:
    return not any(fnmatch(Path(directory).name, pattern) for pattern in IGNORED_DIRS)


def _source_messages() -> set[str]:
    with open(ROOT / "babel.cfg") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, directory_filter=_scanned
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_strings_of_the_shared_macros_are_extracted(source_messages):
    # templates/_macros holds the pagination's label and the error summary's heading.
    assert {"Pages", "Nothing was saved: %(num)d problem to fix."} <= source_messages


def _catalogue(language: str):
    path = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
    assert path.exists(), f"missing catalogue {path}"
    with open(path, "rb") as handle:
        return read_po(handle, locale=language)


@pytest.fixture(scope="module")
def source_messages():
    return _source_messages()


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_translates_every_source_string(language, source_messages):
    catalogue = _catalogue(language)
    missing = sorted(message for message in source_messages if message not in catalogue)
    assert not missing, f"{language}: {len(missing)} strings not in the catalogue (run make translations): {missing[:10]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_has_no_untranslated_or_fuzzy_entries(language):
    catalogue = _catalogue(language)
    problems = []
    for message in catalogue:
        if not message.id:
            continue
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            problems.append(f"untranslated: {message.id!r}")
    assert not problems, f"{language}: " + "; ".join(problems[:20])


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_every_placeholder(language):
    catalogue = _catalogue(language)
    errors = [f"{message.id!r}: {error}" for message, error_list in catalogue.check() for error in error_list]
    assert not errors, f"{language}: " + "; ".join(errors[:20])
