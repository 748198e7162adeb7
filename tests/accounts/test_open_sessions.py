"""One's own open sessions: seen, and the others ended after typing the password again."""
from academy.accounts.models import UserSession

from ..factories import DEFAULT_PASSWORD
from ..fixtures_auth import sign_in_client
from .helpers import audit_events


def _session_ids(db, user) -> set[int]:
    db.session.expire_all()
    return set(db.session.scalars(db.select(UserSession.id).where(UserSession.user_id == user.id)))


def _other_clients(serving, user, count: int):
    clients = [serving.test_client() for _ in range(count)]
    for other in clients:
        sign_in_client(other, user)
    return clients


def test_the_page_lists_every_open_session_and_marks_this_one(client, serving, make, db):
    user = make.trainee()
    sign_in_client(client, user)
    _other_clients(serving, user, 2)
    page = client.get("/profile/sessions").get_data(as_text=True)
    assert page.count('name="session_ids"') == 2
    assert "This browser" in page


def test_ending_the_ticked_sessions_needs_the_password_and_keeps_this_one(client, serving, make, db):
    user = make.trainee()
    sign_in_client(client, user)
    phone, laptop = _other_clients(serving, user, 2)
    before = _session_ids(db, user)
    laptop_id = max(before)
    refused = client.post("/profile/sessions", data={"session_ids": [str(laptop_id)],
                                                     "current_password": "not the password at all"})
    assert refused.status_code == 400 and "This is not your current password." in refused.get_data(as_text=True)
    assert _session_ids(db, user) == before

    response = client.post("/profile/sessions", data={"session_ids": [str(laptop_id)],
                                                      "current_password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert _session_ids(db, user) == before - {laptop_id}
    assert laptop.get("/profile").status_code == 302  # signed out there
    assert phone.get("/profile").status_code == 200 and client.get("/profile").status_code == 200
    [event] = audit_events("account.sessions_ended")
    assert event.details["ended_sessions"] == 1


def test_nothing_ticked_is_a_clear_error(client, serving, make, db):
    user = make.trainee()
    sign_in_client(client, user)
    _other_clients(serving, user, 1)
    response = client.post("/profile/sessions", data={"current_password": DEFAULT_PASSWORD})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Tick at least one session to end." in page
    assert 'href="#session-list"' in page


def test_this_session_and_other_peoples_sessions_cannot_be_ended_here(client, serving, make, db):
    user, stranger = make.trainee(), make.trainee()
    sign_in_client(client, user)
    sign_in_client(serving.test_client(), stranger)
    own, theirs = _session_ids(db, user), _session_ids(db, stranger)
    response = client.post("/profile/sessions", data={"session_ids": [str(i) for i in own | theirs],
                                                      "current_password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert _session_ids(db, user) == own and _session_ids(db, stranger) == theirs


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/profile/sessions")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
