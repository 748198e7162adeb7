"""Deleting an account also takes the person out of what goes on around them: their pending
nominations leave the running (a seat they held goes to the waiting list), their IP address
leaves the audit events their own requests wrote, and mail to others stops naming them."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from academy.audit.models import AuditEvent
from academy.audit.operations import record
from academy.db_types import utcnow
from academy.nominations import notifications
from academy.nominations.models import Edition, Nomination, NominationStatus
from academy.nominations.operations import transition
from academy.outbox.models import OutboxMessage

from ..factories import DEFAULT_PASSWORD

GHOST_EMAIL = "ghost.nominee@example.org"


def _erase(client_for, make, user):
    admin = make.admin()
    response = client_for(admin).post(f"/admin/users/{user.id}/erase", data={"email": user.email})
    assert response.status_code == 302
    return admin


def test_a_freed_seat_goes_to_a_real_waiting_nominee_not_to_the_erased_one(make, db, client_for):
    edition = make.edition(seats=1)
    now = utcnow()
    seated = make.nomination(edition, make.organisation(), status="accepted")
    person = make.trainee(email=GHOST_EMAIL, display_name="Gina Ghost")
    erased = make.nomination(edition, make.organisation(), status="waitlisted", email=GHOST_EMAIL,
                             waitlisted_at=now - timedelta(days=2))
    waiting = make.nomination(edition, make.organisation(), status="waitlisted",
                              waitlisted_at=now - timedelta(days=1))
    admin = _erase(client_for, make, person)

    db.session.expire_all()
    promoted = transition(db.session.get(Nomination, seated.id), NominationStatus.WITHDRAWN, actor=admin,
                          reason="Cannot come")
    db.session.commit()

    assert promoted is not None and promoted.id == waiting.id  # not the erased person's nomination
    assert db.session.get(Nomination, erased.id).status is not NominationStatus.ACCEPTED


def test_an_erased_accepted_nominee_s_seat_goes_to_the_waiting_list_without_mail_about_them(make, db, client_for,
                                                                                          outbox):
    edition = make.edition(seats=1)
    organisation = make.organisation()
    coordinator = make.coordinator(organisation)
    person = make.trainee(email=GHOST_EMAIL, display_name="Gina Ghost")
    erased = make.nomination(edition, organisation, status="accepted", email=GHOST_EMAIL,
                             nominated_by_id=coordinator.id)
    draft_id = make.nomination(make.edition(), organisation, status="draft", email=GHOST_EMAIL).id
    waiting = make.nomination(edition, make.organisation(), status="waitlisted")
    _erase(client_for, make, person)

    db.session.expire_all()
    ghost = db.session.get(Nomination, erased.id)
    assert ghost.status is NominationStatus.WITHDRAWN and ghost.email is None and ghost.invitation_token_hash is None
    assert db.session.get(Nomination, waiting.id).status is NominationStatus.ACCEPTED  # moved up into the seat
    assert db.session.get(Nomination, draft_id) is None  # a draft goes whole
    assert outbox(coordinator.email) == [] and outbox(GHOST_EMAIL) == []


ADDRESS = "203.0.113.77"


def test_the_person_s_ip_address_leaves_the_audit_trail(make, db, client_for):
    module = make.module(lessons=1)
    from academy.curriculum.models import Lesson

    lesson_id = db.session.scalar(sa.select(Lesson.id).where(Lesson.module_id == module.id))
    person = make.trainee(email="ip.person@example.org", display_name="Ida Address")
    make.enrolment(person, module)

    trainee = client_for(person)
    response = trainee.post(f"/learn/lessons/{lesson_id}/complete", environ_base={"REMOTE_ADDR": ADDRESS})
    assert response.status_code == 302
    issued = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "certificate.issue")).all()
    assert issued and issued[0].actor_id is None and issued[0].ip_address == ADDRESS  # precondition

    admin = make.admin()
    assert client_for(admin).post(f"/admin/users/{person.id}/erase",
                                  data={"email": person.email}).status_code == 302

    db.session.expire_all()
    left = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.ip_address == ADDRESS)).all()
    assert left == [], [(event.action, event.object_type, event.object_id) for event in left]


OUTBOX_EMAIL = "leila.outbox@example.org"


def test_the_seat_of_a_person_nominated_twice_goes_to_someone_else_not_to_their_other_nomination(
        make, db, client_for):
    """Nominated by two organisations: one nomination accepted, one waiting. Deleting the account
    withdraws the waiting one first, so the freed seat goes to the next other person."""
    edition = make.edition(seats=1)
    person = make.trainee(email="two.orgs@example.org")
    make.nomination(edition, make.organisation(), status="accepted", email=person.email)
    own_waiting = make.nomination(edition, make.organisation(), status="waitlisted", email=person.email).id
    next_in_line = make.nomination(edition, make.organisation(), status="waitlisted").id
    _erase(client_for, make, person)
    db.session.expire_all()
    promoted = db.session.scalars(sa.select(AuditEvent.object_id).where(
        AuditEvent.action == "nomination.accepted")).all()
    assert promoted == [str(next_in_line)]
    assert db.session.get(Nomination, own_waiting).status is NominationStatus.WITHDRAWN


def test_mail_to_the_coordinator_no_longer_names_the_erased_person(make, db, client_for, app):
    organisation = make.organisation()
    coordinator = make.coordinator(organisation)
    person = make.trainee(email=OUTBOX_EMAIL, display_name="Leila Outbox")
    edition = make.edition(modules=[make.module()])
    nomination = make.nomination(edition, organisation, status="enrolled", user_id=person.id, email=OUTBOX_EMAIL,
                                 given_names="Leila", family_name="Outbox", nominated_by_id=coordinator.id)
    with app.test_request_context():
        notifications.notify(nomination, notifications.ENROLLED)
    db.session.commit()
    to_coordinator = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.recipient == coordinator.email)).all()
    assert to_coordinator and "Leila Outbox" in to_coordinator[0].subject  # precondition

    admin = make.admin()
    assert client_for(admin).post(f"/admin/users/{person.id}/erase", data={"email": OUTBOX_EMAIL}).status_code == 302

    db.session.expire_all()
    naming = [message.recipient for message in db.session.scalars(sa.select(OutboxMessage))
              if "Leila" in message.subject or "Leila" in message.body_text]
    assert naming == []



@pytest.mark.parametrize("given, family", [("芳", "王"), ("민수", "김"), ("Na", "Li")])
def test_a_short_name_leaves_the_coordinator_s_mail_too(make, db, client_for, app, given, family):
    """Two or three Chinese or Korean characters make a whole name; so do two short Latin names."""
    organisation = make.organisation()
    coordinator = make.coordinator(organisation)
    person = make.trainee(email=OUTBOX_EMAIL, display_name=family + given)
    nomination = make.nomination(make.edition(modules=[make.module()]), organisation, status="enrolled",
                                 user_id=person.id, email=OUTBOX_EMAIL, given_names=given, family_name=family,
                                 nominated_by_id=coordinator.id)
    with app.test_request_context():
        notifications.notify(nomination, notifications.ENROLLED)
    db.session.commit()
    full_name = f"{given} {family}"
    assert any(full_name in message.body_text for message in db.session.scalars(sa.select(OutboxMessage)))

    _erase(client_for, make, person)

    db.session.expire_all()
    naming = [message.recipient for message in db.session.scalars(sa.select(OutboxMessage))
              if full_name in message.subject or full_name in message.body_text]
    assert naming == []


def test_a_new_account_does_not_inherit_the_erased_account_s_history(make, db, client_for):
    """Ids are never given again (SQLite included): the audit events kept about the erased
    account's id do not become a newcomer's, nor show in the newcomer's data download."""
    admin = client_for(make.admin())  # created first: the erased account is the newest one
    person = make.trainee(email="first.owner@example.org", display_name="First Owner")
    record("account.sign_in", actor=person, target=person)
    db.session.commit()
    erased_id = person.id
    assert admin.post(f"/admin/users/{person.id}/erase", data={"email": person.email}).status_code == 302
    db.session.expunge_all()

    newcomer = make.trainee(email="second.owner@example.org", display_name="Second Owner")
    assert newcomer.id != erased_id
    response = client_for(newcomer).post("/profile/data", data={"current_password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    actions = [event["action"] for event in json.loads(response.get_data(as_text=True))["audit_events"]]
    assert "account.erase" not in actions and "account.sign_in" not in actions


def test_deleting_one_s_own_account_leaves_no_address_on_the_events_of_a_deleted_draft(make, db, client_for):
    person = make.trainee(email="dora.draft@example.org", display_name="Dora Draft")
    draft_id = make.nomination(make.edition(), make.organisation(), status="draft", email=person.email).id
    response = client_for(person).post("/profile/delete", environ_base={"REMOTE_ADDR": ADDRESS},
                                       data={"current_password": DEFAULT_PASSWORD, "understood": "y"})
    assert response.status_code == 302

    db.session.expire_all()
    assert db.session.get(Nomination, draft_id) is None
    deleted = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "nomination.draft_deleted")).one()
    assert deleted.object_id == str(draft_id) and deleted.ip_address is None
    assert db.session.scalars(sa.select(AuditEvent).where(AuditEvent.ip_address == ADDRESS)).all() == []


def test_erasure_removes_a_pdf_left_by_an_issuance_that_was_rolled_back(make, db, app):
    """A second issuance for the same enrolment (two completions at once) is refused by the unique
    index after its PDF was stored; that file prints the person's name and no certificate records it."""
    from pathlib import Path

    from sqlalchemy.exc import IntegrityError

    from academy.accounts.erasure import erase_account, remove_files
    from academy.certificates import operations as certificates
    from academy.learning.models import Enrolment, EnrolmentStatus

    holder = make.trainee(display_name="Leila Haddad")
    enrolment = make.enrolment(holder, make.module(), status=EnrolmentStatus.COMPLETED,
                               completed_at=utcnow().replace(microsecond=0))
    make.certificate(enrolment)
    stored = lambda: set(Path(app.config["CERTIFICATE_DIR"]).rglob("*.pdf"))  # noqa: E731
    before = stored()
    with pytest.raises(IntegrityError):
        certificates.issue_certificate(db.session.get(Enrolment, enrolment.id))
    db.session.rollback()
    left_behind = stored() - before
    assert left_behind

    erased = erase_account(db.session.get(type(holder), holder.id), actor=make.admin())
    db.session.commit()
    remove_files(erased)

    assert stored() == set()
