"""One form per use case: a session's details, the attendance list, confirming a POST."""
from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from wtforms import (DateField, FieldList, FormField, IntegerField, RadioField, SelectChoice,
                     SelectField, StringField, TimeField, URLField, ValidationError)
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional
from wtforms.widgets import HiddenInput

from ..core.forms import AcademyForm, at_most, with_parse_error
from .models import AttendanceStatus, LiveSession
from .times import NonexistentLocalTime, to_utc

#: Years a session may be scheduled in (keeps absurd dates away from date arithmetic).
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _max(column) -> int:
    return column.type.length


def validate_https_link(form, field) -> None:
    """Only https addresses with a host: an online session's link is opened by every trainee."""
    if not field.data:
        return
    try:
        parts = urlsplit(field.data)
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    if (parts is None or parts.scheme.lower() != "https" or not host
            or any(char.isspace() or ord(char) < 32 for char in field.data)):
        raise ValidationError(_l("Enter a link starting with https://."))


def _https_lowercase_scheme(value):
    if isinstance(value, str) and value.strip().lower().startswith("https://"):
        value = value.strip()
        return "https://" + value[len("https://"):]
    return _strip(value)


#: A ``HH:MM`` time.
HourMinuteField = with_parse_error(TimeField, _l("Enter a time as HH:MM."))


class SessionForm(AcademyForm):
    """Schedule or change a session. Date and time are read in the time zone of the person typing."""

    title = StringField(_l("Title"), filters=[_strip], validators=[
        DataRequired(_l("Give the session a title.")),
        at_most(_max(LiveSession.title))],
        render_kw={"maxlength": _max(LiveSession.title)})
    day = DateField(_l("Date"), validators=[InputRequired(_l("Enter the date."))])
    start_time = HourMinuteField(_l("Start time"), validators=[InputRequired(_l("Enter the start time."))])
    duration_minutes = IntegerField(_l("Duration in minutes"), default=90, validators=[
        InputRequired(_l("Enter the duration.")),
        NumberRange(min=5, max=1440, message=_l("Between %(min)d and %(max)d minutes."))],
        render_kw={"min": 5, "max": 1440})
    location = StringField(_l("Place"), filters=[_strip], validators=[
        Optional(), at_most(_max(LiveSession.location))],
        description=_l("Room and address, for a session in person."),
        render_kw={"maxlength": _max(LiveSession.location)})
    online_url = URLField(_l("Online link"), filters=[_https_lowercase_scheme], validators=[
        Optional(), at_most(_max(LiveSession.online_url)),
        validate_https_link],
        description=_l("For an online session: the https:// link of the video call. Only enrolled "
                       "trainees, trainers and administrators see it."),
        render_kw={"maxlength": _max(LiveSession.online_url)})
    trainer_id = SelectField(_l("Trainer"), coerce=int, validate_choice=False)

    def __init__(self, trainers, zone_name: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone_name = zone_name
        #: The start in UTC, set by a successful validation.
        self.starts_at = None
        #: True when the clocks showed the time twice (the first occurrence was taken).
        self.was_ambiguous = False
        self.trainer_id.choices = [SelectChoice(trainer.id, trainer.display_name) for trainer in trainers]
        hint = _l("In your time zone, %(zone)s.", zone=zone_name)
        self.day.description = hint
        self.start_time.description = hint

    def validate_day(self, field) -> None:
        if field.data and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
            raise ValidationError(_l("Choose a date between %(first)d and %(last)d.",
                                     first=FIRST_YEAR, last=LAST_YEAR))

    def validate_start_time(self, field) -> None:
        day = self.day.data
        if not isinstance(day, date) or field.data is None or not FIRST_YEAR <= day.year <= LAST_YEAR:
            return
        try:
            instant = to_utc(day, field.data, self.zone_name)
        except NonexistentLocalTime:
            raise ValidationError(_l(
                "This time does not exist in %(zone)s on that day: the clocks jump forward for "
                "daylight saving time. Choose a time outside the skipped hour.", zone=self.zone_name))
        self.starts_at, self.was_ambiguous = instant.utc, instant.ambiguous

    def validate_trainer_id(self, field) -> None:
        if not self.trainer_id.choices:
            raise ValidationError(_l("This module has no trainers yet. An administrator assigns them "
                                     "on the module's page."))
        if field.data not in {choice.value for choice in self.trainer_id.choices}:
            raise ValidationError(_l("Choose one of the module's trainers."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and not self.location.data and not self.online_url.data:
            self.location.errors.append(_l("Give a place, an online link, or both."))
            return False
        return valid

    def values(self) -> dict:
        """The session's columns as the form sets them."""
        return dict(title=self.title.data, starts_at=self.starts_at,
                    duration_minutes=self.duration_minutes.data, location=self.location.data or None,
                    online_url=self.online_url.data or None, trainer_id=self.trainer_id.data)


STATUS_CHOICES = [SelectChoice(status.value, status.label) for status in AttendanceStatus]


class AttendanceEntryForm(AcademyForm):
    """One trainee's row: which enrolment, and the status chosen (none yet is allowed)."""

    class Meta:
        csrf = False  # one token, for the whole list, is in ``AttendanceForm``

    enrolment_id = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    status = RadioField(_l("Attendance"), choices=STATUS_CHOICES, validators=[Optional()])


class AttendanceForm(AcademyForm):
    """The whole attendance list of one session, sent at once."""

    entries = FieldList(FormField(AttendanceEntryForm))

    def __init__(self, enrolment_ids, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.allowed_ids = frozenset(enrolment_ids)

    def validate_entries(self, field) -> None:
        ids = [entry.form.enrolment_id.data for entry in field.entries]
        if len(ids) != len(set(ids)) or not set(ids) <= self.allowed_ids:
            raise ValidationError(_l("The list of trainees has changed or is not one of this session's. "
                                     "Reload the page and try again."))

    def statuses(self) -> dict[int, AttendanceStatus]:
        """Enrolment id → status, for the rows where a status was chosen."""
        return {entry.form.enrolment_id.data: AttendanceStatus(entry.form.status.data)
                for entry in self.entries if entry.form.status.data}


class ConfirmForm(AcademyForm):
    """A button that only POSTs (with its CSRF token): cancel a session, regenerate a feed."""
