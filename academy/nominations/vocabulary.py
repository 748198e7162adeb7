"""The words of nominations: an edition's format, parity rule and status, a nomination's status,
genders, and how each reads in the user's language (``.label``)."""
from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l


class EditionFormat(enum.Enum):
    ONLINE = "online"
    IN_PERSON = "in_person"
    BLENDED = "blended"

    @property
    def label(self):
        return _FORMAT_LABELS[self]


class ParityRule(enum.Enum):
    """How an edition balances women and men per organisation (see ``rules.parity_allows``)."""

    #: No parity rule.
    NONE = "none"
    #: Among each organisation's accepted nominees, women and men differ by at most one.
    BALANCED = "balanced"
    #: As ``balanced``, and women and men are submitted together, a woman and a man at once.
    PAIRS = "pairs"

    @property
    def label(self):
        return _PARITY_LABELS[self]


class EditionStatus(enum.Enum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    ARCHIVED = "archived"

    @property
    def label(self):
        return _EDITION_STATUS_LABELS[self]


class NominationStatus(enum.Enum):
    """Where a nomination stands; only ``operations.transition`` changes it."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    WAITLISTED = "waitlisted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    #: The nominee took the invitation and is a trainee of the edition.
    ENROLLED = "enrolled"

    @property
    def label(self):
        return _NOMINATION_STATUS_LABELS[self]


#: Statuses that hold a seat of the edition.
SEATED_STATUSES = (NominationStatus.ACCEPTED, NominationStatus.ENROLLED)


class Gender(enum.Enum):
    WOMAN = "woman"
    MAN = "man"
    OTHER = "other"
    UNDISCLOSED = "undisclosed"

    @property
    def label(self):
        return _GENDER_LABELS[self]


_FORMAT_LABELS = {
    EditionFormat.ONLINE: _l("Online"),
    EditionFormat.IN_PERSON: _l("In person"),
    EditionFormat.BLENDED: _l("Blended"),
}
_PARITY_LABELS = {
    ParityRule.NONE: _l("No parity rule"),
    ParityRule.BALANCED: _l("Balanced: women and men differ by at most one per organisation"),
    ParityRule.PAIRS: _l("Pairs: each organisation nominates a woman and a man together"),
}
_EDITION_STATUS_LABELS = {
    EditionStatus.DRAFT: _l("Draft"),
    EditionStatus.OPEN: _l("Open"),
    EditionStatus.CLOSED: _l("Closed"),
    EditionStatus.ARCHIVED: _l("Archived"),
}
_NOMINATION_STATUS_LABELS = {
    NominationStatus.DRAFT: _l("Draft"),
    NominationStatus.SUBMITTED: _l("Submitted"),
    NominationStatus.ACCEPTED: _l("Accepted"),
    NominationStatus.WAITLISTED: _l("Waiting list"),
    NominationStatus.DECLINED: _l("Declined"),
    NominationStatus.WITHDRAWN: _l("Withdrawn"),
    NominationStatus.ENROLLED: _l("Enrolled"),
}
#: How a nomination's audit entries read in its history (other actions show their code).
HISTORY_LABELS = {
    "nomination.created": _l("Nominated (draft)"),
    "nomination.updated": _l("Details changed"),
    "nomination.submitted": _l("Submitted to the academy"),
    "nomination.accepted": _l("Accepted"),
    "nomination.waitlisted": _l("Put on the waiting list"),
    "nomination.declined": _l("Declined"),
    "nomination.withdrawn": _l("Withdrawn"),
    "nomination.enrolled": _l("Took the invitation and joined"),
    "nomination.invitation_resent": _l("A new invitation link was sent"),
}
_GENDER_LABELS = {
    Gender.WOMAN: _l("Woman"),
    Gender.MAN: _l("Man"),
    Gender.OTHER: _l("Another gender"),
    Gender.UNDISCLOSED: _l("Prefers not to say"),
}
