"""Which characters may appear in a person's name: the one rule forms and certificates share."""
from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l

#: Format characters (Unicode category Cf) that some scripts need between letters: ZWNJ keeps
#: Persian letters apart (می‌خواهم) and selects Indic forms, ZWJ requests joined or half forms.
#: Every other Cf character — bidirectional overrides and isolates, zero-width space, word
#: joiner, soft hyphen, BOM, tag characters — is invisible and can disguise a name.
JOINERS = frozenset({"\u200c", "\u200d"})


def is_hidden_character(char: str) -> bool:
    """True for a control character (Cc) or an invisible format character (Cf) other than the joiners."""
    category = unicodedata.category(char)
    return category == "Cc" or (category == "Cf" and char not in JOINERS)


def has_hidden_characters(text: str) -> bool:
    """True when ``text`` holds a character ``is_hidden_character`` refuses."""
    return any(is_hidden_character(char) for char in text)


#: Shown when a typed name holds such a character.
HIDDEN_CHARACTERS_MESSAGE = _l("Remove the invisible or control characters from this name.")


#: Letters (category Lo) that exist only to stand for nothing: the Hangul fillers print blank.
FILLERS = frozenset({"\u115f", "\u1160", "\u3164", "\uffa0"})


def prints_as_nothing(text: str) -> bool:
    """True when ``text`` holds no letter or digit that prints: only spaces, joiners, combining
    marks (which need a letter to sit on), invisible characters or fillers. Such a name would
    leave the certificate blank, and its issue is refused."""
    return not any(unicodedata.category(char)[0] in "LN" and char not in FILLERS for char in text)


#: Shown when a typed name holds nothing to print.
NOTHING_TO_PRINT_MESSAGE = _l("Write the name with letters: this one would print as nothing.")
