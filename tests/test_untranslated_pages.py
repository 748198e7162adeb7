"""No English left on a page shown in another language, and every page written in its direction.

For each kind of visitor, every page of the URL map that visitor may open (as in
``test_hostile_input``), and every page those pages link to, is fetched in Arabic, French and
Spanish, and its visible text is read: the text outside ``<script>``/``<style>`` and the
attributes a reader sees or hears (``title``, ``placeholder``, ``aria-label``, ``alt``, the label
of submit and button inputs). A text fails when it is a catalogue message left in English, when
(in Arabic) any Latin-script word is left in it, or when (in French and Spanish) it is a phrase
holding a common English word. Taken out first, because they are legitimately untranslated: the
text stored in the database (names, titles, course content: the sample data is English), what the
visitor typed in the address, e-mail addresses, URLs, identifiers, time-zone names, acronyms,
``<code>`` literals, the names CLDR gives in the page's language, the catalogue's own
translations, and ``NOT_TRANSLATED``. Every page, English included, must also declare its
language and direction on ``<html>`` (``dir="rtl"`` for Arabic).

A string wrapped in ``_()`` after the last catalogue merge shows in English until the catalogue
holds its translation: this test then names it, which is the point.
"""
from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.english_text import (
    EnglishDetector, direction_problem, load_catalogue, localised_names, normalise, read_text,
)
from tests.page_crawl import every_state, read_pages, set_language, stored_text
# The access matrix's sample objects and signed-in clients, one per kind of visitor.
from tests.test_access import samples, visitors  # noqa: F401

#: The interface languages the pages are read in; English words are looked for in all but English
#: (whose pages are read for their direction only).
SWEPT_LANGUAGES = ("ar", "fr", "es", "en")


# --- the detector can fail -------------------------------------------------------------------

def test_the_detector_flags_a_hard_coded_english_button_on_an_arabic_page():
    catalogue = {"Save changes": "حفظ التغييرات", "Sessions": "الجلسات"}
    detector = EnglishDetector("ar", catalogue, data=["Party of Test 7", "Module 12"])
    page = read_text(
        '<html lang="ar" dir="rtl"><head><title>الجلسات</title><style>.x{content:"the end"}</style></head>'
        '<body><h1>Module 12</h1><p>حزب: Party of Test 7 — person@example.org</p>'
        '<script>const help = "Click the button to save";</script>'
        '<button type="submit">Save changes</button>'
        '<input type="submit" value="Delete this lesson">'
        '<a href="/x" title="Back to the list">رجوع</a>'
        '<input type="text" placeholder="Search">'
        '<td>: True</td><td><code>date_of_birth</code></td>'
        '<option lang="en">English</option></body></html>')

    findings = {text: detector.english_in(text) for text in page.texts}

    flagged = {text for text, why in findings.items() if why}
    assert flagged == {"Save changes", "Delete this lesson", "Back to the list", "Search", ": True"}, findings
    assert direction_problem(page, "ar") is None
    assert direction_problem(read_text('<html lang="ar" dir="ltr"></html>'), "ar")
    assert direction_problem(read_text('<html lang="fr"></html>'), "fr")


def test_the_detector_lets_french_words_pass_but_not_english_phrases():
    detector = EnglishDetector("fr", {"Date": "Date", "Sign out": "Se déconnecter"})

    assert detector.english_in("Date") is None
    assert detector.english_in("Code de la session") is None
    assert detector.english_in("Sign out")
    assert detector.english_in("Show all results")
    assert detector.english_in("Voir le filtre certificates", typed=["certificates"]) is None


def test_the_sweep_flags_english_rendered_into_an_arabic_page(make_app):
    from flask import render_template_string

    from academy.access import public

    application = make_app()
    page = '{% extends "base.html" %}{% block content %}<h1>{{ _("Language") }}</h1>' \
           '<button type="submit">Save changes</button>{% endblock %}'
    application.add_url_rule("/hard-coded-english", "hard_coded_english",
                             public(lambda: render_template_string(page)))

    response = application.test_client().get("/hard-coded-english", headers={"Accept-Language": "ar"})

    text = read_text(response.get_data(as_text=True))
    detector = EnglishDetector("ar", load_catalogue("ar"))
    assert direction_problem(text, "ar") is None
    assert [item for item in text.texts if detector.english_in(item)] == ["Save changes"]


@pytest.mark.parametrize("language", SWEPT_LANGUAGES)
def test_no_page_shows_english_or_the_wrong_direction(language, app, make, visitors, samples):
    set_language([user for user, _ in visitors.values()], language)
    unlinked = every_state(make, samples)

    pages = read_pages(app, visitors, samples, language, extra=unlinked)

    failures = []
    catalogue = load_catalogue(language) if language != "en" else {}
    detector = EnglishDetector(language, catalogue, data=stored_text(), localised_names=localised_names(language))
    for visitor, url, page in pages:
        problem = direction_problem(page, language)
        if problem:
            failures.append(f"{visitor} GET {url}: {problem}")
        typed = [value for _, value in parse_qsl(urlsplit(url).query)]
        for text in page.texts if language != "en" else ():
            why = detector.english_in(text, typed)
            if why:
                failures.append(f"{visitor} GET {url}: {normalise(text)[:120]!r} ({why})")
    assert len({url for _, url, _ in pages}) > 100, f"only {len(pages)} pages were read"
    unique = list(dict.fromkeys(failures))
    assert not unique, (f"{len(unique)} English texts or wrong directions in {language}:\n  "
                        + "\n  ".join(unique[:80]))
