"""Accepted nominees take their link: a new account or their existing one, enrolled in the edition's modules."""
import re
import threading
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from academy.accounts.models import Role, User
from academy.accounts.passwords import verify_password
from academy.db_types import utcnow
from academy.extensions import db as _db
from academy.learning.models import Enrolment
from academy.nominations.invitation_links import find_invitation, issue_invitation
from academy.nominations.invitations import NewAccount, take_invitation
from academy.nominations.models import Nomination, NominationStatus as S
from academy.nominations.operations import transition
from academy.nominations.vocabulary import EditionStatus

PASSWORD = "marching band of quiet otters"


@pytest.fixture
def accepted(make, db):
    """An accepted French nominee of an edition with two modules, and a live link (its secret)."""
    modules = [make.module(title="Organising 101"), make.module(title="Digital campaigns")]
    edition = make.edition(name="Campaign School 2027", modules=modules)
    organisation = make.organisation()
    coordinator = make.coordinator(organisation)
    nomination = make.nomination(edition, organisation, status="accepted", given_names="Amina",
                                 family_name="Diallo", language="fr", nominated_by_id=coordinator.id)
    token = issue_invitation(nomination)
    db.session.commit()
    return dict(nomination=nomination, token=token, modules=modules, edition=edition,
                organisation=organisation, coordinator=coordinator)


def new_account_form(**fields):
    values = dict(display_name="Amina Diallo", preferred_language="fr", time_zone="Africa/Dakar",
                  password=PASSWORD, confirm=PASSWORD)
    values.update(fields)
    return values


def edition_enrolments(db, user_id):
    return db.session.scalars(sa.select(Enrolment).where(Enrolment.user_id == user_id)
                              .order_by(Enrolment.module_id)).all()


def link_in(message) -> str:
    return re.search(r"http://localhost(/invitation/edition/\S+)", message.body_text).group(1)


# --- A nominee without an account -------------------------------------------------------------


