"""Forms of the user administration: invite, edit, and the filters of the list."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (SearchField, SelectChoice, SelectField, SelectMultipleField, StringField, ValidationError,
                     widgets)
from wtforms.validators import DataRequired, Optional, StopValidation

from ..accounts.forms import display_name_field, email_field, language_field
from ..accounts.models import Role
from ..accounts.operations import find_user_by_email, normalise_email
from ..core.forms import AcademyForm, LongSelect, at_most


class MultiCheckboxField(SelectMultipleField):
    """Several choices as checkboxes (the field macro renders it as a fieldset with a legend)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class AtLeastOne:
    """At least one box ticked. Unlike DataRequired it sets no ``required`` flag, which would
    be rendered on every checkbox and announce each one as mandatory."""

    def __init__(self, message):
        self.message = message

    def __call__(self, form, field) -> None:
        if not field.data:
            raise StopValidation(self.message)


def optional_int(value):
    """Coerce a select's value to an int, with the empty choice meaning None."""
    if value in (None, "", "None"):
        return None
    return int(value)


def role_choices() -> list[SelectChoice]:
    """Every role, labelled in the reader's language."""
    return [SelectChoice(role.value, role.label) for role in Role]


def organisation_choices(organisations, empty_label) -> list[SelectChoice]:
    """The empty choice, then ``organisations`` (pairs of id and name, in the order given)."""
    return [SelectChoice("", empty_label)] + [SelectChoice(str(id_), name) for id_, name in organisations]


def organisation_field(label=_l("Organisation")) -> SelectField:
    """A select of organisations; the view sets the choices."""
    # No Optional(): it would stop the chain on the empty choice and skip validate_<field>.
    return SelectField(label, coerce=optional_int, choices=[], widget=LongSelect())


class _UserFieldsForm(AcademyForm):
    """What an administrator sets on an account, shared by inviting and editing."""

    display_name = display_name_field()
    preferred_language = language_field()
    organisation_id = organisation_field()
    roles = MultiCheckboxField(_l("Roles"), choices=role_choices,
                               validators=[AtLeastOne(_l("Choose at least one role."))])

    def set_organisation_choices(self, organisations) -> None:
        """Offer ``organisations`` (pairs of id and name, sorted) and the empty choice."""
        self.organisation_id.choices = organisation_choices(organisations, _l("No organisation"))

    def validate_organisation_id(self, field) -> None:
        if Role.COORDINATOR.value in (self.roles.data or []) and field.data is None:
            raise ValidationError(_l("A coordinator must belong to an organisation."))

    def role_set(self) -> set[Role]:
        return {Role(value) for value in self.roles.data}


class InviteUserForm(_UserFieldsForm):
    """Invite a person: their account exists at once, their password comes with the invitation."""

    email = email_field(description=_l("The invitation is sent to this address."))

    def validate_email(self, field) -> None:
        if find_user_by_email(field.data) is not None:
            raise ValidationError(_l("An account with this e-mail address exists already."))


class EditUserForm(_UserFieldsForm):
    """Change an account's name, language, organisation and roles."""

    def __init__(self, user, editor, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.editor = editor

    def validate_roles(self, field) -> None:
        if self.user.id == self.editor.id and Role.ADMIN.value not in (field.data or []):
            raise ValidationError(_l("You cannot remove your own administrator role. "
                                     "Ask another administrator to do it."))


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ResetTwoFactorForm(AcademyForm):
    """Turn off someone's two-step verification (a lost phone), saying why for the audit trail."""

    reason = StringField(_l("Reason"), filters=[_strip],
                         validators=[DataRequired(message=_l("Say why, for the audit trail.")), at_most(200)],
                         description=_l("For example: lost phone, confirmed by a call with the person."),
                         render_kw={"maxlength": 200})


class EraseUserForm(AcademyForm):
    """Delete someone's account and personal data for good, confirmed by typing their address."""

    email = StringField(_l("The account's e-mail address, to confirm"), filters=[_strip],
                        validators=[DataRequired(message=_l("Type the account's e-mail address to confirm.")),
                                    at_most(254)],
                        render_kw={"autocomplete": "off", "spellcheck": "false"})

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def validate_email(self, field) -> None:
        if normalise_email(field.data) != self.user.email:
            raise ValidationError(_l("This is not the e-mail address of this account."))


ACTIVE_CHOICES = [SelectChoice("", _l("Any")), SelectChoice("yes", _l("Active")),
                  SelectChoice("no", _l("Disabled"))]
TWO_FACTOR_CHOICES = [SelectChoice("", _l("Any")), SelectChoice("on", _l("On")), SelectChoice("off", _l("Off")),
                      SelectChoice("missing", _l("Off, though their role requires it"))]


class UserFilterForm(AcademyForm):
    """The list's search and filters, read from the query string."""

    class Meta:
        csrf = False  # a GET search changes nothing

    q = SearchField(_l("Search name or e-mail"), validators=[Optional(), at_most(100)],
                    render_kw={"maxlength": 100})
    role = SelectField(_l("Role"), choices=lambda: [SelectChoice("", _l("Any"))] + role_choices(),
                       validators=[Optional()])
    organisation = organisation_field()
    active = SelectField(_l("Status"), choices=ACTIVE_CHOICES, validators=[Optional()])
    two_factor = SelectField(_l("Two-step verification"), choices=TWO_FACTOR_CHOICES, validators=[Optional()])

    def set_organisation_choices(self, organisations) -> None:
        self.organisation.choices = organisation_choices(organisations, _l("Any"))
