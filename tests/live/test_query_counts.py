"""The live-session pages send as many SQL queries with many trainees and sessions as with few."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from academy.db_types import utcnow
from academy.extensions import db

from ..querycount import count_queries

SMALL, LARGE = 3, 12


def _grow(make, course, size: int, held) -> None:
    """Bring the module to ``size`` trainees (each with attendance at ``held``) and ``size`` sessions."""
    while len(course.enrolments) < size:
        trainee = make.trainee()
        enrolment = make.enrolment(trainee, course.module)
        make.attendance(held, enrolment, "late" if len(course.enrolments) % 2 else "present")
        course.trainees.append(trainee)
        course.enrolments.append(enrolment)
        make.live_session(course.module, trainer_id=course.trainer.id,
                          starts_at=utcnow() + timedelta(days=len(course.enrolments)),
                          location="Hall, Main Street")


def _count(client, path: str) -> tuple[int, str]:
    with client.application.app_context():
        engine = db.engine  # the engine of the application serving the request
    with count_queries(engine) as queries:
        response = client.get(path)
    assert response.status_code == 200, f"{path} answered {response.status_code}"
    return queries.count, queries.describe()


@pytest.mark.parametrize("page", ["attendance", "module_sessions", "my_sessions_trainer",
                                  "my_sessions_trainee", "feed"])
def test_live_pages_do_not_grow_queries_with_data(page, course, make, client_for):
    held = make.live_session(course.module, starts_at=utcnow() - timedelta(days=3),
                             trainer_id=course.trainer.id)
    viewer = course.trainees[0] if page in ("my_sessions_trainee", "feed") else course.trainer
    client = client_for(viewer)
    path = {
        "attendance": f"/teach/sessions/{held.id}/attendance",
        "module_sessions": f"/teach/modules/{course.module.id}/sessions",
        "my_sessions_trainer": "/learn/sessions",
        "my_sessions_trainee": "/learn/sessions",
    }.get(page)
    if page == "feed":
        created = client.post("/calendar/feed").text
        path = re.search(r'value="https?://[^/"]+(/calendar/[^"]+\.ics)"', created).group(1)
        client = client.application.test_client()  # calendar programs are not signed in

    _grow(make, course, SMALL, held)
    client.get(path)  # warm-up
    small, small_queries = _count(client, path)
    _grow(make, course, LARGE, held)
    large, large_queries = _count(client, path)

    assert small > 0
    assert large == small, (f"{path}: {small} queries with {SMALL} trainees, {large} with {LARGE}.\n"
                            f"{small_queries}\n---\n{large_queries}")