def test_the_form_is_prefilled_from_the_nomination(client, accepted):
    response = client.get(f"/invitation/edition/{accepted['token']}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'value="Amina Diallo"' in page
    assert re.search(r'<option selected value="fr">|<option value="fr" selected>', page)
    assert "Campaign School 2027" in page


def test_a_new_account_is_created_signed_in_and_enrolled_in_every_module(client, db, accepted):
    response = client.post(f"/invitation/edition/{accepted['token']}", data=new_account_form())
    assert response.status_code == 302 and urlsplit(response.location).path == "/learn/"

    nomination = db.session.get(Nomination, accepted["nomination"].id)
    user = db.session.scalars(sa.select(User).where(User.email == nomination.email)).one()
    assert user.has_role(Role.TRAINEE) and user.role_names == {"trainee"}
    assert (user.organisation_id, user.preferred_language, user.time_zone, user.display_name) == (
        accepted["organisation"].id, "fr", "Africa/Dakar", "Amina Diallo")
    assert verify_password(user.password_hash, PASSWORD)
    assert (nomination.status, nomination.user_id) == (S.ENROLLED, user.id)
    assert nomination.invitation_used_at is not None
    enrolments = edition_enrolments(db, user.id)
    assert sorted(e.module_id for e in enrolments) == sorted(m.id for m in accepted["modules"])
    assert {e.edition_id for e in enrolments} == {accepted["edition"].id}

    home = client.get("/learn/")  # signed in as the new trainee
    assert home.status_code == 200
    assert "Campaign School 2027" in home.get_data(as_text=True)


def test_the_password_policy_applies(client, db, accepted):
    response = client.post(f"/invitation/edition/{accepted['token']}",
                           data=new_account_form(password="amina diallo", confirm="amina diallo"))
    assert response.status_code == 400
    assert db.session.get(Nomination, accepted["nomination"].id).status is S.ACCEPTED
    assert db.session.scalar(sa.select(sa.func.count(User.id)).where(User.email == accepted["nomination"].email)) == 0


def test_the_enrolled_mail_lists_the_modules_in_the_chosen_language(client, outbox, accepted):
    client.post(f"/invitation/edition/{accepted['token']}", data=new_account_form(preferred_language="es"))
    [welcome] = outbox(accepted["nomination"].email)
    assert welcome.language == "es"
    assert "Organising 101" in welcome.body_text and "Digital campaigns" in welcome.body_text
    assert len(outbox(accepted["coordinator"].email)) == 1


# --- A nominee who already has an account ---------------------------------------------------------


def test_an_existing_account_must_sign_in_first(client, make, accepted):
    make.trainer(email=accepted["nomination"].email)
    response = client.get(f"/invitation/edition/{accepted['token']}")
    assert response.status_code == 302
    location = urlsplit(response.location)
    assert location.path == "/sign-in"
    assert parse_qs(location.query)["next"] == [f"/invitation/edition/{accepted['token']}"]


def test_an_existing_account_is_linked_and_given_the_trainee_role(client, make, db, login_as, accepted):
    person = make.trainer(email=accepted["nomination"].email)
    module = accepted["modules"][0]
    earlier = make.enrolment(person, module)  # enrolled before, outside any edition
    login_as(person)
    assert client.get(f"/invitation/edition/{accepted['token']}").status_code == 200

    response = client.post(f"/invitation/edition/{accepted['token']}")
    assert response.status_code == 302 and urlsplit(response.location).path == "/learn/"
    db.session.expire_all()
    person = db.session.get(User, person.id)
    assert person.role_names == {"trainer", "trainee"}
    nomination = db.session.get(Nomination, accepted["nomination"].id)
    assert (nomination.status, nomination.user_id) == (S.ENROLLED, person.id)
    enrolments = edition_enrolments(db, person.id)
    assert len(enrolments) == 2 and {e.edition_id for e in enrolments} == {accepted["edition"].id}
    assert earlier.id in {e.id for e in enrolments}


def test_an_enrolment_already_in_another_edition_is_kept_as_it_is(make, db, accepted):
    person = make.trainee(email=accepted["nomination"].email)
    other = make.edition()
    make.enrolment(person, accepted["modules"][0], edition_id=other.id)
    assert take_invitation(accepted["nomination"], person) is not None
    db.session.commit()
    assert {e.edition_id for e in edition_enrolments(db, person.id)} == {other.id, accepted["edition"].id}


def test_someone_who_had_completed_every_module_gets_the_edition_certificate_on_joining(make, db, accepted):
    from academy.certificates.models import Certificate, CertificateKind
    from academy.learning.models import EnrolmentStatus

    person = make.trainee(email=accepted["nomination"].email)
    for module in accepted["modules"]:
        make.enrolment(person, module, status=EnrolmentStatus.COMPLETED, completed_at=utcnow())
    assert take_invitation(accepted["nomination"], person) is not None
    db.session.commit()
    certificates = db.session.scalars(sa.select(Certificate).where(Certificate.user_id == person.id)).all()
    assert [(item.kind, item.edition_id) for item in certificates] == [
        (CertificateKind.EDITION, accepted["edition"].id)]


def test_someone_who_had_completed_only_some_modules_gets_no_edition_certificate_yet(make, db, accepted):
    from academy.certificates.models import Certificate
    from academy.learning.models import EnrolmentStatus

    person = make.trainee(email=accepted["nomination"].email)
    make.enrolment(person, accepted["modules"][0], status=EnrolmentStatus.COMPLETED, completed_at=utcnow())
    assert take_invitation(accepted["nomination"], person) is not None
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id)).where(Certificate.user_id == person.id)) == 0


