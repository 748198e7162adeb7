"""Signing in and out, password resets, invitations and one's own profile."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l, ngettext, refresh
from flask_login import current_user

from ..access import public, signed_in
from ..core.after_response import after_response
from ..core.errors import render_error
from ..core.security import safe_next
from ..extensions import db, limiter
from . import enforcement, operations, second_step, two_factor
from .forms import (AcceptInvitationForm, ChangePasswordForm, ProfileForm, RequestResetForm,
                    ResetPasswordForm, SignInCodeForm, SignInForm)
from .models import TokenPurpose
from .sessions import end_session, start_session
from .tokens import USED_LINK, find_token, lifetime, token_problem

bp = Blueprint("accounts", __name__)

#: One message for every refusal, so that nobody learns whether an address has an account.
SIGN_IN_REFUSED = _l("The e-mail address or the password is not right, or this account cannot sign "
                     "in at the moment. After several failed attempts an account is locked for a "
                     "while; choosing a new password through “Forgot your password?” opens it at once.")


#: Also one message for a wrong, used or mistyped code.
CODE_REFUSED = _l("This code is not right, or it was used already. Type the code your app shows now, "
                  "or one of your recovery codes.")

#: From this many recovery codes left down, signing in with one suggests making new ones.
RECOVERY_CODES_FEW = 3


#: The password form shares the profile page: a prefix keeps its field ids apart.
PASSWORD_PREFIX = "change"


def _sign_in_limit() -> str:
    return current_app.config["RATELIMIT_SIGN_IN"]


def _reset_limit() -> str:
    return current_app.config["RATELIMIT_RESET"]


def _status(form) -> int:
    """200 for a fresh form, 400 when a submitted one is re-shown with errors."""
    return 400 if form.errors else 200


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
@public
def sign_in():
    """Sign in; afterwards go to ``next`` when it is a page of this site."""
    target = safe_next(request.args.get("next"), url_for("core.index"))
    if current_user.is_authenticated:
        return redirect(target)
    form = SignInForm()
    if form.validate_on_submit():
        user = operations.authenticate(form.email.data, form.password.data)
        if user is not None and user.has_two_factor:
            second_step.await_code(user, target)
            db.session.commit()
            return redirect(url_for("accounts.sign_in_code"))
        if user is not None:
            start_session(user)
            db.session.commit()
            flash(_("Welcome, %(name)s.", name=user.display_name), "success")
            return redirect(enforcement.landing_page(user, target))
        db.session.commit()  # keeps the failure count and the audit event
        form.form_errors.append(SIGN_IN_REFUSED)
    return render_template("accounts/sign_in.html", form=form), _status(form)


@bp.route("/sign-in/code", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
@public
def sign_in_code():
    """The second step of signing in: a code from the authenticator app, or a recovery code."""
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    try:
        pending = second_step.pending_sign_in()
    except second_step.NoPendingSignIn as missing:
        message = SIGN_IN_REFUSED if missing.refused else missing.message
        if message:
            flash(message, "error")
        return redirect(url_for("accounts.sign_in"))
    form = SignInCodeForm()
    if form.validate_on_submit():
        kind = operations.complete_sign_in(pending.user, form.code.data)
        if kind is not None:
            start_session(pending.user)  # also drops the marker
            db.session.commit()
            flash(_("Welcome, %(name)s.", name=pending.user.display_name), "success")
            if kind == "recovery":
                _flash_recovery_codes_left(pending.user)
            return redirect(safe_next(pending.target, url_for("core.index")))
        db.session.commit()  # keeps the failure count and the audit event
        form.form_errors.append(CODE_REFUSED)
    return render_template("accounts/sign_in_code.html", form=form), _status(form)


def _flash_recovery_codes_left(user) -> None:
    left = two_factor.recovery_codes_left(user)
    flash(ngettext("You signed in with a recovery code. %(num)d recovery code is left.",
                   "You signed in with a recovery code. %(num)d recovery codes are left.", left),
          "warning" if left <= RECOVERY_CODES_FEW else "success")
    if left <= RECOVERY_CODES_FEW:
        flash(_("Make new recovery codes on your profile page before you run out."), "warning")


@bp.post("/sign-out")
@signed_in
def sign_out():
    """End the current session (its row is deleted, so a copied cookie stops working too)."""
    user = current_user._get_current_object()
    operations.sign_out(user)
    end_session(user)
    db.session.commit()
    flash(_("You have signed out."), "success")
    return redirect(url_for("core.index"))


@bp.route("/reset-password", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
@public
def request_reset():
    """Ask for a reset link; the answer is the same whether or not the address has an account.

    It also takes the same time: everything that depends on the account (the link, the e-mail,
    the audit) happens once the answer has been sent.
    """
    form = RequestResetForm()
    if form.validate_on_submit():
        after_response(_send_reset_link, form.email.data)
        hours = int(lifetime(TokenPurpose.RESET).total_seconds() // 3600)
        flash(ngettext("If an account exists for %(email)s, we have sent it a link to choose a new "
                       "password. The link works for %(num)d hour.",
                       "If an account exists for %(email)s, we have sent it a link to choose a new "
                       "password. The link works for %(num)d hours.", hours, email=form.email.data),
              "success")
        return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/request_reset.html", form=form), _status(form)


def _send_reset_link(email: str) -> None:
    """What a reset request does for the account, if any (after the answer: see ``request_reset``)."""
    operations.request_reset(email)
    db.session.commit()


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
@public
def reset_password(token: str):
    """Choose a new password through a reset link; every session of the account ends."""
    account_token = find_token(token, TokenPurpose.RESET)
    problem = token_problem(account_token)
    if problem:
        return render_error(*problem)
    form = ResetPasswordForm(account_token.user)
    if form.validate_on_submit():
        if not operations.reset_password(account_token, form.password.data):
            db.session.rollback()
            return render_error(400, USED_LINK)
        db.session.commit()
        flash(_("Your password has been changed. Please sign in with it."), "success")
        return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/reset_password.html", form=form), _status(form)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
@public
def accept_invitation(token: str):
    """Complete an invited account: name, language, time zone and password."""
    account_token = find_token(token, TokenPurpose.INVITATION)
    problem = token_problem(account_token)
    if problem:
        return render_error(*problem)
    user = account_token.user
    form = AcceptInvitationForm(user, obj=user)
    if form.validate_on_submit():
        if not operations.accept_invitation(account_token, password=form.password.data,
                                            display_name=form.display_name.data,
                                            preferred_language=form.preferred_language.data,
                                            time_zone=form.time_zone.data):
            db.session.rollback()
            return render_error(400, USED_LINK)
        db.session.commit()
        flash(_("Your account is ready. Please sign in with your e-mail address and new password."),
              "success")
        return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/accept_invitation.html", form=form, user=user), _status(form)


@bp.route("/profile", methods=["GET", "POST"])
@signed_in
def profile():
    """One's own name, language and time zone (and, on the same page, the password form)."""
    user = current_user._get_current_object()
    form = ProfileForm(obj=user)
    if form.validate_on_submit():
        operations.update_profile(user, display_name=form.display_name.data,
                                  preferred_language=form.preferred_language.data,
                                  time_zone=form.time_zone.data)
        db.session.commit()
        refresh()  # the confirmation speaks the language just chosen
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("accounts.profile"))
    password_form = ChangePasswordForm(user, formdata=None, prefix=PASSWORD_PREFIX)
    return _render_profile(form, password_form), _status(form)


@bp.post("/profile/password")
@limiter.limit(_sign_in_limit)
@signed_in
def change_password():
    """Change one's password; every other session of the account ends, this one stays."""
    user = current_user._get_current_object()
    form = ChangePasswordForm(user, prefix=PASSWORD_PREFIX)
    if form.validate_on_submit():
        ended = operations.change_password(user, form.password.data)
        db.session.commit()
        flash(ngettext("Your password has been changed. %(num)d other session was signed out.",
                       "Your password has been changed. %(num)d other sessions were signed out.",
                       ended), "success")
        return redirect(url_for("accounts.profile"))
    count_refused_password(form)
    return _render_profile(ProfileForm(obj=user, formdata=None), form), 400


def count_refused_password(form) -> None:
    """A wrong current password typed into a security form (``ReauthenticatedForm``) counts
    towards the account's lock; the count is saved although the form is refused."""
    if form.password_refused:
        operations.reauthentication_refused(form.user, "wrong_password")
        db.session.commit()


def _render_profile(profile_form, password_form) -> str:
    return render_template("accounts/profile.html", form=profile_form, password_form=password_form,
                           user=current_user)


from . import data_export_views, erasure_views, session_views, two_factor_views  # noqa: E402,F401  (routes on the same blueprint)
