"""The audit log browser: what operations record shows up, filters work, bad input is a 400."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from academy.audit.models import AuditEvent
from academy.audit.operations import record

LIST = "/admin/audit/"


def _event(db, action: str, *, actor=None, when: datetime | None = None, **fields) -> AuditEvent:
    event = record(action, actor=actor, **fields)
    if when is not None:
        event.occurred_at = when
    db.session.commit()
    return event


def test_audit_log_is_for_admins_only(client, make, login_as):
    response = client.get(LIST)
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


@pytest.mark.parametrize("role", ["coordinator", "trainer", "trainee"])
def test_audit_log_is_refused_to_non_admins(client, make, login_as, role):
    login_as(getattr(make, role)())
    assert client.get(LIST).status_code == 403


def test_organisation_operations_appear_in_the_log(client, db, make, login_as):
    region = make.region(code="arab-world")
    admin = make.admin(email="chief@example.org")
    login_as(admin)
    client.post("/admin/organisations/new", data=dict(
        name="Audited Party", short_name="AUD", country="TN", region_id=str(region.id), kind="party"))
    organisation_id = db.session.scalar(db.select(AuditEvent.object_id)
                                        .where(AuditEvent.action == "organisation.create"))
    client.post(f"/admin/organisations/{organisation_id}", data=dict(
        name="Audited Party Renamed", short_name="AUD", country="TN", region_id=str(region.id), kind="party"))
    client.post(f"/admin/organisations/{organisation_id}/deactivate")
    page = client.get(LIST).get_data(as_text=True)
    for action in ("organisation.create", "organisation.update", "organisation.deactivate"):
        assert action in page
    assert "chief@example.org" in page
    assert "Audited Party → Audited Party Renamed" in page
    # Newest first.
    assert page.index("organisation.deactivate") < page.index("organisation.update") < page.index(
        "organisation.create</code>")


def test_filter_by_exact_action_or_family(client, db, make, login_as):
    _event(db, "organisation.create", object_type="organisations", object_id=1)
    _event(db, "organisation.update", object_type="organisations", object_id=1)
    _event(db, "region.create", object_type="regions", object_id=2)
    login_as(make.admin())
    exact = client.get(LIST + "?action=organisation.update").get_data(as_text=True)
    assert "<code>organisation.update</code>" in exact and "<code>organisation.create</code>" not in exact
    family = client.get(LIST + "?action=organisation.*").get_data(as_text=True)
    assert "<code>organisation.update</code>" in family and "<code>organisation.create</code>" in family
    assert "<code>region.create</code>" not in family


def test_filter_by_actor_email_and_object(client, db, make, login_as):
    alice = make.admin(email="alice@example.org")
    bob = make.admin(email="bob@example.org")
    _event(db, "organisation.update", actor=alice, object_type="organisations", object_id=7, marker="by-alice")
    _event(db, "organisation.update", actor=bob, object_type="organisations", object_id=8, marker="by-bob")
    login_as(alice)
    by_actor = client.get(LIST + "?actor=ALICE@").get_data(as_text=True)
    assert "by-alice" in by_actor and "by-bob" not in by_actor
    by_object = client.get(LIST + "?object_type=organisations&object_id=8").get_data(as_text=True)
    assert "by-bob" in by_object and "by-alice" not in by_object


def test_history_link_of_an_object_nobody_changed_yet_works(client, db, make, login_as):
    login_as(make.admin())
    response = client.get(LIST + "?object_type=organisations&object_id=99")
    assert response.status_code == 200
    assert b"No event matches" in response.data


def test_filter_by_dates_includes_both_ends(client, db, make, login_as):
    _event(db, "test.before", when=datetime(2026, 1, 31, 23, 59, tzinfo=timezone.utc))
    _event(db, "test.first_day", when=datetime(2026, 2, 1, 0, 0, tzinfo=timezone.utc))
    _event(db, "test.last_day", when=datetime(2026, 2, 28, 23, 59, tzinfo=timezone.utc))
    _event(db, "test.after", when=datetime(2026, 3, 1, 0, 0, tzinfo=timezone.utc))
    login_as(make.admin())
    page = client.get(LIST + "?date_from=2026-02-01&date_to=2026-02-28").get_data(as_text=True)
    assert "test.first_day" in page and "test.last_day" in page
    assert "<code>test.before</code>" not in page and "<code>test.after</code>" not in page


@pytest.mark.parametrize("query", ["date_from=yesterday", "date_to=2026-02-30", "date_from=2026-13-01",
                                   "date_from=2026-03-01&date_to=2026-02-01", "action=no.such.action",
                                   "action=%27%20OR%201=1", "object_type=Robert');DROP", "actor=" + "a" * 255,
                                   "date_to=9999-12-31", "date_from=0001-01-01"])
def test_bad_filters_give_a_message_not_a_server_error(client, db, make, login_as, query):
    _event(db, "organisation.create", marker="still-listed")
    login_as(make.admin())
    response = client.get(f"{LIST}?{query}")
    if query in ("date_to=9999-12-31", "date_from=0001-01-01"):
        assert response.status_code == 200  # extreme but valid dates
    else:
        assert response.status_code == 400
        assert b"error-message" in response.data
    assert b"still-listed" in response.data  # the bad filter is ignored, the list still shows


def test_bad_date_message_says_what_to_type(client, make, login_as):
    login_as(make.admin())
    response = client.get(LIST + "?date_from=31/12/2026")
    assert response.status_code == 400
    assert b"YYYY-MM-DD" in response.data


def test_audit_log_is_paginated(client, db, make, make_app, login_as):
    for number in range(5):
        _event(db, f"paged.event{number}")
    web_client = make_app(PAGE_SIZE=2).test_client()
    login_as(make.admin(), on_client=web_client)
    first = web_client.get(LIST).get_data(as_text=True)
    third = web_client.get(LIST + "?page=3").get_data(as_text=True)
    assert first.count("<code>paged.event") == 2 and third.count("<code>paged.event") == 1
    assert "paged.event4" in first  # newest first


def test_events_from_the_command_line_show_without_actor(client, db, make, login_as):
    _event(db, "demo.seed")
    login_as(make.admin())
    assert "System or anonymous" in client.get(LIST).get_data(as_text=True)


def test_dates_are_days_in_the_readers_time_zone(client, db, make, login_as):
    # 23:30 UTC on 31 January is already 1 February in Tokyo.
    _event(db, "test.tokyo_morning", when=datetime(2026, 1, 31, 23, 30, tzinfo=timezone.utc))
    login_as(make.admin(time_zone="Asia/Tokyo"))
    page = client.get(LIST + "?date_from=2026-02-01&date_to=2026-02-01").get_data(as_text=True)
    assert "test.tokyo_morning" in page
    assert "Asia/Tokyo" in page


def test_changes_read_as_old_to_new_in_either_recorded_shape(client, db, make, login_as):
    _event(db, "organisation.update", changes={"name": {"from": "Old Name", "to": "New Name"}})
    _event(db, "account.profile_update", changes={"display_name": ["Ann", "Anne"]})
    login_as(make.admin())
    page = client.get(LIST).get_data(as_text=True)
    assert "Old Name → New Name" in page and "Ann → Anne" in page