def test_someone_signed_in_with_another_account_is_refused(client, make, db, login_as, accepted):
    make.trainee(email=accepted["nomination"].email)
    login_as(make.trainee())
    for method in ("get", "post"):
        response = getattr(client, method)(f"/invitation/edition/{accepted['token']}")
        assert response.status_code == 403
        assert "different e-mail address" in response.get_data(as_text=True)
    assert db.session.get(Nomination, accepted["nomination"].id).status is S.ACCEPTED


def test_someone_signed_in_cannot_create_the_nominees_account(client, make, db, login_as, accepted):
    login_as(make.trainee())
    response = client.post(f"/invitation/edition/{accepted['token']}", data=new_account_form())
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(User.id)).where(User.email == accepted["nomination"].email)) == 0


# --- Links that do not work -------------------------------------------------------------------------


def test_an_unknown_link_reveals_nothing(client, accepted):
    response = client.get("/invitation/edition/not-a-real-token")
    assert response.status_code == 404
    assert "invitation link is not valid" in response.get_data(as_text=True)
    assert "Amina" not in response.get_data(as_text=True)
    assert client.get("/invitation/edition/" + "x" * 500).status_code == 404


def test_an_expired_link_is_refused(client, db, accepted):
    accepted["nomination"].invitation_expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = client.get(f"/invitation/edition/{accepted['token']}")
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    assert client.post(f"/invitation/edition/{accepted['token']}", data=new_account_form()).status_code == 400
    assert db.session.get(Nomination, accepted["nomination"].id).status is S.ACCEPTED


def test_a_link_works_only_once(client, make_app, db, accepted):
    assert client.post(f"/invitation/edition/{accepted['token']}", data=new_account_form()).status_code == 302
    stranger = make_app().test_client()
    response = stranger.post(f"/invitation/edition/{accepted['token']}", data=new_account_form())
    assert response.status_code == 400
    assert "already been used" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 2  # the coordinator and the new trainee


def test_guessing_links_is_rate_limited(make_app):
    client = make_app(RATELIMIT_ENABLED=True, RATELIMIT_RESET="2 per minute").test_client()
    codes = [client.post("/invitation/edition/guessed-token", data=new_account_form()).status_code
             for _ in range(3)]
    assert codes == [404, 404, 429]


def test_a_withdrawn_nominees_link_stops_working(client, make, db, accepted):
    transition(accepted["nomination"], S.WITHDRAWN, actor=make.admin())
    db.session.commit()
    assert client.get(f"/invitation/edition/{accepted['token']}").status_code == 404


def test_an_archived_editions_link_is_refused_with_its_reason(client, db, accepted):
    accepted["edition"].status = EditionStatus.ARCHIVED
    db.session.commit()
    response = client.get(f"/invitation/edition/{accepted['token']}")
    assert response.status_code == 400
    assert "This edition is archived" in response.get_data(as_text=True)
    assert client.post(f"/invitation/edition/{accepted['token']}", data=new_account_form()).status_code == 400
    db.session.expire_all()
    assert db.session.get(Nomination, accepted["nomination"].id).status is S.ACCEPTED
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1  # the coordinator only


def test_a_link_taken_as_the_edition_is_archived_enrols_no_one(make, db, accepted):
    """The page was loaded before the edition was archived; taking the link afterwards does nothing."""
    db.session.execute(sa.update(type(accepted["edition"])).values(status=EditionStatus.ARCHIVED))
    trainee = make.trainee(email=accepted["nomination"].email)
    assert take_invitation(accepted["nomination"], trainee) is None
    assert accepted["nomination"].invitation_used_at is None
    assert edition_enrolments(db, trainee.id) == []


def test_the_acceptance_mail_carries_a_working_link(app, client, make, db, outbox):
    nomination = make.nomination(status="submitted")
    with app.test_request_context():
        transition(nomination, S.ACCEPTED, actor=make.admin())
    db.session.commit()
    [message] = outbox(nomination.email)
    assert nomination.invitation_expires_at - nomination.invitation_sent_at == timedelta(days=14)
    assert client.get(link_in(message)).status_code == 200


