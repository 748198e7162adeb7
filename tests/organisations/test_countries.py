"""Country codes and their names in each language."""
from babel import Locale

from academy.countries import ISO_3166_CODES, country_choices, country_name, is_country


def test_the_list_holds_exactly_the_249_assigned_iso_codes():
    assert len(ISO_3166_CODES) == 249
    assert {"DE", "CL", "SN", "SE", "PS", "EH", "TW"} <= ISO_3166_CODES


def test_babel_names_every_iso_code_in_every_language():
    for language in ("en", "fr", "es", "ar"):
        territories = Locale.parse(language).territories
        assert ISO_3166_CODES <= set(territories), language


def test_groupings_and_pseudo_codes_are_not_countries():
    for code in ("EU", "EZ", "UN", "QO", "XA", "XB", "XK", "ZZ", "150", "419", "de", "", None):
        assert not is_country(code), code


def test_country_names_follow_the_language():
    assert country_name("DE", "en") == "Germany"
    assert country_name("DE", "fr") == "Allemagne"
    assert country_name("DE", "es") == "Alemania"
    assert country_name("DE", "ar") == "ألمانيا"


def test_unknown_code_or_language_degrades_gracefully():
    assert country_name("QQ", "fr") == "QQ"
    assert country_name("DE", "xx-not-a-locale") == "Germany"
    assert country_name(None, "fr") == ""


def test_choices_are_sorted_by_the_localised_name_ignoring_accents():
    names = [name for _code, name in country_choices("fr")]
    assert len(names) == 249
    # "Égypte" belongs among the E's, before "Équateur" and "Espagne", not after "Zimbabwe".
    assert names.index("Égypte") < names.index("Espagne") < names.index("Zimbabwe")
    assert names.index("Allemagne") < names.index("Égypte")


def test_choices_are_cached_per_language_but_not_shared_mutably():
    first = country_choices("es")
    first.clear()
    assert len(country_choices("es")) == 249
