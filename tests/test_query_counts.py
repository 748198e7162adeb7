"""Pages send the same number of SQL queries whatever the amount of data (no N+1 queries)."""
from __future__ import annotations

import pytest
from flask import url_for

from academy.accounts.models import Role
from academy.audit.operations import record

from .querycount import count_queries

SMALL, LARGE = 3, 40

#: (endpoint, signed in as an admin?) for every page whose queries must not grow with data.
PAGES = [
    ("core.index", True),
    ("accounts.sign_in", False),
    ("admin_users.list_users", True),
    ("organisations.list_organisations", True),
    ("audit.list_events", True),
]


def _grow_to(make, db, rows: int, region) -> None:
    """Bring organisations, users (several roles, with organisations) and audit events to ``rows``."""
    from academy.audit.models import AuditEvent
    from academy.organisations.models import Organisation

    existing = db.session.scalar(db.select(db.func.count()).select_from(Organisation))
    for number in range(existing, rows):
        organisation = make.organisation(region=region, name=f"Query Count Party {number}",
                                         short_name=f"QCP{number}")
        roles = [Role.COORDINATOR] if number % 2 else [Role.TRAINEE, Role.TRAINER]
        person = make.user(*roles, organisation=organisation)
        record("organisation.update", actor=person, target=organisation, field="name")
        db.session.commit()
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) >= rows


def _queries_for(client, engine, path: str) -> tuple[int, str]:
    with count_queries(engine) as queries:
        response = client.get(path)
    assert response.status_code == 200, f"{path} answered {response.status_code}"
    return queries.count, queries.describe()


@pytest.mark.parametrize(("endpoint", "as_admin"), PAGES, ids=[page[0] for page in PAGES])
def test_page_queries_do_not_grow_with_data(app, db, make, make_app, login_as, endpoint, as_admin):
    # A second application serves the requests: the ``app`` fixture's pushed context would be
    # shared by the test client, and its ``g`` and session would cache the signed-in user.
    web = make_app()
    client = web.test_client()
    with web.test_request_context():
        path = url_for(endpoint)
        engine = db.engine
    if as_admin:
        login_as(make.admin(), on_client=client)
    region = make.region()

    _grow_to(make, db, SMALL, region)
    client.get(path)  # warm-up: one-off work (first connection, caches) is not what we measure
    small_count, small_queries = _queries_for(client, engine, path)

    _grow_to(make, db, LARGE, region)
    large_count, large_queries = _queries_for(client, engine, path)

    if as_admin:  # the session lookup at least: proves the counter watches the right engine
        assert small_count > 0

    assert large_count == small_count, (
        f"{path}: {small_count} queries with {SMALL} rows but {large_count} with {LARGE}.\n"
        f"With {SMALL} rows:\n{small_queries}\nWith {LARGE} rows:\n{large_queries}"
    )


def test_query_counter_sees_each_statement(app, db):
    with count_queries() as queries:
        db.session.execute(db.text("SELECT 1"))
        db.session.execute(db.text("SELECT 2"))
    assert queries.count == 2
    assert "SELECT 2" in queries.describe()
