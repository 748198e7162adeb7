"""Text the templates never see as a msgid — WTForms' own messages, labels built in Python — still
reaches the reader in their language (WTForms' Arabic catalogue leaves several messages in English)."""
from __future__ import annotations

from datetime import date

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
