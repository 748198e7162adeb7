"""Who sees whose personal data: every role is tried against objects outside its scope.

Many trainees are activists where that is dangerous. A coordinator reaches only their own
organisation's nominees; a trainer sees the names and attendance of the trainees of the modules
they teach and nothing else about them, and nothing of other modules; a trainee sees nothing about
other trainees; public pages show only what a certificate prints. Objects outside the viewer's
scope answer exactly as a missing object does, so an answer never confirms that something exists.
Downloads and exports with personal data are never stored by caches.

The routes are read from the URL map when the test runs, so pages added later are tried too.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from babel.dates import format_date
from flask import url_for

from academy.curriculum.models import Lesson
from academy.db_types import utcnow
from academy.extensions import db
from academy.learning.models import Enrolment, EnrolmentStatus, QuizAttempt
from academy.live.operations import issue_feed_token, schedule_session
from academy.nominations.models import EditionStatus, Nomination, NominationStatus
from academy.outbox.models import OutboxMessage

MISSING_ID = 987654
MOTIVATION = "Motivation-c41f: I organise tenants in my district"
PARTY_ROLE = "Treasurer-c41f of the youth wing"
HIDDEN_URL = "https://meet.example.org/room-c41f-not-yours"
HIDDEN_MATERIAL = "Handout-c41f of another module"
HIDDEN_LESSON = "Lesson-c41f of another module"


@dataclass
class World:
    """Two organisations, each with a coordinator and an enrolled nominee; two modules, each with its
    own trainer. Alice (organisation A) studies module M; Bob (organisation B) studies M and N."""

    org_a: object
    org_b: object
    coordinator_a: object
    coordinator_b: object
    trainer_m: object
    trainer_n: object
    alice: object
    bob: object
    module_m: object
    module_n: object
    lesson_n: object
    material_n: object
    session_m: object
    session_n: object
    edition: object
    nomination_alice: object
    nomination_carol: object
    carol_token: str
    enrolment_alice: object
    enrolment_bob_m: object
    enrolment_bob_n: object
    attempt_bob: object
    certificate_alice: object
    birth: date


@pytest.fixture
def world(make) -> World:
    from academy.learning import operations as learning
    from academy.learning.quiz import load_quiz
    from academy.nominations.invitation_links import issue_invitation

    org_a = make.organisation(name="Party Alpha c41f")
    org_b = make.organisation(name="Party Beta c41f")
    trainer_m, trainer_n = make.trainer(display_name="Trainer Em"), make.trainer(display_name="Trainer En")
    module_m = make.module(trainers=[trainer_m], lessons=1, title="Module Em")
    module_n = make.module(trainers=[trainer_n], title="Module En")
    lesson_n = make.lesson(module_n, title=HIDDEN_LESSON)
    material_n = make.material(lesson_n, title=HIDDEN_MATERIAL)
    quiz_n = make.quiz(module_n)
    make.quiz(module_m)
    past = (utcnow() - timedelta(days=2)).replace(microsecond=0)
    session_m = make.live_session(module_m, starts_at=past, title="Session Em")
    session_n = make.live_session(module_n, online_url=HIDDEN_URL, title="Session En")
    edition = make.edition(modules=[module_m], name="Intake c41f", seats=20)
    birth = date(edition.starts_on.year - 26, 3, 17)

    alice = make.trainee(organisation=org_a, display_name="Alice Aardvark", email="alice-c41f@example.org")
    bob = make.trainee(organisation=org_b, display_name="Bob Bobolink", email="bob-c41f@example.org")
    personal = dict(date_of_birth=birth, motivation=MOTIVATION, party_role=PARTY_ROLE)
    nomination_alice = make.nomination(edition, org_a, status="enrolled", user_id=alice.id, email=alice.email,
                                       given_names="Alice", family_name="Aardvark", **personal)
    make.nomination(edition, org_b, status="enrolled", user_id=bob.id, email=bob.email,
                    given_names="Bob", family_name="Bobolink", gender="man", **personal)
    nomination_carol = make.nomination(edition, org_a, status="accepted", email="carol-c41f@example.org",
                                       given_names="Carol", family_name="Caracal", **personal)
    carol_token = issue_invitation(nomination_carol)
    db.session.commit()

    enrolment_alice = make.enrolment(alice, module_m, edition_id=edition.id, status=EnrolmentStatus.COMPLETED,
                                     completed_at=utcnow())
    enrolment_bob_m = make.enrolment(bob, module_m, edition_id=edition.id)
    enrolment_bob_n = make.enrolment(bob, module_n)
    make.attendance(session_m, enrolment_alice)
    make.attendance(session_m, enrolment_bob_m, status="absent")
    attempt_bob = learning.start_attempt(enrolment_bob_n, load_quiz(quiz_n.module_id))
    db.session.commit()
    certificate_alice = make.certificate(enrolment_alice)
    return World(org_a=org_a, org_b=org_b, coordinator_a=make.coordinator(org_a), coordinator_b=make.coordinator(org_b),
                 trainer_m=trainer_m, trainer_n=trainer_n, alice=alice, bob=bob, module_m=module_m,
                 module_n=module_n, lesson_n=lesson_n, material_n=material_n, session_m=session_m,
                 session_n=session_n, edition=edition, nomination_alice=nomination_alice,
                 nomination_carol=nomination_carol, carol_token=carol_token, enrolment_alice=enrolment_alice,
                 enrolment_bob_m=enrolment_bob_m, enrolment_bob_n=enrolment_bob_n, attempt_bob=attempt_bob,
                 certificate_alice=certificate_alice, birth=birth)


def _dates(day: date) -> set[str]:
    written = {day.isoformat()}
    for language in ("en", "fr", "es", "ar"):
        for style in ("short", "medium", "long", "full"):
            written.add(format_date(day, style, locale=language))
    return written


def _nomination_data(world: World) -> list[str]:
    """What a nomination holds beyond a name: never for trainers, trainees or other organisations."""
    return [MOTIVATION, PARTY_ROLE, *sorted(_dates(world.birth))]


def _routes(web, parameter_names: set[str]):
    """(endpoint, method, argument names) of every route taking one of ``parameter_names``."""
    for rule in web.url_map.iter_rules():
        names = set(rule.arguments)
        if names & parameter_names:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule.endpoint, method, names


def _sweep(web, client, routes, values: dict, missing: dict, forbidden: list[str]) -> list[str]:
    """Request every route with ``values`` and with ``missing``; list what went wrong.

    Wrong is: a success or a redirect to a page that acts on the object, a server error, a
    ``forbidden`` text in the answer, or a status that differs from the missing object's (which
    would confirm that the object exists).
    """
    failures = []
    for endpoint, method, names in routes:
        if not names <= values.keys():
            continue
        with web.test_request_context():
            url = url_for(endpoint, **{name: values[name] for name in names})
            url_missing = url_for(endpoint, **{name: missing.get(name, values[name]) for name in names})
        response = client.open(url, method=method, data={})
        body = response.get_data(as_text=True)
        if response.status_code < 400:
            failures.append(f"{method} {url} answered {response.status_code}")
        if response.status_code >= 500:
            failures.append(f"{method} {url} answered {response.status_code}")
        shown = [text for text in forbidden if text in body]
        if shown:
            failures.append(f"{method} {url} shows {shown}")
        if missing and url_missing != url:
            status_missing = client.open(url_missing, method=method, data={}).status_code
            if status_missing != response.status_code:
                failures.append(f"{method} {url} answered {response.status_code}, a missing one {status_missing}")
    return failures


# --- coordinators -------------------------------------------------------------------------------

def test_the_own_coordinator_does_see_the_nominee_so_the_sweep_can_fail(world, client_for, web):
    client = client_for(world.coordinator_a)
    page = client.get(f"/follow-up/nominees/{world.nomination_alice.id}")
    assert page.status_code == 200 and MOTIVATION in page.text and world.alice.email in page.text
    assert client.get(f"/certificates/{world.certificate_alice.id}.pdf").status_code == 200


def test_a_coordinator_reaches_no_nomination_or_certificate_of_another_organisation(world, client_for, web, db):
    """Every page and action taking a nomination or certificate id, by URL manipulation: 404 as if
    missing (or the role's 403), nothing shown, nothing changed, no mail sent."""
    statuses = {item.id: item.status for item in db.session.scalars(db.select(Nomination))}
    mails = db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage))
    client = client_for(world.coordinator_b)
    forbidden = [world.alice.email, "Aardvark", "Carol", "carol-c41f", *_nomination_data(world)]
    failures = []
    for nomination in (world.nomination_alice, world.nomination_carol):
        failures += _sweep(web, client, list(_routes(web, {"nomination_id"})), {"nomination_id": nomination.id},
                           {"nomination_id": MISSING_ID}, forbidden)
    failures += _sweep(web, client, list(_routes(web, {"certificate_id"})),
                       {"certificate_id": world.certificate_alice.id}, {"certificate_id": MISSING_ID}, forbidden)
    assert not failures, "\n".join(failures)
    db.session.expire_all()
    assert {item.id: item.status for item in db.session.scalars(db.select(Nomination))} == statuses
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == mails


