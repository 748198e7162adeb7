"""The audit log sends as many queries for 60 events (60 actors) as for 5."""
from __future__ import annotations

import pytest

from academy.audit.models import AuditEvent
from academy.audit.operations import record
from tests.querycount import count_queries

SMALL, LARGE = 5, 60


def _grow_to(make, db, rows: int) -> None:
    existing = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))
    for number in range(existing, rows):
        record(f"family{number % 7}.action{number}", actor=make.trainer(), object_type="organisations",
               object_id=number, changes={"name": {"from": "a", "to": "b"}})
        db.session.commit()


@pytest.mark.parametrize("query", ["", "?action=family1.*&actor=example&date_from=2000-01-01"])
def test_audit_list_queries_do_not_grow_with_events(make_app, make, db, login_as, query):
    web = make_app()
    client = web.test_client()
    with web.app_context():
        engine = db.engine
    login_as(make.admin(), on_client=client)
    _grow_to(make, db, SMALL)
    client.get("/admin/audit/" + query)  # warm-up
    with count_queries(engine) as small:
        assert client.get("/admin/audit/" + query).status_code == 200
    _grow_to(make, db, LARGE)
    with count_queries(engine) as large:
        assert client.get("/admin/audit/" + query).status_code == 200
    assert small.count > 0
    assert large.count == small.count, large.describe()
