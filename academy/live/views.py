"""Live sessions: trainers schedule them and take attendance; trainees see them and their calendars."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict

from ..access import public, require, roles_required, signed_in
from ..accounts.models import Role, User
from ..accounts.tokens import absolute_url
from ..core.forms import requested_page
from ..curriculum.models import Module
from ..db_types import utcnow
from ..extensions import db, limiter
from ..i18n import format_moment
from . import operations
from .attendance import attendance_rates, session_tallies
from .calendar import feed_calendar, session_calendar
from .forms import AttendanceForm, ConfirmForm, SessionForm
from .models import AttendanceStatus, CalendarFeed, LiveSession
from .permissions import can_manage_sessions, can_see_session, can_take_attendance
from .queries import sessions_of, taught_modules, trainer_name
from .times import to_local

bp = Blueprint("live", __name__)

#: Sessions in a personal feed: from this many days ago on (older ones only weigh it down).
FEED_HISTORY_DAYS = 180
#: At most this many sessions in one feed: the latest (the upcoming ones are what a calendar needs).
FEED_LIMIT = 500


@bp.app_template_filter("session_time")
def session_time(moment) -> str:
    """``{{ live_session.starts_at | session_time }}``: date and time in the reader's time zone."""
    return format_moment(moment, "full")


def _viewer_zone() -> str:
    return current_user.time_zone or "UTC"


def _managed_module(module_id: int) -> Module:
    module = db.get_or_404(Module, module_id)
    require(can_manage_sessions(current_user, module.id))
    return module


def _module_trainers(module_id: int) -> list[User]:
    return list(db.session.scalars(
        db.select(Module).where(Module.id == module_id).options(joinedload(Module.trainers))
    ).unique().one().trainers)


def _page_size() -> int:
    return current_app.config["PAGE_SIZE"]


@bp.get("/teach/modules/<int:module_id>/sessions")
@roles_required(Role.ADMIN, Role.TRAINER)
def module_sessions(module_id: int):
    """A module's sessions with attendance counts, and each trainee's attendance rate."""
    module = _managed_module(module_id)
    sessions = db.paginate(
        db.select(LiveSession).options(trainer_name())
        .where(LiveSession.module_id == module.id)
        .order_by(LiveSession.starts_at.desc(), LiveSession.id.desc()),
        page=requested_page(request.args), per_page=_page_size(), error_out=False)
    trainees_page = requested_page(MultiDict({"page": request.args.get("trainees_page", "1")}))
    trainees = db.paginate(operations.attendance_query(module.id, current_user.id), page=trainees_page,
                           per_page=_page_size(), error_out=False)
    return render_template(
        "live/module_sessions.html", module=module, sessions=sessions, trainees=trainees,
        attendance_statuses=list(AttendanceStatus),
        tallies=session_tallies(item.id for item in sessions.items),
        rates=attendance_rates(enrolment.id for enrolment in trainees.items))


def _session_form(module: Module, live_session: LiveSession | None = None) -> SessionForm:
    zone_name = _viewer_zone()
    trainers = _module_trainers(module.id)
    if live_session is None or request.method == "POST":
        form = SessionForm(trainers, zone_name)
        if not form.is_submitted() and any(trainer.id == current_user.id for trainer in trainers):
            form.trainer_id.data = current_user.id
        return form
    local = to_local(live_session.starts_at, zone_name)
    return SessionForm(trainers, zone_name, obj=live_session, day=local.date(), start_time=local.time())


def _saved(form: SessionForm, message: str, module_id: int):
    db.session.commit()
    flash(message, "success")
    if form.was_ambiguous:
        flash(_("The clocks show this time twice that night in %(zone)s; the session starts at the "
                "first of the two.", zone=form.zone_name), "warning")
    return redirect(url_for(".module_sessions", module_id=module_id))


