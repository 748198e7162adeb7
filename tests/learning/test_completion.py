"""The completion rule, evaluated whenever an input changes; an enrolment completes exactly once."""
from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, lazy_gettext as _l

from academy.audit.models import AuditEvent
from academy.db_types import utcnow
from academy.learning.completion import (_callbacks, evaluate_completion, evaluate_module_completions,
                                         notify_completed, on_enrolment_completed)
from academy.learning.models import Enrolment, EnrolmentStatus, LessonProgress, QuizAttempt
from academy.learning.progress import progress_for
from academy.learning.quiz import load_quiz
from academy.live.models import Attendance, AttendanceStatus, LiveSession


@pytest.fixture(autouse=True)
def _only_this_tests_hooks():
    """Features subscribed to completions (certificates) are tested on their own: not here."""
    saved = list(_callbacks)
    _callbacks.clear()
    yield
    _callbacks[:] = saved


def _progress(db, enrolment, lessons):
    for lesson in lessons:
        db.session.add(LessonProgress(enrolment_id=enrolment.id, lesson_id=lesson.id))
    db.session.commit()


def _attempt(db, enrolment, quiz, score, passed, number=1, submitted=True):
    db.session.add(QuizAttempt(enrolment_id=enrolment.id, quiz_id=quiz.id, number=number,
                               submitted_at=utcnow() if submitted else None,
                               score_percent=score if submitted else None, passed=passed))
    db.session.commit()


def _session(db, module, *, hours_from_now: int):
    session = LiveSession(module_id=module.id, title="Session", duration_minutes=60,
                          starts_at=(utcnow() + timedelta(hours=hours_from_now)).replace(microsecond=0))
    db.session.add(session)
    db.session.commit()
    return session


def _attend(db, session, enrolment, status=AttendanceStatus.PRESENT):
    db.session.add(Attendance(session_id=session.id, enrolment_id=enrolment.id, status=status))
    db.session.commit()


def _enrolled_days_ago(make, module, days: int = 30, **fields):
    """An enrolment created ``days`` ago, so that sessions of the last days count for it."""
    return make.enrolment(make.trainee(), module, created_at=utcnow() - timedelta(days=days), **fields)


