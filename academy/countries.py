"""Countries: the ISO 3166-1 alpha-2 codes, named in the reader's language through Babel (CLDR).

Babel knows more territory codes than ISO 3166-1 assigns: numeric UN M.49 regions (``150``),
groupings (``EU``, ``EZ``, ``UN``, ``QO``), pseudo-locales (``XA``, ``XB``), the unknown region
(``ZZ``) and codes that ISO only reserves "exceptionally" (``AC``, ``CP``, ``CQ``, ``DG``, ``EA``,
``IC``, ``TA``). Kosovo's ``XK`` is a user-assigned code that ISO 3166-1 does not contain; it is left
out so that every stored code is one that other systems (and the certificate's readers) recognise.
The list below is therefore written out rather than derived, and a test checks that Babel names
every entry.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

from babel import Locale

#: The 249 officially assigned ISO 3166-1 alpha-2 codes.
ISO_3166_CODES: frozenset[str] = frozenset("""
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE
EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC
LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
""".split())

FALLBACK_LANGUAGE = "en"


def is_country(code: str | None) -> bool:
    """Whether ``code`` is an assigned ISO 3166-1 alpha-2 code (upper case)."""
    return code in ISO_3166_CODES


def _sort_key(name: str) -> tuple[str, str]:
    # Without ICU, strip accents before comparing so that "Égypte" sorts among the E's rather
    # than after "Zimbabwe"; the second element keeps the order stable between near-equals.
    decomposed = unicodedata.normalize("NFKD", name)
    base = "".join(char for char in decomposed if not unicodedata.combining(char))
    return base.casefold(), name.casefold()


@lru_cache(maxsize=16)
def _names(language: str) -> dict[str, str]:
    try:
        territories = Locale.parse(language).territories
    except (ValueError, TypeError):  # unknown or malformed locale: fall back to English
        territories = Locale.parse(FALLBACK_LANGUAGE).territories
    return {code: territories.get(code, code) for code in ISO_3166_CODES}


@lru_cache(maxsize=16)
def _choices(language: str) -> tuple[tuple[str, str], ...]:
    names = _names(language)
    return tuple(sorted(names.items(), key=lambda item: _sort_key(item[1])))


def country_name(code: str | None, language: str = FALLBACK_LANGUAGE) -> str:
    """The name of country ``code`` in ``language``; the code itself when it is not a country."""
    if not code:
        return ""
    return _names(language or FALLBACK_LANGUAGE).get(code, code)


def country_choices(language: str = FALLBACK_LANGUAGE) -> list[tuple[str, str]]:
    """``(code, name)`` pairs for a select field, sorted by the name in ``language``."""
    return list(_choices(language or FALLBACK_LANGUAGE))
