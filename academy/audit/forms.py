"""The filter above the audit log, read from the query string."""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Optional, ValidationError

from ..core.forms import AcademyForm, at_most, with_parse_error
from ..extensions import db
from .models import AuditEvent

#: A prefix choice is the action's first part followed by this, e.g. ``organisation.*``.
PREFIX_SUFFIX = ".*"
_OBJECT_TYPE = re.compile(r"^[a-z][a-z0-9_]*$")
#: Dates outside these bounds filter nothing (and cannot overflow when shifted between zones).
EARLIEST, LATEST = date(1900, 1, 1), date(9998, 12, 31)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _text(value) -> str:
    return "" if value is None else str(value)


#: A ``YYYY-MM-DD`` date.
IsoDateField = with_parse_error(DateField, _l("Enter a date as YYYY-MM-DD."))


def action_choices(actions: list[str]) -> list[tuple[str, str]]:
    """Choices for the action filter: each family (``organisation.*``) then each action."""
    families = sorted({action.split(".", 1)[0] for action in actions if "." in action})
    return ([(family + PREFIX_SUFFIX, _l("%(family)s — every action", family=family)) for family in families]
            + [(action, action) for action in sorted(actions)])


class AuditFilterForm(AcademyForm):
    """Filters of the audit log. Invalid values are reported next to their field and ignored."""

    class Meta:
        csrf = False

    action = SelectField(_l("Action"), validate_choice=False, coerce=_text)
    actor = StringField(_l("Actor's e-mail contains"), filters=[_strip], validators=[
        Optional(), at_most(254)])
    object_type = SelectField(_l("Object type"), validate_choice=False, coerce=_text)
    object_id = StringField(_l("Object id"), filters=[_strip], validators=[
        Optional(), at_most(64)])
    date_from = IsoDateField(_l("From"), validators=[Optional()])
    date_to = IsoDateField(_l("To"), validators=[Optional()])

    def __init__(self, formdata, **kwargs):
        super().__init__(formdata=formdata, **kwargs)
        # Two small indexed DISTINCT queries, whatever the size of the log.
        actions = list(db.session.scalars(db.select(AuditEvent.action).distinct()))
        types = sorted(db.session.scalars(
            db.select(AuditEvent.object_type).where(AuditEvent.object_type.is_not(None)).distinct()))
        self.action.choices = [("", _l("All actions"))] + action_choices(actions)
        if self.object_type.data and self.object_type.data not in types and _OBJECT_TYPE.match(self.object_type.data):
            types.append(self.object_type.data)  # a link to the history of an object nobody changed yet
        self.object_type.choices = [("", _l("All types"))] + [(name, name) for name in types]

    def validate_action(self, field) -> None:
        if field.data and field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose an action from the list."))

    def validate_object_type(self, field) -> None:
        if field.data and field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose an object type from the list."))

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and not self.date_from.errors and field.data < self.date_from.data:
            raise ValidationError(_l("The end date must not be before the start date."))

    def filters(self, zone: tzinfo) -> dict:
        """The valid filters (invalid ones dropped); dates, read in ``zone``, become ``since``/``before``."""
        def valid(field):
            return field.data if field.data and not field.errors else None

        action = valid(self.action)
        date_from, date_to = valid(self.date_from), valid(self.date_to)
        return {
            "action_prefix": action[:-1] if action and action.endswith(PREFIX_SUFFIX) else None,
            "action": action if action and not action.endswith(PREFIX_SUFFIX) else None,
            "actor": valid(self.actor),
            "object_type": valid(self.object_type),
            "object_id": valid(self.object_id),
            "since": _start_of(date_from, zone) if date_from and date_from >= EARLIEST else None,
            "before": _start_of(date_to + timedelta(days=1), zone) if date_to and date_to <= LATEST else None,
        }


def _start_of(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)
