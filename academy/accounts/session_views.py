"""One's own open sessions: where one is signed in, and ending the others.

Someone who fears that their password (or a device) fell into the wrong hands sees every open
session and ends the ones they do not recognise, after typing their password again.
Routes of the ``accounts`` blueprint (see ``views``).
"""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import ngettext
from flask_login import current_user

from ..access import signed_in
from ..audit.operations import record
from ..core.forms import error_summary
from ..extensions import db, limiter
from .forms import EndSessionsForm
from .models import UserSession, hash_token
from .views import _sign_in_limit, _status, bp, count_refused_password


def _sessions(user) -> list[UserSession]:
    """``user``'s open sessions, the most recently active first."""
    return list(db.session.scalars(db.select(UserSession).where(UserSession.user_id == user.id)
                                   .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())))


def _page(form: EndSessionsForm, sessions: list[UserSession], status: int = 200):
    current_hash = hash_token(current_user.session_token)
    return render_template("accounts/sessions.html", form=form, sessions=sessions,
                           errors=error_summary(form, {"session_ids": "session-list"}),
                           current_id=next((item.id for item in sessions if item.token_hash == current_hash),
                                           None)), status


@bp.get("/profile/sessions")
@signed_in
def open_sessions():
    """Every session open in one's name, this one marked, with a form to end the others."""
    sessions = _sessions(current_user)
    form = EndSessionsForm(current_user, formdata=None)
    form.offer(session for session in sessions if session.token_hash != hash_token(current_user.session_token))
    return _page(form, sessions)


@bp.post("/profile/sessions")
@limiter.limit(_sign_in_limit)
@signed_in
def end_sessions():
    """End the ticked sessions (never this one), once the password is typed again."""
    user = current_user._get_current_object()
    sessions = _sessions(user)
    others = [session for session in sessions if session.token_hash != hash_token(user.session_token)]
    form = EndSessionsForm(user)
    form.offer(others)
    if not form.validate_on_submit():
        count_refused_password(form)
        return _page(form, sessions, _status(form))
    chosen = form.chosen_ids()
    ended = db.session.execute(db.delete(UserSession).where(
        UserSession.user_id == user.id, UserSession.id.in_(chosen))).rowcount
    record("account.sessions_ended", actor=user, target=user, ended_sessions=ended)
    db.session.commit()
    flash(ngettext("%(num)d session ended.", "%(num)d sessions ended.", ended), "success")
    return redirect(url_for("accounts.open_sessions"))
