"""A nominee's date of birth, motivation and address reach only admins and their own coordinators.

The nomination pages are discovered from the URL map when the test runs, so pages added later are
checked too. Each is requested, with the planted nominees' editions and nominations in its URL,
by the people who must never see that data: a trainer, a trainee of the same organisation, a
coordinator of another organisation and an anonymous visitor. The public verification pages of a
nominee's certificate must show the certificate and nothing about the nomination behind it.
"""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date

import pytest
from babel.dates import format_date
from flask import url_for

from academy.accounts.models import Role
from academy.db_types import utcnow
from academy.learning.models import EnrolmentStatus
from tests.fixtures_auth import sign_in_client

#: Blueprints whose pages show nominations, and other pages that might list nominees.
NOMINATION_BLUEPRINTS = ("editions", "nominate", "review", "invitations", "followup")
OTHER_PAGES = ("core.index", "certificates.organisation", "certificates.mine", "learning.home")
MOTIVATION = "Motivation-b7e1: I organise tenants in my district"
EMAIL_MARK = "sentinel-nominee"
PARTY_ROLE = "Secretary-b7e1 of the youth wing"
#: The name on the nominations; the certificate is printed with the account's name instead.
NOMINATION_NAME = "Nominated-b7e1"
STATUSES = ("draft", "submitted", "waitlisted", "accepted", "enrolled", "declined", "withdrawn")


@dataclass
class Planted:
    edition: object
    organisation: object
    nominations: list
    birth: date
    enrolled_user: object


@pytest.fixture
def planted(make, db) -> Planted:
    module = make.module(lessons=1, title="Door to door")
    edition = make.edition(modules=[module], name="Privacy Intake b7e1", seats=20)
    organisation = make.organisation(name="Nominating Party b7e1")
    birth = date(edition.starts_on.year - 27, 7, 23)
    enrolled_user = make.trainee(organisation=organisation, display_name="Enrolled Nominee")
    nominations = []
    for number, status in enumerate(STATUSES):
        extra = {"user_id": enrolled_user.id} if status == "enrolled" else {}
        nominations.append(make.nomination(
            edition, organisation, status=status, date_of_birth=birth, motivation=MOTIVATION,
            party_role=PARTY_ROLE, email=f"{EMAIL_MARK}-{number}@example.org", given_names=NOMINATION_NAME,
            **extra))
    enrolment = make.enrolment(enrolled_user, module, edition_id=edition.id,
                               status=EnrolmentStatus.COMPLETED, completed_at=utcnow())
    make.certificate(enrolment)
    return Planted(edition=edition, organisation=organisation, nominations=nominations, birth=birth,
                   enrolled_user=enrolled_user)


def _secrets(planted: Planted) -> list[str]:
    """The texts that must not appear: motivation, address, role, and the birth date as written."""
    dates = {planted.birth.isoformat()}
    for language in ("en", "fr", "es", "ar"):
        for style in ("short", "medium", "long", "full"):
            dates.add(format_date(planted.birth, style, locale=language))
    return [MOTIVATION, EMAIL_MARK, PARTY_ROLE, *sorted(dates)]


def _leaks(body: str, planted: Planted) -> list[str]:
    return [text for text in _secrets(planted) if text in body]


def _pages(web, planted: Planted) -> tuple[list[str], list[str]]:
    """Every GET URL of the nomination pages, with each planted object; and the routes skipped."""
    parameters = {
        "edition_id": [planted.edition.id],
        "nomination_id": [nomination.id for nomination in planted.nominations],
        "token": [secrets.token_urlsafe(32)],
    }
    urls, skipped = [], []
    with web.test_request_context():
        for rule in web.url_map.iter_rules():
            if "GET" not in rule.methods:
                continue
            if rule.endpoint.split(".")[0] not in NOMINATION_BLUEPRINTS and rule.endpoint not in OTHER_PAGES:
                continue
            names = sorted(rule.arguments)
            if any(name not in parameters for name in names):
                skipped.append(rule.endpoint)
                continue
            if not names:  # lists: unfiltered, and filtered on the planted edition and organisation
                urls.append(url_for(rule.endpoint))
                urls.append(url_for(rule.endpoint, edition=planted.edition.id, organisation=planted.organisation.id))
            for name in names:  # routes here take one parameter at most
                urls.extend(url_for(rule.endpoint, **{name: value}) for value in parameters[name])
    return sorted(set(urls)), skipped


