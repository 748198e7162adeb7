"""Reading the visible text of a page and telling English left in another language.

``read_text`` collects what a reader sees or hears of an HTML page; ``EnglishDetector`` decides
whether a text shown in French, Spanish or Arabic is English that never went through the
catalogue (``tests/test_untranslated_pages.py`` for pages, ``tests/test_mail_languages.py`` for
e-mail). Data (names, titles, course content), addresses, identifiers and the names CLDR gives in
the reader's language are not English to translate.
"""
from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.pofile import read_po

from academy.i18n import LANGUAGE_NAMES

TRANSLATIONS = Path(__file__).resolve().parent.parent / "academy" / "translations"

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
        self.untranslated = {normalise(msgid) for msgid, string in catalogue.items()
                             if _latin_words(msgid) and normalise(msgid) != normalise(string)}
        # The catalogue's translations and the names CLDR gives in this language (time-zone cities,
        # languages: "New York (America/New_York)" in French) are this language's text already.
        self.translated = {normalise(string) for string in catalogue.values() if string} | set(localised_names)
        self.english_words = COMMON_ENGLISH - SHARED_WORDS.get(language, frozenset())
        # Latin words the translators themselves kept in this language ("Word", "Excel", "TOTP").
        self.kept_words = {word.lower() for string in catalogue.values() for word in _latin_words(string)}
        allowed = sorted({normalise(text) for text in (*data, *NOT_TRANSLATED) if _latin_words(text or "")},
                         key=len, reverse=True)
        self._allowed = (re.compile("|".join(rf"(?<![A-Za-z0-9]){re.escape(text)}(?![A-Za-z0-9])"
                                             for text in allowed))
                         if allowed else None)

    def english_in(self, text: str, typed=()) -> str | None:
        """Why ``text`` reads as English (None when it does not); ``typed`` is what the visitor
        put in the page's address (a filter's value), shown back as it was."""
        text = normalise(text)
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


def normalise(text: str) -> str:
    return _SPACE.sub(" ", text or "").strip()


def direction_problem(page: PageText, language: str) -> str | None:
    """What is wrong with the ``<html>`` element's lang and dir for a page in ``language``."""
    expected = "rtl" if language == "ar" else "ltr"
    if page.language != language or page.direction != expected:
        return f'<html lang="{page.language}" dir="{page.direction}">, expected lang="{language}" dir="{expected}"'
    return None
