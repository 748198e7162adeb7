"""E-mail about a nomination's progress, to the nominee and to the coordinator who nominated them.

Each person is written to in their own language: the nominee in ``Nomination.language`` (or
their account's language once they have one), a coordinator in their preferred language. The
messages go through the outbox in the transaction of the change they announce. A purged
nomination (no e-mail address, no name) is never written about.
"""
from __future__ import annotations

from collections import Counter, defaultdict

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l, lazy_ngettext

from ..accounts.models import Role, User, UserRole
from ..accounts.tokens import mail_link
from ..curriculum.models import Module
from ..extensions import db
from ..organisations.models import Organisation
from ..outbox.operations import Mail, queue_mail, queue_mails
from .invitation_links import lifetime
from .models import Edition, Nomination, edition_modules

SUBMITTED = "submitted"
ACCEPTED = "accepted"
WAITLISTED = "waitlisted"
DECLINED = "declined"
WITHDRAWN = "withdrawn"
ENROLLED = "enrolled"
#: Accepted automatically into a seat freed by a withdrawal.
PROMOTED = "promoted"
#: A new link to join, sent again on request (to the nominee only).
INVITATION = "invitation"

#: Events whose nominee mail carries the link to join the edition.
WITH_LINK = frozenset({ACCEPTED, PROMOTED, INVITATION})


def nominee_subject(event: str, **names):
    """The subject of the nominee's mail (lazy: rendered in the recipient's language)."""
    return {
        SUBMITTED: _l("You have been nominated for the Activist Academy: %(edition)s", **names),
        ACCEPTED: _l("You are accepted into %(edition)s", **names),
        WAITLISTED: _l("You are on the waiting list for %(edition)s", **names),
        DECLINED: _l("Your nomination for %(edition)s", **names),
        WITHDRAWN: _l("Your nomination for %(edition)s has been withdrawn", **names),
        ENROLLED: _l("Welcome to %(edition)s", **names),
        PROMOTED: _l("A seat is free for you in %(edition)s", **names),
        INVITATION: _l("Your new link to join %(edition)s", **names),
    }[event]


def coordinator_subject(event: str, **names):
    """The subject of the coordinators' mail, or None when they are not told of ``event``."""
    return {
        SUBMITTED: _l("Nomination submitted: %(nominee)s, %(edition)s", **names),
        ACCEPTED: _l("Nomination accepted: %(nominee)s, %(edition)s", **names),
        WAITLISTED: _l("Nomination on the waiting list: %(nominee)s, %(edition)s", **names),
        DECLINED: _l("Nomination declined: %(nominee)s, %(edition)s", **names),
        WITHDRAWN: _l("Nomination withdrawn: %(nominee)s, %(edition)s", **names),
        ENROLLED: _l("%(nominee)s has joined %(edition)s", **names),
        PROMOTED: _l("Moved up from the waiting list: %(nominee)s, %(edition)s", **names),
    }.get(event)


def notify(nomination: Nomination, event: str, *, reason: str | None = None, token: str | None = None,
           was_seated: bool = False) -> None:
    """Queue the mail announcing ``event`` to the nominee and to their coordinator(s).

    ``token`` is the secret of the invitation link just issued (accepted, promoted, invitation);
    ``was_seated`` says a withdrawn nominee held a seat.
    """
    if nomination.email is None:
        return
    edition = db.session.get(Edition, nomination.edition_id)
    organisation = db.session.get(Organisation, nomination.organisation_id)
    context = dict(
        event=event, nominee=nomination.full_name, organisation=organisation.name, edition=edition.name,
        starts_on=edition.starts_on, ends_on=edition.ends_on, format=edition.format.label,
        venue=edition.venue, reason=reason, was_seated=was_seated,
    )
    if event == ENROLLED:
        context.update(modules=_module_titles(edition.id), home_link=mail_link("learning.home"))
    nominee_context = dict(context)
    if event in WITH_LINK and token is not None:
        nominee_context.update(link=mail_link("invitations.accept_invitation", token=token),
                               days=lifetime().days)
    names = dict(edition=edition.name, nominee=nomination.full_name)
    queue_mail(nomination.email, _nominee_language(nomination), nominee_subject(event, **names),
               f"nomination_{event}", for_nominee=True, name=nomination.full_name, **nominee_context)
    subject = coordinator_subject(event, **names)
    if subject is None:
        return
    for coordinator in coordinators_to_tell(nomination):
        if coordinator.email == nomination.email:
            continue  # one person both nominee and coordinator gets the nominee's message only
        queue_mail(coordinator.email, coordinator.preferred_language, subject, f"nomination_{event}",
                   for_nominee=False, name=coordinator.display_name, **context)


