"""Roles that require two-step verification: their holders set it up before anything else."""
from __future__ import annotations


import pyotp
import pytest

from academy.accounts import two_factor
from academy.accounts.models import UserSession
from academy.db_types import utcnow

from .helpers import QueryCounter, post_sign_in


@pytest.fixture(autouse=True)
def _required(serving):
    serving.config["TWO_FACTOR_REQUIRED_ROLES"] = frozenset({"admin", "coordinator"})


def test_a_coordinator_without_it_is_sent_to_the_setup_page(client, make, login_as):
    login_as(make.coordinator())
    response = client.get("/profile")
    assert response.status_code == 302 and response.headers["Location"] == "/profile/two-step"
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and b"Your role requires two-step verification" in page.data


def test_signing_in_with_the_password_alone_leads_straight_to_the_setup_page(client, make):
    # The home page, where signing in usually lands, is public and so not held back by the check.
    coordinator = make.coordinator()
    response = post_sign_in(client, coordinator.email)
    assert response.status_code == 302 and response.headers["Location"] == "/profile/two-step"
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and b"Your role requires two-step verification" in page.data


def test_a_trainee_signing_in_goes_to_the_page_they_asked_for(client, make):
    trainee = make.trainee()
    response = post_sign_in(client, trainee.email, next_="/profile")
    assert response.status_code == 302 and response.headers["Location"] == "/profile"


def test_other_requests_than_page_views_are_refused(client, make, login_as):
    login_as(make.coordinator())
    response = client.post("/profile", data={"display_name": "Changed"})
    assert response.status_code == 403 and b"Your role requires two-step verification" in response.data
    assert client.get("/profile", headers={"Accept": "application/json"}).status_code == 403


def test_a_trainee_goes_where_they_like(client, make, login_as):
    login_as(make.trainee())
    assert client.get("/profile").status_code == 200


def test_the_home_page_shows_what_waits_only_once_it_is_on(client, make, login_as):
    """The home page is public, but for a signed-in person it lists nominees and decisions."""
    from datetime import timedelta

    ours = make.organisation()
    past = utcnow() - timedelta(days=1)
    make.nomination(make.edition(name="Summer Intake"), ours, status="accepted", given_names="Lina",
                    family_name="Haddad", invitation_sent_at=past - timedelta(days=14), invitation_expires_at=past)
    login_as(make.coordinator(ours))

    response = client.get("/")

    assert response.status_code == 302 and response.headers["Location"] == "/profile/two-step"
    assert "Lina Haddad" not in client.get(response.headers["Location"]).get_data(as_text=True)


def test_signing_out_public_pages_and_the_language_switch_still_work(client, make, login_as, db):
    login_as(make.admin())
    assert client.get("/verify").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.post("/language", data={"language": "fr"}).status_code == 302
    assert client.post("/sign-out").status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(UserSession)) == 0


def test_once_it_is_on_the_coordinator_goes_anywhere(app, client, make, login_as, db):
    coordinator = make.coordinator()
    secret = two_factor.new_secret()
    with app.test_request_context():
        two_factor.enable(coordinator, secret, pyotp.TOTP(secret).now(), now=utcnow())
    db.session.commit()
    login_as(coordinator)
    assert client.get("/profile").status_code == 200


def test_the_check_adds_no_query(client, make, login_as, serving):
    login_as(make.trainee())
    client.get("/profile")
    with QueryCounter(serving) as without:
        client.get("/profile")
    serving.config["TWO_FACTOR_REQUIRED_ROLES"] = frozenset()
    with QueryCounter(serving) as unchecked:
        client.get("/profile")
    assert without.count == unchecked.count


def test_the_required_roles_come_from_the_environment(monkeypatch, tmp_path):
    from academy.config import build_config

    monkeypatch.delenv("TWO_FACTOR_REQUIRED_ROLES", raising=False)
    assert build_config(tmp_path)["TWO_FACTOR_REQUIRED_ROLES"] == {"admin", "coordinator"}
    monkeypatch.setenv("TWO_FACTOR_REQUIRED_ROLES", " Admin, trainer ,")
    assert build_config(tmp_path)["TWO_FACTOR_REQUIRED_ROLES"] == {"admin", "trainer"}
    monkeypatch.setenv("TWO_FACTOR_REQUIRED_ROLES", "")
    assert build_config(tmp_path)["TWO_FACTOR_REQUIRED_ROLES"] == frozenset()


def test_an_unknown_required_role_stops_the_start_and_is_named(monkeypatch, tmp_path):
    from academy.config import build_config

    monkeypatch.setenv("TWO_FACTOR_REQUIRED_ROLES", "admin,superuser")
    with pytest.raises(ValueError, match="superuser"):
        build_config(tmp_path)
