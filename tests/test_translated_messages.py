"""Text the templates never see as a msgid — WTForms' own messages, labels built in Python — still
reaches the reader in their language (WTForms' Arabic catalogue leaves several messages in English)."""
from __future__ import annotations

import importlib
import pkgutil
from datetime import date
from pathlib import Path

import pytest
import wtforms
from babel.messages.pofile import read_po

import academy
from academy.core import wtforms_messages
from academy.core.forms import AcademyForm

MODULE_FORM = {"title": "Canvassing basics", "summary": "Knock on doors well.", "topic": "canvassing",
               "level": "intermediate", "estimated_hours": "6",
               "learning_outcomes": "Plan a route.\r\nWrite a script.", "attendance_percent": "50"}


def test_a_title_too_long_is_refused_in_arabic_not_in_wtforms_english(client, make, login_as):
    trainer = make.trainer(preferred_language="ar")
    module = make.module(trainers=[trainer])
    login_as(trainer)

    response = client.post(f"/teach/modules/{module.id}", data={**MODULE_FORM, "title": "x" * 201})

    assert response.status_code == 400
    assert "يجب ألّا يزيد عدد الأحرف على 200." in response.text
    assert "Field cannot be longer" not in response.text


def test_an_unreadable_start_time_is_refused_in_arabic_not_in_wtforms_english(client, make, login_as):
    trainer = make.trainer(preferred_language="ar")
    module = make.module(trainers=[trainer])
    login_as(trainer)

    response = client.post(f"/teach/modules/{module.id}/sessions/new", data={
        "title": "Persuasion", "day": "2030-01-15", "start_time": "25:99", "duration_minutes": "90",
        "online_url": "https://meet.example.org/door", "trainer_id": str(trainer.id)})

    assert response.status_code == 400
    assert "أدخل الوقت بالصيغة HH:MM." in response.text
    assert "Not a valid time value." not in response.text


def test_certificate_filters_name_languages_and_write_dates_in_the_readers_language(client, make, login_as):
    make.module(title="El mensaje", language="es")
    make.edition(name="Printemps", starts_on=date(2027, 2, 12), ends_on=date(2027, 3, 1))
    login_as(make.admin(preferred_language="fr"))

    page = client.get("/admin/certificates/")

    assert page.status_code == 200
    assert "El mensaje (Español)" in page.text and "(es)" not in page.text
    assert "Printemps (12 févr. 2027)" in page.text and "2027-02-12" not in page.text


#: WTForms' "Not a valid integer value." and "Not a valid choice." as our catalogue words them
#: (WTForms' own Arabic calls an integer a "real number").
NOT_AN_INTEGER = {"fr": "Saisissez un nombre entier.", "es": "Introduzca un número entero.",
                  "ar": "أدخل عددًا صحيحًا."}
NOT_A_CHOICE = {"fr": "Choisissez une option de la liste.", "es": "Elija una opción de la lista.",
                "ar": "اختر خيارًا من القائمة."}


#: A bad value of each kind: field, value, our message, and what must not show instead
#: (WTForms' English, and its Arabic "real number" for an integer).
BAD_VALUES = {
    "letters in a number field": ("estimated_hours", "abc", NOT_AN_INTEGER,
                                  ["Not a valid integer value.", "العدد الحقيقي"]),
    "a choice not offered": ("topic", "astrology", NOT_A_CHOICE, ["Not a valid choice."]),
}


@pytest.mark.parametrize("case", BAD_VALUES)
@pytest.mark.parametrize("language", ["fr", "es", "ar"])
def test_a_bad_value_is_refused_in_the_readers_language(client, make, login_as, language, case):
    field, value, expected, never = BAD_VALUES[case]
    trainer = make.trainer(preferred_language=language)
    module = make.module(trainers=[trainer])
    login_as(trainer)

    response = client.post(f"/teach/modules/{module.id}", data={**MODULE_FORM, field: value})

    assert response.status_code == 400
    assert expected[language] in response.text
    for text in never:
        assert text not in response.text


def test_a_partner_not_offered_is_named_in_arabic(client, make, login_as):
    trainer = make.trainer(preferred_language="ar")
    module = make.module(trainers=[trainer])
    login_as(trainer)

    response = client.post(f"/teach/modules/{module.id}", data={**MODULE_FORM, "partners": "999999"})

    assert response.status_code == 400
    assert "«999999» ليس خيارًا صالحًا لهذا الحقل." in response.text
    assert "is not a valid choice" not in response.text


def test_every_form_takes_wtforms_messages_from_our_catalogue():
    for module in pkgutil.walk_packages(academy.__path__, "academy."):
        importlib.import_module(module.name)
    forms = [form for form in _subclasses(wtforms.Form) if form.__module__.startswith("academy.")]

    assert len(forms) > 30
    assert [form for form in forms if not issubclass(form, AcademyForm)] == []


def test_every_wtforms_message_is_marked_for_our_catalogue():
    with open(Path(wtforms.__file__).parent / "locale" / "wtforms.pot", "rb") as handle:
        shipped = {message.id for message in read_po(handle) if message.id}

    assert shipped == set(wtforms_messages.MESSAGES) | set(wtforms_messages.PLURAL_MESSAGES)


def _subclasses(cls):
    for subclass in cls.__subclasses__():
        yield subclass
        yield from _subclasses(subclass)
