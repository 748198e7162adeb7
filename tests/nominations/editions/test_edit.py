"""The admin screens of editions: time zones of the nomination window, and editing."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from academy.extensions import db
from academy.nominations import edition_operations
from academy.nominations.models import EditionFormat, EditionStatus, ParityRule

from .helpers import NEW, all_editions, audit_events, reloaded, valid_form


# --- time zones -------------------------------------------------------------------------------

def test_the_window_is_typed_in_the_admins_time_zone_and_stored_in_utc(client_for, make, module):
    client = client_for(make.admin(time_zone="America/New_York"))
    response = client.post(NEW, data=valid_form(module, nominations_open_at="2027-03-01T09:00",
                                            nominations_close_at="2027-03-20T18:00"))
    assert response.status_code == 302
    [edition] = all_editions()
    # New York is UTC-5 on 1 March and UTC-4 (daylight saving) on 20 March.
    assert edition.nominations_open_at == datetime(2027, 3, 1, 14, 0, tzinfo=timezone.utc)
    assert edition.nominations_close_at == datetime(2027, 3, 20, 22, 0, tzinfo=timezone.utc)


def test_the_window_is_shown_in_each_viewers_time_zone(client_for, make, module):
    opens = datetime(2027, 3, 1, 14, 0, tzinfo=timezone.utc)
    edition = make.edition(modules=[module], nominations_open_at=opens,
                           nominations_close_at=datetime(2027, 3, 20, 22, 0, tzinfo=timezone.utc))
    tokyo = client_for(make.admin(time_zone="Asia/Tokyo"))

    shown = tokyo.get(f"/admin/editions/{edition.id}").text
    form = tokyo.get(f"/admin/editions/{edition.id}/edit").text

    assert "Mar 1, 2027, 11:00\u202fPM" in shown  # 14:00 UTC is 23:00 in Tokyo
    assert "Asia/Tokyo" in shown
    assert 'value="2027-03-01T23:00"' in form  # 14:00 UTC is 23:00 in Tokyo
    assert 'value="2027-03-21T07:00"' in form


def test_a_time_the_clocks_show_twice_takes_the_first_and_says_so(client_for, admin, module):
    # On 31 October 2027 Paris clocks go from 03:00 back to 02:00: 02:30 happens twice.
    client = client_for(admin)
    response = client.post(NEW, data=valid_form(module, nominations_open_at="2027-10-31T02:30",
                                            nominations_close_at="2027-11-20T18:00",
                                            starts_on="2027-12-01", ends_on="2027-12-10"))
    assert response.status_code == 302
    [edition] = all_editions()
    assert edition.nominations_open_at == datetime(2027, 10, 31, 0, 30, tzinfo=timezone.utc)
    assert "the clocks show this time twice" in client.get(response.headers["Location"]).text


# --- editing ----------------------------------------------------------------------------------

def test_editing_changes_settings_and_audits_the_changes(client_for, admin, module, make):
    edition = make.edition(modules=[module], seats=10)
    other = make.module()
    response = client_for(admin).post(f"/admin/editions/{edition.id}/edit", data=valid_form(
        module, name="Renamed", seats="12", modules=[str(other.id)]))
    assert response.status_code == 302
    edition = reloaded(edition)
    assert (edition.name, edition.seats) == ("Renamed", 12)
    [event] = audit_events("edition.updated")
    assert event.actor_id == admin.id
    assert event.details["changes"]["seats"] == {"from": 10, "to": 12}
    assert event.details["changes"]["modules"] == {"from": [module.id], "to": [other.id]}


def test_the_edit_form_shows_the_current_settings(client_for, admin, module, make):
    region = make.region()
    edition = make.edition(modules=[module], regions=[region], parity_rule=ParityRule.PAIRS,
                           format=EditionFormat.IN_PERSON)
    page = client_for(admin).get(f"/admin/editions/{edition.id}/edit").text
    assert f'<option selected value="{module.id}">' in page
    assert f'<option selected value="{region.id}">' in page
    assert 'checked id="parity_rule-2" name="parity_rule" type="radio" value="pairs"' in page
    assert '<option selected value="in_person">' in page


def test_seats_cannot_go_below_the_seats_taken(client_for, admin, module, make):
    edition = make.edition(modules=[module], seats=10)
    for _ in range(3):
        make.nomination(edition, status="accepted")
    response = client_for(admin).post(f"/admin/editions/{edition.id}/edit", data=valid_form(module, seats="2"))
    assert response.status_code == 400
    assert "3 seats are already taken" in response.text
    assert reloaded(edition).seats == 10
    assert audit_events("edition.updated") == []


def test_seats_equal_to_the_seats_taken_are_accepted(client_for, admin, module, make):
    edition = make.edition(modules=[module], seats=10)
    for _ in range(3):
        make.nomination(edition, status="accepted")
    response = client_for(admin).post(f"/admin/editions/{edition.id}/edit", data=valid_form(module, seats="3"))
    assert response.status_code == 302
    assert reloaded(edition).seats == 3


def test_the_seat_update_itself_refuses_fewer_seats_than_taken(app, make, module):
    """The conditional UPDATE is what holds when an acceptance lands between form and save."""
    edition = make.edition(modules=[module], seats=10)
    for _ in range(4):
        make.nomination(edition, status="accepted")
    with pytest.raises(edition_operations.EditionRefused):
        edition_operations.update_edition(edition, actor=None, seats=3)
    db.session.rollback()
    assert reloaded(edition).seats == 10


def test_more_seats_or_a_larger_quota_let_waitlisted_nominees_in(app, make, module, outbox):
    """The waiting list moves by itself: in its order, as far as seats, quota and parity allow."""
    from datetime import timedelta

    from academy.db_types import utcnow
    from academy.nominations.models import NominationStatus

    edition = make.edition(modules=[module], seats=1, quota_per_organisation=1)
    first_org, second_org = make.organisation(), make.organisation()
    make.nomination(edition, first_org, status="accepted")
    start = utcnow() - timedelta(days=3)
    blocked = make.nomination(edition, first_org, status="waitlisted", waitlisted_at=start)
    waiting = make.nomination(edition, second_org, status="waitlisted", waitlisted_at=start + timedelta(hours=1))
    last = make.nomination(edition, second_org, status="waitlisted", waitlisted_at=start + timedelta(hours=2))

    edition_operations.update_edition(edition, actor=None, seats=4)
    db.session.commit()
    # The first organisation is at its quota: its nominee waits; the next in line takes a seat, and
    # the one after is held back by the quota of one as well.
    assert [db.session.get(type(item), item.id).status for item in (blocked, waiting, last)] == [
        NominationStatus.WAITLISTED, NominationStatus.ACCEPTED, NominationStatus.WAITLISTED]
    assert db.session.get(type(waiting), waiting.id).invitation_token_hash is not None
    assert any(message.recipient == waiting.email for message in outbox())

    edition_operations.update_edition(reloaded(edition), actor=None, seats=4, quota_per_organisation=2)
    db.session.commit()
    assert [db.session.get(type(item), item.id).status for item in (blocked, waiting, last)] == [
        NominationStatus.ACCEPTED, NominationStatus.ACCEPTED, NominationStatus.ACCEPTED]
    assert reloaded(edition).seats_taken == 4


def test_an_archived_edition_cannot_be_edited(client_for, admin, module, make):
    edition = make.edition(modules=[module], status=EditionStatus.ARCHIVED)
    client = client_for(admin)
    assert client.get(f"/admin/editions/{edition.id}/edit").status_code == 409
    response = client.post(f"/admin/editions/{edition.id}/edit", data=valid_form(module, name="Rewritten"))
    assert response.status_code == 409
    assert "archived" in response.text
    assert reloaded(edition).name != "Rewritten"


def test_an_unknown_edition_is_404(client_for, admin):
    client = client_for(admin)
    assert client.get("/admin/editions/999999").status_code == 404
    assert client.get("/admin/editions/999999/edit").status_code == 404
    assert client.post("/admin/editions/999999/status", data={"action": "open"}).status_code == 404
