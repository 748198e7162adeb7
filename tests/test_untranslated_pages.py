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

import re
import zoneinfo
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po

from academy.access import rule_for
from academy.extensions import db
from academy.i18n import LANGUAGE_NAMES
# The access matrix's sample objects and signed-in clients, one per kind of visitor.
from tests.test_access import (  # noqa: F401
    ROUTES, _sample_certificate, _sample_edition, _sample_nomination, _url_for_route, samples, visitors,
)
from tests.test_hostile_input import VISITORS

TRANSLATIONS = Path(__file__).resolve().parent.parent / "academy" / "translations"

#: The interface languages the pages are read in; English words are looked for in all but English
#: (whose pages are read for their direction only).
SWEPT_LANGUAGES = ("ar", "fr", "es", "en")

#: Words that betray English: the interface's own vocabulary and the grammar around it.
COMMON_ENGLISH = frozenset("""
    a an the and or but of to in on at by for from with without into about as is are was were be
    been has have had do does did not no yes this that these those there here it its you your
    yours we our us they their them he she his her my me i who whom which what when where why how
    all any none some each every more less most least other only also than then too very will
    would can could should must may might shall
    edit save delete remove add new create update change cancel confirm submit send back next
    previous first last more show hide open close search filter sort clear reset apply view
    download upload export import print sign signed log login logout password email name names
    date time status page pages yes none all total count number required optional help home
    settings profile account accounts user users role roles list details summary select choose
    enter please error warning success nothing found empty loading today yesterday tomorrow
    day days week weeks month months year years hour hours minute minutes
    lesson lessons course courses trainee trainees trainer trainers coordinator coordinators
    admin organisation organisations organization region regions edition editions nomination
    nominations certificate certificates attendance quiz question questions answer answers
    score result results progress completed complete started start finish finished pending
    accepted declined withdrawn submitted draft published archived active inactive invited
    language languages session sessions online place link file files material materials
    verify verified valid invalid revoked issued code codes step steps two factor
    continue skip done ok mark read unread attempt attempts passed failed
""".split())

#: Languages not written in Latin letters: there, any Latin word left over is suspect.
NON_LATIN_LANGUAGES = frozenset({"ar"})

#: Words of ``COMMON_ENGLISH`` that are also words of the page's language: in French or Spanish
#: "date", "code" or "session" on their own say nothing about English.
SHARED_WORDS = {
    "fr": frozenset("""a as on date code codes session sessions question questions total page
        pages public module modules minute minutes message note type description passed
        organisation organisations attention certificat statut en ok quiz score me place""".split()),
    "es": frozenset("""a no total material final error he has me""".split()),
    "ar": frozenset(),
}

#: Text the pages show untranslated on purpose. Keep this short, and say why.
NOT_TRANSLATED = {
    # The language switcher names each language in itself (marked with its own lang attribute).
    *LANGUAGE_NAMES.values(),
}

