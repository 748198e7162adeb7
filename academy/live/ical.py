"""A small iCalendar (RFC 5545) writer: one calendar of events, in UTC, nothing more.

Only what the academy publishes is supported: a ``VCALENDAR`` holding ``VEVENT`` components timed in
UTC (``…Z``), with text escaped (§3.3.11), lines ended by CRLF and folded at 75 octets without
splitting a UTF-8 character (§3.1).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable

CRLF = "\r\n"
#: Longest line allowed, in octets, not counting the CRLF (RFC 5545 §3.1).
MAX_LINE_OCTETS = 75


@dataclass(frozen=True)
class Event:
    """One ``VEVENT``. Times must be aware; they are written in UTC."""

    uid: str
    stamp: datetime
    start: datetime
    end: datetime
    summary: str
    location: str | None = None
    url: str | None = None
    description: str | None = None
    #: Revision number: calendar programs keep the copy with the highest one.
    sequence: int = 0


def escape_text(value: str) -> str:
    """Escape a TEXT value: backslash, semicolon, comma and newlines (RFC 5545 §3.3.11)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def format_utc(moment: datetime) -> str:
    """A DATE-TIME in UTC form, ``19980119T070000Z`` (§3.3.5, form #2)."""
    if moment.tzinfo is None:
        raise ValueError("iCalendar times must be aware datetimes")
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _uri(value: str) -> str:
    # URI values are not TEXT and take no escaping, but a control character would break the
    # line structure: refuse rather than emit a broken calendar.
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        raise ValueError("a URI in a calendar may not contain control characters")
    return value


def fold(line: str) -> str:
    """Split ``line`` into pieces of at most 75 octets joined by CRLF + space (§3.1).

    Continuation lines begin with one space, which counts towards their 75 octets. A multi-octet
    UTF-8 character is never cut in two.
    """
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    limit = MAX_LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append("".join(current))
            current, size, limit = [], 0, MAX_LINE_OCTETS - 1
        current.append(char)
        size += width
    pieces.append("".join(current))
    return (CRLF + " ").join(pieces)


def _property(name: str, value: str) -> str:
    return fold(f"{name}:{value}")


def _event_lines(event: Event) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        _property("UID", escape_text(event.uid)),
        _property("DTSTAMP", format_utc(event.stamp)),
        _property("DTSTART", format_utc(event.start)),
        _property("DTEND", format_utc(event.end)),
        _property("SEQUENCE", str(int(event.sequence))),
        _property("SUMMARY", escape_text(event.summary)),
    ]
    if event.location:
        lines.append(_property("LOCATION", escape_text(event.location)))
    if event.url:
        lines.append(_property("URL", _uri(event.url)))
    if event.description:
        lines.append(_property("DESCRIPTION", escape_text(event.description)))
    lines += ["STATUS:CONFIRMED", "TRANSP:OPAQUE", "END:VEVENT"]
    return lines


def calendar(events: Iterable[Event], *, product_id: str, name: str | None = None,
             refresh_minutes: int | None = None) -> bytes:
    """The calendar holding ``events``, encoded as UTF-8, every line ended by CRLF.

    ``name`` and ``refresh_minutes`` suit subscribed feeds: the calendar's display name and how
    often clients should fetch it again (RFC 7986 NAME / REFRESH-INTERVAL, with the widely read
    ``X-WR-CALNAME`` / ``X-PUBLISHED-TTL`` equivalents).
    """
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", _property("PRODID", product_id),
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]
    if name:
        lines += [_property("NAME", escape_text(name)), _property("X-WR-CALNAME", escape_text(name))]
    if refresh_minutes:
        lines += [f"REFRESH-INTERVAL;VALUE=DURATION:PT{int(refresh_minutes)}M",
                  f"X-PUBLISHED-TTL:PT{int(refresh_minutes)}M"]
    for event in events:
        lines += _event_lines(event)
    lines.append("END:VCALENDAR")
    return (CRLF.join(lines) + CRLF).encode("utf-8")
