"""The organisations and regions lists send as many queries for 60 rows as for 5."""
from __future__ import annotations

import pytest

from tests.querycount import count_queries

SMALL, LARGE = 5, 60


def _grow_to(make, db, rows: int) -> None:
    from academy.organisations.models import Organisation

    existing = db.session.scalar(db.select(db.func.count()).select_from(Organisation))
    for number in range(existing, rows):
        # A region of its own for each: loading regions one by one would show at once.
        make.organisation(name=f"Counted Party {number}", short_name=f"CNT{number}",
                          region=make.region(), country="FR" if number % 2 else "DE")


@pytest.mark.parametrize("path", ["/admin/organisations/", "/admin/organisations/?status=all&q=counted",
                                  "/admin/regions/"])
def test_list_queries_do_not_grow_with_rows(make_app, make, db, login_as, path):
    # A separate application serves the requests so that the test's own session and ``g`` do not
    # answer from their caches.
    web = make_app()
    client = web.test_client()
    with web.app_context():
        engine = db.engine  # the serving application's engine, not the test's
    login_as(make.admin(preferred_language="fr"), on_client=client)
    _grow_to(make, db, SMALL)
    client.get(path)  # warm-up
    with count_queries(engine) as small:
        assert client.get(path).status_code == 200
    _grow_to(make, db, LARGE)
    with count_queries(engine) as large:
        assert client.get(path).status_code == 200
    assert small.count > 0
    assert large.count == small.count, large.describe()
