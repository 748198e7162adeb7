"""Forms shared by every page."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField
from wtforms.validators import DataRequired, Length

from ..config import LANGUAGES
from ..i18n import LANGUAGE_NAMES


class LanguageForm(FlaskForm):
    """The language switcher shown on every page."""

    language = SelectField(choices=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
                           validators=[DataRequired()])
    next = HiddenField(validators=[Length(max=2000)])
