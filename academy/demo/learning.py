"""Demo teaching: the course catalogue imported, trainers assigned, trainees enrolled, sessions set.

So that a person trying the demo finds something to study, teach and attend straight away.
"""
from __future__ import annotations

from datetime import timedelta

import click

from .. import PROJECT_ROOT
from ..curriculum.importer import import_catalogue
from ..curriculum.models import Module, module_trainers
from ..db_types import utcnow
from ..extensions import db
from ..learning.models import Enrolment
from ..live.models import Attendance, AttendanceStatus, LiveSession

#: trainer e-mail → (slug, language) of the modules they teach
TEACHING = {
    "trainer1@academy.example": [("party-organisation", "en"), ("campaigning", "en"),
                                 ("door-to-door-canvassing", "en"), ("online-campaigns", "en"),
                                 ("communication", "en")],
    "trainer2@academy.example": [("communication", "fr"), ("communication", "es"),
                                 ("party-organisation", "en")],
}

#: trainee e-mail → (slug, language) of the modules they are enrolled in
ENROLMENTS = {
    "trainee1@academy.example": [("party-organisation", "en"), ("campaigning", "en")],
    "trainee2@academy.example": [("party-organisation", "en"), ("online-campaigns", "en")],
    "trainee3@academy.example": [("communication", "es")],
    "trainee4@academy.example": [("door-to-door-canvassing", "en"), ("communication", "en")],
}


def _modules() -> dict[tuple[str, str], Module]:
    return {(module.slug, module.language): module for module in db.session.scalars(db.select(Module))}


def seed_learning(seed) -> None:
    """Import ``courses/`` when no module exists yet, then link the demo people to the modules."""
    modules = _modules()
    if not modules:
        with db.session.begin_nested() as savepoint:
            report = import_catalogue(PROJECT_ROOT / "courses")
            if not report.ok:
                # The rest of the demo is still useful: say why there are no modules and go on.
                savepoint.rollback()
                click.echo("Demo modules not imported; 'flask --app wsgi courses import courses' "
                           "shows why.", err=True)
                return
        seed.created["modules"] += len(report.outcomes)
        modules = _modules()

    taught = set(db.session.execute(db.select(module_trainers.c.module_id, module_trainers.c.user_id)).all())
    for email, keys in TEACHING.items():
        trainer = seed.users[email]
        for key in keys:
            module = modules.get(key)
            if module is not None and (module.id, trainer.id) not in taught:
                db.session.execute(module_trainers.insert().values(module_id=module.id, user_id=trainer.id))
                seed.created["teaching assignments"] += 1

    enrolled = {(row.user_id, row.module_id): row for row in db.session.scalars(db.select(Enrolment))}
    for email, keys in ENROLMENTS.items():
        trainee = seed.users[email]
        for key in keys:
            module = modules.get(key)
            if module is not None and (trainee.id, module.id) not in enrolled:
                enrolment = Enrolment(user_id=trainee.id, module_id=module.id,
                                      created_by_id=seed.users["admin@academy.example"].id)
                db.session.add(enrolment)
                enrolled[(trainee.id, module.id)] = enrolment
                seed.created["enrolments"] += 1
    db.session.flush()
    _seed_sessions(seed, modules.get(("party-organisation", "en")), enrolled)


def _seed_sessions(seed, module: Module | None, enrolled: dict) -> None:
    """One past session (with attendance taken) and one upcoming session of party organisation."""
    if module is None or db.session.scalar(db.select(LiveSession.id).where(LiveSession.module_id == module.id)):
        return
    trainer = seed.users["trainer1@academy.example"]
    today = utcnow().replace(minute=0, second=0, microsecond=0)
    past = LiveSession(module_id=module.id, title="Mapping your party's structures", trainer_id=trainer.id,
                       starts_at=today - timedelta(days=3), duration_minutes=90,
                       online_url="https://meet.academy.example/party-organisation-1")
    upcoming = LiveSession(module_id=module.id, title="Running a branch meeting that works",
                           trainer_id=trainer.id, starts_at=today + timedelta(days=7), duration_minutes=90,
                           location="Alliance secretariat, meeting room 2")
    db.session.add_all([past, upcoming])
    db.session.flush()
    for email, status in (("trainee1@academy.example", AttendanceStatus.PRESENT),
                          ("trainee2@academy.example", AttendanceStatus.EXCUSED)):
        enrolment = enrolled.get((seed.users[email].id, module.id))
        if enrolment is not None:
            db.session.add(Attendance(session_id=past.id, enrolment_id=enrolment.id, status=status,
                                      recorded_by_id=trainer.id))
    seed.created["live sessions"] += 2
