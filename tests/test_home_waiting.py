"""The home page's "Waiting for you": each role sees what waits for it, and only its own."""
from __future__ import annotations

from datetime import timedelta

import pytest

from academy.accounts.models import Role
from academy.db_types import utcnow

from .querycount import count_queries


def _home(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _past_session(make, module, *, days_ago: int = 2, **fields):
    return make.live_session(module, starts_at=(utcnow() - timedelta(days=days_ago)).replace(microsecond=0), **fields)


def test_admin_sees_the_editions_with_nominations_to_decide_on(make, login_as, client):
    edition, quiet = make.edition(name="Spring Intake"), make.edition(name="Quiet Intake")
    for _ in range(3):
        make.nomination(edition, status="submitted")
    make.nomination(edition, status="draft")
    make.nomination(quiet, status="accepted")
    login_as(make.admin())

    page = _home(client)

    assert "Waiting for you" in page
    assert "3 nominations to decide on in" in page and "Spring Intake" in page
    assert "Quiet Intake" not in page
    assert f"edition={edition.id}&amp;status=submitted" in page


def test_archived_editions_wait_for_nobody(make, login_as, client):
    from academy.nominations.models import EditionStatus

    edition = make.edition(name="Old Intake", status=EditionStatus.ARCHIVED)
    make.nomination(edition, status="submitted")
    login_as(make.admin())

    page = _home(client)

    assert "Old Intake" not in page and "Waiting for you" not in page


def test_coordinator_sees_own_drafts_in_open_windows_only(make, login_as, client):
    ours, theirs = make.organisation(), make.organisation()
    open_edition = make.edition(name="Open Intake")
    closed_window = make.edition(name="Closed Window",
                                 nominations_open_at=utcnow() - timedelta(days=20),
                                 nominations_close_at=utcnow() - timedelta(days=1))
    other_only = make.edition(name="Other Organisation Intake")
    make.nomination(open_edition, ours, status="draft")
    make.nomination(open_edition, ours, status="draft")
    make.nomination(open_edition, ours, status="submitted")
    make.nomination(closed_window, ours, status="draft")
    make.nomination(other_only, theirs, status="draft")
    login_as(make.coordinator(ours))

    page = _home(client)

    assert "2 drafts not submitted for" in page and "Open Intake" in page
    assert f"/nominations/editions/{open_edition.id}\"" in page
    assert "Closed Window" not in page
    assert "Other Organisation Intake" not in page


def test_coordinator_sees_accepted_nominees_whose_link_expired(make, login_as, client):
    ours, theirs = make.organisation(), make.organisation()
    edition = make.edition(name="Summer Intake")
    past, future = utcnow() - timedelta(days=1), utcnow() + timedelta(days=3)
    expired = make.nomination(edition, ours, status="accepted", given_names="Lina", family_name="Haddad",
                              invitation_sent_at=past - timedelta(days=14), invitation_expires_at=past)
    make.nomination(edition, ours, status="accepted", given_names="Still", family_name="Valid",
                    invitation_sent_at=past, invitation_expires_at=future)
    make.nomination(edition, ours, status="enrolled", given_names="Already", family_name="Joined",
                    invitation_expires_at=past, invitation_used_at=past)
    make.nomination(edition, theirs, status="accepted", given_names="Other", family_name="Party",
                    invitation_expires_at=past)
    login_as(make.coordinator(ours))

    page = _home(client)

    assert "Lina Haddad" in page and "has not joined" in page and "Summer Intake" in page
    assert f"/follow-up/nominees/{expired.id}\"" in page
    for absent in ("Still Valid", "Already Joined", "Other Party"):
        assert absent not in page


def test_trainer_sees_recent_sessions_without_attendance(make, login_as, client):
    trainer = make.trainer()
    module = make.module(trainers=[trainer], title="Door-to-door basics")
    make.enrolment(make.trainee(), module)
    waiting = _past_session(make, module, title="Street practice")
    taken = _past_session(make, module, title="Script rehearsal")
    make.attendance(taken, make.enrolment(make.trainee(), module))
    _past_session(make, module, days_ago=45, title="Long ago")
    make.live_session(module, title="Next week")
    login_as(trainer)

    page = _home(client)

    assert "Take attendance:" in page and "Street practice" in page
    assert f"/teach/sessions/{waiting.id}/attendance\"" in page
    for absent in ("Script rehearsal", "Long ago", "Next week"):
        assert absent not in page


def test_trainer_is_not_asked_for_attendance_of_modules_taught_by_others(make, login_as, client):
    module = make.module(trainers=[make.trainer()])
    make.enrolment(make.trainee(), module)
    _past_session(make, module, title="Someone else's session")
    empty = make.module(trainers=[trainer := make.trainer()])
    _past_session(make, empty, title="Nobody enrolled")
    login_as(trainer)

    page = _home(client)

    assert "Someone else's session" not in page
    assert "Nobody enrolled" not in page and "Waiting for you" not in page


def test_trainee_without_anything_waiting_sees_no_empty_box(make, login_as, client):
    login_as(make.trainee())

    assert "Waiting for you" not in _home(client)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.COORDINATOR, Role.TRAINER])
def test_home_queries_do_not_grow_with_what_waits(make, make_app, login_as, db, role):
    web = make_app()
    client = web.test_client()
    organisation = make.organisation()
    person = make.user(role, organisation=organisation)
    login_as(person, on_client=client)
    module = make.module(trainers=[person] if role is Role.TRAINER else [])

    def grow(count: int) -> None:
        for _ in range(count):
            edition = make.edition()
            make.nomination(edition, organisation, status="submitted")
            make.nomination(edition, organisation, status="draft")
            make.nomination(edition, organisation, status="accepted", invitation_expires_at=utcnow())
            make.enrolment(make.trainee(), module)
            _past_session(make, module)

    def queries() -> int:
        with count_queries(db.engine) as counted:
            page = _home(client)
        assert "Waiting for you" in page
        return counted.count

    grow(1)
    client.get("/")  # warm the first-request work
    few = queries()
    grow(9)
    assert queries() == few
