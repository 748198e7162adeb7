"""Forms coordinators use to nominate, and the field rules the CSV importer shares with them.

The ``clean_*`` functions are the single statement of what a valid nominee detail is: the form's
``validate_<field>`` methods and ``csv_import`` call the same ones, so a row the file import accepts
is one the form would accept too.
"""
from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField, DateField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, ValidationError

from ..config import LANGUAGES
from ..core.forms import AcademyForm
from ..countries import country_choices, is_country
from ..i18n import LANGUAGE_NAMES, current_language, format_list
from ..text import HIDDEN_CHARACTERS_MESSAGE, NOTHING_TO_PRINT_MESSAGE, has_hidden_characters, prints_as_nothing
from .languages import is_language_code, language_choices
from .models import Gender, Nomination

#: The version of the privacy notice nominees consent to; change it whenever the text changes,
#: so that every stored consent says which text the person accepted. Consents given to an earlier
#: version stay as they are (a nomination edited later asks for consent to the current one).
#: 2026-11: data kept "until the edition is over"; 2026-11-28: kept NOMINATION_RETENTION_DAYS
#: after the edition ends, whatever the nomination's outcome short of enrolment (``purge``).
PRIVACY_NOTICE_VERSION = "2026-11-28"

#: The oldest birth year taken seriously; anything earlier is a typing mistake.
EARLIEST_BIRTH_YEAR = 1900

_LANGUAGE_SEPARATORS = re.compile(r"[\s,;]+")


@lru_cache(maxsize=None)
def max_length(column_name: str) -> int:
    """The length limit of a nominations column, so that form, importer and schema never disagree."""
    return Nomination.__table__.c[column_name].type.length


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def mail_language_choices() -> list[tuple[str, str]]:
    """The academy's own languages, each named in itself (the nominee reads it)."""
    return [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES]


def gender_choices() -> list[tuple[str, str]]:
    return [(gender.value, gender.label) for gender in Gender]


# --- The rules, shared by the form and the CSV importer --------------------------------------


def _refuse_control_characters(text: str, *, multiline: bool = False) -> None:
    """Control characters (NUL, escapes …) break PostgreSQL, certificates and e-mail headers."""
    allowed = "\n\r\t" if multiline else ""
    if any((ord(char) < 32 and char not in allowed) or char == "\x7f" for char in text):
        raise ValidationError(_l("Remove the control characters from this text."))


def clean_name(text: str | None, column: str, required: bool = True) -> str:
    """A name, trimmed, within the column's length (empty only where not ``required``)."""
    text = (text or "").strip()
    _refuse_control_characters(text)
    if has_hidden_characters(text):  # bidi overrides, zero-width spaces … (ZWNJ and ZWJ stay)
        raise ValidationError(HIDDEN_CHARACTERS_MESSAGE)
    if not text and required:
        raise ValidationError(_l("Enter the name as it should appear on a certificate."))
    if text and required and prints_as_nothing(text):
        raise ValidationError(NOTHING_TO_PRINT_MESSAGE)
    if len(text) > max_length(column):
        raise ValidationError(_l("Use at most %(max)d characters.", max=max_length(column)))
    return text


def clean_email(text: str | None) -> str:
    """A syntactically valid address, lower-case (no DNS look-up: nominees' domains vary)."""
    text = (text or "").strip()
    if not text:
        raise ValidationError(_l("Enter the nominee's e-mail address."))
    if len(text) > max_length("email"):
        raise ValidationError(_l("Use at most %(max)d characters.", max=max_length("email")))
    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        raise ValidationError(_l("Please enter a valid e-mail address.")) from None
    return text.lower()


def clean_date_of_birth(day: date | None, today: date) -> date:
    """A birth date that is a real past day (the edition's age range is checked as eligibility)."""
    if day is None:
        raise ValidationError(_l("Enter the date of birth as YYYY-MM-DD."))
    if day.year < EARLIEST_BIRTH_YEAR or day >= today:
        raise ValidationError(_l("Enter a real date of birth."))
    return day


def clean_gender(value: str | None) -> Gender:
    try:
        return Gender((value or "").strip().lower())
    except ValueError:
        raise ValidationError(_l("Choose a gender from the list.")) from None


def clean_country(code: str | None) -> str:
    code = (code or "").strip().upper()
    if not is_country(code):
        raise ValidationError(_l("Choose a country from the list."))
    return code


def clean_languages(codes) -> list[str]:
    """At least one known ISO 639-1 code; lower-case, without repeats, in the order given."""
    cleaned: list[str] = []
    for code in codes:
        code = code.strip().lower()
        if code and code not in cleaned:
            cleaned.append(code)
    if not cleaned:
        raise ValidationError(_l("Choose at least one language the nominee works in."))
    unknown = [code for code in cleaned if not is_language_code(code)]
    if unknown:
        raise ValidationError(_l("Unknown language codes: %(codes)s. Use ISO 639-1 codes such as en, fr, ar.",
                                 codes=format_list(unknown)))
    return cleaned


def split_languages(text: str) -> list[str]:
    """``"fr, en;wo"`` → ``["fr", "en", "wo"]`` (the CSV cell's form of the language list)."""
    return [code for code in _LANGUAGE_SEPARATORS.split(text) if code]


