"""The trainers' side of learning: enrolling trainees and the progress table of a module."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager
from wtforms import SelectChoice

from ..access import require, roles_required
from ..accounts.models import Role, User, UserRole
from ..accounts.operations import normalise_email
from ..core.errors import render_error
from ..core.forms import requested_page
from ..curriculum.models import Module, ModuleStatus, module_trainers
from ..extensions import db
from . import operations
from .forms import MAX_ENROL_AT_ONCE, ConfirmForm, EnrolTraineesForm, TraineeSearchForm
from .models import Enrolment
from .permissions import teaches
from .progress import progress_for
from .views import bp


def _taught_module(module_id: int) -> Module:
    """The module, if the signed-in person is an admin or one of its trainers (else 404/403)."""
    module = db.get_or_404(Module, module_id)
    require(teaches(current_user, module.id))
    return module


def _candidates(module: Module, search: str | None, *, exact_email: bool) -> list[User]:
    """Active trainees matching ``search`` who are not enrolled in ``module``.

    Admins search by any part of the name or e-mail address. Trainers, who must not be able to
    list the trainee directory (people at risk), find a trainee only by typing the whole e-mail
    address (letter case ignored): at most one person, and never one of the module's trainers
    (themselves included): a trainer who enrolled in their own module would take the attendance
    and set the rules of their own certificate.
    """
    if not search:
        return []
    if exact_email:
        matches = User.email == normalise_email(search)
    else:
        matches = User.display_name.icontains(search, autoescape=True) | User.email.icontains(search, autoescape=True)
    enrolled = db.select(Enrolment.user_id).where(Enrolment.module_id == module.id)
    query = (db.select(User).join(UserRole, UserRole.user_id == User.id)
             .where(UserRole.role == Role.TRAINEE, User.is_active.is_(True), User.id.not_in(enrolled), matches))
    if exact_email:
        query = query.where(User.id.not_in(db.select(module_trainers.c.user_id)
                                           .where(module_trainers.c.module_id == module.id)))
    return db.session.scalars(query.order_by(User.display_name, User.id).limit(MAX_ENROL_AT_ONCE)).all()


def _enrol(module: Module, form: EnrolTraineesForm, only: set[int] | None = None):
    """Enrol the ticked trainees (all of them among ``only`` when given); None when done, else
    the status to re-show the form with."""
    if module.status is ModuleStatus.ARCHIVED:
        form.form_errors.append(_("This module is archived: it takes no new trainees."))
        return 400
    if only is not None and not set(form.trainees.data) <= only:
        form.form_errors.append(_("Enrol the trainee found by their e-mail address."))
        return 400
    try:
        created = operations.enrol(module, form.selected_users, actor=current_user)
        db.session.commit()
    except IntegrityError:  # someone enrolled one of them at the same moment
        db.session.rollback()
        form.form_errors.append(_("Someone else changed these enrolments meanwhile. Please try again."))
        return 400
    flash(ngettext("%(num)d trainee enrolled.", "%(num)d trainees enrolled.", len(created)), "success")
    return None


@bp.route("/teach/modules/<int:module_id>/enrolments", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.TRAINER)
def enrolments(module_id: int):
    """Enrol trainees in a module, and see everyone's progress in it (the progress table)."""
    module = _taught_module(module_id)
    search = TraineeSearchForm(request.args)
    exact_email = not current_user.is_admin
    if exact_email:
        search.q.label.text = _("Trainee's e-mail address")
    search_valid = search.validate()
    form = EnrolTraineesForm()
    candidates = _candidates(module, search.q.data if search_valid else None, exact_email=exact_email)
    form.trainees.choices = [SelectChoice(user.id, f"{user.display_name} ({user.email})") for user in candidates]
    status = 200 if search_valid else 400
    if form.validate_on_submit():
        # A trainer enrols only whom their exact search found: ids guessed into the form would
        # reveal the names of trainees they were never told about.
        status = _enrol(module, form, only={user.id for user in candidates} if exact_email else None)
        if status is None:
            return redirect(url_for(".enrolments", module_id=module.id))
    elif form.is_submitted():
        status = 400
    page = db.paginate(
        db.select(Enrolment).join(Enrolment.user).options(contains_eager(Enrolment.user))
        .where(Enrolment.module_id == module.id).order_by(User.display_name, Enrolment.id),
        page=requested_page(request.args), per_page=current_app.config["PAGE_SIZE"], error_out=False)
    progress = progress_for(enrolment.id for enrolment in page.items)
    return render_template("learning/enrolments.html", module=module, search=search, form=form,
                           exact_email=exact_email, candidates=candidates, page=page, progress=progress,
                           confirm=ConfirmForm()), status


@bp.post("/teach/modules/<int:module_id>/enrolments/<int:enrolment_id>/delete")
@roles_required(Role.ADMIN, Role.TRAINER)
def unenrol(module_id: int, enrolment_id: int):
    """Remove an enrolment made by mistake; refused once the trainee has made any progress or
    holds a certificate for it."""
    module = _taught_module(module_id)
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    require(enrolment.module_id == module.id, 404)
    require(ConfirmForm().validate_on_submit(), 400)
    if not operations.unenrol(enrolment, actor=current_user):
        db.session.rollback()
        return render_error(409, _("This trainee has already made progress in the module or holds its certificate, "
                                   "and stays enrolled."))
    db.session.commit()
    flash(_("The enrolment was removed."), "success")
    return redirect(url_for(".enrolments", module_id=module.id))
