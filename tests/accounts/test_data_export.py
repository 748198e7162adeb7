"""Downloading one's own data: what the file holds, what it never holds, and who may get it."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pyotp
import pytest

from academy.accounts import two_factor
from academy.accounts.models import RecoveryCode, UserSession
from academy.audit.operations import record
from academy.db_types import utcnow
from academy.learning.models import LessonProgress, QuizAttempt

from ..fixtures_auth import sign_in_client
from .helpers import QueryCounter, audit_events

DOWNLOAD = "/profile/data"


def _download(client) -> dict:
    response = client.post(DOWNLOAD)
    assert response.status_code == 200, response.status_code
    return json.loads(response.get_data(as_text=True))


@pytest.fixture
def learner(make, db):
    """A trainee of an organisation, enrolled through an edition, with progress, a passed quiz,
    an attendance and a certificate."""
    organisation = make.organisation(name="Green Youth Network")
    person = make.trainee(email="ana@example.org", display_name="Ana Ferreira", organisation=organisation,
                          time_zone="Africa/Casablanca")
    module = make.module(title="Campaign basics")
    lesson = make.lesson(module, title="Knocking on doors")
    quiz = make.quiz(module, title="Basics check")
    edition = make.edition(name="Spring school", modules=[module])
    enrolment = make.enrolment(person, module, edition_id=edition.id)
    db.session.add(LessonProgress(enrolment_id=enrolment.id, lesson_id=lesson.id))
    db.session.add(QuizAttempt(enrolment_id=enrolment.id, quiz_id=quiz.id, number=1, submitted_at=utcnow(),
                               score_percent=80, passed=True, answers={"1": [987654]},
                               choice_order={"1": [987654, 123456]}))
    db.session.commit()
    make.attendance(make.live_session(module, title="Opening call"), enrolment, status="late")
    make.certificate(enrolment)
    return person


def test_the_file_holds_the_account_and_the_learning_record(client, login_as, learner):
    login_as(learner)
    data = _download(client)

    account = data["account"]
    assert account["email"] == "ana@example.org" and account["display_name"] == "Ana Ferreira"
    assert account["organisation"] == "Green Youth Network" and account["roles"] == ["trainee"]
    assert account["time_zone"] == "Africa/Casablanca" and account["created_at"]
    assert len(data["open_sessions"]) == 1 and data["open_sessions"][0]["last_seen_at"]
    assert [(item["module"], item["edition"], item["status"]) for item in data["enrolments"]] == [
        ("Campaign basics", "Spring school", "active")]
    assert [(item["module"], item["lesson"]) for item in data["lesson_progress"]] == [
        ("Campaign basics", "Knocking on doors")]
    attempt, = data["quiz_attempts"]
    assert (attempt["quiz"], attempt["module"], attempt["score_percent"], attempt["passed"]) == (
        "Basics check", "Campaign basics", 80, True)
    assert "answers" not in attempt and "987654" not in json.dumps(data)
    assert [(item["session"], item["status"]) for item in data["attendance"]] == [("Opening call", "late")]
    certificate, = data["certificates"]
    assert certificate["title"] == "Campaign basics" and certificate["status"] == "valid"
    assert re.fullmatch(r"AA-\d{4}-\d{6}", certificate["serial"])
    assert certificate["verification_url"].startswith("http") and certificate["issued_at"]


def test_the_answer_is_a_json_attachment_that_is_never_cached(client, make, login_as):
    login_as(make.trainee(display_name="Layla حداد", time_zone="Pacific/Kiritimati"))
    response = client.post(DOWNLOAD)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    today_there = (utcnow() + timedelta(hours=14)).date().isoformat()
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="activist-academy-data-{today_there}.json"')
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data(as_text=True)
    assert "Layla حداد" in body and '\n  "account": {' in body  # UTF-8 as is, pretty-printed


def test_nominations_of_the_person_are_found_by_account_and_by_email(client, make, login_as):
    person = make.trainee(email="ana@example.org")
    by_email = make.nomination(make.edition(name="Autumn school"), email="ana@example.org", given_names="Ana",
                               family_name="Ferreira", motivation="To organise my town.", status="submitted")
    make.nomination(make.edition(name="Winter school"), status="enrolled", user_id=person.id,
                    email="ana.old@example.org", consent_version="2025-09")
    make.nomination(make.edition(name="Someone else's school"), email="other@example.org")
    login_as(person)

    nominations = {item["edition"]: item for item in _download(client)["nominations"]}

    assert set(nominations) == {"Autumn school", "Winter school"}
    autumn = nominations["Autumn school"]
    assert (autumn["given_names"], autumn["family_name"], autumn["motivation"]) == (
        "Ana", "Ferreira", "To organise my town.")
    assert autumn["date_of_birth"] == by_email.date_of_birth.isoformat()
    assert autumn["gender"] == "woman" and autumn["country"] == "SE" and autumn["languages"] == ["en", "sv"]
    assert autumn["role"] == "Youth officer" and autumn["consent_at"] and autumn["submitted_at"]
    assert nominations["Winter school"]["status"] == "enrolled"
    assert nominations["Winter school"]["consent_version"] == "2025-09"


def test_no_secret_is_ever_in_the_file(app, client, make, login_as, db):
    person = make.trainee()
    secret = two_factor.new_secret()
    with app.test_request_context():
        codes = two_factor.enable(person, secret, pyotp.TOTP(secret, interval=two_factor.STEP_SECONDS).now())
    db.session.commit()
    token = sign_in_client(client, person)
    sign_in_client(client.application.test_client(), person)  # a second open session

    body = client.post(DOWNLOAD).get_data(as_text=True)

    db.session.refresh(person)
    hashes = db.session.scalars(db.select(UserSession.token_hash).where(UserSession.user_id == person.id)).all()
    code_hashes = db.session.scalars(db.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == person.id))
    assert len(hashes) == 2 and json.loads(body)["account"]["two_step_verification_on_since"]
    for forbidden in (person.password_hash, person.totp_secret, secret, token, *hashes, *codes, *code_hashes):
        assert forbidden and forbidden not in body


def test_other_peoples_data_is_left_out(client, make, login_as, db):
    organisation = make.organisation()
    coordinator = make.coordinator(organisation, email="coord@example.org")
    make.nomination(organisation_=organisation, nominated_by_id=coordinator.id, given_names="Nadia",
                    email="nadia@example.org", motivation="Secret plans of Nadia.")
    someone = make.trainee(email="someone@example.org")
    make.enrolment(someone, make.module(title="Somebody else's module"))
    admin = make.admin(email="admin@example.org")
    record("account.roles_changed", actor=admin, target=coordinator, note="Checked by Admin Person")
    record("account.profile_update", actor=coordinator, target=someone, changes={"display_name": ["A", "B"]})
    record("account.sign_in_failed", target=coordinator, reason="wrong_password").ip_address = "203.0.113.9"
    db.session.commit()
    login_as(coordinator)

    response = client.post(DOWNLOAD)
    body, data = response.get_data(as_text=True), response.get_json(force=True)

    for foreign in ("Nadia", "nadia@example.org", "someone@example.org", "Somebody else's module",
                    "admin@example.org", "Checked by Admin Person", "203.0.113.9", '"A"'):
        assert foreign not in body
    assert data["nominations"] == [] and data["nominations_made_for_others"] == 1
    events = {event["action"]: event for event in data["audit_events"]}
    assert events["account.roles_changed"] == {"action": "account.roles_changed", "by_you": False,
                                               "occurred_at": events["account.roles_changed"]["occurred_at"]}
    assert set(events["account.profile_update"]) == {"action", "occurred_at"}
    assert events["account.sign_in_failed"]["by_you"] is False


def test_ones_own_account_events_come_with_their_details(client, make, login_as, db):
    person = make.trainee()
    record("account.profile_update", actor=person, target=person, changes={"time_zone": ["UTC", "Asia/Beirut"]})
    db.session.commit()
    login_as(person)

    event, = [item for item in _download(client)["audit_events"] if item["action"] == "account.profile_update"]

    assert event["by_you"] is True and event["details"] == {"changes": {"time_zone": ["UTC", "Asia/Beirut"]}}


def test_the_download_is_audited(client, make, login_as):
    person = make.trainee()
    login_as(person)
    _download(client)
    event, = audit_events("account.data_exported")
    assert event.actor_id == person.id and event.object_type == "users" and event.object_id == str(person.id)


def test_an_anonymous_visitor_gets_no_file(client):
    response = client.post(DOWNLOAD)
    # Like every POST of the site, an anonymous one is refused (401) rather than redirected.
    assert response.status_code == 401 and b'"account"' not in response.data
    assert audit_events("account.data_exported") == []


def test_a_get_is_not_allowed(client, make, login_as):
    login_as(make.trainee())
    assert client.get(DOWNLOAD).status_code == 405
    assert audit_events("account.data_exported") == []


def test_the_csrf_token_is_required(make_app, make, login_as):
    web = make_app(WTF_CSRF_ENABLED=True)
    client = login_as(make.trainee(), on_client=web.test_client())
    assert client.post(DOWNLOAD).status_code == 400
    assert client.post(DOWNLOAD, data={"csrf_token": "forged.token.value"}).status_code == 400
    assert audit_events("account.data_exported") == []

    page = client.get("/profile").get_data(as_text=True)
    form = page[page.index('action="/profile/data"'):]
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    assert client.post(DOWNLOAD, data={"csrf_token": token}).status_code == 200


def test_downloads_are_rate_limited(make_app, make, login_as):
    web = make_app(RATELIMIT_ENABLED=True, RATELIMIT_RESET="2 per minute")
    client = login_as(make.trainee(), on_client=web.test_client())
    assert [client.post(DOWNLOAD).status_code for _ in range(3)] == [200, 200, 429]
    assert len(audit_events("account.data_exported")) == 2


def test_the_profile_page_offers_the_download(client, make, login_as):
    login_as(make.trainee())
    page = client.get("/profile").get_data(as_text=True)
    assert 'action="/profile/data"' in page and "Download my data" in page


def _learner_with(make, db, enrolments: int):
    """A trainee with ``enrolments`` enrolments, each with progress, an attempt, an attendance
    and a nomination, so that a query per row of any section would show in the count."""
    person = make.trainee()
    for _ in range(enrolments):
        module = make.module()
        lesson, quiz = make.lesson(module), make.quiz(module)
        enrolment = make.enrolment(person, module, edition_id=make.edition(modules=[module]).id)
        db.session.add(LessonProgress(enrolment_id=enrolment.id, lesson_id=lesson.id))
        db.session.add(QuizAttempt(enrolment_id=enrolment.id, quiz_id=quiz.id, number=1, submitted_at=utcnow(),
                                   score_percent=90, passed=True))
        db.session.commit()
        make.attendance(make.live_session(module), enrolment)
        make.nomination(make.edition(), email=person.email)
    return person


def test_the_query_count_does_not_grow_with_the_enrolments(serving, client, make, login_as, db):
    counts = []
    for enrolments in (1, 5):
        person = _learner_with(make, db, enrolments)
        login_as(person)
        with QueryCounter(serving) as counter:
            data = _download(client)
        assert len(data["enrolments"]) == len(data["quiz_attempts"]) == len(data["nominations"]) == enrolments
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
