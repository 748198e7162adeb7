"""The iCalendar writer: escaping, folding at 75 octets, CRLF, UTC times — read back line by line."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from academy.live import ical

from .ical_parser import parse, physical_lines, unescape, unfold

START = datetime(2025, 3, 14, 18, 30, tzinfo=timezone.utc)


def _event(**fields) -> ical.Event:
    values = dict(uid="live-session-7@academy.example", stamp=START - timedelta(days=2), start=START,
                  end=START + timedelta(minutes=90), summary="Canvassing practice")
    values.update(fields)
    return ical.Event(**values)


def test_text_escaping_covers_backslash_semicolon_comma_and_newlines():
    assert ical.escape_text("a\\b;c,d\ne\r\nf\rg") == "a\\\\b\\;c\\,d\\ne\\nf\\ng"


def test_a_short_line_is_not_folded():
    assert ical.fold("SUMMARY:short") == "SUMMARY:short"


def test_folding_keeps_every_line_within_75_octets_and_round_trips():
    line = "DESCRIPTION:" + "x" * 200
    folded = ical.fold(line)
    pieces = folded.split("\r\n")
    assert len(pieces[0].encode()) == 75
    assert all(piece.startswith(" ") and len(piece.encode()) <= 75 for piece in pieces[1:])
    assert "".join(piece[1:] if index else piece for index, piece in enumerate(pieces)) == line


def test_folding_never_cuts_a_multibyte_character():
    line = "SUMMARY:" + "تدريب الحملات " * 20 + "🎉" * 30
    folded = ical.fold(line)
    for piece in folded.split("\r\n"):
        assert len(piece.encode("utf-8")) <= 75
        piece.encode("utf-8").decode("utf-8")
    assert folded.replace("\r\n ", "") == line


def test_times_are_written_in_utc_with_z():
    santiago = datetime(2025, 1, 15, 18, 0, tzinfo=ZoneInfo("America/Santiago"))
    assert ical.format_utc(santiago) == "20250115T210000Z"


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        ical.format_utc(datetime(2025, 1, 15, 18, 0))


def test_calendar_reads_back_with_every_property():
    awkward = "Room 3, floor 2; Calle \\Mayor\\ 5\nEntrance B"
    body = ical.calendar([_event(location=awkward, url="https://meet.example.org/a?x=1,2",
                                 description="Line one\nLine two, with; punctuation", sequence=3)],
                         product_id="-//Activist Academy//Live sessions//EN")
    parsed = parse(body)
    assert parsed["calendar"]["VERSION"] == "2.0"
    assert parsed["calendar"]["PRODID"] == "-//Activist Academy//Live sessions//EN"
    [event] = parsed["events"]
    assert event["UID"] == "live-session-7@academy.example"
    assert event["DTSTAMP"] == "20250312T183000Z"
    assert event["DTSTART"] == "20250314T183000Z"
    assert event["DTEND"] == "20250314T200000Z"
    assert event["SEQUENCE"] == "3"
    assert unescape(event["SUMMARY"]) == "Canvassing practice"
    assert unescape(event["LOCATION"]) == awkward
    assert unescape(event["DESCRIPTION"]) == "Line one\nLine two, with; punctuation"
    assert event["URL"] == "https://meet.example.org/a?x=1,2"


def test_every_line_ends_with_crlf_and_long_values_are_folded():
    body = ical.calendar([_event(summary="Strategy " * 30, description="ü" * 120)],
                         product_id="-//Test//EN", name="Sessions, all of them")
    lines = physical_lines(body)  # asserts CRLF endings and the 75-octet limit
    assert any(line.startswith(b" ") for line in lines), "long values must be folded"
    assert b"\n" not in body.replace(b"\r\n", b"")
    parsed = parse(body)
    assert unescape(parsed["events"][0]["SUMMARY"]) == "Strategy " * 30
    assert unescape(parsed["events"][0]["DESCRIPTION"]) == "ü" * 120
    assert unescape(parsed["calendar"]["X-WR-CALNAME"]) == "Sessions, all of them"


def test_a_feed_announces_its_refresh_interval_and_holds_many_events():
    events = [_event(uid=f"live-session-{number}@academy.example") for number in range(3)]
    parsed = parse(ical.calendar(events, product_id="-//Test//EN", name="Feed", refresh_minutes=60))
    assert parsed["calendar"]["REFRESH-INTERVAL;VALUE=DURATION"] == "PT60M"
    assert [event["UID"] for event in parsed["events"]] == [
        "live-session-0@academy.example", "live-session-1@academy.example", "live-session-2@academy.example"]


def test_an_empty_calendar_is_still_valid():
    parsed = parse(ical.calendar([], product_id="-//Test//EN"))
    assert parsed["events"] == []
    assert unfold(ical.calendar([], product_id="-//Test//EN"))[0] == "BEGIN:VCALENDAR"


def test_a_link_with_a_control_character_is_refused():
    with pytest.raises(ValueError):
        ical.calendar([_event(url="https://example.org/\r\nX-EVIL:1")], product_id="-//Test//EN")
