"""Coordinators nominate people of their own organisation, one by one or from a CSV file.

A coordinator only ever reaches their own organisation's nominations: any other id answers 404,
exactly as a missing one, so nothing tells them another organisation's nominations exist. Admins
may look at the overview pages for an organisation they choose; only coordinators change things.
Every change goes through ``operations`` (and ``csv_import``) and is committed once; a refusal
rolls everything back and is shown with its reason.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..access import public, roles_required
from ..accounts.models import Role
from ..audit.operations import record
from ..core.forms import requested_page
from ..db_types import utcnow
from ..extensions import db
from ..i18n import current_language
from ..organisations.forms import parse_id
from ..organisations.models import Organisation
from . import csv_import, nominate_queries, operations, rules
from .edition_forms import language_name
from .models import (SEATED_STATUSES, Edition, EditionStatus, Gender, Nomination, NominationStatus as S,
                     ParityRule)
from .nominate_forms import PRIVACY_NOTICE_VERSION, NominationForm, PairForm, UploadForm

bp = Blueprint("nominate", __name__, url_prefix="/nominations")

#: Statuses a coordinator may still correct, while the window is open.
EDITABLE = (S.DRAFT, S.SUBMITTED)
#: Statuses a coordinator may withdraw from, until the window closes.
WITHDRAWABLE = (S.SUBMITTED, S.WAITLISTED, S.ACCEPTED)
#: Refusals are conflicts with the state of things, not malformed requests.
REFUSED = 409


# --- Loading and object-level checks ----------------------------------------------------------


def _viewed_organisation() -> Organisation | None:
    """A coordinator's own organisation; for an admin, the one chosen with ``?organisation=``."""
    if current_user.has_role(Role.COORDINATOR) and current_user.organisation_id is not None:
        return db.session.get(Organisation, current_user.organisation_id)
    if current_user.is_admin:
        organisation_id = parse_id(request.args.get("organisation"))
        return db.session.get(Organisation, organisation_id) if organisation_id else None
    abort(403)  # a coordinator without an organisation has nobody to nominate for


def _own_organisation() -> Organisation:
    """The coordinator's organisation (the pages that change things are theirs alone)."""
    if current_user.organisation_id is None:
        abort(403)
    return db.session.get(Organisation, current_user.organisation_id)


def _published_edition(edition_id: int) -> Edition:
    """An edition coordinators may see: not a draft the admins are still preparing (else 404)."""
    edition = db.session.get(Edition, edition_id)
    if edition is None or edition.status is EditionStatus.DRAFT:
        abort(404)
    return edition


def _own_nomination(nomination_id: int) -> Nomination:
    """One of the coordinator's organisation's nominations; 404 for anyone else's, never 403."""
    nomination = db.session.scalar(db.select(Nomination).options(joinedload(Nomination.edition))
                                   .where(Nomination.id == nomination_id))
    if nomination is None or nomination.organisation_id != current_user.organisation_id:
        abort(404)
    return nomination


def _window_open(edition: Edition) -> bool:
    return rules.window_is_open(edition.status, edition.nominations_open_at, edition.nominations_close_at, utcnow())


def _window_state(edition: Edition) -> str:
    """``open``, ``upcoming`` (published, window not yet open) or ``closed``."""
    if _window_open(edition):
        return "open"
    if edition.status is EditionStatus.OPEN and utcnow() < edition.nominations_open_at:
        return "upcoming"
    return "closed"


def _refused(message, edition: Edition, status: int = REFUSED):
    """Nothing was written: show the rule that refused, with the way back."""
    db.session.rollback()
    return render_template("nominations/nominate/refused.html", message=message, edition=edition), status


def _is_own(organisation: Organisation) -> bool:
    """Whether the viewer coordinates ``organisation`` (rather than an admin looking on)."""
    return current_user.has_role(Role.COORDINATOR) and organisation.id == current_user.organisation_id


def _link_args(organisation: Organisation) -> dict:
    """What links must carry so that an admin keeps looking at the organisation they chose."""
    return {} if _is_own(organisation) else {"organisation": organisation.id}


def _choose_organisation():
    organisations = db.session.scalars(db.select(Organisation).order_by(Organisation.name)).all()
    return render_template("nominations/nominate/choose_organisation.html", organisations=organisations)


# --- Overview pages ---------------------------------------------------------------------------


@bp.get("/")
@roles_required(Role.COORDINATOR, Role.ADMIN)
def index():
    """The editions the organisation can nominate for (and recently closed ones), with its counts."""
    organisation = _viewed_organisation()
    if organisation is None:
        return _choose_organisation()
    page = db.paginate(nominate_queries.editions_query(organisation.id, utcnow()),
                       page=requested_page(request.args), per_page=current_app.config["PAGE_SIZE"], error_out=False)
    counts = nominate_queries.counts_by_edition(organisation.id, [edition.id for edition in page.items])
    return render_template("nominations/nominate/index.html", organisation=organisation, page=page,
                           counts=counts, statuses=S, query=_link_args(organisation),
                           window_state={item.id: _window_state(item) for item in page.items})


def _pair_form(drafts: list[Nomination], formdata=None) -> PairForm:
    return PairForm(formdata=formdata, women=[item for item in drafts if item.gender is Gender.WOMAN],
                    men=[item for item in drafts if item.gender is Gender.MAN])


