"""Many admins accepting at the same instant never overflow the seats."""
import threading

import sqlalchemy as sa

from academy.extensions import db as _db
from academy.nominations import operations
from academy.nominations.models import Edition, Nomination, NominationStatus as S
from academy.nominations.operations import NominationRefused, transition

THREADS = 8


def accept_concurrently(app, nomination_ids):
    """Accept each nomination in its own thread, session and transaction, all released at once."""
    barrier = threading.Barrier(len(nomination_ids))
    outcomes, errors = {}, []

    def accept(nomination_id):
        try:
            with app.app_context():
                nomination = _db.session.get(Nomination, nomination_id)
                barrier.wait(timeout=30)
                try:
                    transition(nomination, S.ACCEPTED, actor=None, reason="race")
                    _db.session.commit()
                    outcomes[nomination_id] = "accepted"
                except NominationRefused as refusal:
                    _db.session.rollback()
                    outcomes[nomination_id] = refusal.code
        except Exception as error:  # noqa: BLE001 - reported to the main thread below
            errors.append(error)

    threads = [threading.Thread(target=accept, args=(nomination_id,)) for nomination_id in nomination_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return outcomes


def test_concurrent_acceptances_fill_the_last_seats_exactly(app, make, db):
    edition = make.edition(seats=10)
    for _ in range(7):
        make.nomination(edition, make.organisation(), status="accepted")
    waiting = [make.nomination(edition, make.organisation(), status="submitted").id for _ in range(THREADS)]
    db.session.commit()

    outcomes = accept_concurrently(app, waiting)

    db.session.expire_all()
    assert sorted(outcomes.values()) == ["accepted"] * 3 + [operations.SEATS_FULL] * (THREADS - 3)
    assert db.session.get(Edition, edition.id).seats_taken == 10
    seated = db.session.scalar(sa.select(sa.func.count(Nomination.id)).where(
        Nomination.edition_id == edition.id, Nomination.status == S.ACCEPTED))
    assert seated == 10


def test_concurrent_acceptances_never_exceed_the_quota(app, make, db):
    edition, organisation = make.edition(seats=20, quota_per_organisation=2), make.organisation()
    make.nomination(edition, organisation, status="accepted")
    waiting = [make.nomination(edition, organisation, status="submitted").id for _ in range(THREADS)]
    db.session.commit()

    outcomes = accept_concurrently(app, waiting)

    db.session.expire_all()
    assert sorted(outcomes.values()) == ["accepted"] + [operations.QUOTA_REACHED] * (THREADS - 1)
    assert db.session.get(Edition, edition.id).seats_taken == 2


def test_concurrent_acceptances_of_one_person_seat_them_once(app, make, db):
    """One address nominated by several organisations, every nomination accepted at once."""
    edition = make.edition(seats=20)
    waiting = [make.nomination(edition, make.organisation(), status="submitted", email="same.person@example.org").id
               for _ in range(THREADS)]
    db.session.commit()

    outcomes = accept_concurrently(app, waiting)

    db.session.expire_all()
    assert sorted(outcomes.values()) == ["accepted"] + [operations.ALREADY_SEATED] * (THREADS - 1)
    assert db.session.get(Edition, edition.id).seats_taken == 1
