"""Moving nominations through the status machine: submitting them, alone or as a pair, and
withdrawing them (after a page that says what withdrawing does); deleting drafts.

Routes of the ``nominate`` blueprint (see ``nominate_views``), for coordinators only.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user

from ..access import roles_required
from ..accounts.models import Role
from ..extensions import db
from ..organisations.forms import parse_id
from . import nominate_queries, operations, submission
from .models import Nomination, NominationStatus as S
from .nominate_views import (WITHDRAWABLE, bp, own_nomination, own_organisation, pair_form, published_edition,
                             refused, window_open)


@bp.post("/<int:nomination_id>/submit")
@roles_required(Role.COORDINATOR)
def submit_nomination(nomination_id: int):
    """Submit a draft to the academy (refused under ``pairs`` for a woman or a man alone)."""
    nomination = own_nomination(nomination_id)
    return _move(nomination, S.SUBMITTED, _("%(name)s is submitted.", name=nomination.full_name))


@bp.post("/editions/<int:edition_id>/submit-pair")
@roles_required(Role.COORDINATOR)
def submit_pair(edition_id: int):
    """Submit a woman's and a man's drafts together (the ``pairs`` parity rule)."""
    edition = published_edition(edition_id)
    organisation = own_organisation()
    drafts = {item.id: item for item in nominate_queries.pair_drafts(edition, organisation.id)}
    form = pair_form(list(drafts.values()), formdata=request.form)
    woman, man = drafts.get(parse_id(form.woman.data)), drafts.get(parse_id(form.man.data))
    if not form.validate() or woman is None or man is None:
        return refused(_("Choose a woman's and a man's draft nominations of your organisation."), edition, 400)
    try:
        submission.submit_pair(woman, man, actor=current_user)
        db.session.commit()
    except operations.NominationRefused as refusal:
        return refused(refusal.message, edition)
    flash(_("The pair is submitted."), "success")
    return redirect(url_for(".edition", edition_id=edition.id))


def _withdrawable(nomination: Nomination) -> bool:
    return nomination.status in WITHDRAWABLE and window_open(nomination.edition)


def _withdrawal_refused(nomination: Nomination):
    if nomination.status is S.WITHDRAWN:  # the same page sent again, after the browser's Back button
        return refused(_("%(name)s is already withdrawn.", name=nomination.full_name), nomination.edition)
    return refused(_("This nomination cannot be withdrawn here: only submitted, waitlisted and accepted "
                     "nominations can, until nominations close."), nomination.edition)


@bp.get("/<int:nomination_id>/withdraw")
@roles_required(Role.COORDINATOR)
def confirm_withdrawal(nomination_id: int):
    """Ask before withdrawing, which cannot be undone: say who leaves which edition and, for an
    accepted nominee, that their seat goes to the waiting list."""
    nomination = own_nomination(nomination_id)
    if not _withdrawable(nomination):
        return _withdrawal_refused(nomination)
    return render_template("nominations/nominate/withdraw.html", nomination=nomination,
                           edition=nomination.edition, seated=nomination.status is S.ACCEPTED)


@bp.post("/<int:nomination_id>/withdraw")
@roles_required(Role.COORDINATOR)
def withdraw_nomination(nomination_id: int):
    """Withdraw a submitted, waitlisted or accepted nominee, until the window closes."""
    nomination = own_nomination(nomination_id)
    if not _withdrawable(nomination):
        return _withdrawal_refused(nomination)
    return _move(nomination, S.WITHDRAWN, _("%(name)s is withdrawn.", name=nomination.full_name))


def _move(nomination, to_status, success_message: str):
    """Move one of the organisation's nominations through the status machine and commit, or
    show why the machine refused (nothing changed)."""
    try:
        operations.transition(nomination, to_status, actor=current_user)
        db.session.commit()
    except operations.NominationRefused as refusal:
        return refused(refusal.message, nomination.edition)
    flash(success_message, "success")
    return redirect(url_for(".edition", edition_id=nomination.edition_id))


# --- Deleting a draft ----------------------------------------------------------------------------
# A draft has been seen by nobody but its organisation: it can go, with the personal data it holds,
# at any time (a nomination once submitted is withdrawn instead, and keeps its history).

DELETION_REFUSED = _l("Only a draft can be deleted; a submitted nomination can be withdrawn while "
                      "nominations are open.")


@bp.get("/<int:nomination_id>/delete")
@roles_required(Role.COORDINATOR)
def confirm_draft_deletion(nomination_id: int):
    """Ask before deleting a draft: nothing brings it back."""
    nomination = own_nomination(nomination_id)
    if nomination.status is not S.DRAFT:
        return refused(DELETION_REFUSED, nomination.edition)
    return render_template("nominations/nominate/delete_draft.html", nomination=nomination,
                           edition=nomination.edition)


@bp.post("/<int:nomination_id>/delete")
@roles_required(Role.COORDINATOR)
def delete_draft(nomination_id: int):
    """Delete one of the organisation's drafts (conditional on it still being a draft)."""
    nomination = own_nomination(nomination_id)
    edition, name = nomination.edition, nomination.full_name
    if not operations.delete_draft(nomination, actor=current_user):
        db.session.rollback()
        return refused(DELETION_REFUSED, edition)
    db.session.commit()
    flash(_("The draft for %(name)s is deleted.", name=name), "success")
    return redirect(url_for(".edition", edition_id=edition.id))
