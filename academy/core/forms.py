"""Forms shared by every page."""
from __future__ import annotations

import unicodedata
from collections.abc import Mapping

from flask import request
from flask_babel import get_translations, lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto
from markupsafe import escape
from werkzeug.datastructures import ImmutableMultiDict
from wtforms import Field, HiddenField, PasswordField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import Select

from ..config import LANGUAGES
from ..i18n import LANGUAGE_NAMES


class CatalogueMessages:
    """WTForms' translations object reading this project's catalogue in the locale in force.

    WTForms' own catalogues get Arabic wrong (an integer called a "real number", no Arabic for
    "Not a valid choice.", English plural forms); its messages are listed in ``wtforms_messages``
    so that they are extracted into ours. The locale is looked up when a message is shown, not
    when the form is built.
    """

    def gettext(self, string: str) -> str:
        return get_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        # Not flask_babel's ngettext: it would fill %(value)s-style placeholders WTForms fills itself.
        return get_translations().ungettext(singular, plural, n)


_CATALOGUE_MESSAGES = CatalogueMessages()


#: Shown beside a text field that holds a control character (an escape, a bell, a line break on one line).
CONTROL_CHARACTERS_MESSAGE = _l("Remove the control characters from this field.")

#: The only control characters a text may hold: in a text area, line breaks and tabs.
_MULTI_LINE_CONTROLS = frozenset("\t\n\r")


def _holds_control_characters(text: str, multi_line: bool) -> bool:
    return any(unicodedata.category(char) == "Cc" and not (multi_line and char in _MULTI_LINE_CONTROLS)
               for char in text)


class AcademyForm(FlaskForm):
    """The base of every form of the application: WTForms' built-in messages come from our
    catalogue, and no text field takes a control character.

    Nobody types an escape sequence or a line break into a one-line field; such a value comes
    from a crafted request or a bad paste, and would travel on into e-mail subjects, CSV exports
    and terminals. Passwords are left as typed. A form nested with ``FormField`` derives from it
    too, with ``class Meta: csrf = False``.
    """

    class Meta:
        def get_translations(self, form):
            return _CATALOGUE_MESSAGES

        def wrap_formdata(self, form, formdata):
            # Flask-WTF would read a JSON body as the form; its numbers, lists and objects then
            # reach validators made for text. The academy's forms are HTML forms: a JSON body is
            # read as an empty form, refused field by field like any incomplete one.
            if formdata is _Auto and request.is_json:
                return ImmutableMultiDict()
            return super().wrap_formdata(form, formdata)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators=extra_validators)
        for field in self:
            if (isinstance(field, StringField) and not isinstance(field, PasswordField) and not field.errors
                    and isinstance(field.data, str)
                    and _holds_control_characters(field.data, multi_line=isinstance(field, TextAreaField))):
                field.errors.append(CONTROL_CHARACTERS_MESSAGE)
                valid = False
        return valid


class LanguageForm(AcademyForm):
    """The language switcher shown on every page."""

    language = SelectField(choices=[SelectChoice(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
                           validators=[DataRequired()])
    next = HiddenField(validators=[Length(max=2000)])


def at_most(length: int) -> Length:
    """``Length(max=length)`` with this project's message (WTForms' own is left in English in Arabic)."""
    return Length(max=length, message=_l("Use at most %(max)d characters."))


def with_parse_error(field_class: type[Field], message) -> type[Field]:
    """``field_class`` saying ``message`` when the text sent cannot be read (a date that is not
    ``YYYY-MM-DD``): WTForms' own message tells what went wrong, not what to type."""

    class ParsedField(field_class):
        def process_formdata(self, valuelist):
            try:
                super().process_formdata(valuelist)
            except ValueError:
                self.data = None
                raise ValueError(message) from None

    ParsedField.__name__ = ParsedField.__qualname__ = f"Parsed{field_class.__name__}"
    return ParsedField


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
