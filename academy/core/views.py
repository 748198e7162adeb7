"""Home page, language switch and health check."""
from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import text

from ..access import public
from ..db_types import utcnow
from ..extensions import db
from .attention import waiting_for
from .errors import render_error
from .forms import LanguageForm
from .security import safe_next

bp = Blueprint("core", __name__)


@bp.get("/")
@public
def index():
    """Landing page: what the academy is, each role's way in, and what waits for the person.

    What waits (nominees' names, decisions to take) is personal data: someone whose role
    requires two-step verification and who has not turned it on is sent to do so first, as
    every other page sends them (this one is public, so the general rule lets it through)."""
    if current_user.is_authenticated:
        from ..accounts.enforcement import landing_page

        setup = landing_page(current_user, "")
        if setup:
            return redirect(setup)
    waiting = waiting_for(current_user, utcnow()) if current_user.is_authenticated else {}
    return render_template("core/index.html", waiting=waiting)


@bp.post("/language")
@public
def set_language():
    """Switch the interface language; a signed-in user's preference is saved too."""
    form = LanguageForm()
    if not form.validate_on_submit():
        return render_error(400, _("Unknown language."))
    language = form.language.data
    session["lang"] = language
    if current_user.is_authenticated:
        current_user.preferred_language = language
        db.session.commit()
    return redirect(safe_next(form.next.data, url_for("core.index")))


@bp.get("/healthz")
@public
def healthz():
    """200 when the database answers, 503 otherwise (for load balancers and monitoring)."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any database failure means "not healthy"
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
