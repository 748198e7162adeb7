"""Forms of the learning pages: enrolling trainees, marking lessons done, answering a quiz."""
from __future__ import annotations

from typing import Mapping, Sequence

from flask_babel import gettext as _, lazy_gettext as _l
from markupsafe import Markup
from wtforms import RadioField, SelectChoice, SelectMultipleField, StringField
from wtforms.validators import Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..accounts.models import Role, User, UserRole
from ..core.forms import AcademyForm
from ..curriculum.models import Question, QuestionKind
from ..extensions import db
from .quiz import ordered_choices

#: Most trainees enrolled with one submission (the search shows at most this many too).
MAX_ENROL_AT_ONCE = 50


class MultiCheckboxField(SelectMultipleField):
    """Several choices shown as checkboxes (rendered as a fieldset by ``_macros/forms.html``)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class TraineeSearchForm(AcademyForm):
    """Find trainees to enrol, by name or e-mail address (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField(_l("Find trainees by name or e-mail"), filters=[_strip],
                    validators=[Optional(), Length(min=2, max=100, message=_l(
                        "Type between %(min)d and %(max)d characters."))])


class EnrolTraineesForm(AcademyForm):
    """Enrol the trainees ticked in the search results."""

    trainees = MultiCheckboxField(_l("Trainees to enrol"), coerce=int, validate_choice=False)

    def validate_trainees(self, field) -> None:
        ids = sorted(set(field.data or []))
        if not ids:
            raise ValidationError(_l("Tick at least one trainee."))
        if len(ids) > MAX_ENROL_AT_ONCE:
            raise ValidationError(_l("Enrol at most %(max)d trainees at once.", max=MAX_ENROL_AT_ONCE))
        users = db.session.scalars(
            db.select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(User.id.in_(ids), User.is_active.is_(True), UserRole.role == Role.TRAINEE)
        ).all()
        if len(users) != len(ids):
            raise ValidationError(_l("Only active trainees can be enrolled."))
        #: The users to enrol, once validated.
        self.selected_users = sorted(users, key=lambda user: user.id)


class ConfirmForm(AcademyForm):
    """A button that only carries the CSRF token (unenrol, mark as complete, start an attempt)."""


def attempt_form(questions: Sequence[Question], choice_order: Mapping[str, list[int]], **kwargs) -> AcademyForm:
    """A form with one field per question, its choices in the attempt's stored order.

    A radio group for single-answer questions, checkboxes for the others. Unanswered questions
    are allowed (they score nothing); any value that is not a choice of its question fails.
    """

    class AttemptForm(AcademyForm):
        pass

    for number, question in enumerate(questions, start=1):
        choices = [SelectChoice(choice.id, choice.text) for choice in ordered_choices(question, choice_order)]
        # The question keeps its own direction inside the translated sentence: an English
        # question on an Arabic page keeps its question mark at its end.
        label = Markup(_("Question %(number)d. %(text)s")) % {
            "number": number, "text": Markup("<bdi>%s</bdi>") % question.text}
        if question.kind is QuestionKind.SINGLE:
            field = RadioField(label, coerce=int, choices=choices, validators=[Optional()],
                               description=_l("Choose one answer."))
        else:
            field = MultiCheckboxField(label, coerce=int, choices=choices, validators=[Optional()],
                                       description=_l("Choose every answer that applies."))
        setattr(AttemptForm, field_name(question), field)
    return AttemptForm(**kwargs)


def field_name(question: Question) -> str:
    return f"question_{question.id}"


def submitted_answers(form: AcademyForm, questions: Sequence[Question]) -> dict[int, list[int]]:
    """The choices ticked in a validated ``attempt_form``: question id → choice ids."""
    answers = {}
    for question in questions:
        data = getattr(form, field_name(question)).data
        if question.kind is QuestionKind.SINGLE:
            answers[question.id] = [] if data is None else [data]
        else:
            answers[question.id] = list(data or [])
    return answers
