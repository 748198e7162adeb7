"""Entering nominees: one by one through the form, or many at once from a CSV file; correcting them.

Routes of the ``nominate`` blueprint (see ``nominate_views``), for coordinators only.
"""
from __future__ import annotations

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..access import roles_required
from ..accounts.models import Role
from ..audit.operations import record
from ..db_types import utcnow
from ..extensions import db
from . import csv_import, operations, submission
from .models import Edition, Nomination, NominationStatus as S, ParityRule
from .nominate_forms import PRIVACY_NOTICE_VERSION, NominationForm, UploadForm
from .nominate_views import (EDITABLE, REFUSED, bp, own_nomination, own_organisation, published_edition, refused,
                             window_open)


# --- One nomination ---------------------------------------------------------------------------


def _consent(nomination: Nomination | None = None) -> dict:
    """Consent fields: kept as given unless the notice changed since (then given again now)."""
    if nomination is not None and nomination.consent_version == PRIVACY_NOTICE_VERSION:
        return {}
    return dict(consent_at=utcnow(), consent_version=PRIVACY_NOTICE_VERSION)


def _check_eligible(edition: Edition, nomination: Nomination) -> None:
    refusal = operations.eligibility_refusal(edition, nomination)
    if refusal is not None:
        raise refusal


@bp.route("/editions/<int:edition_id>/new", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def new_nomination(edition_id: int):
    """Nominate one person: saved as a draft, or saved and submitted at once."""
    edition = published_edition(edition_id)
    organisation = own_organisation()
    form = NominationForm(today=utcnow().date())
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("nominations/nominate/form.html", form=form, edition=edition, nomination=None), status
    try:
        nomination = submission.nominate(edition, organisation, nominated_by=current_user,
                                         **form.values(), **_consent())
        _check_eligible(edition, nomination)
        if form.save_and_submit.data:
            operations.transition(nomination, S.SUBMITTED, actor=current_user)
        db.session.commit()
    except operations.NominationRefused as refusal:
        return _form_refused(form, edition, None, refusal.message)
    except IntegrityError:  # another request nominated the same address meanwhile
        return _form_refused(form, edition, None, _("This person has already been nominated for this edition."))
    flash(_("%(name)s is submitted.", name=nomination.full_name) if nomination.status is S.SUBMITTED
          else _("%(name)s is saved as a draft.", name=nomination.full_name), "success")
    return redirect(url_for(".edition", edition_id=edition.id))


def _form_refused(form, edition, nomination, message):
    db.session.rollback()
    form.form_errors.append(message)
    return render_template("nominations/nominate/form.html", form=form, edition=edition,
                           nomination=nomination), REFUSED


def _update(nomination: Nomination, values: dict) -> None:
    """Correct a nominee's details (the address stays unique among the organisation's nominations
    for the edition; other organisations' nominations are not this coordinator's to learn of)."""
    clash = db.session.scalar(db.select(Nomination.id).where(
        Nomination.edition_id == nomination.edition_id, Nomination.organisation_id == nomination.organisation_id,
        Nomination.email == values["email"], Nomination.id != nomination.id))
    if clash is not None:
        raise operations.NominationRefused(operations.DUPLICATE_EMAIL, _(
            "This person has already been nominated for this edition."))
    changed = sorted(name for name, value in values.items() if getattr(nomination, name) != value)
    if ("gender" in changed and nomination.status is S.SUBMITTED
            and nomination.edition.parity_rule is ParityRule.PAIRS):
        # A submitted pair is one woman and one man: another gender would unmake it.
        raise operations.NominationRefused(operations.PARITY, _(
            "This edition takes nominees in pairs of a woman and a man: the gender of a submitted "
            "nominee cannot change. Withdraw the pair and nominate again."))
    for name in changed:
        setattr(nomination, name, values[name])
    db.session.flush()
    if changed:
        record("nomination.updated", actor=current_user, target=nomination, fields=changed)


@bp.route("/<int:nomination_id>/edit", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def edit_nomination(nomination_id: int):
    """Correct a draft or submitted nomination while the window is open."""
    nomination = own_nomination(nomination_id)
    edition = nomination.edition
    if nomination.status not in EDITABLE or not window_open(edition):
        return refused(_("This nomination can no longer be changed: only drafts and submitted nominations "
                         "can, while nominations are open."), edition)
    form = NominationForm(obj=nomination, today=utcnow().date())
    if not form.is_submitted():
        form.gender.data = nomination.gender.value
        form.consent.data = nomination.consent_version == PRIVACY_NOTICE_VERSION
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("nominations/nominate/form.html", form=form, edition=edition,
                               nomination=nomination), status
    try:
        _update(nomination, {**form.values(), **_consent(nomination)})
        _check_eligible(edition, nomination)
        if form.save_and_submit.data and nomination.status is S.DRAFT:
            operations.transition(nomination, S.SUBMITTED, actor=current_user)
        db.session.commit()
    except operations.NominationRefused as refusal:
        return _form_refused(form, edition, nomination, refusal.message)
    except IntegrityError:  # another request took the address meanwhile
        return _form_refused(form, edition, nomination, _("This person has already been nominated for this edition."))
    flash(_("Changes saved."), "success")
    return redirect(url_for(".edition", edition_id=edition.id))


# --- CSV --------------------------------------------------------------------------------------


@bp.get("/editions/<int:edition_id>/template.csv")
@roles_required(Role.COORDINATOR, Role.ADMIN)
def csv_template(edition_id: int):
    """The CSV file to fill in: the header row and one example row (which the import skips)."""
    edition = published_edition(edition_id)
    return Response(csv_import.template_csv(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="nominations-template-edition-{edition.id}.csv"'})


@bp.route("/editions/<int:edition_id>/upload", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def csv_upload(edition_id: int):
    """Nominate everyone in a CSV file at once: every row is checked and either all are added or none."""
    edition = published_edition(edition_id)
    organisation = own_organisation()
    form = UploadForm()
    errors, status = [], 200
    if form.validate_on_submit():
        content = form.file.data.read(csv_import.MAX_BYTES + 1)
        try:
            nominations = csv_import.import_nominations(
                edition, organisation, content, actor=current_user, consent_version=PRIVACY_NOTICE_VERSION,
                submit=form.submit_all.data)
            db.session.commit()
        except csv_import.ImportRefused as refusal:
            db.session.rollback()
            errors, status = refusal.errors, 400
        except operations.NominationRefused as refusal:
            return refused(refusal.message, edition)
        except IntegrityError:  # an address was nominated by another request meanwhile
            return refused(_("Someone nominated one of these people meanwhile; upload the file again to see who."),
                           edition)
        else:
            if form.submit_all.data:
                flash(ngettext("%(num)d nominee added and submitted.", "%(num)d nominees added and submitted.",
                               len(nominations)), "success")
            else:
                flash(ngettext("%(num)d nominee added as a draft.", "%(num)d nominees added as drafts.",
                               len(nominations)), "success")
            return redirect(url_for(".edition", edition_id=edition.id))
    elif form.is_submitted():
        status = 400
    return render_template("nominations/nominate/upload.html", form=form, edition=edition, errors=errors,
                           columns=csv_import.COLUMNS, example=csv_import.EXAMPLE_ROW), status
