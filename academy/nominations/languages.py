"""Languages people speak, as two-letter ISO 639-1 codes: checking a code and naming it."""
from __future__ import annotations

from babel import Locale


def is_language_code(code: str | None) -> bool:
    """Whether ``code`` is a two-letter ISO 639-1 language code in lower case (``sw``, ``ar``)."""
    return (isinstance(code, str) and len(code) == 2 and code.isascii() and code.isalpha()
            and code.islower() and code in Locale("en").languages)


def language_name(code: str | None, language: str) -> str:
    """The language called ``code``, named in ``language`` (the code itself when unknown)."""
    if not code:
        return ""
    return Locale.parse(language).languages.get(code, code)
