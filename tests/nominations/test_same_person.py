"""One person nominated by two organisations for the same edition.

Refusing the second nomination would tell its coordinator that another organisation had nominated
this person, so both are kept; the admins see the pair, and the person holds one seat at most —
checked at acceptance and on the waiting list, and guaranteed by a partial unique index.
"""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from academy.db_types import utcnow
from academy.nominations import operations, submission
from academy.nominations.models import Nomination, NominationStatus as S
from academy.nominations.operations import NominationRefused, transition

ADDRESS = "leila.mansour@example.org"


@pytest.fixture
def edition(make):
    return make.edition(seats=5)


def test_two_organisations_may_nominate_the_same_address(make, db, edition):
    first, second = make.organisation(), make.organisation()
    submission.nominate(edition, first, nominated_by=make.coordinator(first), **_details())
    submission.nominate(edition, second, nominated_by=make.coordinator(second), **_details())
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).where(Nomination.email == ADDRESS)) == 2


def test_one_organisation_nominates_an_address_once(make, db, edition):
    organisation = make.organisation()
    submission.nominate(edition, organisation, nominated_by=None, **_details())
    with pytest.raises(NominationRefused) as info:
        submission.nominate(edition, organisation, nominated_by=None, **_details())
    assert info.value.code == operations.DUPLICATE_EMAIL


def test_the_database_refuses_an_organisations_second_nomination_of_an_address(make, db, edition):
    organisation = make.organisation()
    make.nomination(edition, organisation, email=ADDRESS)
    with pytest.raises(sa.exc.IntegrityError):
        make.nomination(edition, organisation, email=ADDRESS)
    db.session.rollback()


def test_a_person_seated_through_one_nomination_is_not_accepted_through_another(make, db, edition):
    make.nomination(edition, status="accepted", email=ADDRESS)
    second = make.nomination(edition, status="submitted", email=ADDRESS)
    seats_before = edition.seats_taken
    with pytest.raises(NominationRefused) as info:
        transition(second, S.ACCEPTED, actor=make.admin())
    assert info.value.code == operations.ALREADY_SEATED
    assert "already has a seat" in str(info.value.message)
    db.session.rollback()
    db.session.expire_all()
    assert second.status is S.SUBMITTED and edition.seats_taken == seats_before


@pytest.mark.parametrize("status", ["accepted", "enrolled"])
def test_the_database_keeps_a_person_to_one_seat(make, db, edition, status):
    make.nomination(edition, status=status, email=ADDRESS)
    with pytest.raises(sa.exc.IntegrityError):
        make.nomination(edition, status="accepted", email=ADDRESS)
    db.session.rollback()


def test_declined_and_withdrawn_nominations_of_the_address_do_not_hold_a_seat(make, db, edition):
    make.nomination(edition, status="declined", email=ADDRESS)
    make.nomination(edition, status="withdrawn", email=ADDRESS)
    third = make.nomination(edition, status="submitted", email=ADDRESS)
    transition(third, S.ACCEPTED, actor=make.admin())
    db.session.commit()
    assert third.status is S.ACCEPTED


def test_the_waiting_list_passes_over_a_person_seated_through_another_nomination(make, db):
    edition = make.edition(seats=2)
    make.nomination(edition, status="accepted", email=ADDRESS)
    leaving = make.nomination(edition, status="accepted")
    now = utcnow()
    same_person = make.nomination(edition, status="waitlisted", email=ADDRESS, waitlisted_at=now - timedelta(hours=2))
    next_in_line = make.nomination(edition, status="waitlisted", waitlisted_at=now - timedelta(hours=1))
    promoted = transition(leaving, S.WITHDRAWN, actor=make.admin())
    db.session.commit()
    assert promoted is not None and promoted.id == next_in_line.id
    assert same_person.status is S.WAITLISTED


def test_admins_see_the_other_organisations_nomination(make, db, edition, login_as, client):
    first_organisation = make.organisation(name="Progressive Youth Alliance")
    second_organisation = make.organisation(name="Workers' Party Youth")
    first = make.nomination(edition, first_organisation, status="submitted", email=ADDRESS)
    second = make.nomination(edition, second_organisation, status="accepted", email=ADDRESS)
    alone = make.nomination(edition, status="submitted")
    login_as(make.admin())

    page = client.get(f"/admin/nominations/{first.id}").get_data(as_text=True)
    assert "Also nominated by another organisation" in page
    assert f'href="/admin/nominations/{second.id}"' in page and "Workers&#39; Party Youth" in page
    assert "Also nominated by another organisation" not in client.get(f"/admin/nominations/{alone.id}").get_data(
        as_text=True)

    queue = client.get(f"/admin/nominations/?edition={edition.id}").get_data(as_text=True)
    assert queue.count("Also nominated by another organisation") == 2


def test_a_coordinators_pages_say_nothing_of_the_other_nomination(make, db, edition, login_as, client):
    organisation = make.organisation()
    own = make.nomination(edition, organisation, status="submitted", email=ADDRESS)
    make.nomination(edition, make.organisation(name="Workers' Party Youth"), status="accepted", email=ADDRESS)
    login_as(make.coordinator(organisation))
    for path in (f"/nominations/editions/{edition.id}", f"/nominations/{own.id}/edit"):
        response = client.get(path)
        assert response.status_code == 200, path
        page = response.get_data(as_text=True)
        assert "Workers" not in page and "another organisation" not in page


def _details() -> dict:
    from datetime import date

    return dict(email=ADDRESS.upper(), given_names="Leila", family_name="Mansour", date_of_birth=date(2000, 5, 1),
                gender="woman", country="TN", languages=["ar", "fr"], language="ar", party_role="Youth organiser",
                motivation="Organises students.", consent_at=utcnow(), consent_version="2026-01")