def test_two_racing_requests_enrol_once(app, db, accepted):
    """Both load the link, then both try to take it at the same instant: exactly one succeeds."""
    nomination_id, token = accepted["nomination"].id, accepted["token"]
    barrier = threading.Barrier(2)
    outcomes, errors = [], []

    def take():
        try:
            with app.app_context():
                nomination = find_invitation(token)
                barrier.wait(timeout=30)
                user = take_invitation(nomination, NewAccount(PASSWORD, "Amina Diallo", "fr", "UTC"))
                if user is None:
                    _db.session.rollback()
                else:
                    _db.session.commit()
                outcomes.append(user is not None)
        except Exception as error:  # noqa: BLE001 - reported to the main thread below
            errors.append(error)

    threads = [threading.Thread(target=take) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(outcomes) == [False, True]
    db.session.expire_all()
    nomination = db.session.get(Nomination, nomination_id)
    assert nomination.status is S.ENROLLED
    assert len(edition_enrolments(db, nomination.user_id)) == 2


# --- Sending a new link ---------------------------------------------------------------------------


def test_the_coordinator_sends_a_new_link_and_the_old_one_stops_working(client, make, db, login_as, outbox,
                                                                         accepted):
    login_as(accepted["coordinator"])
    response = client.post(f"/invitation/resend/{accepted['nomination'].id}")
    assert response.status_code == 302
    assert urlsplit(response.location).path == f"/follow-up/nominees/{accepted['nomination'].id}"
    [message] = outbox(accepted["nomination"].email)
    assert message.language == "fr"
    anonymous = client.application.test_client()
    assert anonymous.get(f"/invitation/edition/{accepted['token']}").status_code == 404
    assert anonymous.get(link_in(message)).status_code == 200


def test_an_admin_sends_a_new_link(client, make, login_as, outbox, accepted):
    login_as(make.admin())
    response = client.post(f"/invitation/resend/{accepted['nomination'].id}")
    assert response.status_code == 302
    assert urlsplit(response.location).path == f"/admin/nominations/{accepted['nomination'].id}"
    assert len(outbox(accepted["nomination"].email)) == 1


def test_a_coordinator_of_another_organisation_cannot_send_a_link(client, make, db, login_as, outbox, accepted):
    login_as(make.coordinator())
    assert client.post(f"/invitation/resend/{accepted['nomination'].id}").status_code == 404
    assert outbox() == []
    db.session.expire_all()
    assert find_invitation(accepted["token"]) is not None


def test_no_new_link_once_the_nominee_has_joined(client, make, db, login_as, outbox, accepted):
    take_invitation(accepted["nomination"], make.trainee(email=accepted["nomination"].email))
    db.session.commit()
    sent = len(outbox())
    login_as(accepted["coordinator"])
    response = client.post(f"/invitation/resend/{accepted['nomination'].id}")
    assert response.status_code == 400
    assert len(outbox()) == sent


def test_no_new_link_once_the_edition_is_archived(client, make, db, login_as, outbox, accepted):
    login_as(accepted["coordinator"])
    page_address = f"/follow-up/nominees/{accepted['nomination'].id}"
    assert "Send a new link to join" in client.get(page_address).get_data(as_text=True)
    accepted["edition"].status = EditionStatus.ARCHIVED
    db.session.commit()
    sent = len(outbox())
    assert "Send a new link to join" not in client.get(page_address).get_data(as_text=True)
    response = client.post(f"/invitation/resend/{accepted['nomination'].id}")
    assert response.status_code == 400
    assert "archived" in response.get_data(as_text=True)
    assert len(outbox()) == sent
    db.session.expire_all()
    assert find_invitation(accepted["token"]) is not None  # the old link was not replaced either


def test_trainees_cannot_send_links(client, make, login_as, accepted):
    login_as(make.trainee())
    assert client.post(f"/invitation/resend/{accepted['nomination'].id}").status_code == 403
