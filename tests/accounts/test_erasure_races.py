"""Deleting an account twice at the same moment (a double click, two administrators) deletes it
once, and gives a seat it held away once."""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from academy.accounts import erasure
from academy.accounts.models import User
from academy.audit.models import AuditEvent
from academy.nominations.models import Edition, Nomination, NominationStatus
from academy.nominations.operations import CHANGED_MEANWHILE, CHANGED_MEANWHILE_MESSAGE, NominationRefused

from ..factories import DEFAULT_PASSWORD
from ..fixtures_auth import sign_in_client

DELETE_FORM = {"current_password": DEFAULT_PASSWORD, "understood": "y"}


@pytest.fixture
def seated(make, db):
    """A trainee holding the one seat of an edition, and two nominees waiting for it."""
    edition = make.edition(seats=1)
    person = make.trainee(email="double.click@example.org", display_name="Dora Double")
    make.nomination(edition, make.organisation(), status="accepted", email=person.email)
    waiting = [make.nomination(edition, make.organisation(), status="waitlisted").id for _ in range(2)]
    db.session.commit()
    return dict(edition=edition, person=person, email=person.email, waiting=waiting)


def _after_the_other_request(monkeypatch, other_request):
    """Make the erasure under test read what it needs, then let ``other_request`` run to its end
    (in a thread: its own application context and database session, as in another worker)
    before it writes anything."""
    real_utcnow, outcome, started = erasure.utcnow, {}, []

    def then(*args):
        if not started:  # once: the other request calls this too
            started.append(True)
            thread = threading.Thread(target=lambda: outcome.update(response=other_request()))
            thread.start()
            thread.join(30)
        return real_utcnow(*args)

    monkeypatch.setattr(erasure, "utcnow", then)
    return outcome


def _assert_erased_once(db, seated):
    db.session.expire_all()
    statuses = [db.session.get(Nomination, id_).status for id_ in seated["waiting"]]
    assert statuses == [NominationStatus.ACCEPTED, NominationStatus.WAITLISTED]
    assert db.session.get(Edition, seated["edition"].id).seats_taken == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "account.erase")) == 1
    assert db.session.scalar(sa.select(sa.func.count(User.id)).where(User.email == seated["email"])) == 0


def test_a_double_submitted_deletion_deletes_once_and_frees_the_seat_once(seated, db, web, monkeypatch):
    first, second = web.test_client(), web.test_client()
    token = sign_in_client(first, seated["person"])
    with second.session_transaction() as session:  # the same browser: the same session
        session.update(_user_id=token, _fresh=True)
    outcome = _after_the_other_request(monkeypatch, lambda: second.post("/profile/delete", data=DELETE_FORM))

    response = first.post("/profile/delete", data=DELETE_FORM)

    assert outcome["response"].status_code == 302
    assert response.status_code == 302  # the account is gone, as asked: no error page
    _assert_erased_once(db, seated)


def test_two_administrators_deleting_the_same_account_delete_it_once(seated, make, db, client_for, monkeypatch):
    first, second = client_for(make.admin()), client_for(make.admin())
    address = f"/admin/users/{seated['person'].id}/erase"
    form = {"email": seated["person"].email}
    outcome = _after_the_other_request(monkeypatch, lambda: second.post(address, data=form))

    response = first.post(address, data=form)

    assert outcome["response"].status_code == 302
    assert response.status_code == 302
    _assert_erased_once(db, seated)


def test_a_nomination_changed_during_the_deletion_stops_it_with_a_message(seated, db, client_for, monkeypatch):
    """Someone withdrew the person's nomination between the deletion's reading and its writing
    (the status machine then refuses, see tests/nominations/test_concurrency.py): nothing is
    deleted, the person is told, and deleting again works."""
    real_transition = erasure.apply_transition

    def changed_meanwhile(*args, **kwargs):
        raise NominationRefused(CHANGED_MEANWHILE, CHANGED_MEANWHILE_MESSAGE)

    monkeypatch.setattr(erasure, "apply_transition", changed_meanwhile)
    owner = client_for(seated["person"])
    response = owner.post("/profile/delete", data=DELETE_FORM)

    assert response.status_code == 409
    assert "changed this nomination a moment ago" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(User.id)).where(User.email == seated["email"])) == 1
    monkeypatch.setattr(erasure, "apply_transition", real_transition)
    assert owner.post("/profile/delete", data=DELETE_FORM).status_code == 302
    _assert_erased_once(db, seated)
