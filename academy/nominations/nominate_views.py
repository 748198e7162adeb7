"""Coordinators nominate people of their own organisation, one by one or from a CSV file.

A coordinator only ever reaches their own organisation's nominations: any other id answers 404,
exactly as a missing one, so nothing tells them another organisation's nominations exist. Admins
may look at the overview pages for an organisation they choose; only coordinators change things.
Every change goes through ``operations``, ``submission`` or ``csv_import`` and is committed once;
a refusal rolls everything back and is shown with its reason.

The routes share the one ``nominate`` blueprint, in three modules: this one (loading, the checks
every page makes, the overview pages), ``nominate_edit_views`` (entering and correcting nominees,
by form or CSV file) and ``nominate_status_views`` (submitting and withdrawing).
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user
from sqlalchemy.orm import joinedload

from ..access import public, roles_required
from ..accounts.models import Role
from ..core.forms import requested_page
from ..db_types import utcnow
from ..extensions import db
from ..i18n import current_language
from ..core.forms import parse_id
from ..organisations.models import Organisation
from . import nominate_queries, rules
from .languages import language_name
from .models import (SEATED_STATUSES, Edition, EditionStatus, Gender, Nomination, NominationStatus as S,
                     ParityRule)
from .nominate_forms import PRIVACY_NOTICE_VERSION, PairForm

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
    if current_user.coordinates():
        return db.session.get(Organisation, current_user.organisation_id)
    if current_user.is_admin:
        organisation_id = parse_id(request.args.get("organisation"))
        return db.session.get(Organisation, organisation_id) if organisation_id else None
    abort(403)  # a coordinator without an organisation has nobody to nominate for


def own_organisation() -> Organisation:
    """The coordinator's organisation (the pages that change things are theirs alone)."""
    if current_user.organisation_id is None:
        abort(403)
    return db.session.get(Organisation, current_user.organisation_id)


def published_edition(edition_id: int) -> Edition:
    """An edition coordinators may see: not a draft the admins are still preparing (else 404)."""
    edition = db.session.get(Edition, edition_id)
    if edition is None or edition.status is EditionStatus.DRAFT:
        abort(404)
    return edition


def own_nomination(nomination_id: int) -> Nomination:
    """One of the coordinator's organisation's nominations; 404 for anyone else's, never 403."""
    nomination = db.session.scalar(db.select(Nomination).options(joinedload(Nomination.edition))
                                   .where(Nomination.id == nomination_id))
    if nomination is None or nomination.organisation_id != current_user.organisation_id:
        abort(404)
    return nomination


def window_open(edition: Edition) -> bool:
    """Whether ``edition`` takes nominations (and their corrections and withdrawals) now."""
    return rules.window_is_open(edition.status, edition.nominations_open_at, edition.nominations_close_at, utcnow())


def _window_state(edition: Edition) -> str:
    """``open``, ``upcoming`` (published, window not yet open) or ``closed``."""
    if window_open(edition):
        return "open"
    if edition.status is EditionStatus.OPEN and utcnow() < edition.nominations_open_at:
        return "upcoming"
    return "closed"


def refused(message, edition: Edition, status: int = REFUSED):
    """Nothing was written: show the rule that refused, with the way back."""
    db.session.rollback()
    return render_template("nominations/nominate/refused.html", message=message, edition=edition), status


def pair_form(drafts: list[Nomination], formdata=None) -> PairForm:
    """The form that submits a woman's and a man's drafts together, offering ``drafts``."""
    return PairForm(formdata=formdata, women=[item for item in drafts if item.gender is Gender.WOMAN],
                    men=[item for item in drafts if item.gender is Gender.MAN])


def _is_own(organisation: Organisation) -> bool:
    """Whether the viewer coordinates ``organisation`` (rather than an admin looking on)."""
    return current_user.coordinates(organisation.id)


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


@bp.get("/editions/<int:edition_id>")
@roles_required(Role.COORDINATOR, Role.ADMIN)
def edition(edition_id: int):
    """The organisation's nominations for one edition, its quota use and parity status."""
    edition = published_edition(edition_id)
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
        standing=nominate_queries.standing(edition, organisation.id), window_open=window_open(edition),
        is_own=is_own, query=_link_args(organisation),
        pair_form=(pair_form(nominate_queries.pair_drafts(edition, organisation.id))
                   if is_own and edition.parity_rule is ParityRule.PAIRS else None),
        editable=EDITABLE, withdrawable=WITHDRAWABLE, followed=SEATED_STATUSES,
        required_language=language_name(edition.required_language, current_language()))


@bp.get("/privacy-notice")
@public
def privacy_notice():
    """The privacy notice nominees agree to, in the version consents are recorded against."""
    return render_template("nominations/nominate/privacy_notice.html", version=PRIVACY_NOTICE_VERSION)


from . import nominate_edit_views, nominate_status_views  # noqa: E402,F401  (routes on the same blueprint)
