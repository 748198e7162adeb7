"""Live sessions as iCalendar events: one session as a download, or a person's whole feed."""
from __future__ import annotations

from typing import Iterable
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _

from . import ical
from .models import LiveSession

PRODUCT_ID = "-//Activist Academy//Live sessions//EN"
#: How often calendar programs are asked to fetch a feed again.
FEED_REFRESH_MINUTES = 60


def _uid_domain() -> str:
    # The UID must not change between requests, so it never comes from the Host header.
    host = urlsplit(current_app.config.get("SERVER_BASE_URL") or "").hostname
    return host or "activist-academy.invalid"


def session_uid(live_session: LiveSession) -> str:
    """The session's iCalendar UID: the same in every download and feed, for as long as it exists."""
    return f"live-session-{live_session.id}@{_uid_domain()}"


def session_event(live_session: LiveSession) -> ical.Event:
    """``live_session`` (its module and trainer loaded) as an event, in the reader's language."""
    details = [_("Module: %(title)s", title=live_session.module.title)]
    if live_session.trainer is not None:
        details.append(_("Trainer: %(name)s", name=live_session.trainer.display_name))
    if live_session.online_url:
        details.append(_("Online: %(url)s", url=live_session.online_url))
    return ical.Event(
        uid=session_uid(live_session),
        # Without METHOD:REQUEST, DTSTAMP is the time the event last changed (RFC 5545 §3.8.7.2).
        stamp=live_session.updated_at,
        start=live_session.starts_at,
        end=live_session.ends_at,
        summary=live_session.title,
        location=live_session.location or live_session.online_url,
        url=live_session.online_url,
        description="\n".join(details),
        sequence=live_session.sequence,
    )


def session_calendar(live_session: LiveSession) -> bytes:
    """A calendar holding just ``live_session``."""
    return ical.calendar([session_event(live_session)], product_id=PRODUCT_ID)


def feed_calendar(sessions: Iterable[LiveSession], *, name: str) -> bytes:
    """A subscribed calendar holding ``sessions``."""
    return ical.calendar((session_event(item) for item in sessions), product_id=PRODUCT_ID,
                         name=name, refresh_minutes=FEED_REFRESH_MINUTES)
