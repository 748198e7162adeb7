"""One form per thing a person does with their own account."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, EmailField, PasswordField, SelectChoice, SelectField, SelectMultipleField,
                     StringField, ValidationError)
from wtforms.fields.choices import Choice
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired

from ..config import LANGUAGES
from ..core.forms import AcademyForm, LongSelect, at_most
from ..db_types import utcnow
from ..i18n import LANGUAGE_NAMES, current_language
from ..live.times import is_time_zone, time_zone_labels
from ..text import HIDDEN_CHARACTERS_MESSAGE, NOTHING_TO_PRINT_MESSAGE, has_hidden_characters, prints_as_nothing
from . import passwords

#: Column sizes, repeated by every form that writes them. A name holds a nomination's given
#: names and family name (120 characters each) with the space between them.
EMAIL_MAX = 254
NAME_MAX = 250


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _normalise_email(value):
    return value.strip().lower() if isinstance(value, str) else value


def email_field(label=_l("E-mail address"), **kwargs) -> EmailField:
    """An e-mail field: trimmed, lower-cased, syntax-checked (no DNS look-up), column-sized."""
    return EmailField(label, filters=[_normalise_email], validators=[
        DataRequired(), at_most(EMAIL_MAX),
        Email(message=_l("Please enter a valid e-mail address."), check_deliverability=False),
    ], render_kw={"autocomplete": "email", "maxlength": EMAIL_MAX}, **kwargs)


def refuse_hidden_characters(form, field) -> None:
    """A name validator: no control or invisible format characters (ZWNJ and ZWJ are allowed)."""
    if isinstance(field.data, str) and has_hidden_characters(field.data):
        raise ValidationError(HIDDEN_CHARACTERS_MESSAGE)


def refuse_names_printing_nothing(form, field) -> None:
    """A name validator: at least one letter or digit that prints (a certificate needs it)."""
    if isinstance(field.data, str) and field.data and prints_as_nothing(field.data):
        raise ValidationError(NOTHING_TO_PRINT_MESSAGE)


def display_name_field() -> StringField:
    """The name shown in the interface and on certificates."""
    return StringField(_l("Name"), filters=[_strip],
                       validators=[DataRequired(), refuse_hidden_characters, refuse_names_printing_nothing,
                                   at_most(NAME_MAX)],
                       description=_l("As it should appear on certificates."),
                       render_kw={"autocomplete": "name", "maxlength": NAME_MAX})


def language_field() -> SelectField:
    """The language of the interface and of every e-mail the person receives."""
    return SelectField(_l("Preferred language"), validators=[DataRequired()],
                       choices=[SelectChoice(code, LANGUAGE_NAMES[code]) for code in LANGUAGES])


class TimeZoneField(SelectField):
    """The list of time zones by their current names. A zone saved under an older alias of the
    time-zone database (``US/Eastern``) is added, selected, for the person who has it, so that
    saving the form does not change it behind their back."""

    def iter_choices(self):
        choices = super().iter_choices()
        if self.data and is_time_zone(self.data) and not any(choice.selected for choice in choices):
            choices.append(Choice(value=self.data, label=self.data, selected=True, render_kw={}))
        return choices


def time_zone_field() -> SelectField:
    """The time zone in which dates and times (live sessions above all) are shown."""
    return TimeZoneField(_l("Time zone"), validators=[DataRequired()],
                       choices=lambda: [SelectChoice(name, label)
                                        for name, label in time_zone_labels(current_language())],
                       widget=LongSelect(),
                       description=_l("Live sessions and other times are shown in this time zone."))


def _new_password_fields():
    new = PasswordField(
        _l("New password"),
        validators=[InputRequired()],  # length is part of the policy, checked with it
        description=_l("At least %(count)d characters. A few unrelated words make a strong, "
                       "memorable password.", count=passwords.MIN_LENGTH),
        render_kw={"autocomplete": "new-password", "maxlength": passwords.MAX_LENGTH},
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[InputRequired(), EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password", "maxlength": passwords.MAX_LENGTH},
    )
    return new, confirm


def _check_policy(password: str, *, email: str | None, name: str | None) -> None:
    problems = passwords.password_problems(password, email=email, name=name)
    if problems:
        raise ValidationError(" ".join(str(problem) for problem in problems))


class SignInForm(AcademyForm):
    """Sign in with e-mail address and password."""

    email = EmailField(_l("E-mail address"), filters=[_normalise_email],
                       validators=[DataRequired(), at_most(EMAIL_MAX)],
                       render_kw={"autocomplete": "username", "maxlength": EMAIL_MAX})
    password = PasswordField(_l("Password"), validators=[InputRequired(), at_most(passwords.MAX_LENGTH)],
                             render_kw={"autocomplete": "current-password"})


class SignInCodeForm(AcademyForm):
    """The second step of signing in: six digits from the app, or a recovery code."""

    code = StringField(_l("Code"), filters=[_strip], validators=[DataRequired(), at_most(40)],
                       description=_l("The six digits your authenticator app shows now. Lost your "
                                      "phone? Type one of your recovery codes instead."),
                       render_kw={"autocomplete": "one-time-code", "maxlength": 40, "spellcheck": "false",
                                  "autocapitalize": "characters", "autofocus": True})


class RequestResetForm(AcademyForm):
    """Ask for a password-reset link."""

    email = email_field()


class ResetPasswordForm(AcademyForm):
    """Choose a new password through a reset link."""

    password, confirm = _new_password_fields()

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def validate_password(self, field) -> None:
        _check_policy(field.data, email=self.user.email, name=self.user.display_name)


class AcceptInvitationForm(AcademyForm):
    """Complete an invited account: name, language and a password."""

    display_name = display_name_field()
    preferred_language = language_field()
    time_zone = time_zone_field()
    password, confirm = _new_password_fields()

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def validate_password(self, field) -> None:
        _check_policy(field.data, email=self.user.email, name=self.display_name.data)


class ProfileForm(AcademyForm):
    """Change one's own name, language and time zone."""

    display_name = display_name_field()
    preferred_language = language_field()
    time_zone = time_zone_field()


