"""Deleting one's own account: what goes, what stays, and the form that does it.

Routes of the ``accounts`` blueprint (see ``views``); the work is ``erasure.erase_account``.
Administrators' accounts are deleted by another administrator (``admin_users``), so that the
academy always keeps one.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import signed_in
from ..core.errors import render_error
from ..core.forms import error_summary
from ..extensions import db, limiter
from ..nominations.operations import NominationRefused
from . import erasure
from .forms import DeleteAccountForm
from .sessions import end_session
from .views import _sign_in_limit, _status, bp, count_refused_password


#: An administrator asking to delete their own account: another administrator does it.
REFUSED = 409


def _page(form: DeleteAccountForm, status: int = 200):
    return render_template("accounts/delete_account.html", form=form, errors=error_summary(form),
                           refused_as_admin=current_user.is_admin), status


@bp.get("/profile/delete")
@signed_in
def delete_account_page():
    """What deleting one's account removes, and the form to do it."""
    return _page(DeleteAccountForm(current_user, formdata=None))


@bp.post("/profile/delete")
@limiter.limit(_sign_in_limit)
@signed_in
def delete_account():
    """Delete one's account and personal data once the password is typed again and the box ticked."""
    user = current_user._get_current_object()
    form = DeleteAccountForm(user)
    if user.is_admin:
        return _page(form, REFUSED)
    if not form.validate_on_submit():
        count_refused_password(form)
        return _page(form, _status(form))
    try:
        erased = erasure.erase_account(user, actor=None)
    except erasure.AccountGone:  # the same request sent twice: the first one deleted it
        db.session.rollback()
        erased = None
    except NominationRefused as refusal:  # a nomination of theirs changed meanwhile
        db.session.rollback()
        return render_error(409, refusal.message)
    end_session(None)  # its row went with the account
    db.session.commit()
    if erased is not None:
        erasure.remove_files(erased)
    flash(_("Your account and your personal data have been deleted. Thank you for having taken part."), "success")
    return redirect(url_for("core.index"))
