"""Following up: coordinators see their nominees' progress; admins see it per edition.

A coordinator only ever sees nominees of their own organisation: another organisation's nominee
answers 404, as if it did not exist. The pages show progress, never quiz answers or scores.
"""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user

from ..access import require, roles_required
from ..accounts.models import Role
from ..core.forms import requested_page
from ..extensions import db
from ..i18n import current_language
from . import followup
from .followup_forms import EditionFilterForm, OrganisationFilterForm
from .languages import language_name
from .models import Edition, Nomination

bp = Blueprint("followup", __name__, url_prefix="/follow-up")


def _paginate(query):
    return db.paginate(query, page=requested_page(request.args),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)


def may_follow(user, nomination: Nomination) -> bool:
    """Admins follow every nominee; a coordinator, their own organisation's nominees only."""
    if user.is_admin:
        return True
    return user.coordinates(nomination.organisation_id)


@bp.get("/")
@roles_required(Role.COORDINATOR)
def my_nominees():
    """The coordinator's accepted and enrolled nominees, across editions, with their progress."""
    organisation_id = current_user.organisation_id
    editions = followup.followed_editions(organisation_id) if organisation_id is not None else []
    form = EditionFilterForm(request.args, editions=editions)
    valid = form.validate()
    page = followed = None
    if organisation_id is not None:
        query = followup.followed_nominations().where(Nomination.organisation_id == organisation_id)
        if form.edition_id is not None:
            query = query.where(Nomination.edition_id == form.edition_id)
        page = _paginate(followup.by_edition_then_name(query))
        followed = followup.follow_up(page.items)
    return render_template("nominations/followup/my_nominees.html", form=form, page=page, followed=followed,
                           downloadable=followup.downloadable(current_user, followed or [])), 200 if valid else 400


@bp.get("/nominees/<int:nomination_id>")
@roles_required(Role.ADMIN, Role.COORDINATOR)
def nominee(nomination_id: int):
    """One nominee: the nomination's details and their progress in each module of the edition."""
    nomination = db.one_or_404(followup.followed_nominations().where(Nomination.id == nomination_id))
    require(may_follow(current_user, nomination), 404)
    [followed] = followup.follow_up([nomination])
    language = current_language()
    return render_template("nominations/followup/nominee.html", nomination=nomination, followed=followed,
                           downloadable=followup.downloadable(current_user, [followed]),
                           spoken_languages=[language_name(code, language) for code in nomination.languages])


@bp.get("/editions/<int:edition_id>")
@roles_required(Role.ADMIN)
def edition(edition_id: int):
    """Every followed nominee of an edition, grouped by organisation (which may be filtered)."""
    intake = db.get_or_404(Edition, edition_id)
    form = OrganisationFilterForm(request.args, organisations=followup.followed_organisations(intake.id))
    valid = form.validate()
    query = followup.followed_nominations().where(Nomination.edition_id == intake.id)
    if form.organisation_id is not None:
        query = query.where(Nomination.organisation_id == form.organisation_id)
    page = _paginate(followup.by_organisation_then_name(query))
    followed = followup.follow_up(page.items)
    return render_template("nominations/followup/edition.html", edition=intake, form=form, page=page,
                           followed=followed, downloadable=followup.downloadable(current_user, followed)), \
        200 if valid else 400