def _visitors(web, make, planted: Planted) -> dict:
    """People who may never see a nominee's personal data, each with a signed-in client."""
    people = {
        "trainer": make.trainer(),
        "trainee of the same organisation": make.trainee(organisation=planted.organisation),
        "coordinator of another organisation": make.coordinator(make.organisation()),
        "trainer and trainee": make.user(Role.TRAINER, Role.TRAINEE, organisation=planted.organisation),
    }
    clients = {"anonymous": web.test_client()}
    for label, person in people.items():
        client = web.test_client()
        sign_in_client(client, person)
        clients[label] = client
    return clients


def test_the_planted_data_is_visible_where_it_belongs(planted, make, web):
    """The check below can fail: admins and the nominee's own coordinator do see the data."""
    accepted = next(item for item in planted.nominations if item.status.value == "accepted")
    for person in (make.coordinator(planted.organisation), make.admin()):
        client = web.test_client()
        sign_in_client(client, person)
        with web.test_request_context():
            path = url_for("followup.nominee", nomination_id=accepted.id)
        body = client.get(path).get_data(as_text=True)
        assert MOTIVATION in body and format_date(planted.birth, "long", locale="en") in body


def test_nominee_personal_data_never_reaches_other_people(planted, make, web):
    urls, skipped = _pages(web, planted)
    with web.test_request_context():
        assert url_for("followup.nominee", nomination_id=planted.nominations[0].id) in urls
    assert _sweep(_visitors(web, make, planted), urls, planted) == []
    assert not [endpoint for endpoint in skipped if endpoint.startswith("followup.")]


def _sweep(clients: dict, urls: list[str], planted: Planted) -> list[str]:
    """What each client is shown of the planted data on ``urls`` (and any 500 it meets)."""
    failures = []
    for label, client in clients.items():
        for url in urls:
            response = client.get(url)
            if response.status_code >= 500:
                failures.append(f"{label}: GET {url} answered {response.status_code}")
            leaks = _leaks(response.get_data(as_text=True), planted)
            if leaks:
                failures.append(f"{label}: GET {url} shows {leaks}")
    return failures


def test_a_deactivated_organisation_s_coordinators_see_its_nominees_no_more(planted, make, web, db):
    """An organisation that leaves the academy (deactivated) takes its coordinators' view of its
    nominees with it: nominations, progress, certificates; the role stays for a return."""
    from academy.certificates.models import Certificate
    from academy.organisations.operations import set_organisation_active

    coordinator = make.coordinator(planted.organisation)
    client = web.test_client()
    sign_in_client(client, coordinator)
    certificate = db.session.scalars(db.select(Certificate).where(
        Certificate.user_id == planted.enrolled_user.id)).one()
    with web.test_request_context():
        members = url_for("certificates.organisation")
        download = url_for("certificates.download_pdf", certificate_id=certificate.id)
    urls, _skipped = _pages(web, planted)
    assert _sweep({"coordinator": client}, urls, planted) != []  # the sweep sees what they may see
    assert client.get(members).status_code == 200 and client.get(download).status_code == 200

    set_organisation_active(planted.organisation, False, actor=make.admin())
    db.session.commit()

    assert _sweep({"coordinator of the deactivated organisation": client}, urls, planted) == []
    assert client.get(members).status_code == 403
    assert client.get(download).status_code == 404
    home = client.get("/").get_data(as_text=True)
    assert "is not an active member of the academy at present" in home
    assert 'href="/nominations/"' not in home
    assert coordinator.has_role(Role.COORDINATOR)  # kept: activating the organisation again restores the view

    set_organisation_active(planted.organisation, True, actor=make.admin())
    db.session.commit()
    assert client.get(members).status_code == 200


def test_the_public_verification_pages_show_the_certificate_and_nothing_else(planted, web, db):
    from academy.certificates.models import Certificate

    certificate = db.session.scalars(db.select(Certificate).where(
        Certificate.user_id == planted.enrolled_user.id)).one()
    client = web.test_client()
    with web.test_request_context():
        pages = [url_for("verification.verify_code", code=certificate.display_code),
                 url_for("verification.credential_json", code=certificate.code),
                 url_for("verification.credential_status", code=certificate.code)]
    private = _secrets(planted) + [planted.organisation.name, planted.edition.name, NOMINATION_NAME]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        assert [text for text in private if text in body] == [], url
    page = client.get(pages[0]).get_data(as_text=True)
    assert "Enrolled Nominee" in page and "Door to door" in page  # what the certificate says
    credential = json.loads(client.get(pages[1]).get_data(as_text=True))
    assert "email" not in json.dumps(credential).lower()
