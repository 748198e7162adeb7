"""Forms for regions and member organisations, and the filter above the organisations list."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, URLField
from wtforms.validators import DataRequired, Optional, Regexp, ValidationError

from ..core.forms import AcademyForm, at_most, parse_id
from ..countries import country_choices, is_country
from ..extensions import db
from ..i18n import current_language
from .logos import LogoRefused, prepare_logo
from .models import KIND_LABELS, Organisation, OrganisationKind, Region


def _max_length(column) -> int:
    """The length limit of a string column, so that forms and schema never disagree."""
    return column.type.length


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _kind_value(value) -> str:
    """Select fields hold the kind as its string value (an enum prints as ``Kind.PARTY``)."""
    return value.value if isinstance(value, OrganisationKind) else ("" if value is None else str(value))


def _id_text(value) -> str:
    return "" if value is None else str(value)


def region_choices(language: str) -> list[tuple[str, str]]:
    """Every region as ``(id, name in language)``, sorted by that name (one query)."""
    regions = db.session.scalars(db.select(Region)).all()
    pairs = [(str(region.id), region.localised_name(language)) for region in regions]
    return sorted(pairs, key=lambda pair: pair[1].casefold())


def kind_choices() -> list[tuple[str, str]]:
    return [(kind.value, KIND_LABELS[kind]) for kind in OrganisationKind]


def _is_taken(model, column, value: str, existing_id: int | None) -> bool:
    """Whether another row of ``model`` already uses ``value`` in ``column``, ignoring case."""
    query = db.select(model.id).where(db.func.lower(column) == value.lower())
    if existing_id is not None:
        query = query.where(model.id != existing_id)
    return db.session.execute(query.limit(1)).first() is not None


def validate_web_address(form, field) -> None:
    """Only http(s) addresses with a host: no ``javascript:``, ``data:`` or relative links."""
    if not field.data:
        return
    try:
        parts = urlsplit(field.data)
    except ValueError:
        parts = None
    if (parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname
            or any(char.isspace() or ord(char) < 32 for char in field.data)):
        raise ValidationError(_l("Enter a web address starting with http:// or https://."))


class OrganisationForm(AcademyForm):
    """Create or edit a member organisation (``existing`` is the one being edited)."""

    name = StringField(_l("Name"), filters=[_strip], validators=[
        DataRequired(_l("Enter the organisation's name.")),
        at_most(_max_length(Organisation.name)),
    ])
    short_name = StringField(_l("Short name"), filters=[_strip],
                             description=_l("The acronym the organisation uses, e.g. PSD."),
                             validators=[
        DataRequired(_l("Enter the short name.")),
        at_most(_max_length(Organisation.short_name)),
    ])
    country = SelectField(_l("Country"), validate_choice=False, coerce=_id_text,
                          validators=[DataRequired(_l("Choose a country."))])
    region_id = SelectField(_l("Region"), validate_choice=False, coerce=_id_text,
                            validators=[DataRequired(_l("Choose a region."))])
    kind = SelectField(_l("Kind"), validate_choice=False, coerce=_kind_value,
                       validators=[DataRequired(_l("Choose the kind of organisation."))])
    website = URLField(_l("Website"), filters=[_strip],
                       description=_l("Optional. A full address such as https://example.org."),
                       validators=[
        Optional(),
        at_most(_max_length(Organisation.website)),
        validate_web_address,
    ])
    logo = FileField(_l("Logo"), description=_l(
        "Optional. A PNG or JPEG image of at most 2 MB, printed on the certificates of modules "
        "this organisation runs as a partner foundation."))
    remove_logo = BooleanField(_l("Remove the current logo"))

    def __init__(self, *args, existing: Organisation | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.existing = existing
        if existing is None or existing.logo_sha256 is None:
            del self.remove_logo  # nothing to remove
        #: The new logo, cleaned (``(content, file type)``), once validated.
        self.new_logo = None
        self.region = None
        language = current_language()
        self.country.choices = [("", _l("Choose a country"))] + country_choices(language)
        self.region_id.choices = [("", _l("Choose a region"))] + region_choices(language)
        self.kind.choices = [("", _l("Choose a kind"))] + kind_choices()

    def _existing_id(self) -> int | None:
        return self.existing.id if self.existing is not None else None

    def validate_name(self, field) -> None:
        if _is_taken(Organisation, Organisation.name, field.data, self._existing_id()):
            raise ValidationError(_l("An organisation with this name already exists."))

    def validate_short_name(self, field) -> None:
        if _is_taken(Organisation, Organisation.short_name, field.data, self._existing_id()):
            raise ValidationError(_l("An organisation with this short name already exists."))

    def validate_country(self, field) -> None:
        if not is_country(field.data):
            raise ValidationError(_l("Choose a country from the list."))

    def validate_region_id(self, field) -> None:
        region_id = parse_id(field.data)
        self.region = db.session.get(Region, region_id) if region_id is not None else None
        if self.region is None:
            raise ValidationError(_l("Choose a region from the list."))

    def validate_kind(self, field) -> None:
        if field.data not in {kind.value for kind in OrganisationKind}:
            raise ValidationError(_l("Choose a kind from the list."))

    def validate_logo(self, field) -> None:
        if not field.data or not getattr(field.data, "filename", None):
            return
        try:
            self.new_logo = prepare_logo(field.data.stream)
        except LogoRefused as refused:
            raise ValidationError(refused.message) from refused

    def logo_change(self):
        """What to do with the logo: ``(content, file type)`` to store, ``False`` to remove it,
        ``None`` to leave it as it is."""
        if self.new_logo is not None:
            return self.new_logo
        if "remove_logo" in self._fields and self.remove_logo.data:
            return False
        return None

    def values(self) -> dict:
        """The validated details, ready for ``operations.create_organisation``/``update_…``."""
        return dict(name=self.name.data, short_name=self.short_name.data, country=self.country.data,
                    region=self.region, kind=OrganisationKind(self.kind.data),
                    website=self.website.data or None)


class RegionForm(AcademyForm):
    """Create or edit a regional network: a stable code and its name in the four languages."""

    code = StringField(_l("Code"), filters=[_strip, lambda value: value.lower() if value else value],
                       description=_l("Lower-case letters, digits and hyphens, e.g. asia-pacific."),
                       validators=[
        DataRequired(_l("Enter a code.")),
        at_most(_max_length(Region.code)),
        Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$", message=_l("Use lower-case letters, digits and hyphens.")),
    ])
    name_en = StringField(_l("Name in English"), filters=[_strip], validators=[
        DataRequired(_l("Enter the name in English.")),
        at_most(_max_length(Region.name_en)),
    ])
    name_fr = StringField(_l("Name in French"), filters=[_strip], render_kw={"lang": "fr"}, validators=[
        DataRequired(_l("Enter the name in French.")),
        at_most(_max_length(Region.name_fr)),
    ])
    name_es = StringField(_l("Name in Spanish"), filters=[_strip], render_kw={"lang": "es"}, validators=[
        DataRequired(_l("Enter the name in Spanish.")),
        at_most(_max_length(Region.name_es)),
    ])
    name_ar = StringField(_l("Name in Arabic"), filters=[_strip], render_kw={"lang": "ar", "dir": "rtl"},
                          validators=[
        DataRequired(_l("Enter the name in Arabic.")),
        at_most(_max_length(Region.name_ar)),
    ])

    def __init__(self, *args, existing: Region | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.existing = existing

    def _existing_id(self) -> int | None:
        return self.existing.id if self.existing is not None else None

    def validate_code(self, field) -> None:
        if _is_taken(Region, Region.code, field.data, self._existing_id()):
            raise ValidationError(_l("A region with this code already exists."))

    def validate_name_en(self, field) -> None:
        if _is_taken(Region, Region.name_en, field.data, self._existing_id()):
            raise ValidationError(_l("A region with this name already exists."))

    def values(self) -> dict:
        """The validated code and names, ready for ``operations.create_region``/``update_region``."""
        return {name: getattr(self, name).data for name in ("code", "name_en", "name_fr", "name_es", "name_ar")}


#: Values of the status filter; the list shows active organisations unless asked otherwise.
STATUS_CHOICES = (("active", _l("Active")), ("inactive", _l("Inactive")), ("all", _l("All")))


class OrganisationFilterForm(AcademyForm):
    """The search and filters above the organisations list, read from the query string.

    A value that does not validate is reported next to its field and then ignored, so a mangled
    link still shows a useful list instead of an error page.
    """

    class Meta:
        csrf = False

    q = StringField(_l("Search"), filters=[_strip], description=_l("Name or short name."),
                    render_kw={"type": "search"},
                    validators=[Optional(), at_most(100)])
    region = SelectField(_l("Region"), validate_choice=False, coerce=_id_text)
    kind = SelectField(_l("Kind"), validate_choice=False, coerce=_id_text)
    status = SelectField(_l("Status"), validate_choice=False, coerce=_id_text, default="active")

    def __init__(self, formdata, **kwargs):
        super().__init__(formdata=formdata, **kwargs)
        self.region.choices = [("", _l("All regions"))] + region_choices(current_language())
        self.kind.choices = [("", _l("All kinds"))] + kind_choices()
        self.status.choices = list(STATUS_CHOICES)

    def validate_region(self, field) -> None:
        if field.data and field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose a region from the list."))

    def validate_kind(self, field) -> None:
        if field.data and field.data not in {kind.value for kind in OrganisationKind}:
            raise ValidationError(_l("Choose a kind from the list."))

    def validate_status(self, field) -> None:
        if field.data and field.data not in {value for value, _label in STATUS_CHOICES}:
            raise ValidationError(_l("Choose a status from the list."))

    def filters(self) -> dict:
        """The valid filters (invalid ones dropped): ``q``, ``region_id``, ``kind``, ``status``."""
        def valid(field):
            return field.data if field.data and not field.errors else None

        kind = valid(self.kind)
        return {
            "q": valid(self.q),
            "region_id": parse_id(valid(self.region)),
            "kind": OrganisationKind(kind) if kind else None,
            "status": valid(self.status) or "active",
        }
