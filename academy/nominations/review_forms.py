"""Forms of the admins' review: the queue's filters, one decision, and decisions on many at once."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import HiddenField, RadioField, SelectChoice, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, ValidationError

from ..extensions import db
from ..i18n import current_language
from ..core.forms import AcademyForm, at_most, parse_id
from ..organisations.forms import region_choices
from ..organisations.models import Organisation
from .models import Edition, Gender, NominationStatus
from .operations import REASON_MAX, can_transition

#: The statuses an admin reviews: drafts are the coordinators' unfinished work and stay theirs.
REVIEWED_STATUSES = tuple(status for status in NominationStatus if status is not NominationStatus.DRAFT)

#: Decision name → the status it moves a nomination to. Withdrawing is allowed whatever the
#: nomination window (coordinators may withdraw only while it is open): it is how an admin frees a
#: seat later; an accepted nominee's seat then goes to the waiting list, as on any withdrawal.
DECISIONS = {
    "accept": NominationStatus.ACCEPTED,
    "waitlist": NominationStatus.WAITLISTED,
    "decline": NominationStatus.DECLINED,
    "withdraw": NominationStatus.WITHDRAWN,
}
DECISION_CHOICES = (SelectChoice("accept", _l("Accept")), SelectChoice("waitlist", _l("Put on the waiting list")),
                    SelectChoice("decline", _l("Decline")), SelectChoice("withdraw", _l("Withdraw")))
#: The decisions that must say why.
REASON_REQUIRED = {
    "decline": _l("Say why the nomination is declined."),
    "withdraw": _l("Say why the nomination is withdrawn."),
}

#: The most nominations one bulk decision may name (a few pages of the queue).
BULK_MAX = 200


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _text(value) -> str:
    return "" if value is None else str(value)


def edition_choices() -> list[tuple[str, str]]:
    """Every edition as ``(id, name)``, the latest to start first (one query, two columns)."""
    rows = db.session.execute(db.select(Edition.id, Edition.name)
                              .order_by(Edition.starts_on.desc(), Edition.id.desc()))
    return [(str(edition_id), name) for edition_id, name in rows]


def organisation_choices() -> list[tuple[str, str]]:
    """Every organisation as ``(id, name)`` sorted by name (one query, two columns)."""
    rows = db.session.execute(db.select(db.cast(Organisation.id, db.String), Organisation.name)
                              .order_by(db.func.lower(Organisation.name), Organisation.id))
    return rows.all()


class QueueFilterForm(AcademyForm):
    """The filters above the review queue, read from the query string.

    A value that is not one of the options is reported next to its field and the page answers
    400; the filter is then ignored rather than guessed. The options are plain ``(value, label)``
    lists in ``options`` that the template renders itself: the queue must stay fast, and
    WTForms' widgets cost more than the rest of the page for 500 organisations.
    """

    class Meta:
        csrf = False

    edition = StringField(_l("Edition"), filters=[_strip])
    region = StringField(_l("Region"), filters=[_strip])
    organisation = StringField(_l("Organisation"), filters=[_strip])
    status = StringField(_l("Status"), filters=[_strip])
    gender = StringField(_l("Gender"), filters=[_strip])

    def __init__(self, formdata, **kwargs):
        super().__init__(formdata=formdata, **kwargs)
        self.options = {
            "edition": [("", _l("All editions"))] + edition_choices(),
            "region": [("", _l("All regions"))] + region_choices(current_language()),
            "organisation": [("", _l("All organisations"))] + organisation_choices(),
            "status": [("", _l("All statuses"))] + [(s.value, s.label) for s in REVIEWED_STATUSES],
            "gender": [("", _l("All genders"))] + [(g.value, g.label) for g in Gender],
        }

    def options_html(self, name: str) -> Markup:
        """The ``<option>`` elements of one filter, the current value selected, escaped."""
        chosen = getattr(self, name).data or ""
        return Markup("".join(
            f'<option value="{escape(value)}"{" selected" if value == chosen else ""}>{escape(str(label))}</option>'
            for value, label in self.options[name]))

    def _check_choice(self, field, message) -> None:
        if field.data and field.data not in {value for value, _label in self.options[field.name]}:
            raise ValidationError(message)

    def validate_edition(self, field) -> None:
        self._check_choice(field, _l("Choose an edition from the list."))

    def validate_region(self, field) -> None:
        self._check_choice(field, _l("Choose a region from the list."))

    def validate_organisation(self, field) -> None:
        self._check_choice(field, _l("Choose an organisation from the list."))

    def validate_status(self, field) -> None:
        self._check_choice(field, _l("Choose a status from the list."))

    def validate_gender(self, field) -> None:
        self._check_choice(field, _l("Choose a gender from the list."))

    def filters(self) -> dict:
        """The valid filters as ids and enums (None when absent or invalid)."""
        def valid(field):
            return field.data if field.data and not field.errors else None

        status, gender = valid(self.status), valid(self.gender)
        return {
            "edition_id": parse_id(valid(self.edition)),
            "region_id": parse_id(valid(self.region)),
            "organisation_id": parse_id(valid(self.organisation)),
            "status": NominationStatus(status) if status else None,
            "gender": Gender(gender) if gender else None,
        }


class DecisionForm(AcademyForm):
    """Accept, waitlist, decline or withdraw one nomination; a decline or a withdrawal says why."""

    decision = RadioField(_l("Decision"), choices=list(DECISION_CHOICES),
                          validators=[DataRequired(_l("Choose a decision."))])
    reason = TextAreaField(_l("Reason"), filters=[_strip],
                           description=_l("Required to decline or withdraw. Kept with the decision and in its "
                                          "history, and sent to the nominee and their coordinator."),
                           validators=[at_most(REASON_MAX)])

    def validate_reason(self, field) -> None:
        message = REASON_REQUIRED.get(self.decision.data)
        if message is not None and not field.data:
            raise ValidationError(message)

    def offer_only(self, status: NominationStatus) -> None:
        """Offer only the decisions the status machine allows from ``status`` (the page of one
        nomination; a decision posted anyway is still refused by the machine, with its reason)."""
        self.decision.choices = [choice for choice in DECISION_CHOICES
                                 if can_transition(status, DECISIONS[choice.value])]

    @property
    def to_status(self) -> NominationStatus:
        return DECISIONS[self.decision.data]

    #: "yes" once the admin has confirmed a decline or a withdrawal on the page that says what it does.
    confirmed = HiddenField()

    @property
    def awaits_confirmation(self) -> bool:
        """Whether this (valid) decision cannot be undone and has not been confirmed yet."""
        return self.decision.data in REASON_REQUIRED and self.confirmed.data != "yes"


#: Where the error summary of a bulk decision leads for each field (ids in the queue's template).
BULK_ANCHORS = {"decision": "decision-accept", "reason": "reason", "nomination_ids": "bulk-nominations"}


class BulkDecisionForm(DecisionForm):
    """The same decision for the nominations ticked in the queue."""

    nomination_ids = SelectMultipleField(_l("Nominations"), validate_choice=False, coerce=_text)

    def ticked(self) -> frozenset[int]:
        """The ids that were ticked, to tick them again when the queue is shown anew (the queue
        shows only its own rows, so an id it does not list is never ticked)."""
        return frozenset(filter(None, (parse_id(text) for text in self.nomination_ids.data or ())))

    def validate_nomination_ids(self, field) -> None:
        ids = [parse_id(text) for text in field.data or ()]
        if not ids:
            raise ValidationError(_l("Tick at least one nomination."))
        if None in ids:
            raise ValidationError(_l("The list of nominations is not valid."))
        if len(set(ids)) > BULK_MAX:
            raise ValidationError(_l("Decide at most %(max)d nominations at once.", max=BULK_MAX))
        self.ids = list(dict.fromkeys(ids))
