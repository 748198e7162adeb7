"""Every nomination change is mailed to the nominee and to their coordinator, each in their own language."""
import re

import pytest
from babel.dates import format_date
from flask_babel import force_locale

from academy.nominations import notifications
from academy.nominations.models import NominationStatus as S
from academy.nominations.operations import transition

#: Every arrow of the machine, with the event each announces.
EVENTS = [(S.DRAFT, S.SUBMITTED), (S.SUBMITTED, S.ACCEPTED), (S.SUBMITTED, S.WAITLISTED),
          (S.SUBMITTED, S.DECLINED), (S.SUBMITTED, S.WITHDRAWN), (S.WAITLISTED, S.ACCEPTED),
          (S.WAITLISTED, S.WITHDRAWN), (S.ACCEPTED, S.WITHDRAWN), (S.ACCEPTED, S.ENROLLED)]


@pytest.fixture
def setting(make):
    """A French nominee of an organisation whose coordinator reads Spanish."""
    edition = make.edition(name="Campaign School 2027")
    organisation = make.organisation()
    coordinator = make.coordinator(organisation, preferred_language="es")
    nominee = dict(given_names="Amina", family_name="Diallo", language="fr", nominated_by_id=coordinator.id)
    return edition, organisation, coordinator, nominee


def subject_in(language, subject):
    with force_locale(language):
        return str(subject)


@pytest.mark.parametrize("from_status, to_status", EVENTS)
def test_each_change_mails_nominee_and_coordinator_in_their_languages(app, make, db, outbox, setting,
                                                                    from_status, to_status):
    edition, organisation, coordinator, nominee = setting
    nomination = make.nomination(edition, organisation, status=from_status.value, **nominee)
    account = make.trainee(email=nomination.email, preferred_language="fr") if to_status is S.ENROLLED else None
    transition(nomination, to_status, actor=make.admin(), user=account)
    db.session.commit()

    event = to_status.value
    [to_nominee] = outbox(nomination.email)
    assert to_nominee.language == "fr"
    assert to_nominee.subject == subject_in("fr", notifications.nominee_subject(
        event, edition=edition.name, nominee="Amina Diallo"))
    assert to_nominee.body_text.startswith("Bonjour Amina Diallo,")
    assert "L'équipe de l'Académie militante" in to_nominee.body_text
    assert format_date(edition.starts_on, "long", locale="fr") in to_nominee.body_text
    assert "Campaign School 2027" in to_nominee.body_text

    [to_coordinator] = outbox(coordinator.email)
    assert to_coordinator.language == "es"
    assert to_coordinator.subject == subject_in("es", notifications.coordinator_subject(
        event, edition=edition.name, nominee="Amina Diallo"))
    assert to_coordinator.body_text.startswith(f"Hola, {coordinator.display_name}:")
    assert "El equipo de la Academia Activista" in to_coordinator.body_text
    assert "Amina Diallo" in to_coordinator.body_text
    assert format_date(edition.starts_on, "long", locale="es") in to_coordinator.body_text


def test_an_english_nominee_is_written_to_in_english(make, db, outbox):
    nomination = make.nomination(status="submitted", language="en")
    transition(nomination, S.WAITLISTED, actor=make.admin())
    [message] = outbox(nomination.email)
    assert message.body_text.startswith("Hello ")
    assert "waiting list" in message.body_text


def test_the_decision_reason_is_given_to_both(make, db, outbox, setting):
    edition, organisation, coordinator, nominee = setting
    nomination = make.nomination(edition, organisation, status="submitted", **nominee)
    transition(nomination, S.DECLINED, actor=make.admin(), reason="Over the age limit for this edition")
    for recipient in (nomination.email, coordinator.email):
        [message] = outbox(recipient)
        assert "Over the age limit for this edition" in message.body_text