def _events(db, action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


MATRIX = list(itertools.product(
    [True, False],   # requires_all_lessons
    [True, False],   # requires_quiz
    [0, 50],         # attendance_percent
    [True, False],   # every lesson done (else one of two)
    [True, False],   # quiz passed (else failed)
    [True, False],   # attended one session of two (else none)
))


@pytest.mark.parametrize(
    ("requires_all_lessons", "requires_quiz", "attendance_percent", "all_lessons", "quiz_passed", "attended"),
    MATRIX, ids=["-".join(str(int(value)) for value in case) for case in MATRIX])
def test_completion_rule_matrix(make, db, requires_all_lessons, requires_quiz, attendance_percent,
                                all_lessons, quiz_passed, attended):
    module = make.module(requires_all_lessons=requires_all_lessons, requires_quiz=requires_quiz,
                         attendance_percent=attendance_percent)
    lessons = [make.lesson(module), make.lesson(module)]
    quiz = make.quiz(module, pass_mark=60)
    enrolment = _enrolled_days_ago(make, module, days=3)
    _progress(db, enrolment, lessons if all_lessons else lessons[:1])
    _attempt(db, enrolment, quiz, 100 if quiz_passed else 50, quiz_passed)
    held = [_session(db, module, hours_from_now=-48), _session(db, module, hours_from_now=-24)]
    if attended:
        _attend(db, held[0], enrolment, AttendanceStatus.PRESENT)
    _attend(db, held[1], enrolment, AttendanceStatus.ABSENT)

    expected = ((not requires_all_lessons or all_lessons) and (not requires_quiz or quiz_passed)
                and (attendance_percent == 0 or attended))
    completed = evaluate_completion(enrolment)
    db.session.commit()

    assert completed is expected
    stored = db.session.get(Enrolment, enrolment.id)
    assert (stored.completed_at is not None) is expected
    assert stored.status is (EnrolmentStatus.COMPLETED if expected else EnrolmentStatus.ACTIVE)


def test_required_quiz_is_ignored_when_the_module_has_none(make, db):
    module = make.module(requires_all_lessons=True, requires_quiz=True)
    lesson = make.lesson(module)
    enrolment = make.enrolment(make.trainee(), module)
    _progress(db, enrolment, [lesson])
    assert evaluate_completion(enrolment) is True


def test_attendance_is_not_met_before_any_session_has_been_held(make, db):
    """Sessions to come count: nobody completes a module with live sessions without attending."""
    module = make.module(requires_all_lessons=False, requires_quiz=False, attendance_percent=100)
    enrolment = make.enrolment(make.trainee(), module)
    _session(db, module, hours_from_now=2)
    _session(db, module, hours_from_now=26)
    assert evaluate_completion(enrolment) is False
    progress = progress_for([enrolment.id])[enrolment.id]
    assert (progress.sessions_total, progress.sessions_held, progress.sessions_attended) == (2, 0, 0)
    assert db.session.get(Enrolment, enrolment.id).completed_at is None


def test_attendance_is_met_when_the_module_has_no_session_that_counts(make, db):
    module = make.module(requires_all_lessons=False, requires_quiz=False, attendance_percent=100)
    assert evaluate_completion(make.enrolment(make.trainee(), module)) is True
    # Sessions held before someone enrolled, without a record of them, do not count either.
    other = make.module(requires_all_lessons=False, requires_quiz=False, attendance_percent=100)
    _session(db, other, hours_from_now=-48)
    assert evaluate_completion(make.enrolment(make.trainee(), other)) is True


@pytest.mark.parametrize(("percent", "attended", "expected"), [
    (50, 2, True),     # 2 of 4 sessions, two of them still to come
    (50, 1, False),
    (75, 2, False),
    (100, 2, False),   # every session must be held and attended
])
def test_sessions_not_yet_held_count_in_the_share(make, db, percent, attended, expected):
    module = make.module(requires_all_lessons=False, requires_quiz=False, attendance_percent=percent)
    enrolment = _enrolled_days_ago(make, module)
    held = [_session(db, module, hours_from_now=-48), _session(db, module, hours_from_now=-24)]
    _session(db, module, hours_from_now=24)
    _session(db, module, hours_from_now=48)
    for live_session in held[:attended]:
        _attend(db, live_session, enrolment, AttendanceStatus.LATE)
    assert evaluate_completion(enrolment) is expected


def test_a_full_attendance_rule_is_met_once_the_last_session_is_attended(make, db):
    module = make.module(requires_all_lessons=False, requires_quiz=False, attendance_percent=100)
    enrolment = _enrolled_days_ago(make, module)
    first = _session(db, module, hours_from_now=-48)
    last = _session(db, module, hours_from_now=-1)
    _attend(db, first, enrolment)
    assert evaluate_completion(enrolment) is False
    _attend(db, last, enrolment)
    assert evaluate_completion(enrolment) is True


def test_a_late_enrolment_is_not_measured_against_sessions_held_before_it(make, db):
    module = make.module(requires_all_lessons=False, requires_quiz=False, attendance_percent=100)
    early = _enrolled_days_ago(make, module, days=10)
    before = [_session(db, module, hours_from_now=-24 * days) for days in (8, 6)]
    late = _enrolled_days_ago(make, module, days=5)
    after = [_session(db, module, hours_from_now=-24 * days) for days in (4, 2)]
    for live_session in after:
        _attend(db, live_session, early)
        _attend(db, live_session, late)

    progress = progress_for([early.id, late.id])
    assert (progress[early.id].sessions_total, progress[early.id].sessions_attended) == (4, 2)
    assert (progress[late.id].sessions_total, progress[late.id].sessions_attended) == (2, 2)
    assert progress[late.id].attendance_rate == 100
    assert evaluate_completion(early) is False
    assert evaluate_completion(late) is True
    assert before  # held, but only for the early enrolment


@pytest.mark.parametrize(("status", "expected"), [
    (AttendanceStatus.PRESENT, True),   # 2 of 2
    (AttendanceStatus.ABSENT, False),   # 1 of 2: the session recorded counts though held before
])
def test_a_session_recorded_before_the_enrolment_counts(make, db, status, expected):
    module = make.module(requires_all_lessons=False, requires_quiz=False, attendance_percent=100)
    earlier = _session(db, module, hours_from_now=-72)
    enrolment = _enrolled_days_ago(make, module, days=2)
    since = _session(db, module, hours_from_now=-24)
    _session(db, module, hours_from_now=-96)  # before the enrolment, nothing recorded: not counted
    _attend(db, earlier, enrolment, status)  # recorded afterwards by the trainer
    _attend(db, since, enrolment)
    assert progress_for([enrolment.id])[enrolment.id].sessions_total == 2
    assert evaluate_completion(enrolment) is expected


def test_an_attendance_record_at_a_session_to_come_does_not_count_as_attended(make, db):
    """Such rows cannot be recorded any more; any left from before do not complete anybody."""
    module = make.module(requires_all_lessons=False, requires_quiz=False, attendance_percent=100)
    enrolment = make.enrolment(make.trainee(), module)
    _attend(db, _session(db, module, hours_from_now=24), enrolment)
    progress = progress_for([enrolment.id])[enrolment.id]
    assert (progress.sessions_total, progress.sessions_held, progress.sessions_attended) == (1, 0, 0)
    assert evaluate_completion(enrolment) is False


@pytest.mark.parametrize(("statuses", "percent", "expected"), [
    ([AttendanceStatus.LATE, AttendanceStatus.PRESENT, AttendanceStatus.ABSENT], 67, False),   # 66.7 % < 67 %
    ([AttendanceStatus.LATE, AttendanceStatus.PRESENT, AttendanceStatus.ABSENT], 66, True),
    ([AttendanceStatus.EXCUSED, AttendanceStatus.PRESENT, AttendanceStatus.PRESENT], 100, False),
    ([AttendanceStatus.LATE, AttendanceStatus.LATE, AttendanceStatus.LATE], 100, True),
])
def test_attendance_counts_present_and_late_sessions_only(make, db, statuses, percent, expected):
    module = make.module(requires_all_lessons=False, requires_quiz=False, attendance_percent=percent)
    enrolment = make.enrolment(make.trainee(), module)
    for hours, status in enumerate(statuses, start=1):
        _attend(db, _session(db, module, hours_from_now=-hours), enrolment, status)
    assert evaluate_completion(enrolment) is expected


def test_attendance_of_another_enrolment_does_not_count(make, db):
    module = make.module(requires_all_lessons=False, requires_quiz=False, attendance_percent=100)
    mine = _enrolled_days_ago(make, module)
    theirs = _enrolled_days_ago(make, module)
    _attend(db, _session(db, module, hours_from_now=-1), theirs)
    assert evaluate_completion(mine) is False
    assert evaluate_completion(theirs) is True


def test_an_unsubmitted_attempt_does_not_pass_the_quiz(make, db):
    module = make.module(requires_all_lessons=False, requires_quiz=True)
    quiz = make.quiz(module)
    enrolment = make.enrolment(make.trainee(), module)
    _attempt(db, enrolment, quiz, None, False, submitted=False)
    assert evaluate_completion(enrolment) is False


def test_completion_happens_once_and_calls_the_hook_once(make, db, outbox):
    calls = []
    on_enrolment_completed(calls.append)
    on_enrolment_completed(calls.append)  # subscribing twice still means one call
    module = make.module(lessons=0, requires_all_lessons=True, requires_quiz=False, title="Door to door")
    trainee = make.trainee(preferred_language="fr")
    enrolment = make.enrolment(trainee, module)

    assert evaluate_completion(enrolment, actor=trainee) is True
    assert evaluate_completion(enrolment, actor=trainee) is False
    db.session.commit()

    assert calls == [enrolment]
    assert enrolment.status is EnrolmentStatus.COMPLETED and enrolment.completed_at is not None
    events = _events(db, "enrolment.complete")
    assert len(events) == 1 and events[0].object_id == str(enrolment.id) and events[0].actor_id == trainee.id
    (mail,) = outbox(trainee.email)
    with force_locale("fr"):
        subject = str(_l("You have completed %(title)s", title="Door to door"))
    assert mail.language == "fr" and mail.subject == subject and "Door to door" in mail.body_text


def test_a_stale_copy_cannot_complete_twice(make, db):
    """Two requests that both saw the enrolment open: only the conditional UPDATE's winner completes."""
    calls = []
    on_enrolment_completed(calls.append)
    module = make.module(requires_all_lessons=False, requires_quiz=False)
    enrolment = make.enrolment(make.trainee(), module)
    # Another worker completes it behind this session's back.
    db.session.execute(sa.update(Enrolment).where(Enrolment.id == enrolment.id)
                       .values(status=EnrolmentStatus.COMPLETED, completed_at=utcnow())
                       .execution_options(synchronize_session=False))
    assert enrolment.completed_at is None  # the stale copy
    assert evaluate_completion(enrolment) is False
    assert calls == []
    assert _events(db, "enrolment.complete") == []


def test_a_failing_hook_rolls_the_completion_back(make, db):
    def broken(enrolment):
        raise RuntimeError("certificate store down")

    on_enrolment_completed(broken)
    module = make.module(requires_all_lessons=False, requires_quiz=False)
    enrolment = make.enrolment(make.trainee(), module)
    with pytest.raises(RuntimeError):
        evaluate_completion(enrolment)
    db.session.rollback()
    assert db.session.get(Enrolment, enrolment.id).completed_at is None


def test_withdrawn_enrolments_never_complete(make, db):
    module = make.module(requires_all_lessons=False, requires_quiz=False)
    enrolment = make.enrolment(make.trainee(), module, status=EnrolmentStatus.WITHDRAWN)
    assert evaluate_completion(enrolment) is False


def test_notify_completed_calls_subscribers_in_order(make, db):
    order = []
    on_enrolment_completed(lambda enrolment: order.append("first"))
    on_enrolment_completed(lambda enrolment: order.append("second"))
    notify_completed(object())
    assert order == ["first", "second"]


def test_completing_the_last_lesson_completes_the_module(course, client_for, db, outbox):
    course.module.requires_quiz = False
    db.session.commit()
    client = client_for(course.trainee)
    for lesson in course.lessons:
        response = client.post(f"/learn/lessons/{lesson.id}/complete")
        assert response.status_code == 302
    db.session.rollback()
    enrolment = db.session.get(Enrolment, course.enrolment.id)
    assert enrolment.status is EnrolmentStatus.COMPLETED
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Congratulations" in page
    assert len([mail for mail in outbox(course.trainee.email) if "completed" in mail.subject]) == 1


def test_passing_the_quiz_after_the_lessons_completes_the_module(course, client_for, db):
    _progress(db, course.enrolment, course.lessons)
    client = client_for(course.trainee)
    attempt_url = client.post(f"/learn/modules/{course.module.id}/quiz/attempts").headers["Location"]
    right = {f"question_{question.id}": str(next(choice.id for choice in question.choices if choice.is_correct))
             for question in load_quiz(course.module.id).questions}
    assert client.post(attempt_url, data=right).status_code == 302
    db.session.rollback()
    assert db.session.get(Enrolment, course.enrolment.id).completed_at is not None


def test_evaluating_a_module_completes_each_enrolment_that_meets_the_rule_once(make, db):
    calls = []
    on_enrolment_completed(calls.append)
    module = make.module(requires_all_lessons=False, requires_quiz=False, attendance_percent=50)
    live_session = _session(db, module, hours_from_now=-1)
    attended, absent = _enrolled_days_ago(make, module), _enrolled_days_ago(make, module)
    withdrawn = _enrolled_days_ago(make, module, status=EnrolmentStatus.WITHDRAWN)
    for enrolment in (attended, withdrawn):
        _attend(db, live_session, enrolment)
    _attend(db, live_session, absent, AttendanceStatus.ABSENT)

    assert evaluate_module_completions(module) == [attended]
    assert evaluate_module_completions(module) == []
    db.session.commit()
    assert calls == [attended]
    assert len(_events(db, "enrolment.complete")) == 1
    assert db.session.get(Enrolment, withdrawn.id).completed_at is None


def test_evaluating_a_module_sends_the_same_queries_however_many_are_enrolled(make, db):
    from tests.querycount import count_queries

    module = make.module(requires_all_lessons=True, requires_quiz=False, lessons=1)
    make.enrolment(make.trainee(), module)
    with count_queries() as few:
        assert evaluate_module_completions(module) == []
    for _ in range(5):
        make.enrolment(make.trainee(), module)
    with count_queries() as many:
        assert evaluate_module_completions(module) == []
    assert many.count == few.count, many.describe()


def test_a_draft_module_completes_nobody_until_it_is_published(make, db, client_for, completions):
    """Trainees do not see a draft: no mail linking to a page that answers 404, no certificate."""
    from academy.curriculum.models import ModuleStatus
    from academy.curriculum.operations import set_module_status

    trainer = make.trainer()
    module = make.module(trainers=[trainer], lessons=1, requires_all_lessons=False, requires_quiz=False,
                         attendance_percent=100, status=ModuleStatus.DRAFT)
    enrolment = make.enrolment(make.trainee(), module)
    held = make.live_session(module, starts_at=utcnow() - timedelta(days=1))

    response = client_for(trainer).post(f"/teach/sessions/{held.id}/attendance", data={
        "entries-0-enrolment_id": str(enrolment.id), "entries-0-status": "present"})

    assert response.status_code == 302
    assert db.session.get(Enrolment, enrolment.id).status is EnrolmentStatus.ACTIVE and completions == []
    set_module_status(db.session.get(type(module), module.id), ModuleStatus.PUBLISHED, actor=make.admin())
    db.session.commit()
    assert db.session.get(Enrolment, enrolment.id).status is EnrolmentStatus.COMPLETED
    assert completions == [enrolment.id]
