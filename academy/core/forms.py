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


#: Pages beyond this are refused quietly: an absurd ``?page=`` must not overflow OFFSET.
MAX_PAGE = 100_000


def requested_page(args) -> int:
    """The ``page`` query-string parameter as a number from 1 to ``MAX_PAGE`` (1 when malformed)."""
    page = args.get("page", 1, type=int)
    return min(max(page, 1), MAX_PAGE) if isinstance(page, int) else 1
