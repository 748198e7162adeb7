"""The benchmark dataset's learning step: modules with lessons and quizzes, live sessions,
trainees, enrolments and lesson progress (``Sizes`` says how many; none by default)."""
from __future__ import annotations

from datetime import timedelta

from .dataset import CHUNK, TRAINEE_EMAIL, TRAINEE_PASSWORD, Build, step


_LESSON_BODY = "".join(
    f"<h2>Step {number}</h2><p>Knock, smile, introduce yourself and the campaign in one sentence; "
    f"ask an open question and listen before you answer. Note the answer on the walk sheet.</p>"
    f"<ul><li>Check the address</li><li>Respect a closed door</li><li>Thank them</li></ul>"
    for number in range(1, 9))


@step("learning")
def _learning(build: Build) -> None:
    """Modules with lessons and quizzes, live sessions, trainees, enrolments and lesson progress."""
    sizes = build.sizes
    if not sizes.trainees or not sizes.modules:
        return
    from academy.accounts.models import Role, User, UserRole
    from academy.accounts.passwords import hash_password
    from academy.curriculum.models import (Choice, Lesson, Level, Module, ModuleStatus, Question,
                                           QuestionKind, Quiz, Topic)
    from academy.db_types import utcnow
    from academy.learning.models import Enrolment, EnrolmentStatus, LessonProgress, QuizAttempt
    from academy.live.models import LiveSession

    now = utcnow().replace(microsecond=0)
    topics, levels = list(Topic), list(Level)
    per_module = sizes.lessons_per_module
    build.insert(Module, [dict(
        id=number, slug=f"bench-module-{number}", language="en", title=f"Module {number}: field organising",
        summary="How to plan, run and learn from a door-to-door canvass.", topic=topics[number % len(topics)],
        level=levels[number % len(levels)], estimated_hours=6,
        learning_outcomes=["Plan a canvass.", "Hold a doorstep conversation.", "Record what you learnt."],
        status=ModuleStatus.PUBLISHED, attendance_percent=0, created_at=now, updated_at=now,
    ) for number in range(1, sizes.modules + 1)])
    modules = list(range(1, sizes.modules + 1))
    lessons = {module: [(module - 1) * per_module + position for position in range(1, per_module + 1)]
               for module in modules}
    build.insert(Lesson, [dict(
        id=lesson_id, module_id=module, position=position, slug=f"lesson-{position}",
        title=f"Lesson {position} of module {module}", summary="A practical step of the canvass.",
        estimated_minutes=30, body_markdown="(benchmark)", body_html=_LESSON_BODY, updated_at=now,
    ) for module, ids in lessons.items() for position, lesson_id in enumerate(ids, start=1)])
    build.insert(Quiz, [dict(id=module, module_id=module, title="Check your knowledge", pass_mark=70,
                             max_attempts=3) for module in modules])
    questions, choices = [], []
    for module in modules:
        for position in range(1, 9):
            question_id = (module - 1) * 8 + position
            questions.append(dict(id=question_id, quiz_id=module, position=position, kind=QuestionKind.SINGLE,
                                  text=f"Question {position}?", explanation="Because listening comes first."))
            choices.extend(dict(id=(question_id - 1) * 4 + number, question_id=question_id, position=number,
                                text=f"Answer {number}", is_correct=number == 1) for number in range(1, 5))
    build.insert(Question, questions)
    build.insert(Choice, choices)
    # Two sessions held and two to come per module (the trainee's home lists the next ones).
    sessions = []
    for module in modules:
        for offset in (-14, -7, 7, 14):
            starts = now + timedelta(days=offset, hours=module % 24)
            sessions.append(dict(module_id=module, title=f"Session of module {module}", starts_at=starts,
                                 duration_minutes=90, ends_at=starts + timedelta(minutes=90),
                                 online_url="https://meet.example.org/bench", sequence=0,
                                 created_at=now, updated_at=now))
    build.insert(LiveSession, sessions)

    first_user = max(build.ids.get("users", [0]), default=0) + 1
    trainees = list(range(first_user, first_user + sizes.trainees))
    build.insert(User, [dict(
        id=user_id, email=TRAINEE_EMAIL if user_id == first_user else f"trainee{user_id}@example.org",
        display_name=f"Trainee {user_id}", preferred_language="en", is_active=True,
        password_hash=hash_password(TRAINEE_PASSWORD) if user_id == first_user else None,
        created_at=now,
    ) for user_id in trainees])
    build.insert(UserRole, [dict(user_id=user_id, role=Role.TRAINEE) for user_id in trainees])

    per_trainee = min(sizes.enrolments_per_trainee, len(modules))
    enrolment_count = len(trainees) * per_trainee
    # Consecutive pairs of enrolments have base + k and base - k lessons done: varied progress
    # that adds up to exactly ``lesson_progress`` when the enrolment count is even.
    base = min(per_module, sizes.lesson_progress // max(enrolment_count, 1))
    enrolments, progress, attempts = [], [], []
    enrolment_id = 0
    stamp = build.bound(LessonProgress, "completed_at", now)
    active = build.bound(Enrolment, "status", EnrolmentStatus.ACTIVE)
    completed_status = build.bound(Enrolment, "status", EnrolmentStatus.COMPLETED)

    def flush() -> None:
        build.insert_raw(Enrolment, ("id", "user_id", "module_id", "status", "created_at", "completed_at"),
                         enrolments)
        build.insert_raw(LessonProgress, ("enrolment_id", "lesson_id", "completed_at"), progress)
        build.insert(QuizAttempt, attempts)
        enrolments.clear(), progress.clear(), attempts.clear()

    for index, user_id in enumerate(trainees):
        for slot in range(per_trainee):
            enrolment_id += 1
            module = modules[(index + slot) % len(modules)]
            spread = min(base, per_module - base, ((enrolment_id - 1) // 2) % 6)
            done = base + spread if enrolment_id % 2 else base - spread
            completed = done == per_module
            enrolments.append((enrolment_id, user_id, module, completed_status if completed else active, stamp,
                               stamp if completed else None))
            progress.extend((enrolment_id, lesson_id, stamp) for lesson_id in lessons[module][:done])
            if completed:
                attempts.append(dict(enrolment_id=enrolment_id, quiz_id=module, number=1, started_at=now,
                                     submitted_at=now, choice_order={}, answers={}, score_percent=100,
                                     passed=True))
        if len(progress) >= CHUNK:
            flush()
    flush()
    build.ids["trainees"] = trainees
    trainee_modules = modules[:per_trainee]
    build.facts.update(trainee_email=TRAINEE_EMAIL, trainee_password=TRAINEE_PASSWORD,
                       trainee_module_id=trainee_modules[0], trainee_lesson_id=lessons[trainee_modules[0]][1])
