"""Administration of member organisations and regional networks (admins only)."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..access import roles_required
from ..accounts.models import Role
from ..core.forms import requested_page
from ..countries import country_name
from ..extensions import db
from ..i18n import current_language
from ..media.storage import store
from . import operations
from .forms import OrganisationFilterForm, OrganisationForm, RegionForm
from .models import Organisation, Region

bp = Blueprint("organisations", __name__, url_prefix="/admin")



@bp.app_template_filter("country_name")
def country_name_filter(code: str | None) -> str:
    """``{{ organisation.country | country_name }}``: the country in the reader's language."""
    return country_name(code, current_language())


def _organisations_query(filters: dict):
    query = db.select(Organisation).options(joinedload(Organisation.region))
    if filters["q"]:
        query = query.where(Organisation.name.icontains(filters["q"], autoescape=True)
                            | Organisation.short_name.icontains(filters["q"], autoescape=True))
    if filters["region_id"] is not None:
        query = query.where(Organisation.region_id == filters["region_id"])
    if filters["kind"] is not None:
        query = query.where(Organisation.kind == filters["kind"])
    if filters["status"] != "all":
        query = query.where(Organisation.is_active == (filters["status"] == "active"))
    return query.order_by(db.func.lower(Organisation.name), Organisation.id)


@bp.get("/organisations/")
@roles_required(Role.ADMIN)
def list_organisations():
    """Member organisations: search, filter by region, kind and status; paginated."""
    form = OrganisationFilterForm(request.args)
    valid = form.validate() if request.args else True
    page = db.paginate(_organisations_query(form.filters()), page=requested_page(request.args),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("organisations/list.html", form=form, page=page), 200 if valid else 400


def _save_failed(form) -> int:
    """Another request took the name meanwhile: the unique indexes refused it; nothing was written."""
    db.session.rollback()
    form.form_errors.append(_("An organisation with this name or short name already exists."))
    return 400


def _apply_logo(form, organisation) -> bool:
    """Store or remove the organisation's logo as the form asks; whether anything changed."""
    change = form.logo_change()
    if change is None:
        return False
    return operations.set_organisation_logo(organisation, change or None, actor=current_user)


def _logo_stored_again(form) -> None:
    """After the commit, the new logo's content once more in the store: a lesson material of the
    same content may have been deleted, and its file discarded, meanwhile (``media.storage.discard``)."""
    change = form.logo_change()
    if change:
        content, file_type = change
        store(content, file_type.content_type)


@bp.route("/organisations/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_organisation():
    """Add a member organisation."""
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            organisation = operations.create_organisation(actor=current_user, **form.values())
            _apply_logo(form, organisation)
            db.session.commit()
            _logo_stored_again(form)
        except IntegrityError:
            status = _save_failed(form)
        else:
            flash(_("Organisation %(name)s added.", name=organisation.name), "success")
            return redirect(url_for(".list_organisations"))
    else:
        status = 400 if form.is_submitted() else 200
    return render_template("organisations/form.html", form=form, organisation=None), status


@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_organisation(organisation_id: int):
    """Change an organisation's details; (de)activate it from the same page."""
    organisation = db.get_or_404(Organisation, organisation_id)
    form = OrganisationForm(obj=organisation, existing=organisation)
    if form.validate_on_submit():
        try:
            changes = operations.update_organisation(organisation, actor=current_user, **form.values())
            changes = _apply_logo(form, organisation) or changes
            db.session.commit()
            _logo_stored_again(form)
        except IntegrityError:
            status = _save_failed(form)
        else:
            flash(_("Changes saved.") if changes else _("Nothing to change."), "success")
            return redirect(url_for(".edit_organisation", organisation_id=organisation.id))
    else:
        status = 400 if form.is_submitted() else 200
    return render_template("organisations/form.html", form=form, organisation=organisation), status


def _set_active(organisation_id: int, active: bool):
    organisation = db.get_or_404(Organisation, organisation_id)
    if operations.set_organisation_active(organisation, active, actor=current_user):
        db.session.commit()
    if active:
        flash(_("%(name)s is active again.", name=organisation.name), "success")
    else:
        flash(_("%(name)s is deactivated.", name=organisation.name), "success")
    return redirect(url_for(".edit_organisation", organisation_id=organisation.id))


@bp.post("/organisations/<int:organisation_id>/deactivate")
@roles_required(Role.ADMIN)
def deactivate_organisation(organisation_id: int):
    """Deactivate an organisation: kept for history, closed to new members and nominations."""
    return _set_active(organisation_id, False)


@bp.post("/organisations/<int:organisation_id>/activate")
@roles_required(Role.ADMIN)
def activate_organisation(organisation_id: int):
    """Make a deactivated organisation active again."""
    return _set_active(organisation_id, True)


@bp.get("/regions/")
@roles_required(Role.ADMIN)
def list_regions():
    """Regional networks, with how many organisations each holds."""
    page = db.paginate(db.select(Region).order_by(Region.name_en, Region.id),
                       page=requested_page(request.args),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    members = dict(db.session.execute(
        db.select(Organisation.region_id, db.func.count(Organisation.id))
        .where(Organisation.region_id.in_([region.id for region in page.items]))
        .group_by(Organisation.region_id)
    ).all())
    return render_template("organisations/regions.html", page=page, members=members)


@bp.route("/regions/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_region():
    """Add a regional network."""
    form = RegionForm()
    if form.validate_on_submit():
        try:
            region = operations.create_region(actor=current_user, **form.values())
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            form.form_errors.append(_("A region with this code or name already exists."))
        else:
            flash(_("Region %(name)s added.", name=region.localised_name(current_language())), "success")
            return redirect(url_for(".list_regions"))
    status = 400 if form.is_submitted() else 200
    return render_template("organisations/region_form.html", form=form, region=None), status


@bp.route("/regions/<int:region_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_region(region_id: int):
    """Change a region's code or names."""
    region = db.get_or_404(Region, region_id)
    form = RegionForm(obj=region, existing=region)
    if form.validate_on_submit():
        try:
            changes = operations.update_region(region, actor=current_user, **form.values())
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            form.form_errors.append(_("A region with this code or name already exists."))
        else:
            flash(_("Changes saved.") if changes else _("Nothing to change."), "success")
            return redirect(url_for(".list_regions"))
    status = 400 if form.is_submitted() else 200
    return render_template("organisations/region_form.html", form=form, region=region), status


@bp.post("/regions/<int:region_id>/delete")
@roles_required(Role.ADMIN)
def delete_region(region_id: int):
    """Delete a region that no organisation belongs to; refuse otherwise."""
    region = db.get_or_404(Region, region_id)
    name = region.localised_name(current_language())
    if not operations.delete_region(region, actor=current_user):
        flash(_("%(name)s still has member organisations: move them to another region first.",
                name=name), "error")
        return redirect(url_for(".edit_region", region_id=region_id))
    db.session.commit()
    flash(_("Region %(name)s deleted.", name=name), "success")
    return redirect(url_for(".list_regions"))
