"""Forms of the authoring pages: module, lesson, materials and the small action buttons."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField, HiddenField, IntegerField, SelectChoice, SelectField, SelectMultipleField, StringField, SubmitField,
    TextAreaField, URLField,
)
from wtforms.validators import DataRequired, InputRequired, NumberRange, ValidationError

from ..accounts.models import Role, User, UserRole
from ..config import LANGUAGES
from ..core.forms import AcademyForm, at_most
from ..extensions import db
from ..i18n import LANGUAGE_NAMES
from ..media.file_types import ACCEPTED_EXTENSIONS
from ..media.uploads import RefusedFile
from ..organisations.models import Organisation, OrganisationKind
from . import rules
from .labels import LEVEL_LABELS, STATUS_LABELS, TOPIC_LABELS
from .models import Lesson, Level, Module, Topic


def outcome_lines(text: str | None) -> list[str]:
    """The learning outcomes typed one per line, blank lines dropped."""
    return [line.strip() for line in rules.normalise_newlines(text or "").split("\n") if line.strip()]


def _check_slug(field) -> None:
    if not rules.is_slug(field.data or ""):
        raise ValidationError(_("Use lower-case letters a-z, digits and single hyphens, such as "
                                "“branch-meetings”."))


class ModuleForm(AcademyForm):
    """A module's editable fields; the trainers field is removed for people who are not admins."""

    title = StringField(_l("Title"), validators=[DataRequired(), at_most(rules.TITLE_MAX)])
    summary = TextAreaField(_l("Summary"), validators=[DataRequired(), at_most(rules.MODULE_SUMMARY_MAX)],
                            description=_l("Two or three sentences shown in the catalogue."))
    topic = SelectField(_l("Topic"), validators=[DataRequired()],
                        choices=[SelectChoice(topic.value, label) for topic, label in TOPIC_LABELS.items()])
    level = SelectField(_l("Level"), validators=[DataRequired()],
                        choices=[SelectChoice(level.value, label) for level, label in LEVEL_LABELS.items()])
    estimated_hours = IntegerField(_l("Estimated hours"),
                                   validators=[InputRequired(), NumberRange(rules.HOURS_MIN, rules.HOURS_MAX)])
    learning_outcomes = TextAreaField(
        _l("Learning outcomes"), validators=[DataRequired()],
        description=_l("One per line: %(low)d to %(high)d sentences, each starting with a verb.",
                       low=rules.OUTCOMES_MIN, high=rules.OUTCOMES_MAX))
    partners = SelectMultipleField(_l("Partner foundations"), coerce=int,
                                   description=_l("Hold Ctrl (or ⌘) to choose several."))
    trainers = SelectMultipleField(_l("Trainers"), coerce=int,
                                   description=_l("Trainers of a module edit it and take its attendance."))
    requires_all_lessons = BooleanField(_l("To complete the module, every lesson must be marked complete"))
    requires_quiz = BooleanField(_l("To complete the module, its quiz must be passed"))
    attendance_percent = IntegerField(
        _l("Live sessions to attend (percent)"), validators=[InputRequired(), NumberRange(0, 100)],
        description=_l("Share of the module's live sessions a trainee must attend; 0 means none."))
    submit = SubmitField(_l("Save module"))

    def fill_choices(self, module: Module | None, *, with_trainers: bool) -> None:
        """Offer active foundations and trainers (and those already chosen, even if inactive)."""
        chosen_partners = [partner.id for partner in module.partners] if module else []
        foundations = db.session.scalars(
            db.select(Organisation).where(Organisation.kind == OrganisationKind.FOUNDATION,
                                          Organisation.is_active | Organisation.id.in_(chosen_partners))
            .order_by(Organisation.name))
        self.partners.choices = [SelectChoice(item.id, f"{item.name} ({item.short_name})") for item in foundations]
        if not with_trainers:
            del self.trainers
            return
        chosen_trainers = [trainer.id for trainer in module.trainers] if module else []
        trainers = db.session.scalars(
            db.select(User).join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.TRAINER, User.is_active | User.id.in_(chosen_trainers))
            .order_by(User.display_name, User.id))
        self.trainers.choices = [SelectChoice(user.id, f"{user.display_name} ({user.email})") for user in trainers]

    def validate_learning_outcomes(self, field) -> None:
        lines = outcome_lines(field.data)
        if not rules.OUTCOMES_MIN <= len(lines) <= rules.OUTCOMES_MAX:
            raise ValidationError(_("Write %(low)d to %(high)d learning outcomes, one per line (you wrote %(count)d).",
                                    low=rules.OUTCOMES_MIN, high=rules.OUTCOMES_MAX, count=len(lines)))
        if any(len(line) > rules.OUTCOME_MAX for line in lines):
            raise ValidationError(_("Each learning outcome may have at most %(max)d characters.",
                                    max=rules.OUTCOME_MAX))

    def values(self) -> dict:
        """The submitted values as ``operations`` takes them (partners and trainers as objects)."""
        partner_ids = self.partners.data or []
        values = dict(
            title=self.title.data, summary=self.summary.data, topic=Topic(self.topic.data),
            level=Level(self.level.data), estimated_hours=self.estimated_hours.data,
            learning_outcomes=outcome_lines(self.learning_outcomes.data),
            partners=list(db.session.scalars(db.select(Organisation).where(Organisation.id.in_(partner_ids))))
            if partner_ids else [],
            requires_all_lessons=self.requires_all_lessons.data, requires_quiz=self.requires_quiz.data,
            attendance_percent=self.attendance_percent.data, trainers=None,
        )
        if self.trainers is not None:  # only admins have the field
            ids = self.trainers.data or []
            values["trainers"] = list(db.session.scalars(db.select(User).where(User.id.in_(ids)))) if ids else []
        return values