#: A word: letters (of any script) and digits, with an apostrophe inside ("party's").
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
#: ... which is an English candidate only when made of Latin letters alone (not "M4A", "début").
_LATIN_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*")
#: A snake_case or kebab-case identifier (CSV column names, slugs, audit actions).
_IDENTIFIER = re.compile(r"(?<![A-Za-z0-9])[a-z0-9]+(?:[_.-][a-z0-9]+)+(?![A-Za-z0-9])")
#: A slash-separated name that may be an IANA time-zone identifier ("America/New_York").
_ZONE = re.compile(r"[A-Za-z][\w+-]*(?:/[\w+-]+)+")
_ZONES = frozenset(zoneinfo.available_timezones())
#: A stored dotted code such as the audit action "certificate.revoke".
_DOTTED_CODE = re.compile(r"[a-z_]+(?:\.[a-z_]+)+")
_SPACE = re.compile(r"\s+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"\b(?:https?://|www\.)\S+|(?<![\w/])/[\w./?=&%-]+")
_TAG = re.compile(r"<[^>]+>")
_HREF = re.compile(r'<a\s[^>]*?href="([^"]+)"')
#: Attributes whose value is read to the visitor; ``value`` only on the inputs it labels.
VISIBLE_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
LABELLED_INPUTS = {"submit", "button", "reset"}
#: Elements whose content is never shown.
HIDDEN_ELEMENTS = {"script", "style", "template"}
#: Elements holding literal text the reader types or copies as it is (CSV column names, codes):
#: not prose, so not translated. Only their text is passed over, not their attributes.
LITERAL_ELEMENTS = {"code", "kbd", "samp"}


@dataclass
class PageText:
    """The visible text of a page, and the language and direction its ``<html>`` declares."""

    language: str | None = None
    direction: str | None = None
    texts: list[str] = field(default_factory=list)


class _TextReader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.page = PageText()
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if tag == "html":
            self.page.language, self.page.direction = attributes.get("lang"), attributes.get("dir")
        if tag in HIDDEN_ELEMENTS or tag in LITERAL_ELEMENTS:
            self._hidden += 1
        for name in VISIBLE_ATTRIBUTES:
            if attributes.get(name):
                self.page.texts.append(attributes[name])
        if tag == "input" and attributes.get("type", "").lower() in LABELLED_INPUTS and attributes.get("value"):
            self.page.texts.append(attributes["value"])

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in HIDDEN_ELEMENTS or tag in LITERAL_ELEMENTS:
            self._hidden -= 1

    def handle_endtag(self, tag):
        if (tag in HIDDEN_ELEMENTS or tag in LITERAL_ELEMENTS) and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.page.texts.append(data)


def read_text(html: str) -> PageText:
    """The visible text of ``html`` (text nodes and read attributes, in document order)."""
    reader = _TextReader()
    reader.feed(html)
    reader.close()
    return reader.page


def load_catalogue(language: str) -> dict[str, str]:
    """msgid → translation of every message of ``language`` (singular forms)."""
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalogue = read_po(handle, locale=language)
    messages = {}
    for message in catalogue:
        if message.id:
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for msgid in ids:
                messages[msgid] = strings[0] if strings else ""
    return messages


class EnglishDetector:
    """Finds English in the visible text of pages of one language.

    ``data`` is the text the visitors themselves stored (names, titles, course content): it is
    removed from a text before looking, wherever it appears in it.
    """

    def __init__(self, language: str, catalogue: dict[str, str], data=(), localised_names=()):
        self.language = language
        # A message whose translation is the msgid itself ("Sessions" in French) proves nothing.
        self.untranslated = {_normalise(msgid) for msgid, string in catalogue.items()
                             if _latin_words(msgid) and _normalise(msgid) != _normalise(string)}
        # The catalogue's translations and the names CLDR gives in this language (time-zone cities,
        # languages: "New York (America/New_York)" in French) are this language's text already.
        self.translated = {_normalise(string) for string in catalogue.values() if string} | set(localised_names)
        self.english_words = COMMON_ENGLISH - SHARED_WORDS.get(language, frozenset())
        # Latin words the translators themselves kept in this language ("Word", "Excel", "TOTP").
        self.kept_words = {word.lower() for string in catalogue.values() for word in _latin_words(string)}
        allowed = sorted({_normalise(text) for text in (*data, *NOT_TRANSLATED) if _latin_words(text or "")},
                         key=len, reverse=True)
        self._allowed = (re.compile("|".join(rf"(?<![A-Za-z0-9]){re.escape(text)}(?![A-Za-z0-9])"
                                             for text in allowed))
                         if allowed else None)

    def english_in(self, text: str, typed=()) -> str | None:
        """Why ``text`` reads as English (None when it does not); ``typed`` is what the visitor
        put in the page's address (a filter's value), shown back as it was."""
        text = _normalise(text)
        rest = text
        for value in typed:
            if _latin_words(value):
                rest = re.sub(rf"(?<![A-Za-z0-9]){re.escape(value)}(?![A-Za-z0-9])", " ", rest)
        rest = _EMAIL.sub(" ", rest)
        rest = _URL.sub(" ", rest)
        rest = _IDENTIFIER.sub(" ", rest)
        rest = _ZONE.sub(lambda match: " " if match.group() in _ZONES else match.group(), rest)
        if self._allowed is not None:
            rest = self._allowed.sub(" ", rest)
        words = _latin_words(rest)
        if not words:
            return None  # nothing left but stored data, addresses, codes and punctuation
        if text in self.translated:
            return None  # the catalogue's own translation, which may keep a word on purpose
        if text in self.untranslated:
            return "a catalogue message left in English"
        # Words in capitals are acronyms and codes (PDF, QR, a recovery code's groups).
        words = [word for word in words if not word.isupper()]
        if self.language in NON_LATIN_LANGUAGES:
            # Any Latin word left is suspect, one is enough ("True" in an Arabic table cell).
            foreign = [word for word in words if word.lower() not in self.kept_words]
            return f"Latin-script words {foreign[:5]}" if foreign else None
        # In French and Spanish a single word may be shared with English: it takes a phrase with
        # a word that is English only.
        english = [word for word in words if word.lower() in self.english_words]
        return f"English words {english[:5]}" if english and len(words) >= 2 else None


def _latin_words(text: str) -> list[str]:
    return [token for token in _TOKEN.findall(text) if _LATIN_WORD.fullmatch(token)]


def localised_names(language: str) -> set[str]:
    """The labels the pages build from CLDR data in ``language`` (time zones, languages)."""
    from academy.live.times import time_zone_labels
    from academy.nominations.languages import language_choices

    return {label for _, label in (*time_zone_labels(language), *language_choices(language))}


def _normalise(text: str) -> str:
    return _SPACE.sub(" ", text or "").strip()


def direction_problem(page: PageText, language: str) -> str | None:
    """What is wrong with the ``<html>`` element's lang and dir for a page in ``language``."""
    expected = "rtl" if language == "ar" else "ltr"
    if page.language != language or page.direction != expected:
        return f'<html lang="{page.language}" dir="{page.direction}">, expected lang="{language}" dir="{expected}"'
    return None


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


# --- every page, every visitor ---------------------------------------------------------------

#: Stored text the application wrote itself from its catalogues (e-mails, the texts printed on a
#: certificate): English interface phrases, which must not count as visitors' data.
GENERATED_TEXT = {("outbox_messages", None), ("certificates", "snapshot")}


def _stored_text() -> set[str]:
    """Every text stored in the database (strings and the strings inside JSON), with the HTML
    ones also as the text they show: what the pages may print as they were entered."""
    found: set[str] = set()

    def collect(value):
        if isinstance(value, str):
            found.add(value)
            if _DOTTED_CODE.fullmatch(value):  # an audit action: its family is offered as a filter
                found.add(value.split(".", 1)[0])
            if "<" in value:
                found.update(piece for piece in _TAG.split(value) if piece.strip())
            found.update(line for line in value.splitlines() if line.strip())
        elif isinstance(value, dict):
            for item in value.values():
                collect(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                collect(item)

    for table in db.metadata.sorted_tables:
        columns = [column for column in table.columns
                   if isinstance(column.type, (sa.String, sa.Text, sa.JSON)) and not isinstance(column.type, sa.Enum)
                   and (table.name, column.name) not in GENERATED_TEXT and (table.name, None) not in GENERATED_TEXT]
        if not columns:
            continue
        for row in db.session.execute(sa.select(*columns)):
            for value in row:
                collect(value)
    return found


def _every_state(make, samples) -> list[str]:
    """More than the access matrix's samples, so that lists show every status they can: a
    nomination in each status, enrolments active, completed and withdrawn, attendance of each
    kind at a past session, a draft and an archived module with a partner foundation, a revoked
    certificate beside a valid one. Answers the pages of these no page links to."""
    from datetime import timedelta

    from academy.accounts.models import Role
    from academy.certificates.operations import revoke_certificate
    from academy.curriculum.models import ModuleStatus
    from academy.db_types import utcnow
    from academy.learning.models import EnrolmentStatus
    from academy.live.models import AttendanceStatus
    from academy.nominations.vocabulary import NominationStatus
    from academy.organisations.models import OrganisationKind

    trainer, coordinator, admin = (samples.visitors[role] for role in (Role.TRAINER, Role.COORDINATOR, Role.ADMIN))
    edition = _sample_edition(samples)
    _sample_nomination(samples)
    _sample_certificate(samples)
    for status in NominationStatus:
        make.nomination(edition, samples.organisation, status=status.value, nominated_by_id=coordinator.id)
    foundation = make.organisation(kind=OrganisationKind.FOUNDATION, region=samples.region)
    for status in (ModuleStatus.DRAFT, ModuleStatus.ARCHIVED):
        make.module(status=status, trainers=[trainer], partners=[foundation], lessons=1)
    past = make.live_session(samples.module, starts_at=utcnow().replace(microsecond=0) - timedelta(days=2))
    now = utcnow()
    enrolments = [make.enrolment(make.trainee(organisation=samples.organisation), samples.module,
                                 status=status, completed_at=now if status is EnrolmentStatus.COMPLETED else None,
                                 edition_id=edition.id)
                  for status in (EnrolmentStatus.ACTIVE, EnrolmentStatus.COMPLETED, EnrolmentStatus.WITHDRAWN)]
    for status, enrolment in zip(AttendanceStatus, [samples.enrolment, *enrolments]):
        make.attendance(past, enrolment, status=status.value)
    revoked = make.certificate(enrolments[1])
    revoke_certificate(revoked, actor=admin, reason="Issued by mistake.")
    db.session.commit()
    return [f"/verify/{revoked.display_code}"]  # the public page of a revoked certificate, linked from nowhere


def _links(html: str) -> list[str]:
    """The site's own pages a page links to (path and query), static files left out."""
    links = []
    for href in _HREF.findall(html):
        parts = urlsplit(unescape(href))
        if (not parts.scheme and not parts.netloc and parts.path.startswith("/")
                and not parts.path.startswith("/static/")):
            links.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return links


def _set_language(users, language: str) -> None:
    for user in users:
        if user is not None:
            db.session.get(type(user), user.id).preferred_language = language
    db.session.commit()


def _read_pages(app, visitors, samples, language: str, extra=()) -> list[tuple[str, str, PageText]]:
    """(visitor, url, text) of every HTML page each visitor may open, in ``language``: the GET
    routes of the URL map, then once the site's links they hold (other objects, filters, pages
    of lists). Redirects are left out: their body is Werkzeug's English stub, never shown."""
    headers = {"Accept-Language": language}  # the anonymous visitor's browser
    pages = []
    for visitor in VISITORS:
        user, client = visitors[visitor]
        queue = [_url_for_route(app, endpoint, rule_text, samples)
                 for method, endpoint, rule_text in ROUTES
                 if method == "GET" and endpoint != "static" and _admits(rule_for(endpoint), user)]
        queue.extend(extra)
        seen = set(queue)
        for depth in (0, 1):
            linked = []
            for url in queue:
                response = client.get(url, headers=headers)
                if response.mimetype != "text/html" or not (response.status_code == 200
                                                            or 400 <= response.status_code < 500):
                    continue
                html = response.get_data(as_text=True)
                pages.append((visitor, url, read_text(html)))
                if depth == 0:
                    for link in _links(html):
                        if link not in seen:
                            seen.add(link)
                            linked.append(link)
            queue = linked
    return pages


def _admits(rule, user) -> bool:
    """Whether the endpoint's declared rule lets ``user`` (None: anonymous) in, as the sweep of
    ``test_hostile_input`` decides it."""
    return rule is not None and (rule.public or (user is not None and rule.admits(user)))


@pytest.mark.parametrize("language", SWEPT_LANGUAGES)
def test_no_page_shows_english_or_the_wrong_direction(language, app, make, visitors, samples):
    _set_language([user for user, _ in visitors.values()], language)
    unlinked = _every_state(make, samples)

    pages = _read_pages(app, visitors, samples, language, extra=unlinked)

    failures = []
    catalogue = load_catalogue(language) if language != "en" else {}
    detector = EnglishDetector(language, catalogue, data=_stored_text(), localised_names=localised_names(language))
    for visitor, url, page in pages:
        problem = direction_problem(page, language)
        if problem:
            failures.append(f"{visitor} GET {url}: {problem}")
        typed = [value for _, value in parse_qsl(urlsplit(url).query)]
        for text in page.texts if language != "en" else ():
            why = detector.english_in(text, typed)
            if why:
                failures.append(f"{visitor} GET {url}: {_normalise(text)[:120]!r} ({why})")
    assert len({url for _, url, _ in pages}) > 100, f"only {len(pages)} pages were read"
    unique = list(dict.fromkeys(failures))
    assert not unique, (f"{len(unique)} English texts or wrong directions in {language}:\n  "
                        + "\n  ".join(unique[:80]))
