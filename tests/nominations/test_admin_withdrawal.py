"""Admins withdraw nominations, whatever the nomination window, and promotions from the waiting
list read as the system's decision, in the reader's language."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from academy.audit.models import AuditEvent
from academy.db_types import utcnow
from academy.nominations import waitlist
from academy.nominations.models import Edition, EditionStatus, Nomination, NominationStatus as S
from academy.nominations.operations import transition
from academy.nominations.review_forms import DECISION_CHOICES, BulkDecisionForm

BULK = "/admin/nominations/decisions"


def decide_path(nomination) -> str:
    return f"/admin/nominations/{nomination.id}/decision"


def show_path(nomination) -> str:
    return f"/admin/nominations/{nomination.id}"


@pytest.fixture
def admin(make):
    return make.admin(display_name="Ada Admin")


@pytest.fixture
def admin_client(login_as, admin):
    return login_as(admin)


@pytest.fixture
def closed_edition(make, db):
    """An edition whose nomination window has closed: coordinators can no longer withdraw."""
    edition = make.edition(seats=1, nominations_open_at=utcnow() - timedelta(days=10),
                           nominations_close_at=utcnow() - timedelta(minutes=1))
    edition.status = EditionStatus.CLOSED
    db.session.commit()
    return edition


def status_of(db, nomination) -> S:
    db.session.expire_all()
    return db.session.get(Nomination, nomination.id).status


def offered(page: str) -> list[str]:
    return re.findall(r'<input[^>]*name="decision"[^>]*value="([a-z]+)"', page)


# --- Withdrawing on the nomination's page ---------------------------------------------------------

def test_an_admin_frees_an_accepted_seat_after_the_window_closed_and_the_waiting_list_moves(
        app, admin_client, admin, login_as, make, db, outbox, closed_edition):
    organisation = make.organisation()
    coordinator = make.coordinator(organisation)
    leaving = make.nomination(closed_edition, organisation, status="accepted", nominated_by_id=coordinator.id)
    waiting = make.nomination(closed_edition, make.organisation(), status="waitlisted", given_names="Nadia")
    # The coordinator's own way out is closed, as the issue says.
    coordinator_client = login_as(coordinator, on_client=app.test_client())
    assert coordinator_client.post(f"/nominations/{leaving.id}/withdraw").status_code == 409
    assert status_of(db, leaving) is S.ACCEPTED

    response = admin_client.post(decide_path(leaving), data={"decision": "withdraw", "reason": "Cannot travel.",
                                                             "confirmed": "yes"})

    assert response.status_code == 302
    assert (status_of(db, leaving), status_of(db, waiting)) == (S.WITHDRAWN, S.ACCEPTED)
    assert db.session.get(Edition, closed_edition.id).seats_taken == 1
    withdrawn = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "nomination.withdrawn")).one()
    assert withdrawn.actor_id == admin.id and withdrawn.details["reason"] == "Cannot travel."
    assert withdrawn.details["from_status"] == "accepted"
    [to_nominee] = outbox(leaving.email)
    assert "Cannot travel." in to_nominee.body_text and "no longer works" in to_nominee.body_text
    [to_coordinator] = outbox(coordinator.email)
    assert "Cannot travel." in to_coordinator.body_text
    [to_promoted] = outbox(waiting.email)
    assert "/invitation/" in to_promoted.body_text
    page = admin_client.get(show_path(leaving)).get_data(as_text=True)
    assert "The freed seat went to Nadia" in page


@pytest.mark.parametrize(("status", "warns_of_the_seat"), [("accepted", True), ("submitted", False)])
def test_a_withdrawal_is_confirmed_first_and_an_accepted_nominees_seat_is_mentioned(
        admin_client, make, db, closed_edition, status, warns_of_the_seat):
    nomination = make.nomination(closed_edition, status=status, given_names="Bruno", family_name="Costa")

    page = admin_client.post(decide_path(nomination), data={"decision": "withdraw", "reason": "Cannot travel."})

    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Withdraw Bruno Costa?" in html and "Cannot travel." in html
    assert ("holds a seat" in html) is warns_of_the_seat
    assert status_of(db, nomination).value == status


@pytest.mark.parametrize("status", ["submitted", "waitlisted", "accepted"])
def test_an_admin_withdraws_submitted_waitlisted_and_accepted_nominations_in_any_window(
        admin_client, make, db, closed_edition, status):
    nomination = make.nomination(closed_edition, status=status)

    response = admin_client.post(decide_path(nomination), data={"decision": "withdraw", "reason": "Asked to.",
                                                                "confirmed": "yes"})

    assert response.status_code == 302
    assert status_of(db, nomination) is S.WITHDRAWN
    assert db.session.get(Nomination, nomination.id).invitation_token_hash is None
    assert db.session.get(Edition, closed_edition.id).seats_taken == 0


def test_an_admin_withdraws_while_the_window_is_open_too(admin_client, make, db):
    nomination = make.nomination(make.edition(), status="submitted")
    response = admin_client.post(decide_path(nomination), data={"decision": "withdraw", "reason": "Duplicate.",
                                                                "confirmed": "yes"})
    assert response.status_code == 302 and status_of(db, nomination) is S.WITHDRAWN


@pytest.mark.parametrize("reason", ["", "   "])
def test_withdrawing_needs_a_reason(admin_client, make, db, closed_edition, reason):
    nomination = make.nomination(closed_edition, status="accepted")

    response = admin_client.post(decide_path(nomination), data={"decision": "withdraw", "reason": reason,
                                                                "confirmed": "yes"})

    assert response.status_code == 400
    assert "Say why the nomination is withdrawn." in response.get_data(as_text=True)
    assert status_of(db, nomination) is S.ACCEPTED
    assert db.session.get(Edition, closed_edition.id).seats_taken == 1


@pytest.mark.parametrize("status", ["declined", "withdrawn", "enrolled"])
def test_withdrawing_what_the_machine_does_not_allow_is_409_and_changes_nothing(admin_client, make, db, status):
    nomination = make.nomination(status=status)

    response = admin_client.post(decide_path(nomination), data={"decision": "withdraw", "reason": "Because.",
                                                                "confirmed": "yes"})

    assert response.status_code == 409
    assert "cannot go from" in response.get_data(as_text=True)
    assert status_of(db, nomination) is S(status)


def test_accepted_to_declined_stays_impossible(admin_client, make, db):
    nomination = make.nomination(status="accepted")
    response = admin_client.post(decide_path(nomination), data={"decision": "decline", "reason": "Changed mind.",
                                                                "confirmed": "yes"})
    assert response.status_code == 409 and status_of(db, nomination) is S.ACCEPTED


@pytest.mark.parametrize("status, decisions", [
    ("submitted", ["accept", "waitlist", "decline", "withdraw"]),
    ("waitlisted", ["accept", "withdraw"]),
    ("accepted", ["withdraw"]),
])
def test_the_page_offers_only_the_decisions_the_machine_allows(admin_client, make, status, decisions):
    nomination = make.nomination(status=status)
    page = admin_client.get(show_path(nomination)).get_data(as_text=True)
    assert offered(page) == decisions
    assert ("the seat goes to the first nominee on the waiting list" in page) == (status == "accepted")


@pytest.mark.parametrize("status", ["declined", "withdrawn", "enrolled"])
def test_a_nomination_with_nothing_left_to_decide_has_no_decision_form(admin_client, make, status):
    page = admin_client.get(show_path(make.nomination(status=status))).get_data(as_text=True)
    assert offered(page) == [] and "Save the decision" not in page


# --- Withdrawing in bulk -------------------------------------------------------------------------

def test_the_bulk_form_shares_the_decisions_of_the_page():
    assert [choice.value for choice in BulkDecisionForm.decision.kwargs["choices"]] == \
        [choice.value for choice in DECISION_CHOICES]


def test_bulk_withdrawal_frees_seats_for_the_waiting_list_not_for_a_ticked_waiting_nominee(
        admin_client, make, db, closed_edition):
    leaving = make.nomination(closed_edition, status="accepted")
    start = utcnow() - timedelta(hours=3)
    # First on the waiting list, but withdrawn in the same decision: never promoted on the way.
    ticked_waiting = make.nomination(closed_edition, status="waitlisted", waitlisted_at=start)
    next_waiting = make.nomination(closed_edition, status="waitlisted", waitlisted_at=start + timedelta(hours=1))
    ids = [str(leaving.id), str(ticked_waiting.id)]

    refused = admin_client.post(BULK, data={"decision": "withdraw", "nomination_ids": ids})
    assert refused.status_code == 400 and "Say why the nomination is withdrawn." in refused.get_data(as_text=True)
    assert status_of(db, leaving) is S.ACCEPTED

    asked = admin_client.post(BULK, data={"decision": "withdraw", "reason": "Edition moved.", "nomination_ids": ids})
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Withdraw 2 nominations?" in page and "Edition moved." in page
    assert leaving.full_name in page and ticked_waiting.full_name in page and next_waiting.full_name not in page
    assert "their seats go to the waiting list" in page
    assert page.count('<input type="hidden" name="nomination_ids"') == 2
    assert status_of(db, leaving) is S.ACCEPTED  # nothing happens before the confirmation

    response = admin_client.post(BULK, data={"decision": "withdraw", "reason": "Edition moved.", "nomination_ids": ids,
                                             "confirmed": "yes"})

    assert response.status_code == 200
    assert [status_of(db, n) for n in (leaving, ticked_waiting, next_waiting)] == [S.WITHDRAWN, S.WITHDRAWN,
                                                                                  S.ACCEPTED]
    assert db.session.get(Edition, closed_edition.id).seats_taken == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "nomination.accepted")) == 1


def test_bulk_withdrawal_reports_nominations_that_cannot_be_withdrawn(admin_client, make, db):
    withdrawable, declined = make.nomination(status="submitted"), make.nomination(status="declined")
    response = admin_client.post(BULK, data={"decision": "withdraw", "reason": "Cleaning up.", "confirmed": "yes",
                                             "nomination_ids": [str(withdrawable.id), str(declined.id)]})
    assert response.status_code == 200
    assert (status_of(db, withdrawable), status_of(db, declined)) == (S.WITHDRAWN, S.DECLINED)
    assert "cannot go from" in response.get_data(as_text=True)


# --- Promotions read as the system's ---------------------------------------------------------------

def test_the_promoted_nominees_page_says_accepted_automatically_not_who_withdrew(make, db, login_as):
    edition = make.edition(seats=1)
    leaving_organisation = make.organisation()
    # A coordinator of another organisation than the promoted nominee's frees the seat.
    coordinator = make.coordinator(leaving_organisation, display_name="Carla Coordinator")
    leaving = make.nomination(edition, leaving_organisation, status="accepted")
    waiting = make.nomination(edition, make.organisation(), status="waitlisted")
    transition(leaving, S.WITHDRAWN, actor=coordinator)
    db.session.commit()
    client = login_as(make.admin())

    page = client.get(show_path(waiting)).get_data(as_text=True)

    assert "Carla Coordinator" not in page
    assert "promoted from the waiting list" not in page
    last_decision = page.split("Last decision")[1].split("</dd>")[0]
    assert "Accepted automatically from the waiting list" in last_decision
    history = page.split('id="history-heading"')[1]
    assert "Accepted automatically from the waiting list" in history and "System" in history


def test_an_admin_withdrawing_a_promoted_nominee_is_named_in_the_history(make, db, login_as):
    edition = make.edition(seats=1)
    leaving = make.nomination(edition, status="accepted")
    waiting = make.nomination(edition, status="waitlisted")
    transition(leaving, S.WITHDRAWN, actor=None)
    db.session.commit()
    admin = make.admin(display_name="Ada Admin")
    client = login_as(admin)
    client.post(decide_path(waiting), data={"decision": "withdraw", "reason": "Left the party.",
                                            "confirmed": "yes"})

    page = client.get(show_path(waiting)).get_data(as_text=True)

    # The last *decision* (accept, waitlist, decline) is still the promotion; the withdrawal is in the history.
    last_decision = page.split("Last decision")[1].split("</dd>")[0]
    assert "Accepted automatically from the waiting list" in last_decision and "Ada Admin" not in last_decision
    history = page.split('id="history-heading"')[1]
    assert "Ada Admin" in history and "Left the party." in history


def test_the_promotion_label_is_translated_when_rendered(app):
    with app.test_request_context():
        with force_locale("en"):
            assert str(waitlist.PROMOTED_LABEL) == "Accepted automatically from the waiting list"
    assert not isinstance(waitlist.PROMOTED_LABEL, str)  # lazy: rendered in each reader's language