def test_acceptance_gives_the_nominee_the_link_and_the_coordinator_none(app, make, db, outbox, setting):
    edition, organisation, coordinator, nominee = setting
    nomination = make.nomination(edition, organisation, status="submitted", **nominee)
    with app.test_request_context():
        transition(nomination, S.ACCEPTED, actor=make.admin())
    db.session.commit()
    [to_nominee] = outbox(nomination.email)
    assert re.search(r"http://localhost/invitation/edition/[\w-]{40,}", to_nominee.body_text)
    assert "14" in to_nominee.body_text  # the link's lifetime in days
    [to_coordinator] = outbox(coordinator.email)
    assert "/invitation/" not in to_coordinator.body_text


def test_promotion_from_the_waiting_list_is_announced_with_a_link(app, make, db, outbox, setting):
    edition, organisation, coordinator, nominee = setting
    edition.seats = 1
    seated = make.nomination(edition, make.organisation(), status="accepted")
    waiting = make.nomination(edition, organisation, status="waitlisted", **nominee)
    with app.test_request_context():
        promoted = transition(seated, S.WITHDRAWN, actor=make.admin())
    db.session.commit()
    assert promoted.id == waiting.id and waiting.status is S.ACCEPTED
    [to_nominee] = outbox(waiting.email)
    assert to_nominee.subject == subject_in("fr", notifications.nominee_subject(
        notifications.PROMOTED, edition=edition.name, nominee="Amina Diallo"))
    assert "/invitation/" in to_nominee.body_text
    assert "promoted from the waiting list" not in to_nominee.body_text  # the stored reason is for the audit
    [to_coordinator] = outbox(coordinator.email)
    assert to_coordinator.subject == subject_in("es", notifications.coordinator_subject(
        notifications.PROMOTED, edition=edition.name, nominee="Amina Diallo"))
    [withdrawn] = outbox(seated.email)
    assert "no longer works" in withdrawn.body_text


def test_without_their_nominator_every_active_coordinator_of_the_organisation_is_told(make, db, outbox):
    organisation = make.organisation()
    first, second = make.coordinator(organisation), make.coordinator(organisation, preferred_language="ar")
    inactive = make.coordinator(organisation, is_active=False)
    elsewhere = make.coordinator()
    nomination = make.nomination(organisation_=organisation, status="submitted", nominated_by_id=None)
    transition(nomination, S.WAITLISTED, actor=make.admin())
    assert len(outbox(first.email)) == 1
    [arabic] = outbox(second.email)
    assert arabic.language == "ar" and arabic.body_text.startswith("مرحبًا")
    assert outbox(inactive.email) == [] and outbox(elsewhere.email) == []


def test_a_nominator_who_left_the_organisation_is_not_told(make, db, outbox):
    organisation = make.organisation()
    current = make.coordinator(organisation)
    former = make.coordinator(make.organisation())
    nomination = make.nomination(organisation_=organisation, status="submitted", nominated_by_id=former.id)
    transition(nomination, S.DECLINED, actor=make.admin())
    assert outbox(former.email) == []
    assert len(outbox(current.email)) == 1


@pytest.mark.parametrize("nominated_by_coordinator", [True, False])
def test_a_deactivated_organisation_s_coordinators_are_not_told(make, db, outbox, nominated_by_coordinator):
    organisation = make.organisation(is_active=False)
    coordinator = make.coordinator(organisation)
    nominated_by = coordinator.id if nominated_by_coordinator else None
    nomination = make.nomination(organisation_=organisation, status="accepted", nominated_by_id=nominated_by)
    transition(nomination, S.WITHDRAWN, actor=make.admin())
    assert outbox(coordinator.email) == []
    assert len(outbox(nomination.email)) == 1  # the nominee still is


def test_a_purged_nomination_is_not_mailed(make, db, outbox):
    from academy.db_types import utcnow

    organisation = make.organisation()
    coordinator = make.coordinator(organisation)
    nomination = make.nomination(organisation_=organisation, status="submitted",
                                 nominated_by_id=coordinator.id)
    nomination.email, nomination.date_of_birth, nomination.purged_at = None, None, utcnow()
    db.session.commit()
    transition(nomination, S.WITHDRAWN, actor=make.admin())
    db.session.commit()
    assert outbox() == []
