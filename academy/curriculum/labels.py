"""Names of the curriculum's enums in the reader's language."""
from __future__ import annotations

from flask_babel import format_decimal, gettext as _, lazy_gettext as _l

from .models import Level, ModuleStatus, Topic

TOPIC_LABELS = {
    Topic.PARTY_ORGANISATION: _l("Party organisation"),
    Topic.CAMPAIGNING: _l("Campaigning"),
    Topic.CANVASSING: _l("Door-to-door canvassing"),
    Topic.ONLINE_CAMPAIGNS: _l("Online campaigns"),
    Topic.COMMUNICATION: _l("Communication"),
}

LEVEL_LABELS = {
    Level.FOUNDATION: _l("Foundation level"),
    Level.INTERMEDIATE: _l("Intermediate"),
    Level.ADVANCED: _l("Advanced"),
}

STATUS_LABELS = {
    ModuleStatus.DRAFT: _l("Draft"),
    ModuleStatus.PUBLISHED: _l("Published"),
    ModuleStatus.ARCHIVED: _l("Archived"),
}


def file_size(size: int) -> str:
    """A byte count for people ("340 KB", "2.5 MB"), in the reader's number format."""
    if size < 1024 * 1024:
        return _("%(size)s KB", size=format_decimal(max(1, round(size / 1024))))
    return _("%(size)s MB", size=format_decimal(round(size / (1024 * 1024), 1)))
