"""Promotions from the waiting list when a waiting nominee changes meanwhile, and in archived editions.

The race is simulated in one session: after ``promote_from_waitlist`` has read the waiting list,
the first waitlisted nominee is withdrawn behind the ORM's back, which is what PostgreSQL's READ
COMMITTED shows when a coordinator's withdrawal of that waitlisted nominee (which locks only the
nomination row, never the edition's) commits meanwhile. The seat goes to the next one.
"""
from __future__ import annotations

import sqlalchemy as sa

from academy.extensions import db as _db
from academy.nominations import waitlist
from academy.nominations.models import Nomination, NominationStatus as S
from academy.nominations.vocabulary import EditionStatus

from .editions.helpers import valid_form


def _withdraw_behind_the_back(monkeypatch, nomination_id):
    real = waitlist.seated_addresses
    done = []

    def then(edition_id):
        if not done:
            done.append(True)
            _db.session.execute(sa.update(Nomination).where(Nomination.id == nomination_id)
                                .values(status=S.WITHDRAWN).execution_options(synchronize_session=False))
        return real(edition_id)

    monkeypatch.setattr(waitlist, "seated_addresses", then)


def _status(db, nomination_id):
    db.session.expire_all()
    return db.session.get(Nomination, nomination_id).status


def _seated_and_two_waiting(make, db, edition) -> tuple[int, int, int]:
    """One nominee in the edition's one seat and two waiting, each of another organisation (ids)."""
    seated = make.nomination(edition, make.organisation(), status="accepted").id
    first, second = (make.nomination(edition, make.organisation(), status="waitlisted").id for _ in range(2))
    db.session.commit()
    return seated, first, second


def test_more_seats_while_a_waitlisted_nominee_is_withdrawn_go_to_the_next_one(client_for, make, db, monkeypatch):
    module = make.module()
    edition = make.edition(modules=[module], seats=1, quota_per_organisation=5, parity_rule=None)
    _, first, second = _seated_and_two_waiting(make, db, edition)
    _withdraw_behind_the_back(monkeypatch, first)

    response = client_for(make.admin()).post(
        f"/admin/editions/{edition.id}/edit",
        data=valid_form(module, name=edition.name, seats="2", quota_per_organisation="5", parity_rule="none"))

    assert response.status_code == 302
    assert _status(db, first) is S.WITHDRAWN and _status(db, second) is S.ACCEPTED


def test_a_withdrawal_is_not_refused_because_someone_on_the_waiting_list_changed(
        client_for, make, db, monkeypatch):
    leaving, first, second = _seated_and_two_waiting(make, db, make.edition(seats=1))
    _withdraw_behind_the_back(monkeypatch, first)

    response = client_for(make.admin()).post(
        f"/admin/nominations/{leaving}/decision",
        data={"decision": "withdraw", "reason": "Cannot travel.", "confirmed": "yes"})

    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert _status(db, leaving) is S.WITHDRAWN
    assert _status(db, second) is S.ACCEPTED


def test_an_archived_edition_promotes_and_accepts_nobody(client_for, make, db, outbox):
    """Its invitation links no longer work: nobody is told to take one up."""
    edition = make.edition(seats=1)
    leaving = make.nomination(edition, make.organisation(), status="accepted")
    waiting = make.nomination(edition, make.organisation(), status="waitlisted")
    edition.status = EditionStatus.ARCHIVED
    db.session.commit()
    admin = client_for(make.admin())

    response = admin.post(f"/admin/nominations/{leaving.id}/decision",
                          data={"decision": "withdraw", "reason": "Left.", "confirmed": "yes"})
    assert response.status_code == 302
    assert _status(db, leaving.id) is S.WITHDRAWN and _status(db, waiting.id) is S.WAITLISTED
    assert outbox(waiting.email) == []

    response = admin.post(f"/admin/nominations/{waiting.id}/decision",
                          data={"decision": "accept", "reason": "", "confirmed": "yes"})
    assert response.status_code in (400, 409)
    assert "This edition is archived" in response.get_data(as_text=True)
    assert _status(db, waiting.id) is S.WAITLISTED and outbox(waiting.email) == []
