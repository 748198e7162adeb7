"""An admin turns off someone's two-step verification after a lost phone."""
from __future__ import annotations

import pyotp
import pytest

from academy.accounts import two_factor
from academy.accounts.models import User, UserSession
from academy.db_types import utcnow

from ..accounts.helpers import audit_events
from ..fixtures_auth import sign_in_client


def _enrolled(app, db, user):
    secret = two_factor.new_secret()
    with app.test_request_context():
        two_factor.enable(user, secret, pyotp.TOTP(secret).now(), now=utcnow())
    db.session.commit()
    return user


def _sessions(db, user) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(UserSession)
                             .where(UserSession.user_id == user.id))


@pytest.fixture
def admin(make, login_as):
    person = make.admin()
    login_as(person)
    return person


def test_the_user_page_shows_whether_it_is_on_and_offers_the_reset(app, client, make, admin, db):
    person = _enrolled(app, db, make.trainee())
    page = client.get(f"/admin/users/{person.id}")
    assert b"Two-step verification" in page.data and b"On since" in page.data
    assert f'action="/admin/users/{person.id}/two-step/reset"'.encode() in page.data
    assert b"Off." in client.get(f"/admin/users/{make.trainee().id}").data


def test_resetting_turns_it_off_ends_the_sessions_and_is_audited(app, client, make, admin, db, serving):
    person = _enrolled(app, db, make.coordinator())
    sign_in_client(serving.test_client(), person)
    response = client.post(f"/admin/users/{person.id}/two-step/reset", data={"reset-reason": "lost phone"})
    assert response.status_code == 302
    db.session.expire_all()
    person = db.session.get(User, person.id)
    assert not person.has_two_factor and _sessions(db, person) == 0
    [event] = audit_events("account.two_factor_disabled")
    assert event.actor_id == admin.id and event.details["reason"] == "lost phone"


@pytest.mark.parametrize("role, next_step", [
    ("coordinator", "you will set it up again at your next sign-in"),  # their role requires it
    ("trainee", "You can turn it on again from your profile page"),
])
def test_the_person_is_told_an_administrator_turned_it_off_and_what_comes_next(
        app, serving, client, make, admin, db, outbox, role, next_step):
    serving.config["TWO_FACTOR_REQUIRED_ROLES"] = frozenset({"coordinator"})
    person = _enrolled(app, db, getattr(make, role)())
    client.post(f"/admin/users/{person.id}/two-step/reset", data={"reset-reason": "lost phone"})
    body = outbox(person.email)[-1].body_text
    assert "An administrator of the Activist Academy has turned off two-step verification" in body
    assert next_step in body
    assert "If you did not ask for this, choose a new password" in body
    assert "If you did not do this" not in body and "lost phone" not in body


def test_a_reason_is_required(app, client, make, admin, db):
    person = _enrolled(app, db, make.trainee())
    for data in ({"reset-reason": "   "}, {}):
        response = client.post(f"/admin/users/{person.id}/two-step/reset", data=data)
        assert response.status_code == 400 and b"Say why, for the audit trail." in response.data
    db.session.refresh(person)
    assert person.has_two_factor


def test_an_admin_cannot_reset_their_own(app, client, admin, db, login_as):
    _enrolled(app, db, admin)
    login_as(admin)  # turning it on ended the earlier session
    response = client.post(f"/admin/users/{admin.id}/two-step/reset", data={"reset-reason": "lost phone"})
    assert response.status_code == 400 and b"Use your profile page" in response.data
    db.session.refresh(admin)
    assert admin.has_two_factor


def test_only_admins_may_reset(app, client, make, login_as, db):
    person = _enrolled(app, db, make.trainee())
    login_as(make.coordinator())
    assert client.post(f"/admin/users/{person.id}/two-step/reset",
                       data={"reset-reason": "lost phone"}).status_code == 403
    db.session.refresh(person)
    assert person.has_two_factor
