"""The form of an edition's settings, to create an edition or change it."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from wtforms import (DateField, DateTimeLocalField, IntegerField, RadioField, SelectChoice, SelectField,
                     SelectMultipleField, StringField, TextAreaField, ValidationError)
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from ..config import LANGUAGES
from ..core.forms import AcademyForm, LongSelect, at_most
from ..curriculum.models import Module, ModuleStatus
from ..extensions import db
from ..i18n import LANGUAGE_NAMES, current_language
from ..live.forms import FIRST_YEAR, LAST_YEAR
from ..live.times import NonexistentLocalTime, to_local, to_utc
from ..core.forms import parse_id
from ..organisations.models import Organisation, Region
from .languages import is_language_code
from .models import Edition, EditionFormat, ParityRule

#: More seats (or a larger quota) than this is a typing mistake, not an intake.
MAX_SEATS = 10_000
#: Oldest age an edition may admit.
MAX_AGE = 120
#: How the window's date-times travel: the value of an ``<input type="datetime-local">``.
LOCAL_DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
#: Ctrl-click hint shared with the module form (same wording, same translation).
SEVERAL_HINT = _l("Hold Ctrl (or ⌘) to choose several.")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _lower(value):
    return value.lower() if isinstance(value, str) else value


def _max(column) -> int:
    return column.type.length


def _text(field) -> list[str]:
    return [str(value) for value in field.data or []]


class EditionForm(AcademyForm):
    """Create or edit an edition. The window is typed in the administrator's time zone.

    ``existing`` is the edition being edited (its ``seats_taken`` bounds the seats); ``zone_name``
    is the time zone the window's date-times are read in.
    """

    # In the order of the page, which is the order of the error summary above it.
    name = StringField(_l("Name"), filters=[_strip], validators=[
        DataRequired(_l("Give the edition a name.")),
        at_most(_max(Edition.name))],
        render_kw={"maxlength": _max(Edition.name)})
    description = TextAreaField(_l("Description"), filters=[_strip], validators=[
        Optional(), at_most(_max(Edition.description))],
        description=_l("What the intake is about; coordinators read it before nominating."))
    language = SelectField(_l("Language of instruction"), validate_choice=False, default=LANGUAGES[0],
                           choices=[SelectChoice(code, LANGUAGE_NAMES[code]) for code in LANGUAGES])
    format = SelectField(_l("Format"), validate_choice=False,
                         choices=[SelectChoice(item.value, item.label) for item in EditionFormat])
    venue = StringField(_l("Venue"), filters=[_strip], validators=[
        Optional(), at_most(_max(Edition.venue))],
        description=_l("Where it takes place, for an edition in person or blended."))
    starts_on = DateField(_l("First day"), invalid_value_message=_l("Enter a valid date."),
                          validators=[InputRequired(_l("Enter the first day."))])
    ends_on = DateField(_l("Last day"), invalid_value_message=_l("Enter a valid date."),
                        validators=[InputRequired(_l("Enter the last day."))])
    modules = SelectMultipleField(_l("Modules"), validate_choice=False, description=SEVERAL_HINT,
                                  render_kw={"size": 8})
    nominations_open_at = DateTimeLocalField(
        _l("Nominations open"), format=LOCAL_DATETIME_FORMATS,
        invalid_value_message=_l("Enter a valid date and time."),
        validators=[InputRequired(_l("Enter when nominations open."))])
    nominations_close_at = DateTimeLocalField(
        _l("Nominations close"), format=LOCAL_DATETIME_FORMATS,
        invalid_value_message=_l("Enter a valid date and time."),
        validators=[InputRequired(_l("Enter when nominations close."))])
    seats = IntegerField(_l("Seats"), validators=[
        InputRequired(_l("Enter the number of seats.")),
        NumberRange(min=1, max=MAX_SEATS, message=_l("Between %(min)d and %(max)d."))],
        render_kw={"min": 1, "max": MAX_SEATS})
    quota_per_organisation = IntegerField(_l("Quota per organisation"), validators=[
        Optional(), NumberRange(min=1, max=MAX_SEATS, message=_l("Between %(min)d and %(max)d."))],
        description=_l("Optional. How many nominees of one organisation may be accepted."),
        render_kw={"min": 1, "max": MAX_SEATS})
    parity_rule = RadioField(_l("Parity rule"), validate_choice=False, default=ParityRule.NONE.value,
                             choices=[SelectChoice(rule.value, rule.label) for rule in ParityRule])
    min_age = IntegerField(_l("Minimum age"), default=18, validators=[
        InputRequired(_l("Enter the minimum age.")),
        NumberRange(min=0, max=MAX_AGE, message=_l("Between %(min)d and %(max)d."))],
        description=_l("On the first day of the edition."), render_kw={"min": 0, "max": MAX_AGE})
    max_age = IntegerField(_l("Maximum age"), default=35, validators=[
        InputRequired(_l("Enter the maximum age.")),
        NumberRange(min=0, max=MAX_AGE, message=_l("Between %(min)d and %(max)d."))],
        description=_l("On the first day of the edition."), render_kw={"min": 0, "max": MAX_AGE})
    required_language = StringField(_l("Required language"), filters=[_strip, _lower], validators=[Optional()],
                                    description=_l("Optional. A language every nominee must speak, as its "
                                                   "two-letter ISO 639-1 code, e.g. sw for Swahili."),
                                    render_kw={"maxlength": 2, "autocomplete": "off"})
    allowed_regions = SelectMultipleField(
        _l("Open to these regions"), validate_choice=False, render_kw={"size": 6},
        description=_l("Leave both lists empty to let every organisation nominate. Organisations of a "
                       "chosen region and chosen organisations may nominate."))
    allowed_organisations = SelectMultipleField(_l("Open to these organisations"), validate_choice=False,
                                                description=SEVERAL_HINT, render_kw={"size": 8},
                                                widget=LongSelect(multiple=True))

    def __init__(self, zone_name: str, *args, existing: Edition | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone_name = zone_name
        self.existing = existing
        #: The window in UTC, set by a successful validation.
        self.window_utc: dict[str, datetime] = {}
        #: Labels of the window's fields whose time the clocks showed twice (the first was taken).
        self.ambiguous: list = []
        hint = _l("In your time zone, %(zone)s.", zone=zone_name)
        self.nominations_open_at.description = hint
        self.nominations_close_at.description = hint
        self._fill_choices(existing)

    @classmethod
    def for_edition(cls, edition: Edition, zone_name: str) -> EditionForm:
        """The form showing ``edition`` as it is (collections loaded), its window in ``zone_name``."""
        def local(moment: datetime) -> datetime:
            return to_local(moment, zone_name).replace(tzinfo=None)

        plain = ("name", "description", "language", "venue", "starts_on", "ends_on", "seats",
                 "quota_per_organisation", "min_age", "max_age", "required_language")
        return cls(zone_name, existing=edition, data={
            **{name: getattr(edition, name) for name in plain},
            "format": edition.format.value,
            "parity_rule": edition.parity_rule.value,
            "nominations_open_at": local(edition.nominations_open_at),
            "nominations_close_at": local(edition.nominations_close_at),
            "modules": [str(item.id) for item in edition.modules],
            "allowed_regions": [str(item.id) for item in edition.allowed_regions],
            "allowed_organisations": [str(item.id) for item in edition.allowed_organisations],
        })

    def _fill_choices(self, existing: Edition | None) -> None:
        """One query per list: modules not archived, active organisations, every region.

        What the edition already has stays offered even if archived or deactivated since.
        """
        chosen_modules = [item.id for item in existing.modules] if existing else []
        chosen_organisations = [item.id for item in existing.allowed_organisations] if existing else []
        modules = db.session.scalars(
            db.select(Module).where((Module.status != ModuleStatus.ARCHIVED) | Module.id.in_(chosen_modules))
            .order_by(Module.title, Module.language, Module.id)).all()
        organisations = db.session.scalars(
            db.select(Organisation).where(Organisation.is_active | Organisation.id.in_(chosen_organisations))
            .order_by(Organisation.name, Organisation.id)).all()
        language = current_language()
        regions = sorted(db.session.scalars(db.select(Region)).all(),
                         key=lambda region: region.localised_name(language).casefold())
        self.module_options = {str(item.id): item for item in modules}
        self.region_options = {str(item.id): item for item in regions}
        self.organisation_options = {str(item.id): item for item in organisations}
        self.modules.choices = [
            SelectChoice(key, f"{item.title} ({LANGUAGE_NAMES.get(item.language, item.language)})")
            for key, item in self.module_options.items()]
        self.allowed_regions.choices = [SelectChoice(key, item.localised_name(language))
                                        for key, item in self.region_options.items()]
        self.allowed_organisations.choices = [SelectChoice(key, f"{item.name} ({item.short_name})")
                                              for key, item in self.organisation_options.items()]

    # --- single fields ------------------------------------------------------------------------

    def validate_language(self, field) -> None:
        if field.data not in LANGUAGES:
            raise ValidationError(_l("Choose a language from the list."))

    def validate_format(self, field) -> None:
        if field.data not in {item.value for item in EditionFormat}:
            raise ValidationError(_l("Choose a format from the list."))

    def validate_parity_rule(self, field) -> None:
        if field.data not in {rule.value for rule in ParityRule}:
            raise ValidationError(_l("Choose a parity rule from the list."))

    def validate_required_language(self, field) -> None:
        if field.data and not is_language_code(field.data):
            raise ValidationError(_l("Enter a two-letter ISO 639-1 language code, such as en, fr or sw."))

    def validate_starts_on(self, field) -> None:
        _check_year(field.data)

    def validate_ends_on(self, field) -> None:
        _check_year(field.data)
        starts_on = self.starts_on.data
        if field.data is not None and isinstance(starts_on, date) and field.data < starts_on:
            raise ValidationError(_l("The last day cannot be before the first day."))

    def validate_nominations_open_at(self, field) -> None:
        self._resolve(field)

    def validate_nominations_close_at(self, field) -> None:
        self._resolve(field)
        opens = self.window_utc.get("nominations_open_at")
        closes = self.window_utc.get("nominations_close_at")
        if opens is not None and closes is not None and closes <= opens:
            raise ValidationError(_l("Nominations must close after they open."))

    def _resolve(self, field) -> None:
        """Turn the wall-clock date-time of ``field`` into UTC (refusing times the clocks skip)."""
        if field.data is None:  # not a date and time: the field's own check said so
            return
        _check_year(field.data)
        try:
            instant = to_utc(field.data.date(), field.data.time(), self.zone_name)
        except NonexistentLocalTime:
            raise ValidationError(_l(
                "This time does not exist in %(zone)s on that day: the clocks jump forward for "
                "daylight saving time. Choose a time outside the skipped hour.", zone=self.zone_name))
        self.window_utc[field.name] = instant.utc
        if instant.ambiguous:
            self.ambiguous.append(field.label.text)

    def validate_seats(self, field) -> None:
        taken = self.existing.seats_taken if self.existing is not None else 0
        if field.data is not None and field.data < taken:
            raise ValidationError(_l("%(taken)d seats are already taken: the edition cannot have fewer "
                                     "seats than that.", taken=taken))

    def validate_max_age(self, field) -> None:
        if (field.data is not None and self.min_age.data is not None and not self.min_age.errors
                and field.data < self.min_age.data):
            raise ValidationError(_l("The maximum age cannot be below the minimum age."))

    # --- the lists ----------------------------------------------------------------------------

    def validate_modules(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Choose at least one module."))
        _check_options(field, self.module_options, _l("Choose modules from the list."))

    def validate_allowed_regions(self, field) -> None:
        _check_options(field, self.region_options, _l("Choose regions from the list."))

    def validate_allowed_organisations(self, field) -> None:
        _check_options(field, self.organisation_options, _l("Choose organisations from the list."))

    def values(self) -> dict:
        """The edition's settings as ``edition_operations`` takes them (lists as objects, window UTC)."""
        return dict(
            name=self.name.data, description=self.description.data or "", language=self.language.data,
            format=EditionFormat(self.format.data), venue=self.venue.data or None,
            starts_on=self.starts_on.data, ends_on=self.ends_on.data,
            nominations_open_at=self.window_utc["nominations_open_at"],
            nominations_close_at=self.window_utc["nominations_close_at"],
            seats=self.seats.data, quota_per_organisation=self.quota_per_organisation.data,
            min_age=self.min_age.data, max_age=self.max_age.data,
            required_language=self.required_language.data or None,
            parity_rule=ParityRule(self.parity_rule.data),
            modules=[self.module_options[key] for key in _text(self.modules)],
            allowed_regions=[self.region_options[key] for key in _text(self.allowed_regions)],
            allowed_organisations=[self.organisation_options[key] for key in _text(self.allowed_organisations)],
        )


def _check_year(value) -> None:
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError(_l("Choose a date between %(first)d and %(last)d.", first=FIRST_YEAR, last=LAST_YEAR))


def _check_options(field, options: dict, message) -> None:
    """Every chosen value is one of the offered ids (a forged or stale id is refused, not ignored)."""
    if any(parse_id(value) is None or value not in options for value in _text(field)):
        raise ValidationError(message)
