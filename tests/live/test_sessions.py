"""Scheduling, changing and cancelling live sessions: time zones, validation, e-mail, access."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from academy.audit.models import AuditEvent
from academy.db_types import utcnow
from academy.extensions import db
from academy.learning.models import Enrolment, EnrolmentStatus
from academy.live.models import LiveSession


def _form(**overrides) -> dict:
    values = {"title": "Persuasion on the doorstep", "day": "2025-01-15", "start_time": "18:00",
              "duration_minutes": "120", "location": "", "online_url": "https://meet.example.org/door"}
    values.update(overrides)
    return values


def _sessions() -> list[LiveSession]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(LiveSession).order_by(LiveSession.id)))


def _audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action)))


def test_a_trainer_in_santiago_schedules_in_local_time_and_utc_is_stored(course, client_for, db, fresh):
    course.trainer.time_zone = "America/Santiago"
    db.session.commit()
    client = client_for(course.trainer)

    page = client.get(f"/teach/modules/{course.module.id}/sessions/new")
    assert page.status_code == 200
    assert "America/Santiago" in page.text

    response = client.post(f"/teach/modules/{course.module.id}/sessions/new",
                           data=_form(trainer_id=course.trainer.id))
    assert response.status_code == 302, response.text
    [live_session] = _sessions()
    assert live_session.starts_at == datetime(2025, 1, 15, 21, 0, tzinfo=timezone.utc)
    assert live_session.ends_at == datetime(2025, 1, 15, 23, 0, tzinfo=timezone.utc)
    assert live_session.trainer_id == course.trainer.id
    assert [event.object_id for event in _audit("live_session.create")] == [str(live_session.id)]


def test_a_trainee_in_kolkata_sees_the_session_in_local_time(course, client_for, db, make):
    starts = datetime(2099, 1, 15, 21, 0, tzinfo=timezone.utc)  # Santiago 18:00, Kolkata 02:30 next day
    make.live_session(course.module, starts_at=starts, title="Night owls")
    trainee = course.trainees[0]
    trainee.time_zone = "Asia/Kolkata"
    db.session.commit()

    page = client_for(trainee).get("/learn/sessions")
    assert page.status_code == 200
    text = " ".join(page.text.split())
    assert "Night owls" in text
    assert "Friday, January 16, 2099" in text
    assert re.search(r"2:30\W*AM", text), text
    assert "Asia/Kolkata" in text


def test_a_time_in_the_dst_gap_is_refused_clearly_and_nothing_is_saved(course, client_for, db):
    course.trainer.time_zone = "America/Santiago"
    db.session.commit()
    response = client_for(course.trainer).post(
        f"/teach/modules/{course.module.id}/sessions/new",
        data=_form(day="2025-09-07", start_time="00:30", trainer_id=course.trainer.id))
    assert response.status_code == 400
    assert "does not exist in America/Santiago" in response.text
    assert _sessions() == []


def test_an_ambiguous_time_takes_the_first_occurrence_and_says_so(course, client_for, db):
    course.trainer.time_zone = "America/Santiago"
    db.session.commit()
    client = client_for(course.trainer)
    response = client.post(f"/teach/modules/{course.module.id}/sessions/new",
                           data=_form(day="2025-04-05", start_time="23:30", trainer_id=course.trainer.id))
    assert response.status_code == 302
    assert _sessions()[0].starts_at == datetime(2025, 4, 6, 2, 30, tzinfo=timezone.utc)
    assert "first of the two" in client.get(response.headers["Location"]).text


def test_online_links_must_be_https(course, client_for):
    client = client_for(course.trainer)
    for link in ("http://meet.example.org/x", "javascript:alert(1)", "https://", "ftp://example.org"):
        response = client.post(f"/teach/modules/{course.module.id}/sessions/new",
                               data=_form(online_url=link, trainer_id=course.trainer.id))
        assert response.status_code == 400, link
        assert "https://" in response.text
    assert _sessions() == []


def test_a_place_or_a_link_is_required(course, client_for):
    response = client_for(course.trainer).post(
        f"/teach/modules/{course.module.id}/sessions/new",
        data=_form(online_url="", location="", trainer_id=course.trainer.id))
    assert response.status_code == 400
    assert "Give a place, an online link, or both." in response.text
    assert _sessions() == []


def test_duration_and_trainer_are_validated(course, client_for, make):
    outsider = make.trainer()
    client = client_for(course.trainer)
    url = f"/teach/modules/{course.module.id}/sessions/new"
    assert client.post(url, data=_form(duration_minutes="4", trainer_id=course.trainer.id)).status_code == 400
    assert client.post(url, data=_form(duration_minutes="1441", trainer_id=course.trainer.id)).status_code == 400
    assert client.post(url, data=_form(duration_minutes="abc", trainer_id=course.trainer.id)).status_code == 400
    refused = client.post(url, data=_form(trainer_id=outsider.id))
    assert refused.status_code == 400
    assert "Choose one of the module" in refused.text
    assert client.post(url, data=_form(trainer_id="nope")).status_code == 400
    assert client.post(url, data=_form(day="1850-01-01", trainer_id=course.trainer.id)).status_code == 400
    assert _sessions() == []


def test_enrolled_trainees_are_emailed_in_their_language_and_time_zone(course, client_for, db, outbox):
    spanish, english = course.trainees
    spanish.preferred_language, spanish.time_zone = "es", "America/Santiago"
    english.time_zone = "Asia/Kolkata"
    db.session.commit()
    response = client_for(course.trainer).post(
        f"/teach/modules/{course.module.id}/sessions/new",
        data=_form(day="2099-01-15", start_time="21:00", trainer_id=course.trainer.id))
    assert response.status_code == 302

    [to_spanish] = outbox(spanish.email)
    [to_english] = outbox(english.email)
    assert to_spanish.language == "es"
    assert "18:00" in to_spanish.body_text and "America/Santiago" in to_spanish.body_text
    assert "jueves" in to_spanish.body_text.lower()
    assert "Persuasion on the doorstep" in to_english.body_text
    assert "Asia/Kolkata" in to_english.body_text
    assert "https://meet.example.org/door" in to_english.body_text
    assert re.search(r"http://[^\s]+/learn/sessions/\d+\.ics", to_english.body_text)


def test_someone_no_longer_a_trainee_is_not_sent_the_meeting_link(course, client_for, db, outbox):
    from academy.accounts.models import Role, UserRole

    former, still = course.trainees
    db.session.execute(db.delete(UserRole).where(UserRole.user_id == former.id, UserRole.role == Role.TRAINEE))
    db.session.commit()
    response = client_for(course.trainer).post(
        f"/teach/modules/{course.module.id}/sessions/new", data=_form(day="2099-01-15", trainer_id=course.trainer.id))
    assert response.status_code == 302
    assert outbox(former.email) == [] and len(outbox(still.email)) == 1


def test_a_session_added_after_it_took_place_is_kept_for_attendance_but_announced_to_nobody(
        course, client_for, outbox):
    response = client_for(course.trainer).post(f"/teach/modules/{course.module.id}/sessions/new",
                                               data=_form(day="2025-01-15", trainer_id=course.trainer.id))
    assert response.status_code == 302
    assert len(_sessions()) == 1
    assert [mail for trainee in course.trainees for mail in outbox(trainee.email)] == []


def test_the_same_form_sent_twice_schedules_one_session_and_one_round_of_mail(course, client_for, outbox):
    client = client_for(course.trainer)
    data = _form(day="2099-01-15", trainer_id=course.trainer.id)
    client.post(f"/teach/modules/{course.module.id}/sessions/new", data=data)
    again = client.post(f"/teach/modules/{course.module.id}/sessions/new", data=data, follow_redirects=True)
    assert again.status_code == 200 and "was already scheduled at that time: nothing was added" in again.text
    assert len(_sessions()) == 1
    assert all(len(outbox(trainee.email)) == 1 for trainee in course.trainees)
    other_time = client.post(f"/teach/modules/{course.module.id}/sessions/new",
                             data={**data, "start_time": "19:00"})
    assert other_time.status_code == 302 and len(_sessions()) == 2


def test_changing_a_session_raises_its_sequence_and_tells_trainees(course, client_for, make, outbox, fresh):
    live_session = make.live_session(course.module, trainer_id=course.trainer.id)
    client = client_for(course.trainer)
    form = client.get(f"/teach/sessions/{live_session.id}/edit")
    assert form.status_code == 200
    assert live_session.title in form.text

    response = client.post(f"/teach/sessions/{live_session.id}/edit",
                           data=_form(title="Moved to the union hall", location="Union hall, 3 Main St",
                                      trainer_id=course.trainer.id))
    assert response.status_code == 302
    changed = fresh(live_session)
    assert changed.title == "Moved to the union hall"
    assert changed.sequence == 1
    # Moving a session evaluates completions again: this fixture's module (no lessons, no quiz)
    # is complete for both trainees, who are also told that (and sent their certificates).
    told = [message for message in outbox() if message.subject.startswith("Session changed")]
    assert sorted(message.recipient for message in told) == sorted(trainee.email for trainee in course.trainees)
    assert all("Union hall, 3 Main St" in message.body_text for message in told)
    [event] = _audit("live_session.update")
    assert event.details["changes"]["title"]["to"] == "Moved to the union hall"


def test_saving_without_changes_sends_nothing(course, client_for, make, outbox, db):
    course.trainer.time_zone = "Europe/Madrid"
    db.session.commit()
    live_session = make.live_session(course.module, trainer_id=course.trainer.id,
                                     starts_at=datetime(2099, 6, 1, 16, 0, tzinfo=timezone.utc),
                                     duration_minutes=60, online_url="https://meet.example.org/x")
    response = client_for(course.trainer).post(
        f"/teach/sessions/{live_session.id}/edit",
        data=_form(title=live_session.title, day="2099-06-01", start_time="18:00", duration_minutes="60",
                   online_url="https://meet.example.org/x", trainer_id=course.trainer.id))
    assert response.status_code == 302
    assert outbox() == []
    assert _audit("live_session.update") == []


def test_a_session_without_attendance_can_be_cancelled(course, client_for, make, outbox):
    live_session = make.live_session(course.module)
    response = client_for(course.trainer).post(f"/teach/sessions/{live_session.id}/cancel")
    assert response.status_code == 302
    assert _sessions() == []
    assert len(_audit("live_session.cancel")) == 1
    assert {message.recipient for message in outbox()} == {trainee.email for trainee in course.trainees}


def test_a_session_with_attendance_cannot_be_cancelled(course, client_for, make, outbox):
    live_session = make.live_session(course.module)
    make.attendance(live_session, course.enrolments[0], "absent")
    client = client_for(course.trainer)
    response = client.post(f"/teach/sessions/{live_session.id}/cancel")
    assert response.status_code == 302
    assert "cannot be cancelled" in client.get(response.headers["Location"]).text
    assert len(_sessions()) == 1
    assert _audit("live_session.cancel") == []
    assert outbox() == []


def test_cancelling_needs_a_post(course, client_for, make):
    live_session = make.live_session(course.module)
    assert client_for(course.trainer).get(f"/teach/sessions/{live_session.id}/cancel").status_code == 405
    assert len(_sessions()) == 1


def test_someone_who_does_not_teach_the_module_cannot_manage_its_sessions(course, client_for, make):
    live_session = make.live_session(course.module)
    other_trainer = client_for(make.trainer())
    assert other_trainer.get(f"/teach/modules/{course.module.id}/sessions").status_code == 403
    assert other_trainer.get(f"/teach/modules/{course.module.id}/sessions/new").status_code == 403
    assert other_trainer.post(f"/teach/modules/{course.module.id}/sessions/new",
                              data=_form(trainer_id=course.trainer.id)).status_code == 403
    assert other_trainer.post(f"/teach/sessions/{live_session.id}/edit", data=_form()).status_code == 403
    assert other_trainer.post(f"/teach/sessions/{live_session.id}/cancel").status_code == 403
    trainee = client_for(course.trainees[0])
    assert trainee.get(f"/teach/modules/{course.module.id}/sessions").status_code == 403
    assert len(_sessions()) == 1


def test_an_admin_manages_any_module_and_unknown_ids_are_404(course, client_for, make):
    admin = client_for(make.admin())
    assert admin.get(f"/teach/modules/{course.module.id}/sessions").status_code == 200
    assert admin.get("/teach/modules/999999/sessions").status_code == 404
    assert admin.get("/teach/sessions/999999/edit").status_code == 404


def test_the_session_list_shows_counts_and_rates(course, client_for, make, db):
    held = make.live_session(course.module, starts_at=datetime(2024, 5, 1, 15, 0, tzinfo=timezone.utc),
                             title="Held session")
    make.attendance(held, course.enrolments[0], "late")
    make.attendance(held, course.enrolments[1], "absent")
    page = client_for(course.trainer).get(f"/teach/modules/{course.module.id}/sessions")
    assert page.status_code == 200
    text = " ".join(page.text.split())
    assert "Held session" in text
    assert "Amina Abebe</th> <td>1 of 1</td> <td>100%</td>" in text
    assert "Bruno Barros</th> <td>0 of 1</td> <td>0%</td>" in text


def test_bad_page_parameters_are_harmless(course, client_for):
    client = client_for(course.trainer)
    for query in ("page=abc", "page=-3", "trainees_page=x", "page=99999999999999999999"):
        assert client.get(f"/teach/modules/{course.module.id}/sessions?{query}").status_code == 200, query
    assert client.get("/learn/sessions?when=tomorrow").status_code == 400


def test_the_sessions_page_title_is_plain_text_for_a_trainer(make, make_app, login_as):
    import re

    trainer = make.trainer()
    module = make.module()
    from academy.curriculum.models import module_trainers
    from academy.extensions import db
    db.session.execute(module_trainers.insert().values(module_id=module.id, user_id=trainer.id))
    db.session.commit()
    served = make_app().test_client()
    login_as(trainer, on_client=served)
    page = served.get("/learn/sessions").get_data(as_text=True)
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert "<" not in title and "Live sessions" in title
    assert page.count('id="taught-heading"') == 1


def test_moving_a_session_before_the_enrolment_evaluates_completion_again(make, client_for, completions):
    """Whether a session counts for an enrolment depends on when it starts: moving it is a change
    of the rule's inputs, as cancelling it is."""
    trainer = make.trainer()
    module = make.module(trainers=[trainer], requires_all_lessons=False, requires_quiz=False,
                         attendance_percent=100)
    enrolment = make.enrolment(make.trainee(), module, created_at=utcnow() - timedelta(days=10))
    held = make.live_session(module, starts_at=utcnow() - timedelta(days=2))
    make.attendance(held, enrolment, "present")
    # Entered with the wrong date; really it took place before the trainee joined.
    misdated = make.live_session(module, starts_at=utcnow() + timedelta(days=5), title="Intro",
                                 trainer_id=trainer.id)
    day = (utcnow() - timedelta(days=20)).date().isoformat()
    response = client_for(trainer).post(f"/teach/sessions/{misdated.id}/edit", data={
        "title": "Intro", "day": day, "start_time": "18:00", "duration_minutes": "90",
        "location": "", "online_url": misdated.online_url, "trainer_id": trainer.id})
    assert response.status_code == 302, response.text
    db.session.expire_all()
    assert db.session.get(Enrolment, enrolment.id).status is EnrolmentStatus.COMPLETED
    assert completions == [enrolment.id]
