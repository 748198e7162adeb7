"""Taking attendance: who may, forged lists, upserts, rates and the completion rule."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from academy.audit.models import AuditEvent
from academy.curriculum.models import module_trainers
from academy.db_types import utcnow
from academy.extensions import db
from academy.learning.models import EnrolmentStatus
from academy.learning.progress import progress_for
from academy.live import operations
from academy.live.attendance import attendance_rate, attendance_rates, session_tallies
from academy.live.models import Attendance, AttendanceStatus

PAST = datetime(2024, 5, 1, 15, 0, tzinfo=timezone.utc)


def _post(enrolments_and_statuses) -> dict:
    data = {}
    for index, (enrolment_id, status) in enumerate(enrolments_and_statuses):
        data[f"entries-{index}-enrolment_id"] = str(enrolment_id)
        if status:
            data[f"entries-{index}-status"] = status
    return data


def _recorded(session_id: int) -> dict[int, AttendanceStatus]:
    db.session.expire_all()
    return dict(db.session.execute(db.select(Attendance.enrolment_id, Attendance.status)
                                   .where(Attendance.session_id == session_id)).all())


def test_the_trainer_takes_attendance_for_everyone_at_once(course, client_for, make):
    live_session = make.live_session(course.module, starts_at=PAST)
    first, second = course.enrolments
    client = client_for(course.trainer)
    page = client.get(f"/teach/sessions/{live_session.id}/attendance")
    assert page.status_code == 200
    assert "Amina Abebe" in page.text and "Bruno Barros" in page.text
    assert page.text.count('type="radio"') == 2 * len(AttendanceStatus)

    response = client.post(f"/teach/sessions/{live_session.id}/attendance",
                           data=_post([(first.id, "present"), (second.id, "excused")]))
    assert response.status_code == 302
    assert _recorded(live_session.id) == {first.id: AttendanceStatus.PRESENT, second.id: AttendanceStatus.EXCUSED}
    [event] = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "attendance.record")).all()
    assert event.details["statuses"] == {str(first.id): "present", str(second.id): "excused"}
    assert event.actor_id == course.trainer.id

    again = client.get(f"/teach/sessions/{live_session.id}/attendance")
    checked = set(re.findall(r'<input checked id="entries-\d+-status-\d+" name="entries-(\d+)-status" '
                             r'type="radio" value="(\w+)">', again.text))
    assert checked == {("0", "present"), ("1", "excused")}


def test_everyone_not_yet_marked_can_be_ticked_present_before_saving(course, client_for, make):
    live_session = make.live_session(course.module, starts_at=PAST)
    first, second = course.enrolments
    make.attendance(live_session, first, "excused")
    client = client_for(course.trainer)
    page = client.get(f"/teach/sessions/{live_session.id}/attendance").text
    assert f'href="/teach/sessions/{live_session.id}/attendance?fill=present"' in page

    filled = client.get(f"/teach/sessions/{live_session.id}/attendance?fill=present")
    checked = set(re.findall(r'<input checked id="entries-\d+-status-\d+" name="entries-(\d+)-status" '
                             r'type="radio" value="(\w+)">', filled.text))
    assert checked == {("0", "excused"), ("1", "present")}  # what was recorded stays as it was
    assert _recorded(live_session.id) == {first.id: AttendanceStatus.EXCUSED}  # nothing saved yet
    assert client.get(f"/teach/sessions/{live_session.id}/attendance?fill=absent").status_code == 400


def test_saving_again_updates_rows_in_place(course, client_for, make):
    live_session = make.live_session(course.module, starts_at=PAST)
    first, second = course.enrolments
    make.attendance(live_session, first, "absent")
    client = client_for(course.trainer)
    response = client.post(f"/teach/sessions/{live_session.id}/attendance",
                           data=_post([(first.id, "late"), (second.id, None)]))
    assert response.status_code == 302
    assert _recorded(live_session.id) == {first.id: AttendanceStatus.LATE}
    assert db.session.scalar(db.select(db.func.count()).select_from(Attendance)) == 1
    row = db.session.get(Attendance, (live_session.id, first.id))
    assert row.recorded_by_id == course.trainer.id


def test_someone_who_does_not_teach_the_session_gets_403(course, client_for, make):
    live_session = make.live_session(course.module, starts_at=PAST)
    data = _post([(course.enrolments[0].id, "present")])
    for visitor in (make.trainer(), course.trainees[0], make.coordinator()):
        client = client_for(visitor)
        assert client.get(f"/teach/sessions/{live_session.id}/attendance").status_code == 403
        assert client.post(f"/teach/sessions/{live_session.id}/attendance", data=data).status_code == 403
    assert _recorded(live_session.id) == {}


def _add_trainer(module, trainer) -> None:
    db.session.execute(module_trainers.insert().values(module_id=module.id, user_id=trainer.id))
    db.session.commit()


def test_the_module_trainers_and_admins_may_take_attendance(course, client_for, make):
    colleague = make.trainer()
    _add_trainer(course.module, colleague)
    live_session = make.live_session(course.module, starts_at=PAST, trainer_id=colleague.id)
    for allowed in (colleague, course.trainer, make.admin()):
        assert client_for(allowed).get(f"/teach/sessions/{live_session.id}/attendance").status_code == 200


def test_a_trainer_taken_off_the_module_loses_the_sessions_they_led(course, client_for, make):
    leader = make.trainer()
    _add_trainer(course.module, leader)
    held = make.live_session(course.module, starts_at=PAST, trainer_id=leader.id)
    coming = make.live_session(course.module, trainer_id=leader.id, online_url="https://meet.example.org/back-room")
    db.session.execute(module_trainers.delete().where(module_trainers.c.module_id == course.module.id,
                                                      module_trainers.c.user_id == leader.id))
    db.session.commit()  # an admin took the leader off the module
    client = client_for(leader)

    roster = client.get(f"/teach/sessions/{held.id}/attendance")
    written = client.post(f"/teach/sessions/{held.id}/attendance", data=_post([(course.enrolments[0].id, "absent")]))
    calendar = client.get(f"/learn/sessions/{coming.id}.ics")
    listed = client.get("/learn/sessions").get_data(as_text=True)

    assert (roster.status_code, written.status_code, calendar.status_code) == (403, 403, 403)
    assert course.trainees[0].display_name not in roster.get_data(as_text=True)
    assert _recorded(held.id) == {}
    assert coming.title not in listed and "back-room" not in listed


def test_a_forged_enrolment_id_is_refused_with_400_and_nothing_is_saved(course, client_for, make):
    live_session = make.live_session(course.module, starts_at=PAST)
    other_module = make.module()
    stranger = make.enrolment(make.trainee(), other_module)
    withdrawn = make.enrolment(make.trainee(), course.module, status=EnrolmentStatus.WITHDRAWN)
    client = client_for(course.trainer)
    for forged in (stranger.id, withdrawn.id, 999999, "abc"):
        response = client.post(f"/teach/sessions/{live_session.id}/attendance",
                               data=_post([(course.enrolments[0].id, "present"), (forged, "present")]))
        assert response.status_code == 400, forged
        assert "Nothing was saved." in response.text
    duplicated = client.post(f"/teach/sessions/{live_session.id}/attendance",
                             data=_post([(course.enrolments[0].id, "present"), (course.enrolments[0].id, "absent")]))
    assert duplicated.status_code == 400
    bogus_status = client.post(f"/teach/sessions/{live_session.id}/attendance",
                               data=_post([(course.enrolments[0].id, "asleep")]))
    assert bogus_status.status_code == 400
    assert _recorded(live_session.id) == {}
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "attendance.record")) == 0


def test_the_operation_itself_refuses_forged_ids_before_writing(course, make):
    live_session = make.live_session(course.module, starts_at=PAST)
    stranger = make.enrolment(make.trainee(), make.module())
    with pytest.raises(operations.ForgedEnrolment):
        operations.record_attendance(live_session, {course.enrolments[0].id: AttendanceStatus.PRESENT,
                                                    stranger.id: AttendanceStatus.PRESENT}, actor=course.trainer)
    db.session.rollback()
    assert _recorded(live_session.id) == {}


def test_attendance_rates_count_present_and_late_over_started_sessions(course, make):
    first, second = course.enrolments
    now = utcnow()
    first.created_at = second.created_at = now - timedelta(days=40)  # enrolled before every session
    db.session.commit()
    held = [make.live_session(course.module, starts_at=now - timedelta(days=days)) for days in (30, 20, 10)]
    future = make.live_session(course.module, starts_at=now + timedelta(days=5))
    for live_session, status in zip(held, ("present", "late", "excused")):
        make.attendance(live_session, first, status)
    make.attendance(held[0], second, "absent")
    make.attendance(future, second, "present")  # not started: does not count yet

    rates = attendance_rates([first.id, second.id])
    assert (rates[first.id].held, rates[first.id].attended, rates[first.id].percent) == (3, 2, 67)
    assert (rates[second.id].held, rates[second.id].attended, rates[second.id].percent) == (3, 0, 0)
    assert attendance_rate(first.id) == rates[first.id]
    assert attendance_rate(999999) is None
    # The completion rule reads the same numbers.
    progress = progress_for([first.id, second.id])
    assert progress[first.id].sessions_attended == 2 and progress[first.id].sessions_held == 3


def test_a_late_joiners_rate_leaves_out_the_sessions_held_before_they_joined(course, make):
    joiner = course.enrolments[0]
    now = utcnow()
    joiner.created_at = now - timedelta(days=15)
    db.session.commit()
    make.live_session(course.module, starts_at=now - timedelta(days=30))  # before joining: does not count
    recorded_before = make.live_session(course.module, starts_at=now - timedelta(days=20))
    after = make.live_session(course.module, starts_at=now - timedelta(days=10))
    make.attendance(recorded_before, joiner, "present")  # recorded afterwards by the trainer: it counts
    make.attendance(after, joiner, "absent")

    rate = attendance_rate(joiner.id)
    assert (rate.held, rate.attended, rate.percent) == (2, 1, 50)
    progress = progress_for([joiner.id])[joiner.id]
    assert (progress.sessions_held, progress.sessions_attended) == (rate.held, rate.attended)


def test_a_rate_is_none_before_any_session_has_started(course, make):
    make.live_session(course.module, starts_at=utcnow() + timedelta(days=1))
    rate = attendance_rate(course.enrolments[0].id)
    assert (rate.held, rate.percent) == (0, None)


def test_session_tallies_count_each_status(course, make):
    live_session = make.live_session(course.module, starts_at=PAST)
    empty = make.live_session(course.module, starts_at=PAST)
    make.attendance(live_session, course.enrolments[0], "late")
    make.attendance(live_session, course.enrolments[1], "absent")
    tallies = session_tallies([live_session.id, empty.id])
    assert tallies[live_session.id].count(AttendanceStatus.LATE) == 1
    assert tallies[live_session.id].count(AttendanceStatus.PRESENT) == 0
    assert (tallies[live_session.id].recorded, tallies[live_session.id].attended) == (2, 1)
    assert tallies[empty.id].recorded == 0


def test_recording_attendance_completes_an_enrolment_that_now_meets_the_rule(make, client_for, fresh):
    trainer = make.trainer()
    module = make.module(trainers=[trainer], requires_all_lessons=False, requires_quiz=False,
                         attendance_percent=50)
    # Enrolled before both sessions: 1 of 2 attended meets 50 %.
    enrolment = make.enrolment(make.trainee(), module, created_at=PAST - timedelta(days=1))
    live_session = make.live_session(module, starts_at=PAST)
    make.live_session(module, starts_at=PAST + timedelta(days=7))
    assert fresh(enrolment).completed_at is None

    response = client_for(trainer).post(f"/teach/sessions/{live_session.id}/attendance",
                                        data=_post([(enrolment.id, "present")]))
    assert response.status_code == 302
    completed = fresh(enrolment)
    assert completed.status is EnrolmentStatus.COMPLETED
    assert completed.completed_at is not None
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "enrolment.complete")) == 1


def test_attendance_below_the_rule_does_not_complete(make, client_for, fresh):
    trainer = make.trainer()
    module = make.module(trainers=[trainer], requires_all_lessons=False, requires_quiz=False,
                         attendance_percent=75)
    enrolment = make.enrolment(make.trainee(), module, created_at=PAST - timedelta(days=1))
    sessions = [make.live_session(module, starts_at=PAST + timedelta(days=days)) for days in (0, 7)]
    client = client_for(trainer)
    client.post(f"/teach/sessions/{sessions[0].id}/attendance", data=_post([(enrolment.id, "present")]))
    client.post(f"/teach/sessions/{sessions[1].id}/attendance", data=_post([(enrolment.id, "absent")]))
    assert fresh(enrolment).completed_at is None


def test_attendance_at_a_session_that_has_not_started_is_refused(course, client_for, make):
    live_session = make.live_session(course.module, starts_at=utcnow() + timedelta(hours=1))
    client = client_for(course.trainer)
    page = client.get(f"/teach/sessions/{live_session.id}/attendance")
    assert page.status_code == 200
    assert "attendance can be taken once it has begun" in page.text
    assert 'type="radio"' not in page.text

    response = client.post(f"/teach/sessions/{live_session.id}/attendance",
                           data=_post([(course.enrolments[0].id, "present"), (course.enrolments[1].id, "late")]))

    assert response.status_code == 400
    assert "This session has not started yet" in response.text and "Nothing was saved." in response.text
    assert _recorded(live_session.id) == {}
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "attendance.record")) == 0


def test_the_operation_itself_refuses_a_session_that_has_not_started(course, make):
    live_session = make.live_session(course.module, starts_at=utcnow() + timedelta(minutes=5))
    with pytest.raises(operations.SessionNotStarted):
        operations.record_attendance(live_session, {course.enrolments[0].id: AttendanceStatus.PRESENT},
                                     actor=course.trainer)
    db.session.rollback()
    assert _recorded(live_session.id) == {}
    # From its start on, it is taken.
    changed = operations.record_attendance(live_session, {course.enrolments[0].id: AttendanceStatus.PRESENT},
                                           actor=course.trainer, now=live_session.starts_at)
    assert changed == {course.enrolments[0].id: AttendanceStatus.PRESENT}


def test_a_trainer_enrolled_in_their_own_module_can_neither_take_their_attendance_nor_complete_it(
        make, client_for, completions):
    """An admin enrolled them, or they were made a trainer after enrolling: they would take their
    own attendance and set the rule of their own certificate."""
    from academy.accounts.models import Role
    from academy.learning.models import Enrolment

    person = make.user(Role.TRAINER, Role.TRAINEE, display_name="Tess Ngata")
    module = make.module(lessons=1, requires_all_lessons=False, requires_quiz=False, attendance_percent=100)
    enrolment = make.enrolment(person, module)
    db.session.execute(module_trainers.insert().values(module_id=module.id, user_id=person.id))
    db.session.commit()
    live_session = make.live_session(module, starts_at=PAST)
    client = client_for(person)

    assert "Tess Ngata" not in client.get(f"/teach/sessions/{live_session.id}/attendance").get_data(as_text=True)
    response = client.post(f"/teach/sessions/{live_session.id}/attendance",
                           data={"entries-0-enrolment_id": str(enrolment.id), "entries-0-status": "present"})
    assert response.status_code == 400
    with pytest.raises(operations.ForgedEnrolment):
        operations.record_attendance(live_session, {enrolment.id: AttendanceStatus.PRESENT}, actor=make.admin())
    db.session.rollback()

    db.session.add(Attendance(session_id=live_session.id, enrolment_id=enrolment.id, status=AttendanceStatus.PRESENT,
                              recorded_at=utcnow(), recorded_by_id=person.id))  # recorded before they taught it
    db.session.commit()
    from academy.learning.completion import evaluate_completion, evaluate_module_completions
    assert evaluate_module_completions(module) == []
    assert evaluate_completion(db.session.get(Enrolment, enrolment.id)) is False
    assert db.session.get(Enrolment, enrolment.id).status is EnrolmentStatus.ACTIVE and completions == []
