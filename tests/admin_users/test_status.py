"""Disabling, enabling and re-inviting accounts."""
from datetime import timedelta

from academy.accounts.models import AccountToken, UserSession
from academy.db_types import utcnow

from ..accounts.helpers import audit_events, link_in
from ..fixtures_auth import sign_in_client


def _sessions(db, user) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(UserSession)
                             .where(UserSession.user_id == user.id))


def test_disabling_ends_every_session_of_the_user(client, make, login_as, db, serving):
    user = make.trainee()
    browsers = [serving.test_client(), serving.test_client()]
    for browser in browsers:
        sign_in_client(browser, user)
    assert browsers[0].get("/profile").status_code == 200
    login_as(make.admin())
    response = client.post(f"/admin/users/{user.id}/disable")
    assert response.status_code == 302
    db.session.refresh(user)
    assert not user.is_active
    assert _sessions(db, user) == 0
    assert all(browser.get("/profile").status_code == 302 for browser in browsers)
    assert audit_events("user.disable")[0].details["ended_sessions"] == 2


def test_a_calendar_feed_does_not_come_back_when_the_account_is_enabled_again(client, make, login_as, db,
                                                                               serving):
    from academy.live.operations import issue_feed_token

    user = make.trainee()
    token = issue_feed_token(user)
    db.session.commit()
    feed = serving.test_client()
    assert feed.get(f"/calendar/{token}.ics").status_code == 200
    admin = make.admin()
    login_as(admin)

    client.post(f"/admin/users/{user.id}/disable")
    client.post(f"/admin/users/{user.id}/enable")

    assert feed.get(f"/calendar/{token}.ics").status_code == 404
    assert audit_events("user.disable")[0].details["calendar_feed_revoked"] is True
    assert audit_events("calendar_feed.revoke")[0].actor_id == admin.id


def test_an_admin_cannot_disable_themselves(client, make, login_as, db):
    admin = make.admin()
    login_as(admin)
    response = client.post(f"/admin/users/{admin.id}/disable")
    assert response.status_code == 400
    assert b"cannot disable your own account" in response.data
    db.session.refresh(admin)
    assert admin.is_active and _sessions(db, admin) == 1


def test_enabling_reopens_the_account_and_lifts_a_lock(client, make, login_as, db):
    user = make.trainee(is_active=False, failed_sign_ins=4)
    login_as(make.admin())
    assert client.post(f"/admin/users/{user.id}/enable").status_code == 302
    db.session.refresh(user)
    assert user.is_active and user.failed_sign_ins == 0
    assert len(audit_events("user.enable")) == 1


def test_an_admin_lifts_the_lock_of_an_active_account_and_its_sessions_go_on(client, make, login_as, db):
    """Someone kept typing wrong passwords for the address: the owner is locked out for up to a day."""
    user = make.trainee(lock_count=7, failed_sign_ins=0, locked_until=utcnow() + timedelta(minutes=1440))
    sign_in_client(client.application.test_client(), user)
    login_as(make.admin())
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "Locked until" in page and "Lift the lock" in page
    assert client.post(f"/admin/users/{user.id}/unlock").status_code == 302
    db.session.refresh(user)
    assert user.locked_until is None and user.lock_count == 0 and user.is_active
    assert _sessions(db, user) == 1
    assert len(audit_events("user.unlock")) == 1
    assert "Lift the lock" not in client.get(f"/admin/users/{user.id}").get_data(as_text=True)


def test_only_admins_lift_locks(client, make, login_as, db):
    user = make.trainee(locked_until=utcnow() + timedelta(minutes=15))
    login_as(make.coordinator())
    assert client.post(f"/admin/users/{user.id}/unlock").status_code == 403
    db.session.refresh(user)
    assert user.locked_until is not None


def test_a_disabled_account_is_unlocked_by_enabling_it_not_by_lifting_the_lock(client, make, login_as, db):
    user = make.trainee(is_active=False, display_name="Dina Disabled",
                        locked_until=utcnow() + timedelta(minutes=60), lock_count=3)
    login_as(make.admin())
    response = client.post(f"/admin/users/{user.id}/unlock")
    assert response.status_code == 409 and "enabling it also lifts the lock" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.lock_count == 3 and not user.is_active


def test_disable_and_enable_need_a_post(client, make, login_as, db):
    user = make.trainee()
    login_as(make.admin())
    assert client.get(f"/admin/users/{user.id}/disable").status_code == 405
    db.session.refresh(user)
    assert user.is_active


def test_resending_an_invitation_invalidates_the_older_link(client, make, login_as, outbox, db):
    login_as(make.admin())
    client.post("/admin/users/invite", data={"email": "inv@example.org", "display_name": "Inv",
                                             "preferred_language": "es", "organisation_id": "",
                                             "roles": ["trainee"]})
    first = link_in(outbox("inv@example.org")[-1], "/invitation/")
    user_id = db.session.scalar(db.select(AccountToken.user_id))
    assert client.post(f"/admin/users/{user_id}/invitation").status_code == 302
    messages = outbox("inv@example.org")
    assert len(messages) == 2 and messages[-1].language == "es"
    second = link_in(messages[-1], "/invitation/")
    assert second != first
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    assert len(audit_events("user.invitation_resent")) == 1


def test_no_invitation_for_someone_who_already_has_a_password(client, make, login_as, outbox):
    user = make.trainee()
    login_as(make.admin())
    response = client.post(f"/admin/users/{user.id}/invitation")
    assert response.status_code == 400 and b"already set a password" in response.data
    assert outbox() == []


def test_no_invitation_for_a_disabled_account(client, make, login_as, outbox):
    user = make.trainee(password=None, is_active=False)
    login_as(make.admin())
    assert client.post(f"/admin/users/{user.id}/invitation").status_code == 400
    assert outbox() == []


def test_disabling_revokes_pending_invitations(client, make, login_as, outbox, db):
    login_as(make.admin())
    client.post("/admin/users/invite", data={"email": "inv@example.org", "display_name": "Inv",
                                             "preferred_language": "en", "organisation_id": "",
                                             "roles": ["trainee"]})
    link = link_in(outbox("inv@example.org")[-1], "/invitation/")
    user_id = db.session.scalar(db.select(AccountToken.user_id))
    client.post(f"/admin/users/{user_id}/disable")
    client.post(f"/admin/users/{user_id}/enable")
    assert client.get(link).status_code == 404
