"""Forms: checking a certificate (public), and the admins' search, issue, revoke and reissue."""
from __future__ import annotations

from flask import current_app
from flask_babel import format_date, lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Optional, ValidationError

from ..accounts.forms import refuse_hidden_characters, refuse_names_printing_nothing
from ..accounts.models import User
from ..config import LANGUAGES
from ..core.forms import AcademyForm, at_most, parse_id
from ..curriculum.models import Module
from ..extensions import db
from ..i18n import LANGUAGE_NAMES
from ..learning.models import Enrolment
from ..nominations.models import Edition
from .codes import MAX_INPUT_LENGTH, normalise_code
from .models import NAME_MAX_LENGTH, REASON_MAX_LENGTH, CertificateStatus

#: A PDF starts with this, whatever follows.
PDF_MAGIC = b"%PDF-"


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def language_choices(blank_label=None) -> list[tuple[str, str]]:
    choices = [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES]
    return ([("", blank_label)] if blank_label is not None else []) + choices


class VerifyCodeForm(AcademyForm):
    """Type a verification code (a GET form: the answer is a page anyone may bookmark)."""

    class Meta:
        csrf = False

    code = StringField(_l("Verification code"), filters=[_strip],
                       validators=[DataRequired(), at_most(MAX_INPUT_LENGTH)],
                       description=_l("20 letters and digits, printed under the QR code, e.g. 7K3QD-M0XJ4-9TZ2B-HX6WA."))

    def validate_code(self, field):
        if normalise_code(field.data) is None:
            raise ValidationError(_l("This is not a certificate code: it has 20 letters and digits."))

    @property
    def normalised(self) -> str:
        return normalise_code(self.code.data)


class VerifyFileForm(AcademyForm):
    """Upload a PDF to learn whether that exact file is a certificate we issued."""

    document = FileField(_l("Certificate PDF"), validators=[FileRequired(_l("Choose a PDF file."))],
                         description=_l("The file is compared with the certificates we issued; it is not stored."))

    def read_pdf(self) -> bytes | None:
        """The uploaded bytes once checked to be a PDF within the size limit (errors on the field)."""
        limit = current_app.config["CERTIFICATE_UPLOAD_MAX_BYTES"]
        content = self.document.data.read(limit + 1)
        if len(content) > limit:
            self.document.errors.append(_l("This file is larger than any certificate we issue."))
            return None
        if not content.startswith(PDF_MAGIC):
            self.document.errors.append(_l("This file is not a PDF."))
            return None
        return content


