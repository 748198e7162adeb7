"""Languages people speak, as two-letter ISO 639-1 codes: which codes are valid and how they are named.

These are the languages a nominee works in and an edition may require, not the academy's own four
interface languages (``config.LANGUAGES``, named by ``i18n.LANGUAGE_NAMES``).
"""
from __future__ import annotations

from functools import lru_cache

from babel import Locale
from flask_babel.speaklater import LazyString

FALLBACK_LANGUAGE = "en"

#: The ISO 639-1 codes Babel names: the 183 assigned codes, less ``sh`` (withdrawn Serbo-Croatian).
LANGUAGE_CODES: frozenset[str] = frozenset(
    code for code in Locale(FALLBACK_LANGUAGE).languages
    if len(code) == 2 and code.isalpha() and code.islower() and code != "sh")


@lru_cache(maxsize=8)
def _names(language: str):
    try:
        return Locale.parse(language).languages
    except (ValueError, TypeError):  # unknown or malformed locale: fall back to English
        return Locale.parse(FALLBACK_LANGUAGE).languages


@lru_cache(maxsize=8)
def _choices(language: str) -> tuple[tuple[str, str], ...]:
    names = _names(language)
    pairs = ((code, f"{names.get(code, code)} ({code})") for code in LANGUAGE_CODES)
    return tuple(sorted(pairs, key=lambda pair: pair[1].casefold()))


def is_language_code(code: str | None) -> bool:
    """Whether ``code`` is a two-letter ISO 639-1 language code in lower case (``sw``, ``ar``)."""
    return isinstance(code, str) and code in LANGUAGE_CODES


def language_name(code: str | None, language: str) -> str:
    """The language called ``code``, named in ``language`` (the code itself when unknown)."""
    if not code:
        return ""
    return _names(language).get(code, code)


def lazy_language_name(code: str | None) -> LazyString:
    """``language_name`` in the language of whoever reads it (for lazily translated messages)."""
    from ..i18n import current_language

    return LazyString(lambda: language_name(code, current_language()))


def language_choices(language: str) -> list[tuple[str, str]]:
    """``(code, "name (code)")`` for every ISO 639-1 language, named and sorted in ``language``."""
    return list(_choices(language))
