"""Wall-clock times in a time zone and the UTC instants they stand for, across DST changes."""
from __future__ import annotations

from datetime import date, datetime, time, timezone

import pytest

from academy.live.times import NonexistentLocalTime, is_time_zone, to_local, to_utc, zone


def test_santiago_summer_evening_is_three_hours_behind_utc():
    instant = to_utc(date(2025, 1, 15), time(18, 0), "America/Santiago")
    assert instant.utc == datetime(2025, 1, 15, 21, 0, tzinfo=timezone.utc)
    assert not instant.ambiguous


def test_kolkata_shows_the_same_instant_half_an_hour_off_the_hour():
    local = to_local(datetime(2025, 1, 15, 21, 0, tzinfo=timezone.utc), "Asia/Kolkata")
    assert (local.date(), local.time()) == (date(2025, 1, 16), time(2, 30))


def test_a_time_in_the_spring_forward_gap_is_refused():
    # Chile moves its clocks from 00:00 to 01:00 on 7 September 2025: 00:30 never happens.
    with pytest.raises(NonexistentLocalTime):
        to_utc(date(2025, 9, 7), time(0, 30), "America/Santiago")


def test_a_time_shown_twice_takes_its_first_occurrence():
    # Chile moves its clocks back from 24:00 to 23:00 on 5 April 2025: 23:30 happens twice.
    instant = to_utc(date(2025, 4, 5), time(23, 30), "America/Santiago")
    assert instant.ambiguous
    assert instant.utc == datetime(2025, 4, 6, 2, 30, tzinfo=timezone.utc)  # still at UTC−3


def test_unknown_zones_are_recognised_and_fall_back_to_utc():
    assert is_time_zone("Europe/Paris")
    assert not is_time_zone("Mars/Olympus_Mons")
    assert not is_time_zone("")
    assert zone("Mars/Olympus_Mons").key == "UTC"