def notify_submitted_many(nominations: list[Nomination]) -> None:
    """Queue the mail announcing a bulk submission: each nominee their own notice, each coordinator one summary.

    A coordinator who submits thousands of nominees at once is told how many went to which edition
    in a single message (``nomination_submitted_bulk``) instead of one message per nominee.
    """
    nominations = [nomination for nomination in nominations if nomination.email is not None]
    languages = _nominee_languages(nominations)
    groups: dict[tuple[int, int, int | None], list[Nomination]] = defaultdict(list)
    for nomination in nominations:
        groups[nomination.edition_id, nomination.organisation_id, nomination.nominated_by_id].append(nomination)
    mails: list[Mail] = []
    counts: Counter = Counter()  # (coordinator, edition, organisation) -> nominees submitted
    for (edition_id, organisation_id, _nominator), group in groups.items():
        edition = db.session.get(Edition, edition_id)
        organisation = db.session.get(Organisation, organisation_id)
        mails.extend(_submitted_notices(group, edition, organisation, languages))
        for coordinator in coordinators_to_tell(group[0]):
            counts[coordinator, edition, organisation] += len(group)
    mails.extend(_submitted_summary(coordinator, edition, organisation, count)
                 for (coordinator, edition, organisation), count in counts.items())
    queue_mails(mails)


def _submitted_notices(group: list[Nomination], edition: Edition, organisation: Organisation,
                       languages: dict[int, str]) -> list[Mail]:
    """The nominees' notices, the very messages ``notify`` writes to a nominee on submission."""
    context = dict(event=SUBMITTED, organisation=organisation.name, edition=edition.name,
                   starts_on=edition.starts_on, ends_on=edition.ends_on, format=edition.format.label,
                   venue=edition.venue, reason=None, was_seated=False, for_nominee=True)
    return [Mail(nomination.email, languages[nomination.id],
                 nominee_subject(SUBMITTED, edition=edition.name, nominee=nomination.full_name),
                 f"nomination_{SUBMITTED}", dict(context, nominee=nomination.full_name, name=nomination.full_name))
            for nomination in group]


def _submitted_summary(coordinator: User, edition: Edition, organisation: Organisation, count: int) -> Mail:
    subject = lazy_ngettext("%(num)d nomination submitted: %(edition)s", "%(num)d nominations submitted: %(edition)s",
                            count, edition=edition.name)
    return Mail(coordinator.email, coordinator.preferred_language, subject, f"nomination_{SUBMITTED}_bulk",
                dict(name=coordinator.display_name, count=count, organisation=organisation.name,
                     edition=edition.name, starts_on=edition.starts_on, ends_on=edition.ends_on,
                     link=mail_link("nominate.edition", edition_id=edition.id)))


def coordinators_to_tell(nomination: Nomination) -> list[User]:
    """The coordinator who nominated, while they still coordinate the organisation; else all its active ones.

    Nobody while the organisation is deactivated: its coordinators see its nominees no more."""
    if nomination.nominated_by_id is not None:
        nominator = db.session.get(User, nomination.nominated_by_id)
        if nominator is not None and nominator.is_active and nominator.coordinates(nomination.organisation_id):
            return [nominator]
    return list(db.session.scalars(
        sa.select(User)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(User.organisation_id == nomination.organisation_id, User.is_active.is_(True),
               Organisation.is_active.is_(True), User.roles.any(UserRole.role == Role.COORDINATOR))
        .order_by(User.id)))


def _nominee_language(nomination: Nomination) -> str:
    # Once the nominee has an account, the language they chose there wins.
    if nomination.user_id is not None:
        account = db.session.get(User, nomination.user_id)
        if account is not None:
            return account.preferred_language
    return nomination.language


def _nominee_languages(nominations: list[Nomination]) -> dict[int, str]:
    """``_nominee_language`` for many nominations, with one query for those who have an account."""
    account_ids = {nomination.user_id for nomination in nominations if nomination.user_id is not None}
    accounts = dict(db.session.execute(
        sa.select(User.id, User.preferred_language).where(User.id.in_(account_ids))).all()) if account_ids else {}
    return {nomination.id: accounts.get(nomination.user_id, nomination.language) for nomination in nominations}


def _module_titles(edition_id: int) -> list[str]:
    return list(db.session.scalars(
        sa.select(Module.title).join(edition_modules, edition_modules.c.module_id == Module.id)
        .where(edition_modules.c.edition_id == edition_id).order_by(Module.title)))