@bp.route("/teach/modules/<int:module_id>/sessions/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.TRAINER)
def new_session(module_id: int):
    """Schedule a session of a module; enrolled trainees are told by e-mail."""
    module = _managed_module(module_id)
    form = _session_form(module)
    if form.validate_on_submit():
        if operations.already_scheduled(module, **form.values()):
            flash(_("Session “%(title)s” was already scheduled at that time: nothing was added.",
                    title=form.values()["title"]), "warning")
            return redirect(url_for(".module_sessions", module_id=module.id))
        live_session = operations.schedule_session(module, actor=current_user, **form.values())
        return _saved(form, _("Session “%(title)s” scheduled.", title=live_session.title), module.id)
    return render_template("live/session_form.html", form=form, module=module, live_session=None,
                           cancel_form=None), 400 if form.is_submitted() else 200


@bp.route("/teach/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.TRAINER)
def edit_session(session_id: int):
    """Change a session; enrolled trainees are told by e-mail when anything changed."""
    live_session = db.get_or_404(LiveSession, session_id)
    module = _managed_module(live_session.module_id)
    form = _session_form(module, live_session)
    if form.validate_on_submit():
        changes = operations.update_session(live_session, module, actor=current_user, **form.values())
        return _saved(form, _("Changes saved.") if changes else _("Nothing to change."), module.id)
    return render_template("live/session_form.html", form=form, module=module, live_session=live_session,
                           cancel_form=ConfirmForm()), 400 if form.is_submitted() else 200


@bp.post("/teach/sessions/<int:session_id>/cancel")
@roles_required(Role.ADMIN, Role.TRAINER)
def cancel_session(session_id: int):
    """Cancel (delete) a session, unless attendance has been recorded at it."""
    live_session = db.get_or_404(LiveSession, session_id)
    module = _managed_module(live_session.module_id)
    require(ConfirmForm().validate_on_submit(), 400)
    title = live_session.title
    if not operations.cancel_session(live_session, module, actor=current_user):
        db.session.rollback()
        flash(_("Attendance has been recorded at “%(title)s”, so it cannot be cancelled. Change its "
                "details instead.", title=title), "error")
        return redirect(url_for(".edit_session", session_id=session_id))
    db.session.commit()
    flash(_("Session “%(title)s” cancelled; its trainees have been told.", title=title), "success")
    return redirect(url_for(".module_sessions", module_id=module.id))


@bp.route("/teach/sessions/<int:session_id>/attendance", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.TRAINER)
def attendance(session_id: int):
    """Take attendance for every trainee of the session's module at once."""
    live_session = db.one_or_404(db.select(LiveSession).where(LiveSession.id == session_id)
                                 .options(joinedload(LiveSession.module)))
    require(can_take_attendance(current_user, live_session))
    trainees = operations.attendance_list(live_session.module_id, current_user.id)
    form = AttendanceForm([enrolment.id for enrolment in trainees])
    # Attendance is taken once the session has begun: before, a list sent is refused (400).
    started = live_session.has_started(utcnow())
    if started and form.validate_on_submit():
        changed = operations.record_attendance(live_session, form.statuses(), actor=current_user)
        db.session.commit()
        flash(_("Attendance saved.") if changed else _("Nothing to change."), "success")
        return redirect(url_for(".attendance", session_id=session_id))
    status = 400 if form.is_submitted() else 200
    fill = request.args.get("fill")
    if fill not in (None, "present"):
        abort(400)
    if status == 200:  # a fresh list, showing what has been recorded so far
        recorded = operations.recorded_statuses(live_session.id)
        # ``?fill=present`` ticks "present" for everyone not yet marked: the trainer changes the
        # few exceptions and saves; nothing is recorded until then.
        unmarked = AttendanceStatus.PRESENT.value if fill else None
        form = AttendanceForm(form.allowed_ids, data={"entries": [
            {"enrolment_id": enrolment.id, "status": getattr(recorded.get(enrolment.id), "value", unmarked)}
            for enrolment in trainees]})
    names = {enrolment.id: enrolment.user.display_name for enrolment in trainees}
    return render_template("live/attendance.html", live_session=live_session, module=live_session.module,
                           form=form, names=names, attendance_statuses=list(AttendanceStatus),
                           started=started, not_started=operations.NOT_STARTED), status


# --- what trainees (and trainers) see --------------------------------------------------------

@bp.get("/learn/sessions")
@signed_in
def my_sessions():
    """The sessions of one's modules and those one teaches: upcoming or past, in one's time zone."""
    when = request.args.get("when", "upcoming")
    if when not in ("upcoming", "past"):
        abort(400)
    page = db.paginate(sessions_of(current_user, upcoming=when == "upcoming", now=utcnow()),
                       page=requested_page(request.args), per_page=_page_size(), error_out=False)
    return render_template("live/my_sessions.html", page=page, when=when, zone_name=_viewer_zone(),
                           taught=taught_modules(current_user))


def _calendar_response(body: bytes, filename: str | None = None) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.charset = "utf-8"
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/learn/sessions/<int:session_id>.ics")
@signed_in
def session_ics(session_id: int):
    """One session as an .ics file, for those who may see it."""
    live_session = db.one_or_404(db.select(LiveSession).where(LiveSession.id == session_id).options(
        joinedload(LiveSession.module), trainer_name()))
    require(can_see_session(current_user, live_session, live_session.module))
    return _calendar_response(session_calendar(live_session), f"session-{live_session.id}.ics")


def _feed_limit() -> str:
    return current_app.config.get("RATELIMIT_CALENDAR_FEED", "60 per minute")


@bp.get("/calendar/<token>.ics")
@limiter.limit(_feed_limit)
@public
def calendar_feed(token: str):
    """A person's calendar feed, for calendar programs; the secret token in the address is the key."""
    owner = operations.feed_owner(token)
    if owner is None:
        abort(404)
    since = utcnow() - timedelta(days=FEED_HISTORY_DAYS)
    latest_first = (sessions_of(owner).where(LiveSession.starts_at >= since).order_by(None)
                    .order_by(LiveSession.starts_at.desc(), LiveSession.id.desc()).limit(FEED_LIMIT))
    sessions = db.session.scalars(latest_first).all()[::-1]
    return _calendar_response(feed_calendar(sessions, name=_("Activist Academy sessions")))


@bp.get("/calendar/feed")
@signed_in
def feed_settings():
    """Explain the personal calendar feed and offer to create, regenerate or turn it off."""
    feed = db.session.get(CalendarFeed, current_user.id)
    has_feed = feed is not None and feed.is_current(current_user)
    return render_template("live/feed.html", has_feed=has_feed, feed_url=None, form=ConfirmForm(),
                           outdated=feed is not None and not has_feed)


@bp.post("/calendar/feed")
@signed_in
def regenerate_feed():
    """Create a new secret feed address (the previous one stops working) and show it, once."""
    require(ConfirmForm().validate_on_submit(), 400)
    token = operations.issue_feed_token(current_user)
    db.session.commit()
    # Only the token's hash is kept, so this answer is the one time the address can be shown:
    # it is rendered directly instead of redirecting (responses to signed-in users are no-store).
    feed_url = absolute_url("live.calendar_feed", token=token)
    return render_template("live/feed.html", has_feed=True, feed_url=feed_url, form=ConfirmForm())


@bp.post("/calendar/feed/delete")
@signed_in
def delete_feed():
    """Turn the personal calendar feed off; its address stops working."""
    require(ConfirmForm().validate_on_submit(), 400)
    if operations.revoke_feed(current_user):
        db.session.commit()
    flash(_("Your calendar feed is turned off. Its address no longer works."), "success")
    return redirect(url_for(".feed_settings"))
