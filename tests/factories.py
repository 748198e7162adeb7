"""Factories: build valid objects with as few arguments as the test cares about."""
from __future__ import annotations

import itertools
from functools import lru_cache

from academy.accounts.models import Role, User, UserRole
from academy.accounts.passwords import hash_password
from academy.extensions import db
from academy.organisations.models import Organisation, OrganisationKind, Region

DEFAULT_PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


@lru_cache(maxsize=16)
def _cached_hash(password: str) -> str:
    # argon2id at ASVS strength takes tens of milliseconds: hash each test password once.
    return hash_password(password)


def region(code: str | None = None, **fields) -> Region:
    number = next(_counter)
    code = code or f"region-{number}"
    values = dict(code=code, name_en=f"Region {number}", name_fr=f"Région {number}",
                  name_es=f"Región {number}", name_ar=f"المنطقة {number}")
    values.update(fields)
    item = Region(**values)
    db.session.add(item)
    db.session.commit()
    return item


def organisation(**fields) -> Organisation:
    number = next(_counter)
    if "region" not in fields and "region_id" not in fields:
        fields["region"] = region()
    values = dict(name=f"Party of Test {number}", short_name=f"PT{number}", country="SE",
                  kind=OrganisationKind.PARTY)
    values.update(fields)
    item = Organisation(**values)
    db.session.add(item)
    db.session.commit()
    return item


def user(*roles: Role, email: str | None = None, password: str | None = DEFAULT_PASSWORD,
         **fields) -> User:
    number = next(_counter)
    values = dict(email=email or f"person{number}@example.org", display_name=f"Person {number}",
                  preferred_language="en")
    values.update(fields)
    values["email"] = values["email"].lower()
    item = User(**values)
    item.password_hash = _cached_hash(password) if password else None
    item.roles = [UserRole(role=role) for role in roles]
    db.session.add(item)
    db.session.commit()
    return item


def admin(**fields) -> User:
    return user(Role.ADMIN, **fields)


def coordinator(organisation_=None, **fields) -> User:
    return user(Role.COORDINATOR, organisation=organisation_ or organisation(), **fields)


def trainer(**fields) -> User:
    return user(Role.TRAINER, **fields)


def trainee(**fields) -> User:
    return user(Role.TRAINEE, **fields)


# --- Curriculum and learning (modules, lessons, quizzes, enrolments) --------------------------


def module(*, trainers=(), partners=(), lessons: int = 0, **fields):
    """A published English module (``lessons=N`` adds N lessons; ``trainers``/``partners`` lists)."""
    from academy.curriculum.models import Level, Module, ModuleStatus, Topic

    number = next(_counter)
    values = dict(slug=f"module-{number}", language="en", title=f"Module {number}",
                  summary=f"What module {number} teaches.", topic=Topic.CAMPAIGNING,
                  level=Level.FOUNDATION, estimated_hours=5,
                  learning_outcomes=[f"Outcome one of module {number}.", f"Outcome two of module {number}."],
                  status=ModuleStatus.PUBLISHED)
    values.update(fields)
    item = Module(**values)
    item.trainers = list(trainers)
    item.partners = list(partners)
    db.session.add(item)
    db.session.commit()
    for _ in range(lessons):
        lesson(item)
    return item


def lesson(module_, **fields):
    """A lesson appended at the end of ``module_`` (body_html as if sanitised at save)."""
    from academy.curriculum.models import Lesson

    number = next(_counter)
    if "position" not in fields:
        last = db.session.scalar(db.select(db.func.max(Lesson.position)).where(Lesson.module_id == module_.id))
        fields["position"] = (last or 0) + 1
    values = dict(module_id=module_.id, slug=f"lesson-{number}", title=f"Lesson {number}",
                  body_markdown=f"Text of lesson {number}.", body_html=f"<p>Text of lesson {number}.</p>")
    values.update(fields)
    item = Lesson(**values)
    db.session.add(item)
    db.session.commit()
    return item


def quiz(module_, questions=None, **fields):
    """A quiz for ``module_``; ``questions`` is a list of ``(kind, [(text, is_correct), ...])``.

    By default two single-answer questions whose first choice is right.
    """
    from academy.curriculum.models import Choice, Question, QuestionKind, Quiz

    if questions is None:
        questions = [("single", [("Right", True), ("Wrong", False), ("Also wrong", False)])] * 2
    item = Quiz(module_id=module_.id, title=fields.pop("title", "Check your knowledge"), **fields)
    for position, (kind, choices) in enumerate(questions, start=1):
        item.questions.append(Question(
            position=position, kind=QuestionKind(kind), text=f"Question {position}?",
            explanation=f"Why question {position} is answered so.",
            choices=[Choice(position=number, text=text, is_correct=correct)
                     for number, (text, correct) in enumerate(choices, start=1)],
        ))
    db.session.add(item)
    db.session.commit()
    return item


def enrolment(trainee_, module_, **fields):
    """``trainee_`` enrolled in ``module_``."""
    from academy.learning.models import Enrolment

    item = Enrolment(user_id=trainee_.id, module_id=module_.id, **fields)
    db.session.add(item)
    db.session.commit()
    return item


