"""Changes that concern every trainee of a module evaluate their completion again: the rule edited,
a lesson deleted, a session cancelled (the course import: tests/curriculum/test_completion_on_import.py).
Each completes the enrolments that now meet the rule, exactly once."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from academy.audit.models import AuditEvent
from academy.db_types import utcnow
from academy.extensions import db
from academy.learning.models import Enrolment, EnrolmentStatus, LessonProgress

MODULE_FORM = {"title": "Canvassing basics", "summary": "Knock on doors well.", "topic": "canvassing",
               "level": "intermediate", "estimated_hours": "6",
               "learning_outcomes": "Plan a route.\r\nWrite a script.\r\nRecord answers.",
               "requires_all_lessons": "y", "requires_quiz": "y", "attendance_percent": "50"}


def _stored(enrolment) -> Enrolment:
    db.session.expire_all()
    return db.session.get(Enrolment, enrolment.id)


def _completion_events() -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "enrolment.complete")))


def _enrolled(make, module, **fields) -> Enrolment:
    return make.enrolment(make.trainee(), module, created_at=utcnow() - timedelta(days=30), **fields)


def test_editing_the_rule_completes_the_enrolments_that_now_meet_it(make, client_for, completions):
    trainer = make.trainer()
    module = make.module(trainers=[trainer], requires_all_lessons=True, requires_quiz=False,
                         attendance_percent=100)
    lesson = make.lesson(module)
    held = make.live_session(module, starts_at=utcnow() - timedelta(days=2))
    make.live_session(module, starts_at=utcnow() - timedelta(days=1))
    done, behind = _enrolled(make, module), _enrolled(make, module)
    make.attendance(held, done, "present")
    db.session.add(LessonProgress(enrolment_id=done.id, lesson_id=lesson.id))
    db.session.commit()
    client = client_for(trainer)

    # Changing something else than the rule evaluates nobody.
    unchanged_rule = dict(MODULE_FORM, requires_quiz="", attendance_percent="100")
    assert client.post(f"/teach/modules/{module.id}", data=unchanged_rule).status_code == 302
    assert completions == []
    # 1 of 2 sessions: a 50 % rule is met now.
    looser = dict(MODULE_FORM, requires_quiz="")
    assert client.post(f"/teach/modules/{module.id}", data=looser).status_code == 302

    assert _stored(done).status is EnrolmentStatus.COMPLETED
    assert _stored(behind).completed_at is None
    assert completions == [done.id]
    [event] = _completion_events()
    assert event.object_id == str(done.id) and event.actor_id == trainer.id
    # Saving the same rule again does not complete anybody twice.
    assert client.post(f"/teach/modules/{module.id}", data=dict(looser, attendance_percent="40")).status_code == 302
    assert len(completions) == 1 and len(_completion_events()) == 1


def test_deleting_a_lesson_completes_those_who_did_all_the_others(make, client_for, completions):
    trainer = make.trainer()
    module = make.module(trainers=[trainer], requires_all_lessons=True, requires_quiz=False,
                         attendance_percent=0)
    first, second = make.lesson(module), make.lesson(module)
    done = _enrolled(make, module)
    withdrawn = _enrolled(make, module, status=EnrolmentStatus.WITHDRAWN)
    for enrolment in (done, withdrawn):
        db.session.add(LessonProgress(enrolment_id=enrolment.id, lesson_id=first.id))
    db.session.commit()

    response = client_for(trainer).post(f"/teach/lessons/{second.id}/delete")

    assert response.status_code == 302
    assert _stored(done).status is EnrolmentStatus.COMPLETED
    assert _stored(withdrawn).status is EnrolmentStatus.WITHDRAWN
    assert completions == [done.id]
    assert len(_completion_events()) == 1


def test_cancelling_a_session_completes_those_who_attended_the_others(make, client_for, completions):
    trainer = make.trainer()
    module = make.module(trainers=[trainer], requires_all_lessons=False, requires_quiz=False,
                         attendance_percent=100)
    held = make.live_session(module, starts_at=utcnow() - timedelta(days=1))
    to_come = make.live_session(module, starts_at=utcnow() + timedelta(days=7))
    attended, absent = _enrolled(make, module), _enrolled(make, module)
    make.attendance(held, attended, "late")
    make.attendance(held, absent, "absent")
    client = client_for(trainer)

    response = client.post(f"/teach/sessions/{to_come.id}/cancel")

    assert response.status_code == 302
    assert _stored(attended).status is EnrolmentStatus.COMPLETED
    assert _stored(absent).completed_at is None
    assert completions == [attended.id]
    [event] = _completion_events()
    assert event.actor_id == trainer.id


def test_an_already_completed_enrolment_is_not_completed_again(make, client_for, completions):
    trainer = make.trainer()
    module = make.module(trainers=[trainer], requires_all_lessons=False, requires_quiz=False,
                         attendance_percent=100)
    to_come = make.live_session(module, starts_at=utcnow() + timedelta(days=7))
    finished_at = utcnow() - timedelta(days=3)
    finished = _enrolled(make, module, status=EnrolmentStatus.COMPLETED, completed_at=finished_at)

    assert client_for(trainer).post(f"/teach/sessions/{to_come.id}/cancel").status_code == 302

    assert _stored(finished).completed_at == finished_at
    assert completions == [] and _completion_events() == []

