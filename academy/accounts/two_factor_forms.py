"""Forms of the pages where a person manages their own two-step verification.

Every change asks for the current password first: a session left open on a shared computer must
not be enough to turn the protection off or to read a fresh set of recovery codes.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, ValidationError
from wtforms.validators import InputRequired

from ..core.forms import at_most
from . import two_factor
from .forms import ReauthenticatedForm, current_password_field

#: Long enough for a recovery code typed in groups with separators, short enough to refuse junk.
CODE_MAX = 40


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class TwoFactorSetupForm(ReauthenticatedForm):
    """Turn two-step verification on: the first code from the app, then the password."""

    code = StringField(_l("Six-digit code from the app"), filters=[_strip],
                       validators=[InputRequired(), at_most(CODE_MAX)],
                       description=_l("The app shows a new code every 30 seconds; type the one it shows now."),
                       render_kw={"inputmode": "numeric", "autocomplete": "one-time-code",
                                  "maxlength": CODE_MAX, "spellcheck": "false", "dir": "ltr"})

    # Fields render in the order they were made: the code first, as the numbered steps say.
    current_password = current_password_field()

    def validate_code(self, field) -> None:
        digits = two_factor.normalised_code(field.data)
        if len(digits) != 6 or not digits.isdigit():
            raise ValidationError(_l("Type the six digits the app shows, for example 123 456."))


class RecoveryCodesForm(ReauthenticatedForm):
    """Replace one's recovery codes with new ones (the old ones stop working)."""


class TwoFactorOffForm(ReauthenticatedForm):
    """Turn two-step verification off: the password and a code, so that a stolen password alone
    cannot remove the protection."""

    code = StringField(_l("Code from the app, or a recovery code"), filters=[_strip],
                       validators=[InputRequired(), at_most(CODE_MAX)],
                       description=_l("Six digits from your authenticator app, or one of your unused "
                                      "recovery codes (it will then be used up)."),
                       render_kw={"autocomplete": "one-time-code", "maxlength": CODE_MAX,
                                  "autocapitalize": "characters", "spellcheck": "false", "dir": "ltr"})
