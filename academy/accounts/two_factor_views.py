"""One's own two-step verification: turn it on, get new recovery codes, turn it off.

Routes on the accounts blueprint, linked from the profile page. Every change asks for the current
password again. Recovery codes are rendered straight into the answer to the POST that made them,
never kept in the session or behind a redirect, so they exist on the server for one response only.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, session, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user

from ..access import signed_in
from ..core.errors import render_error
from ..core.forms import error_summary
from ..extensions import db, limiter
from . import operations, two_factor
from .two_factor_forms import RecoveryCodesForm, TwoFactorOffForm, TwoFactorSetupForm
from .views import CODE_REFUSED, _sign_in_limit, _status, bp, count_refused_password

#: Session key of the secret shown on the setup page until a code from the app confirms it. The
#: session cookie is signed by the server, so the visitor can read it (it is on the page anyway)
#: but cannot swap in a secret of their own choosing.
PENDING_SECRET = "two_factor_setup"

ALREADY_ON = _l("Two-step verification is already on for your account.")
ALREADY_OFF = _l("Two-step verification is off for your account.")
REQUIRED = _l("Your role in the academy requires two-step verification, so it cannot be turned off. "
              "If you lost your phone, use a recovery code, or ask an administrator for help.")


# The profile page's section (accounts/_two_factor_status.html) asks these about its user.
bp.add_app_template_global(two_factor.recovery_codes_left, "recovery_codes_left")
bp.add_app_template_global(two_factor.is_required, "two_factor_required")


def _pending_secret() -> str:
    """The secret being set up in this session, made (and remembered) on first use."""
    secret = session.get(PENDING_SECRET)
    if not secret:
        secret = session[PENDING_SECRET] = two_factor.new_secret()
    return secret


@bp.route("/profile/two-step", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
@signed_in
def two_factor_setup():
    """Turn two-step verification on: scan the QR code, type the first code and the password."""
    user = current_user._get_current_object()
    if user.has_two_factor:
        return render_error(409, ALREADY_ON)
    secret = _pending_secret()
    form = TwoFactorSetupForm(user)
    if form.validate_on_submit():
        try:
            codes = two_factor.enable(user, secret, form.code.data)
        except two_factor.TwoFactorRefused as refused:
            form.code.errors.append(refused.message)
        else:
            db.session.commit()
            session.pop(PENDING_SECRET, None)
            return _render_codes(codes, turned_on=True)
    return _render_form("accounts/two_factor_setup.html", form, secret=two_factor.grouped(secret),
                        qr_code=two_factor.qr_svg(two_factor.provisioning_uri(user, secret)),
                        recovery_code_count=two_factor.RECOVERY_CODE_COUNT)


@bp.route("/profile/two-step/recovery-codes", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
@signed_in
def two_factor_recovery_codes():
    """Replace one's recovery codes (the old ones stop working) and show the new ones once."""
    user = current_user._get_current_object()
    if not user.has_two_factor:
        return render_error(409, ALREADY_OFF)
    form = RecoveryCodesForm(user)
    if form.validate_on_submit():
        codes = two_factor.regenerate_recovery_codes(user)
        db.session.commit()
        return _render_codes(codes, turned_on=False)
    return _render_form("accounts/two_factor_new_codes.html", form, left=two_factor.recovery_codes_left(user))


@bp.route("/profile/two-step/off", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
@signed_in
def two_factor_off():
    """Turn two-step verification off, proven by the password and a code, unless the role requires it."""
    user = current_user._get_current_object()
    if not user.has_two_factor:
        return render_error(409, ALREADY_OFF)
    if two_factor.is_required(user):
        return render_error(409, REQUIRED)
    form = TwoFactorOffForm(user)
    if form.validate_on_submit():
        if two_factor.verify(user, form.code.data):
            two_factor.disable(user, actor=user)
            db.session.commit()
            flash(_("Two-step verification is off. Signing in now asks only for your password."), "success")
            return redirect(url_for("accounts.profile"))
        form.code.errors.append(CODE_REFUSED)
        operations.reauthentication_refused(user, "wrong_code")  # guessing codes locks, as at sign-in
        db.session.commit()
    return _render_form("accounts/two_factor_off.html", form)


def _render_form(template: str, form, **context):
    """A form page: 200 when fresh, 400 with its errors summarised when refused (a wrong current
    password counted towards the lock)."""
    count_refused_password(form)
    return render_template(template, form=form, errors=error_summary(form), **context), _status(form)


def _render_codes(codes: list[str], *, turned_on: bool):
    """The recovery codes, shown this once."""
    return render_template("accounts/two_factor_codes.html", codes=codes, turned_on=turned_on)
