"""Accepted nominees become trainees: a new link on request, and taking the link.

Taking the link happens in one transaction: the link is consumed (a conditional UPDATE, so two
racing requests cannot both succeed), the account is created or given the trainee role, the
nomination moves to ``enrolled`` and the trainee is enrolled in every module of the edition.
Functions flush, audit and queue e-mail; the view commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.models import Role, User, UserRole
from ..accounts.operations import normalise_email
from ..accounts.passwords import hash_password
from ..audit.operations import record
from ..db_types import utcnow
from ..extensions import db
from ..learning.models import Enrolment
from . import notifications
from .invitation_links import consume_invitation, edition_archived, issue_invitation
from .models import Nomination, NominationStatus, edition_modules
from .operations import NominationRefused, transition

#: Refusal code: a new link is only for a nominee who is accepted and has not joined yet.
NOT_ACCEPTED = "not_accepted"
#: Refusal code: an archived edition takes no one in any more.
EDITION_ARCHIVED = "edition_archived"


def resend_invitation(nomination: Nomination, *, actor: User, now: datetime | None = None) -> None:
    """Send the accepted nominee a new link to join; the earlier one stops working."""
    if nomination.status is not NominationStatus.ACCEPTED or nomination.email is None:
        raise NominationRefused(NOT_ACCEPTED, _l(
            "A new link can only be sent while the nomination is accepted and not yet taken up."))
    if edition_archived(nomination):
        raise NominationRefused(EDITION_ARCHIVED, _l("This edition is archived: no new link to join it can be sent."))
    token = issue_invitation(nomination, now or utcnow())
    record("nomination.invitation_resent", actor=actor, target=nomination)
    notifications.notify(nomination, notifications.INVITATION, token=token)


@dataclass(frozen=True)
class NewAccount:
    """What a nominee without an account chooses when taking the link."""

    password: str
    display_name: str
    preferred_language: str
    time_zone: str


def take_invitation(nomination: Nomination, account: User | NewAccount, *,
                    now: datetime | None = None) -> User | None:
    """Enrol the nominee through the link; return their account, or None if the link was taken meanwhile.

    ``account`` is the existing account at the nomination's address (its owner signed in), or
    what the nominee chose for a new one. The link is consumed first, so that of two racing
    requests the loser stops before creating anything.
    """
    now = now or utcnow()
    if not consume_invitation(nomination, now):
        return None
    if isinstance(account, NewAccount):
        user = _create_trainee(nomination, account, now)
    else:
        user = account
        _make_trainee(user, nomination)
    transition(nomination, NominationStatus.ENROLLED, actor=user, user=user, now=now)
    enrol_in_edition(user, nomination.edition_id, actor=user)
    return user


def _create_trainee(nomination: Nomination, account: NewAccount, now: datetime) -> User:
    user = User(email=normalise_email(nomination.email), display_name=account.display_name,
                preferred_language=account.preferred_language, time_zone=account.time_zone,
                organisation_id=nomination.organisation_id, password_hash=hash_password(account.password),
                password_changed_at=now, roles=[UserRole(role=Role.TRAINEE)])
    db.session.add(user)
    db.session.flush()
    record("account.created_from_nomination", actor=user, target=user, nomination_id=nomination.id)
    return user


def _make_trainee(user: User, nomination: Nomination) -> None:
    if not user.has_role(Role.TRAINEE):
        user.roles.append(UserRole(role=Role.TRAINEE))
        db.session.flush()
        record("account.trainee_role_added", actor=user, target=user, nomination_id=nomination.id)


def enrol_in_edition(user: User, edition_id: int, *, actor: User) -> list[Enrolment]:
    """Enrol ``user`` in every module of the edition; an enrolment they already have joins the edition.

    No mail per module: the nominee's ``enrolled`` message lists them all.
    """
    module_ids = list(db.session.scalars(
        sa.select(edition_modules.c.module_id).where(edition_modules.c.edition_id == edition_id)
        .order_by(edition_modules.c.module_id)))
    existing = {enrolment.module_id: enrolment for enrolment in db.session.scalars(
        sa.select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.module_id.in_(module_ids)))}
    created = []
    for module_id in module_ids:
        enrolment = existing.get(module_id)
        if enrolment is None:
            enrolment = Enrolment(user_id=user.id, module_id=module_id, created_by_id=actor.id,
                                  edition_id=edition_id)
            db.session.add(enrolment)
            created.append(enrolment)
        elif enrolment.edition_id is None:
            enrolment.edition_id = edition_id
            record("enrolment.edition_linked", actor=actor, target=enrolment, edition_id=edition_id)
        existing[module_id] = enrolment
    db.session.flush()
    for enrolment in created:
        record("enrolment.create", actor=actor, target=enrolment, module_id=enrolment.module_id,
               user_id=user.id, edition_id=edition_id)
    _certify_if_already_complete(edition_id, [existing[module_id] for module_id in module_ids])
    return [existing[module_id] for module_id in module_ids]


def _certify_if_already_complete(edition_id: int, enrolments: list[Enrolment]) -> None:
    """Someone who had completed the edition's modules before joining gets its certificate now:
    no completion will come later to trigger it (the completion hook decides, as always)."""
    linked_and_done = [enrolment for enrolment in enrolments
                       if enrolment.edition_id == edition_id and enrolment.completed_at is not None]
    if linked_and_done:
        from ..certificates.operations import issue_edition_on_completion

        issue_edition_on_completion(linked_and_done[0])
