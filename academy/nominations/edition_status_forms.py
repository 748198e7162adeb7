"""Forms about an edition's status: the status filter of the editions list and the status buttons."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectChoice, SelectField, ValidationError
from wtforms.validators import DataRequired

from ..core.forms import AcademyForm
from .edition_operations import EditionAction
from .models import EditionStatus

#: The status filter above the list: current editions (not archived) unless asked otherwise.
STATUS_FILTERS = ([SelectChoice("", _l("Current (not archived)"))]
                  + [SelectChoice(status.value, status.label) for status in EditionStatus]
                  + [SelectChoice("all", _l("All"))])


class EditionFilterForm(AcademyForm):
    """The status filter of the editions list, read from the query string."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), validate_choice=False, choices=STATUS_FILTERS)

    def validate_status(self, field) -> None:
        if field.data and field.data not in {choice.value for choice in STATUS_FILTERS}:
            raise ValidationError(_l("Choose a status from the list."))

    def statuses(self) -> list[EditionStatus]:
        """The statuses to list (a status that did not validate falls back to the current ones)."""
        value = self.status.data if not self.status.errors else ""
        if value == "all":
            return list(EditionStatus)
        if value:
            return [EditionStatus(value)]
        return [status for status in EditionStatus if status is not EditionStatus.ARCHIVED]


class StatusChangeForm(AcademyForm):
    """One status button of an edition (the form carries the CSRF token and the action)."""

    action = HiddenField(validators=[DataRequired()])

    def validate_action(self, field) -> None:
        if field.data not in {action.value for action in EditionAction}:
            raise ValidationError(_l("This is not an action an edition can take."))

    def chosen(self) -> EditionAction:
        """The action of the button that was pressed."""
        return EditionAction(self.action.data)