#: A tiny but genuine PDF, for file materials.
SAMPLE_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
              b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def material(lesson_, *, content: bytes | None = SAMPLE_PDF, url: str | None = None, **fields):
    """A material of ``lesson_``: a stored PDF by default, or a link when ``url`` is given."""
    from academy.curriculum.models import Material, MaterialKind
    from academy.media.storage import store

    values = dict(lesson_id=lesson_.id, title=f"Material {next(_counter)}")
    if url is not None:
        values.update(kind=MaterialKind.LINK, url=url)
    else:
        stored = store(content, "application/pdf")
        values.update(kind=MaterialKind.FILE, sha256=stored.sha256, filename="handout.pdf",
                      content_type=stored.content_type, size_bytes=stored.size_bytes)
    values.update(fields)
    item = Material(**values)
    db.session.add(item)
    db.session.commit()
    return item


# --- Live sessions and attendance -------------------------------------------------------------


def live_session(module_=None, *, starts_at=None, **fields):
    """A 90-minute session of ``module_`` (a new module by default) starting in a week, online."""
    from datetime import timedelta

    from academy.db_types import utcnow
    from academy.live.models import LiveSession

    number = next(_counter)
    module_ = module_ if module_ is not None else module()
    values = dict(module_id=module_.id, title=f"Session {number}",
                  starts_at=starts_at or (utcnow() + timedelta(days=7)).replace(microsecond=0),
                  duration_minutes=90, online_url=f"https://meet.example.org/session-{number}")
    values.update(fields)
    item = LiveSession(**values)
    db.session.add(item)
    db.session.commit()
    return item


def attendance(live_session_, enrolment_, status="present", **fields):
    """``enrolment_``'s attendance at ``live_session_`` (status by value: present, late, …)."""
    from academy.live.models import Attendance, AttendanceStatus

    item = Attendance(session_id=live_session_.id, enrolment_id=enrolment_.id,
                      status=AttendanceStatus(status), **fields)
    db.session.add(item)
    db.session.commit()
    return item


# --- Certificates -----------------------------------------------------------------------------


def certificate(enrolment_=None, **fields):
    """A certificate issued (rendered and stored) for ``enrolment_`` (a new one by default)."""
    from academy.certificates.operations import issue_certificate

    if enrolment_ is None:
        enrolment_ = enrolment(trainee(), module())
    item = issue_certificate(enrolment_, **fields)
    db.session.commit()
    return item


# --- Nominations (editions and nominations) ---------------------------------------------------


def edition(*, modules=(), regions=(), organisations=(), **fields):
    """An open edition whose nomination window is open now, starting in 60 days, 10 seats."""
    from datetime import timedelta

    from academy.db_types import utcnow
    from academy.nominations.models import Edition, EditionFormat, EditionStatus

    number = next(_counter)
    now = utcnow().replace(microsecond=0)
    starts_on = (now + timedelta(days=60)).date()
    values = dict(name=f"Edition {number}", description=f"Intake number {number}.", language="en",
                  format=EditionFormat.ONLINE, starts_on=starts_on, ends_on=starts_on + timedelta(days=30),
                  nominations_open_at=now - timedelta(days=1), nominations_close_at=now + timedelta(days=14),
                  seats=10, status=EditionStatus.OPEN)
    values.update(fields)
    item = Edition(**values)
    item.modules = list(modules)
    item.allowed_regions = list(regions)
    item.allowed_organisations = list(organisations)
    db.session.add(item)
    db.session.commit()
    return item


def nomination(edition_=None, organisation_=None, *, status="draft", gender="woman", age: int = 25, **fields):
    """A nomination written directly, not through the status machine (``status`` by value).

    A seated status (accepted, enrolled) also takes a seat, so ``seats_taken`` stays true.
    """
    from datetime import date

    from academy.db_types import utcnow
    from academy.nominations.models import Gender, Nomination, NominationStatus

    number = next(_counter)
    edition_ = edition_ if edition_ is not None else edition()
    organisation_ = organisation_ if organisation_ is not None else organisation()
    status = NominationStatus(status)
    now = utcnow()
    birth = date(edition_.starts_on.year - age, 1, 1)
    values = dict(edition_id=edition_.id, organisation_id=organisation_.id, status=status,
                  given_names=f"Nominee {number}", family_name="Tester", email=f"nominee{number}@example.org",
                  date_of_birth=birth, gender=Gender(gender), country="SE", languages=["en", "sv"],
                  party_role="Youth officer", motivation="Wants to learn.", consent_at=now,
                  consent_version="2026-01")
    if status is not NominationStatus.DRAFT:
        values["submitted_at"] = now
    if status in (NominationStatus.ACCEPTED, NominationStatus.WAITLISTED, NominationStatus.DECLINED,
                  NominationStatus.ENROLLED):
        values["decided_at"] = now
    if status is NominationStatus.WAITLISTED:
        values["waitlisted_at"] = now
    if status is NominationStatus.ENROLLED and "user_id" not in fields:
        values["user_id"] = trainee().id
    values.update(fields)
    item = Nomination(**values)
    db.session.add(item)
    if status in (NominationStatus.ACCEPTED, NominationStatus.ENROLLED):
        edition_.seats_taken += 1
    db.session.commit()
    return item
