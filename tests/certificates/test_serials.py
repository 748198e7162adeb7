"""Serial numbers: per-year counters that never hand out one number twice, even concurrently."""
from __future__ import annotations

import threading

from academy.certificates.codes import format_serial
from academy.certificates.models import allocate_serial
from academy.certificates.models import SerialCounter


def test_serials_start_at_one_each_year_and_count_up(db):
    assert allocate_serial(2031) == "AA-2031-000001"
    assert allocate_serial(2031) == "AA-2031-000002"
    assert allocate_serial(2032) == "AA-2032-000001"
    db.session.commit()
    assert db.session.get(SerialCounter, 2031).last_number == 2


def test_a_rolled_back_issuance_gives_its_number_back(db):
    allocate_serial(2033)
    db.session.commit()
    allocate_serial(2033)
    db.session.rollback()
    assert allocate_serial(2033) == "AA-2033-000002"


def test_serials_beyond_a_million_keep_counting():
    assert format_serial(2027, 1_234_567) == "AA-2027-1234567"


def test_concurrent_issuers_never_share_a_serial(app, db):
    results: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def issue_five():
        try:
            with app.app_context():
                for _ in range(5):
                    serial = allocate_serial(2040)
                    db.session.commit()
                    with lock:
                        results.append(serial)
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 — reported below
            errors.append(error)

    threads = [threading.Thread(target=issue_five) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(results) == [format_serial(2040, number) for number in range(1, 21)]