def clean_mail_language(code: str | None) -> str:
    code = (code or "").strip().lower()
    if code not in LANGUAGES:
        raise ValidationError(_l("Choose one of the academy's languages: %(codes)s.",
                                 codes=format_list(LANGUAGES, style="or")))
    return code


def clean_free_text(text: str | None, column: str) -> str:
    text = (text or "").strip()
    _refuse_control_characters(text, multiline=True)
    if len(text) > max_length(column):
        raise ValidationError(_l("Use at most %(max)d characters.", max=max_length(column)))
    return text


# --- Forms ------------------------------------------------------------------------------------


class NominationForm(AcademyForm):
    """Nominate one person, or correct a nomination that is still a draft or submitted."""

    given_names = StringField(_l("Given names"), filters=[_strip],
                              description=_l("Exactly as they should appear on a certificate."))
    family_name = StringField(_l("Family name"), filters=[_strip],
                              description=_l("Exactly as it should appear on a certificate; empty for a person "
                                             "known by one name only."))
    email = StringField(_l("E-mail address"), filters=[_strip],
                        description=_l("The invitation goes here if the nominee is accepted."),
                        render_kw={"type": "email", "autocomplete": "off"})
    date_of_birth = DateField(_l("Date of birth"), validators=[InputRequired(_l("Enter the date of birth."))],
                              description=_l("Nominees must be within the edition's age range on its first day."))
    gender = SelectField(_l("Gender"), validate_choice=False)
    country = SelectField(_l("Country of residence"), validate_choice=False)
    languages = SelectMultipleField(_l("Languages the nominee works in"), validate_choice=False,
                                    description=_l("Choose every language the nominee can study in."))
    language = SelectField(_l("Language for e-mails to the nominee"), validate_choice=False)
    party_role = StringField(_l("Role in the party or organisation"), filters=[_strip])
    motivation = TextAreaField(_l("Motivation"), filters=[_strip],
                               description=_l("Why this person, and what they will do with the training."))
    consent = BooleanField(_l("The nominee has read the privacy notice and agrees to it."),
                           validators=[DataRequired(_l("The nominee's consent to the privacy notice is required."))])
    save = SubmitField(_l("Save"))
    save_and_submit = SubmitField(_l("Save and submit"))

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        language = current_language()
        self.gender.choices = [("", _l("Choose"))] + gender_choices()
        self.country.choices = [("", _l("Choose a country"))] + country_choices(language)
        self.languages.choices = language_choices(language)
        self.language.choices = mail_language_choices()

    def validate_given_names(self, field) -> None:
        field.data = clean_name(field.data, "given_names")

    def validate_family_name(self, field) -> None:
        field.data = clean_name(field.data, "family_name", required=False)

    def validate_email(self, field) -> None:
        field.data = clean_email(field.data)

    def validate_date_of_birth(self, field) -> None:
        clean_date_of_birth(field.data, self.today)

    def validate_gender(self, field) -> None:
        clean_gender(field.data)

    def validate_country(self, field) -> None:
        field.data = clean_country(field.data)

    def validate_languages(self, field) -> None:
        field.data = clean_languages(field.data or [])

    def validate_language(self, field) -> None:
        field.data = clean_mail_language(field.data)

    def validate_party_role(self, field) -> None:
        clean_free_text(field.data, "party_role")

    def validate_motivation(self, field) -> None:
        clean_free_text(field.data, "motivation")

    def values(self) -> dict:
        """The nominee's details, ready for ``submission.nominate`` (consent is the caller's)."""
        return dict(given_names=self.given_names.data, family_name=self.family_name.data,
                    email=self.email.data, date_of_birth=self.date_of_birth.data,
                    gender=Gender(self.gender.data), country=self.country.data,
                    languages=list(self.languages.data), language=self.language.data,
                    party_role=self.party_role.data or "", motivation=self.motivation.data or "")


def _id_or_blank(value) -> str:
    return "" if value is None else str(value)


class PairForm(AcademyForm):
    """Submit a woman's and a man's draft together (editions with the ``pairs`` parity rule)."""

    woman = SelectField(_l("Woman"), validate_choice=False, coerce=_id_or_blank,
                        validators=[DataRequired(_l("Choose a woman's draft nomination."))])
    man = SelectField(_l("Man"), validate_choice=False, coerce=_id_or_blank,
                      validators=[DataRequired(_l("Choose a man's draft nomination."))])

    def __init__(self, *args, women=(), men=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.woman.choices = [("", _l("Choose"))] + [(str(item.id), item.full_name) for item in women]
        self.man.choices = [("", _l("Choose"))] + [(str(item.id), item.full_name) for item in men]


class UploadForm(AcademyForm):
    """A CSV file of nominees for one edition."""

    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))],
                     description=_l("UTF-8 encoded, with the template's header row."),
                     render_kw={"accept": ".csv,text/csv"})
    submit_all = BooleanField(_l("Submit every nominee at once (otherwise they are saved as drafts)"))
    consent = BooleanField(
        _l("Every person in the file has read the privacy notice and agrees to it."),
        validators=[DataRequired(_l("The nominees' consent to the privacy notice is required."))])