def test_a_coordinator_s_lists_and_exports_hold_only_their_own_organisation(world, client_for, web):
    client = client_for(world.coordinator_b)
    pages = ["/follow-up/", f"/follow-up/?edition={world.edition.id}", "/certificates/organisation",
             "/nominations/", f"/nominations/editions/{world.edition.id}",
             f"/nominations/editions/{world.edition.id}?organisation={world.org_a.id}",
             "/admin/nominations/export.csv", f"/admin/nominations/export.csv?edition={world.edition.id}",
             f"/admin/nominations/export.csv?organisation={world.org_a.id}"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        assert "Aardvark" not in body and world.alice.email not in body and "Carol" not in body, url
    assert "Bobolink" in client.get("/admin/nominations/export.csv").get_data(as_text=True)


def test_a_coordinator_s_export_knows_a_draft_edition_no_better_than_a_missing_one(world, client_for, make):
    draft = make.edition(status=EditionStatus.DRAFT)
    coordinator, admin = client_for(world.coordinator_b), client_for(make.admin())
    assert coordinator.get(f"/admin/nominations/export.csv?edition={draft.id}").status_code == 404
    assert coordinator.get(f"/admin/nominations/export.csv?edition={MISSING_ID}").status_code == 404
    assert admin.get(f"/admin/nominations/export.csv?edition={draft.id}").status_code == 200


# --- trainers -----------------------------------------------------------------------------------

def test_a_trainer_sees_the_names_and_attendance_of_their_trainees_and_nothing_more(world, client_for):
    client = client_for(world.trainer_m)
    forbidden = [world.alice.email, world.bob.email, world.org_a.name, world.org_b.name, *_nomination_data(world)]
    pages = [f"/teach/modules/{world.module_m.id}/enrolments", f"/teach/modules/{world.module_m.id}/sessions",
             f"/teach/sessions/{world.session_m.id}/attendance", f"/learn/modules/{world.module_m.id}",
             "/learn/sessions?when=past", "/teach/"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert [text for text in forbidden if text in response.text] == [], url
    assert "Alice Aardvark" in client.get(f"/teach/sessions/{world.session_m.id}/attendance").text


def test_a_trainer_gets_nothing_of_a_module_they_do_not_teach(world, client_for, web, db):
    client = client_for(world.trainer_m)
    values = {"module_id": world.module_n.id, "lesson_id": world.lesson_n.id, "material_id": world.material_n.id,
              "session_id": world.session_n.id, "enrolment_id": world.enrolment_bob_n.id,
              "attempt_id": world.attempt_bob.id}
    forbidden = ["Bob Bobolink", world.bob.email, HIDDEN_URL, HIDDEN_MATERIAL, HIDDEN_LESSON]
    routes = list(_routes(web, set(values)))
    # Modules and sessions are not personal data: a 403 for one that exists is the codebase's rule.
    failures = _sweep(web, client, routes, values, {}, forbidden)
    assert not failures, "\n".join(failures)
    # An enrolment of another module, reached through a module the trainer does teach: not found.
    assert client.post(f"/teach/modules/{world.module_m.id}/enrolments/{world.enrolment_bob_n.id}/delete"
                       ).status_code == 404
    for url in ("/learn/sessions", "/learn/sessions?when=past", "/teach/"):
        assert HIDDEN_URL not in client.get(url).text and "Module En" not in client.get(url).text, url
    db.session.expire_all()
    assert db.session.get(Enrolment, world.enrolment_bob_n.id) is not None
    assert db.session.get(QuizAttempt, world.attempt_bob.id).submitted_at is None


# --- trainees -----------------------------------------------------------------------------------

def test_a_trainee_sees_nothing_about_other_trainees(world, client_for, web):
    client = client_for(world.alice)
    forbidden = ["Bob Bobolink", world.bob.email, HIDDEN_URL, HIDDEN_MATERIAL, HIDDEN_LESSON, world.org_b.name]
    lesson_m = db.session.scalars(db.select(Lesson).where(Lesson.module_id == world.module_m.id)).first()
    pages = ["/", "/learn/", f"/learn/modules/{world.module_m.id}", f"/learn/lessons/{lesson_m.id}",
             f"/learn/modules/{world.module_m.id}/quiz", "/learn/sessions", "/learn/sessions?when=past",
             f"/learn/sessions/{world.session_m.id}.ics", "/certificates/", "/calendar/feed", "/profile"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        assert [text for text in forbidden if text in body] == [], url
    # Someone else's attempt and certificate answer exactly as missing ones do.
    bob_certificate = _certificate_of(world.enrolment_bob_m)
    for url, missing in ((f"/learn/attempts/{world.attempt_bob.id}", f"/learn/attempts/{MISSING_ID}"),
                         (f"/certificates/{bob_certificate.id}.pdf", f"/certificates/{MISSING_ID}.pdf"),
                         (f"/certificates/{bob_certificate.id}.jwt", f"/certificates/{MISSING_ID}.jwt")):
        response = client.get(url)
        assert response.status_code == 404 == client.get(missing).status_code, url
        assert "Bobolink" not in response.text
    assert client.post(f"/learn/attempts/{world.attempt_bob.id}", data={}).status_code == 404


def _certificate_of(enrolment):
    from tests import factories

    enrolment.status, enrolment.completed_at = EnrolmentStatus.COMPLETED, utcnow()
    db.session.commit()
    return factories.certificate(enrolment)


def test_a_trainee_gets_nothing_of_a_module_they_are_not_enrolled_in(world, client_for, web):
    client = client_for(world.alice)
    values = {"module_id": world.module_n.id, "lesson_id": world.lesson_n.id, "material_id": world.material_n.id,
              "session_id": world.session_n.id}
    failures = _sweep(web, client, list(_routes(web, set(values))), values, {},
                      ["Bob Bobolink", HIDDEN_URL, HIDDEN_MATERIAL, HIDDEN_LESSON])
    assert not failures, "\n".join(failures)


def test_a_trainee_s_calendar_feed_holds_their_own_sessions_only(world, client_for, web):
    token = issue_feed_token(world.alice)
    db.session.commit()
    feed = web.test_client().get(f"/calendar/{token}.ics")
    assert feed.status_code == 200 and "Session Em" in feed.text
    assert "Session En" not in feed.text and HIDDEN_URL not in feed.text and "Bobolink" not in feed.text
    assert world.alice.email not in feed.text and "Aardvark" not in feed.text


# --- public pages -------------------------------------------------------------------------------

def test_an_invitation_page_shows_the_invitee_no_more_than_they_need(world, web):
    client = web.test_client()
    page = client.get(f"/invitation/edition/{world.carol_token}")
    assert page.status_code == 200 and "carol-c41f@example.org" in page.text
    shown = [text for text in [world.org_a.name, *_nomination_data(world), world.coordinator_a.email,
                               world.coordinator_a.display_name] if text in page.text]
    assert shown == []


def test_a_dead_invitation_link_reveals_nothing_about_the_nominee(world, web, db):
    nomination = db.session.get(Nomination, world.nomination_carol.id)
    nomination.status = NominationStatus.WITHDRAWN
    db.session.commit()
    client = web.test_client()
    dead = client.get(f"/invitation/edition/{world.carol_token}")
    unknown = client.get("/invitation/edition/never-issued-token-c41f")
    assert dead.status_code == unknown.status_code == 404
    assert "carol" not in dead.text.lower() and "Intake c41f" not in dead.text
    # The same page, but for the address it was asked at (the language form comes back to it).
    assert dead.text.replace(world.carol_token, "TOKEN") == unknown.text.replace("never-issued-token-c41f", "TOKEN")


def test_an_unknown_verification_code_is_404_and_names_nobody(world, web):
    client = web.test_client()
    code = world.certificate_alice.display_code
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    for url in (f"/verify/{wrong}", f"/verify/{wrong}/credential.json", f"/certificates/status/{wrong}",
                "/verify/not-a-code"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Aardvark" not in response.text and "Module Em" not in response.text, url


# --- e-mails -----------------------------------------------------------------------------------

def test_a_new_invitation_link_goes_to_the_nominee_alone(world, client_for, db, outbox):
    before = {message.id for message in outbox()}
    response = client_for(world.coordinator_a).post(f"/invitation/resend/{world.nomination_carol.id}")
    assert response.status_code == 302
    sent = [message for message in outbox() if message.id not in before]
    assert [message.recipient for message in sent if "/invitation/edition/" in message.body_text] == [
        "carol-c41f@example.org"]


def test_session_mails_go_to_each_trainee_alone_and_name_no_one_else(world, db, outbox):
    before = {message.id for message in outbox()}
    schedule_session(world.module_m, actor=world.trainer_m, title="Session c41f", trainer_id=world.trainer_m.id,
                     starts_at=(utcnow() + timedelta(days=3)).replace(microsecond=0), duration_minutes=60,
                     location=None, online_url="https://meet.example.org/c41f")
    db.session.commit()
    sent = {message.recipient: message for message in outbox() if message.id not in before}
    assert set(sent) == {world.alice.email, world.bob.email}
    to_alice, to_bob = sent[world.alice.email].body_text, sent[world.bob.email].body_text
    assert "Bobolink" not in to_alice and world.bob.email not in to_alice
    assert "Aardvark" not in to_bob and world.alice.email not in to_bob


# --- caches -------------------------------------------------------------------------------------

def test_downloads_and_exports_with_personal_data_are_never_stored(world, client_for, web, make):
    token = issue_feed_token(world.alice)
    db.session.commit()
    alice, admin, anonymous = client_for(world.alice), client_for(make.admin()), web.test_client()
    code = world.certificate_alice.display_code
    answers = {
        "certificate PDF": alice.get(f"/certificates/{world.certificate_alice.id}.pdf"),
        "certificate credential": alice.get(f"/certificates/{world.certificate_alice.id}.jwt"),
        "coordinator's certificate PDF": client_for(world.coordinator_a).get(
            f"/certificates/{world.certificate_alice.id}.pdf"),
        "session .ics": alice.get(f"/learn/sessions/{world.session_m.id}.ics"),
        "handbook": alice.get(f"/learn/modules/{world.module_m.id}/handbook.pdf"),
        "personal data": alice.post("/profile/data"),
        "calendar feed": anonymous.get(f"/calendar/{token}.ics"),
        "coordinator's CSV": client_for(world.coordinator_a).get("/admin/nominations/export.csv"),
        "admin's CSV": admin.get("/admin/nominations/export.csv"),
        "ZIP": admin.get(f"/admin/certificates/export.zip?module_id={world.module_m.id}"),
        "material": client_for(world.bob).get(f"/materials/{world.material_n.id}"),
        "verification page": anonymous.get(f"/verify/{code}"),
        "credential JSON": anonymous.get(f"/verify/{code}/credential.json"),
        "invitation page": anonymous.get(f"/invitation/edition/{world.carol_token}"),
    }
    failures = []
    for label, response in answers.items():
        if response.status_code != 200:
            failures.append(f"{label}: {response.status_code}")
        elif "no-store" not in response.headers.get("Cache-Control", ""):
            failures.append(f"{label}: Cache-Control {response.headers.get('Cache-Control')!r}")
        response.close()
    assert not failures, "\n".join(failures)

