"""Forms shared by every page."""
from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import escape
from wtforms import HiddenField, SelectChoice, SelectField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import Select

from ..config import LANGUAGES
from ..i18n import LANGUAGE_NAMES


class LanguageForm(FlaskForm):
    """The language switcher shown on every page."""

    language = SelectField(choices=[SelectChoice(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
                           validators=[DataRequired()])
    next = HiddenField(validators=[Length(max=2000)])


def at_most(length: int) -> Length:
    """``Length(max=length)`` with this project's message (WTForms' own is left in English in Arabic)."""
    return Length(max=length, message=_l("Use at most %(max)d characters."))


class LongSelect(Select):
    """A ``<select>`` for long lists (every organisation): each plain option is written by one
    format string. WTForms' general option rendering builds its attributes one by one, which for
    500 organisations cost more than the rest of the page."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw:
            return super().render_option(choice, **kwargs)
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        selected = "selected " if choice.selected else ""  # WTForms writes attributes sorted
        return f'<option {selected}value="{escape(value)}">{escape(choice.label or choice.value)}</option>'


#: Pages beyond this are refused quietly: an absurd ``?page=`` must not overflow OFFSET.
MAX_PAGE = 100_000


#: The largest id an INTEGER primary key holds; beyond it drivers overflow instead of finding nothing.
MAX_ID = 2**31 - 1


def parse_id(text: str | None) -> int | None:
    """``text`` as an id (``"12"`` → 12), or None when it cannot be one."""
    if not text or not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def requested_page(args) -> int:
    """The ``page`` query-string parameter as a number from 1 to ``MAX_PAGE`` (1 when malformed)."""
    page = args.get("page", 1, type=int)
    return min(max(page, 1), MAX_PAGE) if isinstance(page, int) else 1


#: Fields the page does not show: their errors are listed in the summary without a link.
_UNSHOWN_FIELDS = ("CSRFTokenField", "HiddenField")
#: Fields shown as a fieldset of choices, which has no id of its own (see the ``field`` macro).
_CHOICE_LISTS = ("RadioField", "MultiCheckboxField")


def error_summary(form, anchors: Mapping[str, str] | None = None) -> list[tuple[str | None, str]]:
    """``(id to link to, message)`` for every error of ``form``, in the order of its fields.

    A field links to its own id and a list of choices to its first choice, unless ``anchors``
    names another id (for fields a template renders by hand); errors of hidden fields and of the
    whole form link nowhere. The ``error_summary`` macro of ``_macros/forms.html`` shows the list.
    """
    anchors = anchors or {}
    summary = []
    for field in form:
        if not field.errors:
            continue
        if field.name in anchors:
            anchor = anchors[field.name]
        elif field.type in _UNSHOWN_FIELDS:
            anchor = None
        elif field.type in _CHOICE_LISTS:
            anchor = next(iter(field), field).id
        else:
            anchor = field.id
        summary += [(anchor, str(message)) for message in field.errors]
    return summary + [(None, str(message)) for message in form.form_errors]
