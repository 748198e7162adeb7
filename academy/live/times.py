"""Wall-clock times in a person's time zone, and the UTC instants they stand for.

Trainers type a date and a time as their own clocks show them; the database keeps UTC. Twice a
year daylight saving time makes that mapping awkward: in spring an hour of wall-clock time never
happens (a *gap*), in autumn an hour happens twice (a *fold*). A time in a gap is refused with a
clear message; a time in a fold means its first occurrence (``fold=0``), and the caller is told.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from functools import lru_cache
from importlib import resources
from pathlib import Path
from zoneinfo import TZPATH, ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.dates import get_timezone_location


@lru_cache(maxsize=1)
def time_zone_names() -> tuple[str, ...]:
    """Every IANA time zone this system knows, sorted (the choices of a time-zone select)."""
    return tuple(sorted(available_timezones()))


@lru_cache(maxsize=1)
def listed_time_zone_names() -> tuple[str, ...]:
    """The time zones a person chooses from: every country's zones as the time-zone database's
    ``zone.tab`` lists them, and UTC, sorted. The database's older aliases (``US/Aleutian`` for
    ``America/Adak``, ``EET``, ``Etc/GMT+5``) would list places twice; they stay valid names
    (``is_time_zone``). Where no ``zone.tab`` is found, every name is listed."""
    known = _known_names()
    for table in _zone_tables():
        try:
            lines = table.read_text(encoding="utf-8").splitlines()
        except OSError:
            continue
        names = {fields[2] for fields in (line.split("\t") for line in lines if not line.startswith("#"))
                 if len(fields) >= 3 and fields[2] in known}
        if names:
            return tuple(sorted(names | ({"UTC"} & known)))
    return time_zone_names()


def _zone_tables() -> list:
    """Where ``zone.tab`` may be: the system's time-zone folders, then the ``tzdata`` package."""
    tables = [Path(folder) / "zone.tab" for folder in TZPATH]
    try:
        tables.append(resources.files("tzdata").joinpath("zoneinfo", "zone.tab"))
    except ModuleNotFoundError:
        pass
    return tables


@lru_cache(maxsize=8)
def time_zone_labels(language: str) -> tuple[tuple[str, str], ...]:
    """``(IANA name, label)`` of every listed time zone, the label naming its city in
    ``language`` (``("Africa/Cairo", "القاهرة (Africa/Cairo)")``), sorted by label.

    Kept per language for the life of the process: four hundred look-ups in Babel's data would
    otherwise be paid by every page showing the list.
    """
    labels = []
    for name in listed_time_zone_names():
        city = time_zone_city(name, language)
        labels.append((name, name if city == name else f"{city} ({name})"))
    return tuple(sorted(labels, key=lambda label: (_alphabetical(label[1]), label[0])))


def time_zone_city(name: str, language: str) -> str:
    """The city that names time zone ``name`` in ``language`` (``"القاهرة"`` for Africa/Cairo), or
    ``name`` itself where CLDR has none."""
    try:
        return get_timezone_location(name, locale=language, return_city=True)
    except LookupError:  # a name without CLDR data, such as "Factory"
        return name


def _alphabetical(text: str) -> str:
    """``text`` without accents or case (“Éfaté” sorts beside “Efate”, not after “Z”)."""
    return "".join(char for char in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(char)).casefold()


@lru_cache(maxsize=1)
def _known_names() -> frozenset[str]:
    return frozenset(time_zone_names())


def is_time_zone(name: str | None) -> bool:
    """Whether ``name`` is a known IANA time zone (``Europe/Paris``, ``UTC``)."""
    return bool(name) and name in _known_names()


def zone(name: str | None) -> ZoneInfo:
    """The time zone called ``name``; UTC when the name is empty or unknown (never raises)."""
    if name and is_time_zone(name):
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo("UTC")


class NonexistentLocalTime(ValueError):
    """The wall-clock time falls in a daylight-saving gap: no instant has it in that zone."""


@dataclass(frozen=True)
class Instant:
    """A wall-clock time resolved to UTC; ``ambiguous`` when the clocks showed it twice."""

    utc: datetime
    ambiguous: bool


def to_utc(day: date, clock: time, zone_name: str) -> Instant:
    """The UTC instant at which the clocks of ``zone_name`` show ``day`` ``clock``.

    Raises ``NonexistentLocalTime`` inside a spring-forward gap; picks the earlier of the two
    instants inside an autumn fold.
    """
    tz = zone(zone_name)
    local = datetime.combine(day, clock.replace(tzinfo=None, fold=0)).replace(tzinfo=tz)
    utc = local.astimezone(timezone.utc)
    # A time in a gap does not survive the round trip: it comes back an hour off.
    if utc.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise NonexistentLocalTime(f"{day} {clock} does not exist in {tz.key}")
    ambiguous = local.utcoffset() != local.replace(fold=1).utcoffset()
    return Instant(utc=utc, ambiguous=ambiguous)


def to_local(moment: datetime, zone_name: str) -> datetime:
    """``moment`` (aware) as the clocks of ``zone_name`` show it."""
    return moment.astimezone(zone(zone_name))
