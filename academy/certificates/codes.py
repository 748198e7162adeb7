"""Serial numbers people read aloud and verification codes people type.

A serial (``AA-2027-000123``) names a certificate; it is allocated from a per-year counter
(``models.allocate_serial``), so it is short but guessable. The verification code is the secret
part: 100 random bits written as 20 Crockford base32 characters in four groups of five
(``7K3QD-M0XJ4-…``). Crockford's alphabet has no I, L, O or U, so what a person misreads or
mistypes can be repaired: ``O`` is read as ``0``, ``I`` and ``L`` as ``1``, case and separators
are ignored.

Nothing here touches the database: the certificate renderer's worker processes import it.
"""
from __future__ import annotations

import secrets

#: Crockford's base32 alphabet: digits and letters without I, L, O, U.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

#: 20 characters of 5 bits: 100 bits of randomness (the issue asks for at least 80).
CODE_LENGTH = 20
GROUP = 5

#: Letters a person may type for a digit that looks like them.
_CONFUSABLES = str.maketrans({"O": "0", "I": "1", "L": "1"})

#: Characters people put between groups: dashes of every kind, spaces, dots.
_SEPARATORS = frozenset(" \t-‐‑‒–—―−._")

#: Longer input is not a code, whatever it contains (refused before any work).
MAX_INPUT_LENGTH = 64

SERIAL_PREFIX = "AA"


def new_code() -> str:
    """A fresh random verification code, normalised (20 characters, no separators)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str | None) -> str | None:
    """``text`` as a stored code, or None when it cannot be one.

    Case, separators and the confusable letters O, I and L are forgiven; anything else outside
    the alphabet, or the wrong length, is refused.
    """
    if not text or len(text) > MAX_INPUT_LENGTH:
        return None
    kept = "".join(char for char in text if char not in _SEPARATORS)
    kept = kept.upper().translate(_CONFUSABLES)
    if len(kept) != CODE_LENGTH or any(char not in ALPHABET for char in kept):
        return None
    return kept


def format_code(code: str) -> str:
    """A stored code in groups of five, as printed: ``7K3QD-M0XJ4-9TZ2B-HX6WA``."""
    return "-".join(code[start:start + GROUP] for start in range(0, len(code), GROUP))


def format_serial(year: int, number: int) -> str:
    """``AA-2027-000123``: the year of issue and the number within that year."""
    return f"{SERIAL_PREFIX}-{year}-{number:06d}"
