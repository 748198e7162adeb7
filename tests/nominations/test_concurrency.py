"""Many admins deciding at the same instant never overflow the seats, nor change one nomination twice."""
import threading

import sqlalchemy as sa

from academy.extensions import db as _db
from academy.nominations import operations
from academy.nominations.models import Edition, Nomination, NominationStatus as S
from academy.nominations.operations import NominationRefused, transition

THREADS = 8


def change_concurrently(app, changes):
    """Make each ``(nomination id, status)`` change in its own thread, session and transaction: all
    read their nomination, then all change it at once. Return what each change came to, in order."""
    barrier = threading.Barrier(len(changes))
    outcomes, errors = [None] * len(changes), []

    def change(index, nomination_id, to_status):
        try:
            with app.app_context(), app.test_request_context():
                nomination = _db.session.get(Nomination, nomination_id)
                barrier.wait(timeout=30)
                try:
                    transition(nomination, to_status, actor=None, reason="race")
                    _db.session.commit()
                    outcomes[index] = to_status.value
                except NominationRefused as refusal:
                    _db.session.rollback()
                    outcomes[index] = refusal.code
        except Exception as error:  # noqa: BLE001 - reported to the main thread below
            errors.append(error)

    threads = [threading.Thread(target=change, args=(index, *item)) for index, item in enumerate(changes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return outcomes


def accept_concurrently(app, nomination_ids):
    """Accept each nomination in its own thread, session and transaction, all released at once."""
    return dict(zip(nomination_ids, change_concurrently(app, [(id_, S.ACCEPTED) for id_ in nomination_ids])))


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


def test_withdrawing_one_nominee_many_times_at_once_frees_their_seat_once(app, make, db):
    """A double click, or a coordinator and an admin at the same moment: one withdrawal, one promotion."""
    edition = make.edition(seats=1)
    seated = make.nomination(edition, make.organisation(), status="accepted")
    waiting = [make.nomination(edition, make.organisation(), status="waitlisted").id for _ in range(2)]
    db.session.commit()

    outcomes = change_concurrently(app, [(seated.id, S.WITHDRAWN)] * 4)

    db.session.expire_all()
    assert sorted(outcomes) == [operations.CHANGED_MEANWHILE] * 3 + ["withdrawn"]
    statuses = [db.session.get(Nomination, id_).status for id_ in waiting]
    assert statuses == [S.ACCEPTED, S.WAITLISTED]  # the first in line, and only them
    assert db.session.get(Edition, edition.id).seats_taken == 1


def test_accepting_and_declining_one_nominee_at_once_makes_one_decision(app, make, db):
    edition = make.edition(seats=5)
    nomination = make.nomination(edition, make.organisation(), status="submitted")
    db.session.commit()

    outcomes = change_concurrently(app, [(nomination.id, S.ACCEPTED), (nomination.id, S.DECLINED)])

    db.session.expire_all()
    assert operations.CHANGED_MEANWHILE in outcomes
    decided = db.session.get(Nomination, nomination.id).status
    assert decided.value in outcomes
    assert db.session.get(Edition, edition.id).seats_taken == (1 if decided is S.ACCEPTED else 0)
