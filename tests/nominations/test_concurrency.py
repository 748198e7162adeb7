"""Many admins deciding at the same instant never overflow the seats, nor change one nomination twice."""
import threading

import pytest
import sqlalchemy as sa

from academy.extensions import db as _db
from academy.nominations import bulk_decisions, operations, waitlist
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


def test_a_bulk_withdrawal_and_a_single_withdrawal_do_not_deadlock(app, make, db):
    """A bulk withdrawal (a waiting nominee first, then an accepted one) and a single withdrawal
    of another accepted nominee, whose promotion wants the waiting nominee's row: the bulk one
    locks the edition first, so the two take turns instead of PostgreSQL failing one with a
    deadlock (a 500 for the person)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks: PostgreSQL only (SQLite has one write lock)")
    edition = make.edition(seats=2)
    single = make.nomination(edition, make.organisation(), status="accepted").id
    waiting = make.nomination(edition, make.organisation(), status="waitlisted").id
    bulk_accepted = make.nomination(edition, make.organisation(), status="accepted").id
    db.session.commit()

    bulk_holds_waiting, single_holds_edition = threading.Event(), threading.Event()
    real_transition, real_seated = bulk_decisions.transition, waitlist.seated_addresses
    errors, outcomes = [], {}

    def bulk_transition(nomination, *args, **kwargs):
        if nomination.id == bulk_accepted:  # the waitlisted one is withdrawn (row locked) by now
            bulk_holds_waiting.set()
            single_holds_edition.wait(3)  # before the fix, the single one got there at once
        return real_transition(nomination, *args, **kwargs)

    def seated(edition_id):
        if threading.current_thread().name == "single":
            single_holds_edition.set()
        return real_seated(edition_id)

    def run(name, work):
        try:
            with app.app_context(), app.test_request_context():
                try:
                    work()
                    _db.session.commit()
                    outcomes[name] = "done"
                except NominationRefused as refusal:
                    _db.session.rollback()
                    outcomes[name] = refusal.code
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(f"{name}: {type(error).__name__}: {str(error).splitlines()[0]}")

    def bulk():
        nominations = [_db.session.get(Nomination, id_) for id_ in (waiting, bulk_accepted)]
        bulk_decisions.decide_many(nominations, S.WITHDRAWN, actor=None, decision="withdraw", reason="Bulk.")

    def one():
        bulk_holds_waiting.wait(10)
        transition(_db.session.get(Nomination, single), S.WITHDRAWN, actor=None, reason="Single.")

    bulk_decisions.transition, waitlist.seated_addresses = bulk_transition, seated
    try:
        threads = [threading.Thread(target=run, args=("bulk", bulk), name="bulk"),
                   threading.Thread(target=run, args=("single", one), name="single")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        bulk_decisions.transition, waitlist.seated_addresses = real_transition, real_seated

    assert errors == [], errors
    assert outcomes == {"bulk": "done", "single": "done"}
    db.session.expire_all()
    assert db.session.get(Edition, edition.id).seats_taken == 0