#: A security change refused while wrong passwords or codes keep the account locked.
LOCKED_MESSAGE = _l("Too many wrong passwords or codes were typed for this account, so it is locked for a while. "
                    "Try again later, or choose a new password through “Forgot your password?” on the "
                    "sign-in page.")


def current_password_field() -> PasswordField:
    """The current password, asked again before a security change."""
    return PasswordField(_l("Current password"), validators=[InputRequired(), at_most(passwords.MAX_LENGTH)],
                         render_kw={"autocomplete": "current-password"})


class ReauthenticatedForm(AcademyForm):
    """A security change on one's own account, proven by typing the current password again: a
    session left open on a shared computer must not be enough."""

    current_password = current_password_field()

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        #: Whether a wrong current password was typed: the view counts it towards the lock
        #: (``operations.reauthentication_refused``), as the sign-in form counts its own.
        self.password_refused = False

    def validate_current_password(self, field) -> None:
        if self.user.is_locked(utcnow()):
            raise ValidationError(LOCKED_MESSAGE)
        if not passwords.verify_password(self.user.password_hash, field.data):
            self.password_refused = True
            raise ValidationError(_l("This is not your current password."))


class ChangePasswordForm(ReauthenticatedForm):
    """Change one's own password, proving the current one first."""

    password, confirm = _new_password_fields()

    def validate_password(self, field) -> None:
        _check_policy(field.data, email=self.user.email, name=self.user.display_name)
        if passwords.verify_password(self.user.password_hash, field.data):
            raise ValidationError(_l("Choose a password different from your current one."))


class EndSessionsForm(ReauthenticatedForm):
    """End some of one's other sessions, proving the password first."""

    session_ids = SelectMultipleField(_l("Sessions to end"), coerce=int, validate_choice=False)

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.offered: frozenset[int] = frozenset()

    def offer(self, sessions) -> None:
        """The sessions that may be ended: one's other sessions (this one is ended by signing out)."""
        self.offered = frozenset(session.id for session in sessions)

    def chosen_ids(self) -> list[int]:
        return sorted(set(self.session_ids.data or ()) & self.offered)

    def validate_session_ids(self, field) -> None:
        if not set(field.data or ()) & self.offered:
            raise ValidationError(_l("Tick at least one session to end."))


class DeleteAccountForm(ReauthenticatedForm):
    """Delete one's own account and personal data for good, proven by typing the password again."""

    understood = BooleanField(
        _l("I understand that my account, my progress, my certificates and the nominations of me are "
           "deleted for good, and that nobody can bring them back."),
        validators=[DataRequired(message=_l("Tick the box to confirm that you want your account deleted."))])
