"""The Spanish interface addresses the reader as «usted» everywhere, never as «tú».

A catalogue that slips from «introduzca su contraseña» to «introduce tu contraseña» on one screen
reads as careless; these tests name every message that does.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SPANISH_CATALOGUE = PROJECT_ROOT / "academy" / "translations" / "es" / "LC_MESSAGES" / "messages.po"
#: The Spanish course modules (folders named ``<slug>.es``).
SPANISH_COURSES = sorted(PROJECT_ROOT.glob("courses/*.es"))

#: «tú» quoted in the lessons, not said to the reader: a campaign message to voters (and the quiz
#: choice that repeats it) and the excluding flyer that lesson 05 rewrites. Per file, per word.
QUOTED_TU = {
    "communication.es/lessons/01-messaging.md": {"tienes", "tu"},
    "communication.es/quiz.yaml": {"tienes", "tu"},
    "communication.es/lessons/05-inclusive-communication.md": {"contigo", "tu", "tus"},
}

#: Whole words that only «tú» uses. Left out because a third-person or «usted» sentence of the
#: catalogue uses them too: vuelve, inicia, comprueba, añade, guarda, descarga, usa, pide, avisa
#: («el módulo vuelve a ser un borrador», «se pide su contraseña», «se avisa a sus participantes»),
#: and nouns such as marca.
TU_FORMS = frozenset("""
    tú tu tus ti te contigo tuyo tuya tuyos tuyas
    puedes tienes quieres debes estás eres has necesitas pierdes sabes conoces reconoces recibes
    prefieres vas haces
    recibirás podrás tendrás deberás verás necesitarás
    completaste recibiste iniciaste olvidaste activaste guardaste
    compartas necesites reconozcas olvides pierdas quieras puedas
    introduce elige escribe revisa pulsa obtén hazlo
    actívala desactívala ciérrala guárdalos bórralo
""".split())

_WORD = re.compile(r"\w+")


def tu_forms(text: str) -> list[str]:
    """The «tú» words of ``text``, sorted, lower-cased."""
    return sorted({word for word in _WORD.findall(text.lower()) if word in TU_FORMS})


def messages_in_tu(messages: Iterable[Message]) -> list[str]:
    """One line per message whose translation, in any plural form, speaks to the reader as «tú»."""
    found = []
    for message in messages:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        words = sorted({word for string in strings for word in tu_forms(string or "")})
        if words:
            found.append(f"{message.id!r} ({', '.join(words)})")
    return found


def test_the_detector_flags_tu_and_passes_the_same_sentence_in_usted():
    tu = "Si no has sido tú, elige enseguida una nueva contraseña y guárdala: Tus códigos cambian."
    usted = "Si no ha sido usted, elija enseguida una nueva contraseña y guárdela: Sus códigos cambian."

    assert tu_forms(tu) == ["elige", "has", "tus", "tú"]
    assert tu_forms(usted) == []


def test_the_detector_reads_every_plural_form():
    catalogue = Catalog(locale="es")
    catalogue.add("Your recovery codes", "Sus códigos de recuperación")
    catalogue.add(("You have %(num)d code.", "You have %(num)d codes."),
                  ("Tiene %(num)d código.", "Tiene %(num)d de códigos.", "Tienes %(num)d códigos."))

    assert messages_in_tu(catalogue) == ["('You have %(num)d code.', 'You have %(num)d codes.') (tienes)"]


def test_every_spanish_message_addresses_the_reader_as_usted():
    with open(SPANISH_CATALOGUE, "rb") as handle:
        catalogue = read_po(handle, locale="es")

    in_tu = messages_in_tu(catalogue)

    assert not in_tu, f"{len(in_tu)} Spanish messages use «tú» instead of «usted»:\n" + "\n".join(in_tu)


def test_spanish_lessons_address_the_reader_as_usted():
    assert SPANISH_COURSES, "no Spanish module in courses/"
    found = []
    for path in sorted(file for folder in SPANISH_COURSES for file in folder.rglob("*")
                       if file.suffix in (".md", ".yaml")):
        name = path.relative_to(PROJECT_ROOT / "courses").as_posix()
        quoted = QUOTED_TU.get(name, set())
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            words = [word for word in tu_forms(line) if word not in quoted]
            if words:
                found.append(f"{name}:{number} ({', '.join(words)})")

    assert not found, "Spanish lessons speaking to the reader as «tú»:\n" + "\n".join(found)
