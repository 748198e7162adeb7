"""Admin screens for editions (intakes): create, edit, open, close, archive."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import selectinload

from ..access import roles_required
from ..accounts.models import Role
from ..core.forms import error_summary, requested_page
from ..extensions import db
from ..i18n import current_language
from . import edition_operations as operations
from .edition_forms import EditionForm
from .edition_operations import EditionAction, EditionRefused
from .edition_status_forms import EditionFilterForm, StatusChangeForm
from .languages import language_name
from .models import Edition, EditionStatus, NominationStatus

bp = Blueprint("editions", __name__, url_prefix="/admin/editions")

#: Pages of other areas about one edition: (endpoint, link text, URL arguments).
RELATED_PAGES = (
    ("review.queue", _l("Nominations to review"), lambda edition: {"edition": edition.id}),
    ("review.report", _l("Nominations report"), lambda edition: {"edition_id": edition.id}),
    ("review.export", _l("Export the nominations (CSV)"), lambda edition: {"edition": edition.id}),
    ("followup.edition", _l("Nominees' progress"), lambda edition: {"edition_id": edition.id}),
)


def _moved_message(action: EditionAction, name: str) -> str:
    """What the administrator is told after a status move."""
    if action is EditionAction.CLOSE:
        return _("Nominations for “%(name)s” are closed.", name=name)
    if action is EditionAction.ARCHIVE:
        return _("“%(name)s” is archived.", name=name)
    return _("“%(name)s” is open: coordinators can nominate while the window lasts.", name=name)


def _viewer_zone() -> str:
    return current_user.time_zone or "UTC"


def _edition_with_settings(edition_id: int) -> Edition:
    """The edition with its modules and allow-lists loaded, or 404."""
    return db.one_or_404(db.select(Edition).where(Edition.id == edition_id).options(
        selectinload(Edition.modules), selectinload(Edition.allowed_regions),
        selectinload(Edition.allowed_organisations)))


def _related_links(edition: Edition) -> list[tuple[str, str]]:
    return [(str(label), url_for(endpoint, **arguments(edition)))
            for endpoint, label, arguments in RELATED_PAGES]


def _show(edition: Edition, *, refusal=None, status: int = 200):
    """The edition's page; ``refusal`` explains a status move that was refused."""
    return render_template(
        "nominations/editions/show.html", edition=edition, refusal=refusal,
        counts=operations.nomination_counts([edition.id])[edition.id], nomination_statuses=list(NominationStatus),
        actions=operations.actions_for(edition.status),
        links=_related_links(edition), zone_name=_viewer_zone(),
        required_language=language_name(edition.required_language, current_language()),
    ), status


@bp.get("/")
@roles_required(Role.ADMIN)
def list_editions():
    """Editions by status (archived ones only when asked), newest first, with their nominations."""
    form = EditionFilterForm(request.args)
    valid = form.validate() if request.args else True
    page = db.paginate(
        db.select(Edition).where(Edition.status.in_(form.statuses()))
        .order_by(Edition.starts_on.desc(), Edition.id.desc()),
        page=requested_page(request.args), per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template(
        "nominations/editions/list.html", form=form, page=page,
        counts=operations.nomination_counts(item.id for item in page.items),
        nomination_statuses=list(NominationStatus)), 200 if valid else 400


def _form_page(form: EditionForm, edition: Edition | None, status: int):
    """The settings form of ``edition`` (a new one when None), its problems summed up above it."""
    return render_template("nominations/editions/form.html", form=form, edition=edition,
                           errors=error_summary(form)), status


def _saved(form: EditionForm, message: str, edition_id: int):
    db.session.commit()
    flash(message, "success")
    for label in form.ambiguous:
        flash(_("%(field)s: the clocks show this time twice that night in %(zone)s; the first of the two "
                "is taken.", field=label, zone=form.zone_name), "warning")
    return redirect(url_for(".show_edition", edition_id=edition_id))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_edition():
    """Create an edition, in draft until it is opened for nominations."""
    form = EditionForm(_viewer_zone())
    if form.validate_on_submit():
        edition = operations.create_edition(actor=current_user, **form.values())
        return _saved(form, _("Edition “%(name)s” created as a draft. Open it when nominations may start.",
                              name=edition.name), edition.id)
    return _form_page(form, None, 400 if form.is_submitted() else 200)


@bp.route("/<int:edition_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_edition(edition_id: int):
    """Change an edition's settings (never to fewer seats than are taken; never once archived)."""
    edition = _edition_with_settings(edition_id)
    if edition.status is EditionStatus.ARCHIVED:
        return _show(edition, refusal=_("This edition is archived: its settings can no longer change."),
                     status=409)
    zone_name = _viewer_zone()
    form = (EditionForm(zone_name, existing=edition) if request.method == "POST"
            else EditionForm.for_edition(edition, zone_name))
    status = 400 if form.is_submitted() else 200
    if form.validate_on_submit():
        try:
            changes = operations.update_edition(edition, actor=current_user, **form.values())
        except EditionRefused as refusal:
            db.session.rollback()
            form.form_errors.append(refusal.message)
            status = 409
        else:
            return _saved(form, _("Changes saved.") if changes else _("Nothing to change."), edition_id)
        edition = db.session.get(Edition, edition_id)
    return _form_page(form, edition, status)


@bp.get("/<int:edition_id>")
@roles_required(Role.ADMIN)
def show_edition(edition_id: int):
    """An edition's settings in words, its seats and nominations, and its status buttons."""
    return _show(_edition_with_settings(edition_id))


@bp.post("/<int:edition_id>/status")
@roles_required(Role.ADMIN)
def change_status(edition_id: int):
    """Open, close, reopen or archive an edition; a move its status does not allow is refused."""
    edition = db.get_or_404(Edition, edition_id)
    form = StatusChangeForm()
    if not form.validate_on_submit():
        return _show(_edition_with_settings(edition_id),
                     refusal=_("This is not an action an edition can take."), status=400)
    action = form.chosen()
    try:
        operations.change_status(edition, action, actor=current_user)
    except EditionRefused as refusal:
        db.session.rollback()
        return _show(_edition_with_settings(edition_id), refusal=refusal.message, status=409)
    db.session.commit()
    flash(_moved_message(action, edition.name), "success")
    return redirect(url_for(".show_edition", edition_id=edition_id))
