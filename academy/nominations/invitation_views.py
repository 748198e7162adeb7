"""Accepted nominees take their invitation: create or link an account, join the edition's modules."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..access import public, require, roles_required
from ..accounts.forms import AcceptInvitationForm
from ..accounts.models import Role
from ..accounts.operations import find_user_by_email
from ..accounts.sessions import start_session
from ..accounts.tokens import USED_LINK
from ..core.errors import render_error
from ..extensions import db, limiter
from ..learning.forms import ConfirmForm
from .invitation_links import find_invitation, invitation_problem
from .invitations import NewAccount, resend_invitation as send_new_link, take_invitation
from .models import Edition, Nomination
from .operations import NominationRefused

bp = Blueprint("invitations", __name__, url_prefix="/invitation")

WRONG_ACCOUNT = _l("This invitation was sent to a different e-mail address from the one of the account you "
                   "are signed in with. Please sign out, then open the link again.")
CHANGED_MEANWHILE = _l("Your account could not be set up because something changed meanwhile. "
                       "Please open the link again.")


def _token_limit() -> str:
    return current_app.config["RATELIMIT_RESET"]


@bp.route("/edition/<token>", methods=["GET", "POST"])
@limiter.limit(_token_limit, methods=["POST"])
@public
def accept_invitation(token: str):
    """Join the edition through the link: create an account, or use the existing one once signed in."""
    nomination = find_invitation(token)
    problem = invitation_problem(nomination)
    if problem:
        return render_error(*problem)
    account = find_user_by_email(nomination.email)
    if current_user.is_authenticated and (account is None or current_user.id != account.id):
        return render_error(403, WRONG_ACCOUNT)
    if account is not None and not current_user.is_authenticated:
        return redirect(url_for("accounts.sign_in", next=request.path))
    form = ConfirmForm() if account is not None else AcceptInvitationForm(nomination, data=dict(
        display_name=nomination.full_name, preferred_language=nomination.language, time_zone="UTC"))
    if form.validate_on_submit():
        return _take(nomination, account or NewAccount(
            password=form.password.data, display_name=form.display_name.data,
            preferred_language=form.preferred_language.data, time_zone=form.time_zone.data))
    edition = db.session.get(Edition, nomination.edition_id)
    return (render_template("nominations/invitations/accept.html", form=form, nomination=nomination,
                            edition=edition, new_account=account is None),
            400 if form.errors else 200)


def _take(nomination: Nomination, account):
    edition_name = db.session.get(Edition, nomination.edition_id).name
    try:
        user = take_invitation(nomination, account)
    except IntegrityError:  # an account for this address, or this seat, was taken meanwhile
        db.session.rollback()
        return render_error(400, CHANGED_MEANWHILE)
    if user is None:
        db.session.rollback()
        return render_error(400, USED_LINK)
    if isinstance(account, NewAccount):
        start_session(user)
    db.session.commit()
    flash(_("Welcome to %(edition)s! Your modules are listed below.", edition=edition_name), "success")
    return redirect(url_for("learning.home"))


@bp.post("/resend/<int:nomination_id>")
@roles_required(Role.ADMIN, Role.COORDINATOR)
def resend_invitation(nomination_id: int):
    """Send an accepted nominee a new link to join (the old one stops working)."""
    nomination = db.get_or_404(Nomination, nomination_id)
    require(_may_resend(current_user, nomination), 404)
    if not ConfirmForm().validate_on_submit():
        return render_error(400)
    try:
        send_new_link(nomination, actor=current_user._get_current_object())
    except NominationRefused as refusal:
        db.session.rollback()
        return render_error(400, refusal.message)
    db.session.commit()
    flash(_("A new link to join the edition is on its way to %(email)s.", email=nomination.email), "success")
    if current_user.is_admin:
        return redirect(url_for("review.show_nomination", nomination_id=nomination.id))
    return redirect(url_for("followup.nominee", nomination_id=nomination.id))


def _may_resend(user, nomination: Nomination) -> bool:
    """Admins, and the coordinators of the nominee's own organisation (others learn nothing: 404)."""
    return user.is_admin or user.coordinates(nomination.organisation_id)