class SearchForm(AcademyForm):
    """The filters above the admins' certificate list (query string; bad values are 400)."""

    class Meta:
        csrf = False

    q = StringField(_l("Serial, code or name"), filters=[_strip], validators=[Optional(), at_most(100)])
    status = SelectField(_l("Status"), validators=[Optional()])
    module = SelectField(_l("Module"), validators=[Optional()])
    edition = SelectField(_l("Edition"), validators=[Optional()])

    def __init__(self, *args, module_choices=(), edition_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [("", _l("Any status"))] + [(status.value, status.label) for status in CertificateStatus]
        self.module.choices = [("", _l("Any module"))] + list(module_choices)
        self.edition.choices = [("", _l("Any edition"))] + list(edition_choices)

    def filters(self) -> dict:
        """The valid filters (invalid ones are dropped: the list then shows everything)."""
        def chosen_id(field):
            return parse_id(field.data) if not field.errors else None

        status = self.status.data if self.status.data in {s.value for s in CertificateStatus} else None
        return {"q": (self.q.data or "")[:100] if not self.q.errors else "",
                "status": CertificateStatus(status) if status else None,
                "module_id": chosen_id(self.module), "edition_id": chosen_id(self.edition)}


def module_choices() -> list[tuple[str, str]]:
    """Every module as ``(id, "title (language name)")``, in title order (one query)."""
    rows = db.session.execute(db.select(Module.id, Module.title, Module.language)
                              .order_by(Module.title, Module.language, Module.id)).all()
    return [(str(row.id), f"{row.title} ({LANGUAGE_NAMES.get(row.language, row.language)})") for row in rows]


def edition_choices() -> list[tuple[str, str]]:
    """Every edition as ``(id, "name (start date in the reader's language)")``, newest first (one query)."""
    rows = db.session.execute(db.select(Edition.id, Edition.name, Edition.starts_on)
                              .order_by(Edition.starts_on.desc(), Edition.id.desc())).all()
    return [(str(row.id), f"{row.name} ({format_date(row.starts_on, 'medium')})") for row in rows]


class IssueForm(AcademyForm):
    """An admin issues a certificate for a trainee's enrolment in a module, or for a whole edition."""

    email = StringField(_l("Trainee's e-mail address"), filters=[_strip],
                        validators=[DataRequired(), Email(), at_most(254)])
    module = SelectField(_l("Module"), validators=[Optional()])
    edition = SelectField(_l("Or a whole edition"), validators=[Optional()],
                          description=_l("An edition certificate covers every module of the edition."))
    language = SelectField(_l("Language of the certificate"), validators=[Optional()])
    reason = TextAreaField(_l("Reason"), filters=[_strip], validators=[at_most(REASON_MAX_LENGTH)],
                           description=_l("Required when the trainee has not completed the module "
                                          "(or every module of the edition)."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.module.choices = [("", _l("Choose a module"))] + module_choices()
        self.edition.choices = [("", _l("No edition: a module certificate"))] + edition_choices()
        self.language.choices = language_choices(_l("The module's or edition's language"))
        self.trainee: User | None = None
        self.enrolment: Enrolment | None = None
        self.edition_chosen: Edition | None = None

    def validate_module(self, field):
        if field.data and parse_id(field.data) is None:
            raise ValidationError(_l("Choose a module from the list."))

    def validate_edition(self, field):
        if field.data:
            edition_id = parse_id(field.data)
            self.edition_chosen = db.session.get(Edition, edition_id) if edition_id is not None else None
            if self.edition_chosen is None:
                raise ValidationError(_l("Choose an edition from the list."))

    def validate_email(self, field):
        self.trainee = db.session.scalar(db.select(User).where(User.email == (field.data or "").lower()))
        if self.trainee is None:
            raise ValidationError(_l("No account has this e-mail address."))

    def validate(self, extra_validators=None) -> bool:
        """Fields first; then exactly one of module and edition, and the trainee's enrolment."""
        if not super().validate(extra_validators):
            return False
        if bool(self.module.data) == bool(self.edition.data):
            self.module.errors.append(_l("Choose either a module or an edition."))
            return False
        if self.module.data:
            self.enrolment = db.session.scalar(db.select(Enrolment).where(
                Enrolment.user_id == self.trainee.id, Enrolment.module_id == parse_id(self.module.data)))
            if self.enrolment is None:
                self.email.errors.append(_l("This person is not enrolled in this module."))
                return False
        return True


class RevokeForm(AcademyForm):
    """Revoke a certificate, saying why."""

    # Its own id: the reissue form's ``reason`` shares the page, and one id for both would tie
    # both labels to the first field (the reason typed would go to the wrong form).
    reason = TextAreaField(_l("Reason for revoking"), id="revoke-reason", filters=[_strip],
                           validators=[DataRequired(), at_most(REASON_MAX_LENGTH)],
                           description=_l("Sent to the holder by e-mail and kept in the record and the audit log; not shown to the public."))


class ReissueForm(AcademyForm):
    """Replace a certificate by a new one (a corrected name, another language)."""

    holder_name = StringField(_l("Name to print"), filters=[_strip],
                              validators=[DataRequired(), refuse_hidden_characters, refuse_names_printing_nothing,
                                          at_most(NAME_MAX_LENGTH)])
    language = SelectField(_l("Language of the certificate"), validators=[DataRequired()])
    reason = TextAreaField(_l("Reason for reissuing"), filters=[_strip],
                           validators=[DataRequired(), at_most(REASON_MAX_LENGTH)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = language_choices()
