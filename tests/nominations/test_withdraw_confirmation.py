"""Coordinators confirm a withdrawal on a page that says what it does before they withdraw."""
import re
from datetime import timedelta

import pytest

from academy.db_types import utcnow
from academy.nominations.models import Edition, EditionStatus, Nomination, NominationStatus as S

SEAT_GOES = "the seat goes to the next person on the waiting list"
CANNOT_BE_UNDONE = "This cannot be undone"


def _status(db, nomination) -> S:
    db.session.expire_all()
    return db.session.get(Nomination, nomination.id).status


def test_the_confirmation_page_of_an_accepted_nominee_says_the_seat_goes_to_the_waiting_list(
        client, db, make, coordinator, organisation):
    edition = make.edition(name="Campaigning School")
    nomination = make.nomination(edition, organisation, status="accepted", given_names="Wanjiru",
                                 family_name="Kamau")
    response = client.get(f"/nominations/{nomination.id}/withdraw")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>Withdraw Wanjiru Kamau?</h1>" in page
    assert "Campaigning School" in page
    assert SEAT_GOES in page and CANNOT_BE_UNDONE in page
    form = page.split(f'<form method="post" action="/nominations/{nomination.id}/withdraw"')[1].split("</form>")[0]
    assert 'name="csrf_token"' in form and ">Withdraw</button>" in form
    assert f'<a href="/nominations/editions/{edition.id}">Keep the nomination</a>' in page
    assert _status(db, nomination) is S.ACCEPTED  # looking changes nothing


@pytest.mark.parametrize("status", ["submitted", "waitlisted"])
def test_the_confirmation_page_of_a_nominee_without_a_seat_does_not_mention_one(
        client, db, make, coordinator, organisation, status):
    nomination = make.nomination(make.edition(), organisation, status=status)
    page = client.get(f"/nominations/{nomination.id}/withdraw").get_data(as_text=True)
    assert CANNOT_BE_UNDONE in page
    assert SEAT_GOES not in page
    assert _status(db, nomination) is S(status)


def test_the_edition_page_leads_to_the_confirmation_instead_of_withdrawing(client, make, coordinator,
                                                                          organisation):
    edition = make.edition()
    nomination = make.nomination(edition, organisation, status="accepted", given_names="Wanjiru",
                                 family_name="Kamau")
    page = client.get(f"/nominations/editions/{edition.id}").get_data(as_text=True)
    assert (f'<a href="/nominations/{nomination.id}/withdraw" aria-label="Withdraw Wanjiru Kamau">Withdraw</a>'
            in page)
    assert f'action="/nominations/{nomination.id}/withdraw"' not in page


def test_another_organisations_nomination_has_no_confirmation_page(client, db, make, coordinator):
    other = make.nomination(make.edition(), status="accepted", given_names="Secret")
    missing = client.get(f"/nominations/{other.id + 1000}/withdraw")
    response = client.get(f"/nominations/{other.id}/withdraw")
    assert response.status_code == missing.status_code == 404
    assert "Secret" not in response.get_data(as_text=True)
    assert _status(db, other) is S.ACCEPTED


@pytest.mark.parametrize("status, message", [
    ("draft", "This nomination cannot be withdrawn here"), ("declined", "This nomination cannot be withdrawn here"),
    ("withdrawn", "Zola Ndlovu is already withdrawn."), ("enrolled", "This nomination cannot be withdrawn here")])
def test_the_confirmation_page_refuses_a_nomination_that_cannot_be_withdrawn(
        client, db, make, coordinator, organisation, status, message):
    nomination = make.nomination(make.edition(), organisation, status=status, given_names="Zola",
                                 family_name="Ndlovu")
    response = client.get(f"/nominations/{nomination.id}/withdraw")
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert message in page
    assert f'action="/nominations/{nomination.id}/withdraw"' not in page  # no button that would withdraw anyway
    assert _status(db, nomination) is S(status)


def test_the_confirmation_page_refuses_once_nominations_closed(client, db, make, coordinator, organisation):
    edition = make.edition(nominations_open_at=utcnow() - timedelta(days=10),
                           nominations_close_at=utcnow() - timedelta(minutes=1))
    nomination = make.nomination(edition, organisation, status="accepted")
    edition.status = EditionStatus.CLOSED
    db.session.commit()
    response = client.get(f"/nominations/{nomination.id}/withdraw")
    assert response.status_code == 409
    assert "This nomination cannot be withdrawn here" in response.get_data(as_text=True)


def test_withdrawing_an_accepted_nominee_gives_the_seat_to_the_first_on_the_waiting_list(
        client, db, make, coordinator, organisation):
    edition = make.edition(seats=1)
    leaving = make.nomination(edition, organisation, status="accepted")
    waiting = make.nomination(edition, make.organisation(), status="waitlisted")
    response = client.post(f"/nominations/{leaving.id}/withdraw")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/nominations/editions/{edition.id}"
    assert (_status(db, leaving), _status(db, waiting)) == (S.WITHDRAWN, S.ACCEPTED)
    assert db.session.get(Edition, edition.id).seats_taken == 1


def test_the_withdraw_button_carries_a_working_csrf_token(make_app, db, make, login_as, organisation):
    web = make_app(WTF_CSRF_ENABLED=True)
    client = login_as(make.coordinator(organisation), on_client=web.test_client())
    nomination = make.nomination(make.edition(), organisation, status="submitted")
    assert client.post(f"/nominations/{nomination.id}/withdraw").status_code == 400
    assert _status(db, nomination) is S.SUBMITTED
    page = client.get(f"/nominations/{nomination.id}/withdraw").get_data(as_text=True)
    form = page.split(f'action="/nominations/{nomination.id}/withdraw"')[1]
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    assert client.post(f"/nominations/{nomination.id}/withdraw", data={"csrf_token": token}).status_code == 302
    assert _status(db, nomination) is S.WITHDRAWN
