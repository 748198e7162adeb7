"""Server-side sessions: sign-out, idle and absolute timeouts, ending other sessions."""
from datetime import timedelta

from academy.accounts.models import UserSession, hash_token
from academy.db_types import utcnow

from ..fixtures_auth import sign_in_client
from .helpers import audit_events, post_sign_in


def _count_sessions(db, user) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(UserSession)
                             .where(UserSession.user_id == user.id))


def _age_session(db, token, **ago):
    """Move the session's timestamps back in time."""
    values = {column: utcnow() - delta for column, delta in ago.items()}
    db.session.execute(db.update(UserSession).where(UserSession.token_hash == hash_token(token))
                       .values(**values))
    db.session.commit()


def test_sign_out_deletes_the_session_so_a_copied_cookie_stops_working(serving, make, db):
    user = make.trainee(email="ana@example.org")
    browser = serving.test_client()
    post_sign_in(browser, "ana@example.org")
    thief = serving.test_client()
    thief.set_cookie("academy_session", browser.get_cookie("academy_session").value)
    assert thief.get("/profile").status_code == 200  # the copy works while the session lives

    response = browser.post("/sign-out")
    assert response.status_code == 302
    assert _count_sessions(db, user) == 0
    assert thief.get("/profile").status_code == 302
    assert browser.get("/profile").status_code == 302
    assert len(audit_events("account.sign_out")) == 1


def test_sign_out_needs_a_post(client, make, login_as):
    login_as(make.trainee())
    assert client.get("/sign-out").status_code == 405


def test_idle_session_ends(client, make, db, app):
    user = make.trainee()
    token = sign_in_client(client, user)
    _age_session(db, token, last_seen_at=timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1))
    response = client.get("/profile")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert _count_sessions(db, user) == 0


def test_session_ends_after_the_absolute_limit_even_when_busy(client, make, db, app):
    user = make.trainee()
    token = sign_in_client(client, user)
    _age_session(db, token, created_at=timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"], minutes=1),
                 last_seen_at=timedelta(seconds=5))
    assert client.get("/profile").status_code == 302
    assert _count_sessions(db, user) == 0


def test_activity_keeps_a_session_alive_and_is_recorded(client, make, db):
    organisation = make.organisation(name="Green Youth of Testland")
    user = make.coordinator(organisation)
    token = sign_in_client(client, user)
    _age_session(db, token, last_seen_at=timedelta(minutes=5))
    response = client.get("/profile")
    assert response.status_code == 200
    assert b"Green Youth of Testland" in response.data  # eager loads survive the refresh
    row = db.session.scalar(db.select(UserSession).where(UserSession.user_id == user.id))
    db.session.refresh(row)
    assert utcnow() - row.last_seen_at < timedelta(minutes=1)


def test_disabled_user_loses_a_live_session(client, make, db):
    user = make.trainee()
    sign_in_client(client, user)
    user.is_active = False
    db.session.commit()
    assert client.get("/profile").status_code == 302