class NewModuleForm(ModuleForm):
    """A module created in the browser: its slug and language are fixed from then on."""

    slug = StringField(_l("Slug"), validators=[DataRequired(), at_most(rules.SLUG_MAX)],
                       description=_l("Shared by every language version, such as “party-organisation”. "
                                      "It cannot be changed later."))
    language = SelectField(_l("Language"), choices=[SelectChoice(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
                           validators=[DataRequired()])
    submit = SubmitField(_l("Create module"))

    def validate_slug(self, field) -> None:
        _check_slug(field)
        taken = db.session.scalar(db.select(db.func.count()).select_from(Module)
                                  .where(Module.slug == field.data, Module.language == self.language.data))
        if taken:
            raise ValidationError(_("A module with this slug exists in this language already."))


class LessonForm(AcademyForm):
    """A lesson's fields; "Preview" shows the rendered text without saving."""

    title = StringField(_l("Title"), validators=[DataRequired(), at_most(rules.TITLE_MAX)])
    summary = StringField(_l("Summary"), validators=[DataRequired(), at_most(rules.LESSON_SUMMARY_MAX)],
                          description=_l("One sentence for the lesson list."))
    estimated_minutes = IntegerField(_l("Estimated minutes"), default=30,
                                     validators=[InputRequired(), NumberRange(rules.MINUTES_MIN, rules.MINUTES_MAX)])
    body_markdown = TextAreaField(
        _l("Text"), validators=[DataRequired(), at_most(rules.BODY_MAX)],
        description=_l("Markdown: ## and ### headings, lists, **bold**, *italic*, > quotes, tables and "
                       "http, https or mailto links. HTML and images are not shown."))
    preview = SubmitField(_l("Preview"))
    save = SubmitField(_l("Save lesson"))
    #: The lesson as it was when the form was opened (``lesson_fingerprint``): a save over
    #: someone else's newer one is refused instead of silently undoing it (a request without it,
    #: from no form of ours, is saved as before).
    seen = HiddenField()

    @property
    def wants_preview(self) -> bool:
        return bool(self.preview.data)


class NewLessonForm(LessonForm):
    """A new lesson; its slug names its file in exports and cannot change later."""

    slug = StringField(_l("Slug"), validators=[DataRequired(), at_most(rules.SLUG_MAX)],
                       description=_l("Names the lesson's file in exports, such as “branch-meetings”. "
                                      "It cannot be changed later."))

    def __init__(self, module: Module, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.module = module

    def validate_slug(self, field) -> None:
        _check_slug(field)
        taken = db.session.scalar(db.select(db.func.count()).select_from(Lesson)
                                  .where(Lesson.module_id == self.module.id, Lesson.slug == field.data))
        if taken:
            raise ValidationError(_("Another lesson of this module has this slug."))


class FileMaterialForm(AcademyForm):
    """A file attached to a lesson (type checked by content, images cleaned of metadata)."""

    title = StringField(_l("Title"), validators=[DataRequired(), at_most(rules.TITLE_MAX)])
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file to upload."))],
                     render_kw={"accept": ",".join(sorted(f".{extension}" for extension in ACCEPTED_EXTENSIONS))})
    submit = SubmitField(_l("Upload file"))


class LinkMaterialForm(AcademyForm):
    """A link attached to a lesson: a video or further reading elsewhere."""

    title = StringField(_l("Title"), validators=[DataRequired(), at_most(rules.TITLE_MAX)])
    url = URLField(_l("Address"), validators=[DataRequired(), at_most(rules.LINK_URL_MAX)],
                      description=_l("Starting with https:// or http://"))
    submit = SubmitField(_l("Add link"))

    def validate_url(self, field) -> None:
        value = (field.data or "").strip()
        parts = urlsplit(value)
        if (parts.scheme.lower() not in rules.LINK_SCHEMES or not parts.netloc
                or any(char.isspace() or not char.isprintable() for char in value)):
            raise ValidationError(_("Enter a full address starting with https:// or http://."))


class MoveLessonForm(AcademyForm):
    direction = SelectField(choices=[SelectChoice("up", _l("Move up")), SelectChoice("down", _l("Move down"))],
                            validators=[DataRequired()])


class ModuleStatusForm(AcademyForm):
    status = SelectField(choices=[SelectChoice(status.value, label) for status, label in STATUS_LABELS.items()],
                         validators=[DataRequired()])


class ConfirmForm(AcademyForm):
    """A button that changes something: only its CSRF token is checked."""


_REFUSALS = {
    "extension_not_accepted": _l("Files ending in “.%(extension)s” are not accepted. Please upload a PDF, an "
                                 "office document, an image (PNG, JPEG, WebP, GIF) or audio (MP3, Ogg, M4A, WAV)."),
    "empty": _l("The file is empty."),
    "unknown_content": _l("The content of this file is not a genuine .%(extension)s file. Nothing was stored."),
    "extension_mismatch": _l("The file's name ends in “.%(extension)s” but its content is of another type "
                             "(%(detected)s). Rename it or upload the right file. Nothing was stored."),
    "damaged_image": _l("This image could not be read; it may be damaged. Nothing was stored."),
    "image_too_big": _l("This image has too many pixels or frames. Please upload a smaller image."),
}


def refusal_message(error: RefusedFile) -> str:
    """Why an upload was refused, in the reader's language."""
    template = str(_REFUSALS[error.reason])
    return template % {key: str(value) for key, value in error.details.items()} if error.details else template
