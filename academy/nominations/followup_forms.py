"""The filters above the follow-up lists, read from the query string.

A value that is not one of the choices is reported next to its field (the page answers 400) and
then ignored, so a mangled link still shows the whole list rather than an error page.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import ValidationError

from ..core.forms import AcademyForm, LongSelect
from ..organisations.forms import parse_id


def _text(value) -> str:
    return "" if value is None else str(value)


class _ChoiceFilter(AcademyForm):
    """A filter of one select whose empty value means "all"."""

    class Meta:
        csrf = False

    def chosen(self, field) -> int | None:
        """The id chosen in ``field``, or None for "all" and for a value that did not validate."""
        return parse_id(field.data) if field.data and not field.errors else None

    @staticmethod
    def check_choice(field, message) -> None:
        if field.data and field.data not in {value for value, _label in field.choices}:
            raise ValidationError(message)


class EditionFilterForm(_ChoiceFilter):
    """A coordinator narrows their nominees to one edition."""

    edition = SelectField(_l("Edition"), validate_choice=False, coerce=_text)

    def __init__(self, formdata, *, editions, **kwargs):
        super().__init__(formdata=formdata, **kwargs)
        self.edition.choices = [("", _l("All editions"))] + [(str(item.id), item.name) for item in editions]

    def validate_edition(self, field) -> None:
        self.check_choice(field, _l("Choose an edition from the list."))

    @property
    def edition_id(self) -> int | None:
        return self.chosen(self.edition)


class OrganisationFilterForm(_ChoiceFilter):
    """An admin narrows an edition's nominees to one organisation."""

    organisation = SelectField(_l("Organisation"), validate_choice=False, coerce=_text, widget=LongSelect())

    def __init__(self, formdata, *, organisations, **kwargs):
        super().__init__(formdata=formdata, **kwargs)
        self.organisation.choices = ([("", _l("All organisations"))]
                                     + [(str(item.id), item.name) for item in organisations])

    def validate_organisation(self, field) -> None:
        self.check_choice(field, _l("Choose an organisation from the list."))

    @property
    def organisation_id(self) -> int | None:
        return self.chosen(self.organisation)
