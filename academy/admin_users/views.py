"""User administration: the list of accounts, invitations, edits, disabling and enabling, and
resetting someone's two-step verification."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from ..access import roles_required
from ..accounts import erasure, two_factor
from ..accounts.models import Role, User, UserRole
from ..accounts.operations import NoLongerAdmin
from ..core.errors import render_error
from ..core.forms import error_summary
from ..db_types import utcnow
from ..extensions import db
from ..nominations.operations import NominationRefused
from ..organisations.models import Organisation
from . import operations
from .forms import EditUserForm, EraseUserForm, InviteUserForm, ResetTwoFactorForm, UserFilterForm

bp = Blueprint("admin_users", __name__, url_prefix="/admin/users")

#: Page numbers beyond this are refused quietly (page 1) rather than turned into huge OFFSETs.
MAX_PAGE = 10_000
#: The reset form shares the page with the edit form: a prefix keeps its field ids apart.
RESET_PREFIX = "reset"


@bp.errorhandler(NoLongerAdmin)
def no_longer_admin(_error):
    """Another administrator took this one's role away (or disabled them) a moment before."""
    db.session.rollback()
    return render_error(409, _("Another administrator has just taken away your administrator role or "
                               "disabled your account: nothing was changed."))


@bp.get("/")
@roles_required(Role.ADMIN)
def list_users():
    """Every account, searchable and filtered by role, organisation, status and two-step
    verification; paginated."""
    filters = UserFilterForm(formdata=request.args)
    filters.set_organisation_choices(_organisations(active_only=False))
    if not filters.validate():
        return render_template("admin_users/list.html", filters=filters, page=None), 400
    page_number = request.args.get("page", 1, type=int)
    page = db.paginate(_filtered_users(filters),
                       page=page_number if 1 <= page_number <= MAX_PAGE else 1,
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("admin_users/list.html", filters=filters, page=page)


@bp.route("/invite", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def invite_user():
    """Invite a person by e-mail with their roles and organisation."""
    form = InviteUserForm()
    form.set_organisation_choices(_organisations())
    if form.validate_on_submit():
        try:
            user = operations.invite_user(current_user._get_current_object(), email=form.email.data,
                                          **_account_fields(form))
        except IntegrityError:  # the same address invited by someone else a moment ago
            db.session.rollback()
            form.email.errors.append(_("An account with this e-mail address exists already."))
        else:
            db.session.commit()
            flash(_("%(name)s has been invited; the invitation is on its way to %(email)s.",
                    name=user.display_name, email=user.email), "success")
            return redirect(url_for("admin_users.edit_user", user_id=user.id))
    return render_template("admin_users/invite.html", form=form), 400 if form.errors else 200


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_user(user_id: int):
    """Change an account's name, language, organisation and roles."""
    user = _load(user_id)
    form = _edit_form(user)
    if form.validate_on_submit():
        changes = operations.update_user(current_user._get_current_object(), user, **_account_fields(form))
        db.session.commit()
        flash(_("The account has been saved.") if changes else _("Nothing was changed."), "success")
        return redirect(url_for("admin_users.edit_user", user_id=user_id))
    return _render_edit(user, form, 400 if form.errors else 200)


@bp.post("/<int:user_id>/disable")
@roles_required(Role.ADMIN)
def disable_user(user_id: int):
    """Disable an account; its open sessions end at once."""
    user = _load(user_id)
    if user.id == current_user.id:
        return _render_edit(user, _edit_form(user, formdata=None), 400,
                            refusal=_("You cannot disable your own account. Ask another administrator."))
    if user.is_active:
        operations.disable_user(current_user._get_current_object(), user)
        db.session.commit()
    flash(_("The account of %(name)s is disabled; its sessions have ended.", name=user.display_name),
          "success")
    return redirect(url_for("admin_users.edit_user", user_id=user_id))


@bp.post("/<int:user_id>/enable")
@roles_required(Role.ADMIN)
def enable_user(user_id: int):
    """Enable a disabled account again."""
    user = _load(user_id)
    if not user.is_active:
        operations.enable_user(current_user._get_current_object(), user)
        db.session.commit()
    flash(_("The account of %(name)s is active.", name=user.display_name), "success")
    return redirect(url_for("admin_users.edit_user", user_id=user_id))


@bp.post("/<int:user_id>/unlock")
@roles_required(Role.ADMIN)
def unlock_user(user_id: int):
    """Lift the sign-in lock of an active account without ending its sessions."""
    user = _load(user_id)
    if not user.is_active:
        return render_error(409, _("This account is disabled: enabling it also lifts the lock."))
    if user.is_locked(utcnow()):
        operations.unlock_user(current_user._get_current_object(), user)
        db.session.commit()
    flash(_("%(name)s can sign in again.", name=user.display_name), "success")
    return redirect(url_for("admin_users.edit_user", user_id=user_id))


@bp.post("/<int:user_id>/two-step/reset")
@roles_required(Role.ADMIN)
def reset_two_factor(user_id: int):
    """Turn off someone's two-step verification after a lost phone; their sessions end."""
    user = _load(user_id)
    form = ResetTwoFactorForm(prefix=RESET_PREFIX)
    refusal = (_("You cannot reset your own two-step verification here. Use your profile page.")
               if user.id == current_user.id else
               _("This person does not use two-step verification.") if not user.has_two_factor else None)
    if refusal or not form.validate():
        return _render_edit(user, _edit_form(user, formdata=None), 400, refusal=refusal, reset_form=form)
    operations.reset_two_factor(current_user._get_current_object(), user, form.reason.data)
    db.session.commit()
    flash(_("Two-step verification is off for %(name)s and their sessions have ended. They can turn it "
            "on again from their profile.", name=user.display_name), "success")
    return redirect(url_for("admin_users.edit_user", user_id=user_id))


@bp.post("/<int:user_id>/invitation")
@roles_required(Role.ADMIN)
def resend_invitation(user_id: int):
    """Send a new invitation link to someone who has not accepted yet; older links stop working."""
    user = _load(user_id)
    refusal = (_("This person has already set a password; they can reset it if they forgot it.")
               if user.has_accepted_invitation else
               _("Enable the account before sending a new invitation.") if not user.is_active else None)
    if refusal:
        return _render_edit(user, _edit_form(user, formdata=None), 400, refusal=refusal)
    operations.resend_invitation(current_user._get_current_object(), user)
    db.session.commit()
    flash(_("A new invitation is on its way to %(email)s.", email=user.email), "success")
    return redirect(url_for("admin_users.edit_user", user_id=user_id))


@bp.route("/<int:user_id>/erase", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def erase_user(user_id: int):
    """Delete an account and its personal data for good (``accounts.erasure``), once the admin
    types its e-mail address; never one's own (another administrator does it)."""
    user = _load(user_id)
    form = EraseUserForm(user)
    own = user.id == current_user.id
    if own or not form.validate_on_submit():
        status = 409 if own and request.method == "POST" else 400 if form.errors else 200
        return render_template("admin_users/erase.html", user=user, form=form, own=own,
                               errors=error_summary(form)), status
    name = user.display_name
    try:
        erased = erasure.erase_account(user, actor=current_user._get_current_object())
    except erasure.AccountGone:  # another administrator (or the owner) deleted it a moment ago
        db.session.rollback()
        erased = None
    except NominationRefused as refusal:  # a nomination of theirs changed meanwhile
        db.session.rollback()
        return render_error(409, refusal.message)
    db.session.commit()
    if erased is not None:
        erasure.remove_files(erased)
    flash(_("The account of %(name)s and its personal data have been deleted.", name=name), "success")
    return redirect(url_for("admin_users.list_users"))


def _filtered_users(filters: UserFilterForm):
    query = (db.select(User)
             .options(selectinload(User.roles), joinedload(User.organisation))
             .order_by(User.display_name, User.id))
    if filters.q.data:
        needle = filters.q.data.strip()
        query = query.where(db.or_(User.display_name.icontains(needle, autoescape=True),
                                   User.email.icontains(needle, autoescape=True)))
    if filters.role.data:
        query = query.where(User.roles.any(UserRole.role == Role(filters.role.data)))
    if filters.organisation.data is not None:
        query = query.where(User.organisation_id == filters.organisation.data)
    if filters.active.data:
        query = query.where(User.is_active.is_(filters.active.data == "yes"))
    if filters.two_factor.data == "on":
        query = query.where(User.totp_enabled_at.is_not(None))
    elif filters.two_factor.data in ("off", "missing"):
        query = query.where(User.totp_enabled_at.is_(None))
    if filters.two_factor.data == "missing":
        required = [Role(name) for name in current_app.config["TWO_FACTOR_REQUIRED_ROLES"]]
        query = query.where(User.roles.any(UserRole.role.in_(required)))
    return query


def _organisations(active_only: bool = True, keep_id: int | None = None) -> list[tuple[int, str]]:
    """``(id, name)`` of organisations sorted by name; ``keep_id`` stays even when inactive."""
    query = db.select(Organisation.id, Organisation.name).order_by(Organisation.name)
    if active_only:
        query = query.where(db.or_(Organisation.is_active.is_(True), Organisation.id == keep_id))
    return [tuple(row) for row in db.session.execute(query)]


def _load(user_id: int) -> User:
    return db.get_or_404(User, user_id, options=[joinedload(User.organisation)])


def _edit_form(user: User, **kwargs) -> EditUserForm:
    form = EditUserForm(user, current_user._get_current_object(), data={
        "display_name": user.display_name, "preferred_language": user.preferred_language,
        "organisation_id": user.organisation_id, "roles": sorted(user.role_names)}, **kwargs)
    form.set_organisation_choices(_organisations(keep_id=user.organisation_id))
    return form


def _account_fields(form) -> dict:
    return dict(display_name=form.display_name.data, preferred_language=form.preferred_language.data,
                organisation_id=form.organisation_id.data, roles=form.role_set())


def _render_edit(user: User, form: EditUserForm, status: int, refusal: str | None = None,
                 reset_form: ResetTwoFactorForm | None = None):
    return render_template("admin_users/edit.html", user=user, form=form, refusal=refusal, now=utcnow(),
                           reset_form=reset_form or ResetTwoFactorForm(formdata=None, prefix=RESET_PREFIX),
                           two_factor_required=two_factor.is_required(user)), status