@bp.get("/editions/<int:edition_id>")
@roles_required(Role.COORDINATOR, Role.ADMIN)
def edition(edition_id: int):
    """The organisation's nominations for one edition, its quota use and parity status."""
    edition = _published_edition(edition_id)
    organisation = _viewed_organisation()
    if organisation is None:
        return _choose_organisation()
    page = db.paginate(
        db.select(Nomination).where(Nomination.edition_id == edition.id,
                                    Nomination.organisation_id == organisation.id)
        .order_by(Nomination.created_at.desc(), Nomination.id.desc()),
        page=requested_page(request.args), per_page=current_app.config["PAGE_SIZE"], error_out=False)
    is_own = _is_own(organisation)
    return render_template(
        "nominations/nominate/edition.html", edition=edition, organisation=organisation, page=page,
        standing=nominate_queries.standing(edition, organisation.id), window_open=_window_open(edition),
        is_own=is_own, query=_link_args(organisation),
        pair_form=(_pair_form(nominate_queries.pair_drafts(edition, organisation.id))
                   if is_own and edition.parity_rule is ParityRule.PAIRS else None),
        editable=EDITABLE, withdrawable=WITHDRAWABLE, followed=SEATED_STATUSES,
        required_language=language_name(edition.required_language, current_language()))


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
    edition = _published_edition(edition_id)
    organisation = _own_organisation()
    form = NominationForm(today=utcnow().date())
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("nominations/nominate/form.html", form=form, edition=edition, nomination=None), status
    try:
        nomination = operations.nominate(edition, organisation, nominated_by=current_user,
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
    """Correct a nominee's details (the address stays unique in the edition)."""
    clash = db.session.scalar(db.select(Nomination.id).where(
        Nomination.edition_id == nomination.edition_id, Nomination.email == values["email"],
        Nomination.id != nomination.id))
    if clash is not None:
        raise operations.NominationRefused(operations.DUPLICATE_EMAIL, _(
            "This person has already been nominated for this edition."))
    changed = sorted(name for name, value in values.items() if getattr(nomination, name) != value)
    for name in changed:
        setattr(nomination, name, values[name])
    db.session.flush()
    if changed:
        record("nomination.updated", actor=current_user, target=nomination, fields=changed)


@bp.route("/<int:nomination_id>/edit", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def edit_nomination(nomination_id: int):
    """Correct a draft or submitted nomination while the window is open."""
    nomination = _own_nomination(nomination_id)
    edition = nomination.edition
    if nomination.status not in EDITABLE or not _window_open(edition):
        return _refused(_("This nomination can no longer be changed: only drafts and submitted nominations "
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


@bp.post("/<int:nomination_id>/submit")
@roles_required(Role.COORDINATOR)
def submit_nomination(nomination_id: int):
    """Submit a draft to the academy (refused under ``pairs`` for a woman or a man alone)."""
    nomination = _own_nomination(nomination_id)
    return _move(nomination, S.SUBMITTED, _("%(name)s is submitted.", name=nomination.full_name))


@bp.post("/editions/<int:edition_id>/submit-pair")
@roles_required(Role.COORDINATOR)
def submit_pair(edition_id: int):
    """Submit a woman's and a man's drafts together (the ``pairs`` parity rule)."""
    edition = _published_edition(edition_id)
    organisation = _own_organisation()
    drafts = {item.id: item for item in nominate_queries.pair_drafts(edition, organisation.id)}
    form = _pair_form(list(drafts.values()), formdata=request.form)
    woman, man = drafts.get(parse_id(form.woman.data)), drafts.get(parse_id(form.man.data))
    if not form.validate() or woman is None or man is None:
        return _refused(_("Choose a woman's and a man's draft nominations of your organisation."), edition, 400)
    try:
        operations.submit_pair(woman, man, actor=current_user)
        db.session.commit()
    except operations.NominationRefused as refusal:
        return _refused(refusal.message, edition)
    flash(_("The pair is submitted."), "success")
    return redirect(url_for(".edition", edition_id=edition.id))


@bp.post("/<int:nomination_id>/withdraw")
@roles_required(Role.COORDINATOR)
def withdraw_nomination(nomination_id: int):
    """Withdraw a submitted, waitlisted or accepted nominee, until the window closes."""
    nomination = _own_nomination(nomination_id)
    if nomination.status not in WITHDRAWABLE or not _window_open(nomination.edition):
        return _refused(_("This nomination cannot be withdrawn here: only submitted, waitlisted and accepted "
                          "nominations can, until nominations close."), nomination.edition)
    return _move(nomination, S.WITHDRAWN, _("%(name)s is withdrawn.", name=nomination.full_name))


def _move(nomination, to_status, success_message: str):
    """Move one of the organisation's nominations through the status machine and commit, or
    show why the machine refused (nothing changed)."""
    try:
        operations.transition(nomination, to_status, actor=current_user)
        db.session.commit()
    except operations.NominationRefused as refusal:
        return _refused(refusal.message, nomination.edition)
    flash(success_message, "success")
    return redirect(url_for(".edition", edition_id=nomination.edition_id))


# --- CSV --------------------------------------------------------------------------------------


@bp.get("/editions/<int:edition_id>/template.csv")
@roles_required(Role.COORDINATOR, Role.ADMIN)
def csv_template(edition_id: int):
    """The CSV file to fill in: the header row and one example row (which the import skips)."""
    edition = _published_edition(edition_id)
    return Response(csv_import.template_csv(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="nominations-template-edition-{edition.id}.csv"'})


@bp.route("/editions/<int:edition_id>/upload", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def csv_upload(edition_id: int):
    """Nominate everyone in a CSV file at once: every row is checked and either all are added or none."""
    edition = _published_edition(edition_id)
    organisation = _own_organisation()
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
            return _refused(refusal.message, edition)
        except IntegrityError:  # an address was nominated by another request meanwhile
            return _refused(_("Someone nominated one of these people meanwhile; upload the file again to see who."),
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


@bp.get("/privacy-notice")
@public
def privacy_notice():
    """The privacy notice nominees agree to, in the version consents are recorded against."""
    return render_template("nominations/nominate/privacy_notice.html", version=PRIVACY_NOTICE_VERSION)
