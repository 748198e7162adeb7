"""The nomination status machine: allowed arrows, window, eligibility, seats, quota, parity, waiting list."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from academy.audit.models import AuditEvent
from academy.db_types import utcnow
from academy.nominations import operations, submission, waitlist
from academy.nominations.models import Edition, EditionStatus, Nomination, NominationStatus as S, ParityRule
from academy.nominations.operations import NominationRefused, transition

ALLOWED = [(S.DRAFT, S.SUBMITTED), (S.SUBMITTED, S.ACCEPTED), (S.SUBMITTED, S.WAITLISTED),
           (S.SUBMITTED, S.DECLINED), (S.SUBMITTED, S.WITHDRAWN), (S.WAITLISTED, S.ACCEPTED),
           (S.WAITLISTED, S.WITHDRAWN), (S.ACCEPTED, S.WITHDRAWN), (S.ACCEPTED, S.ENROLLED)]


def refused(code, nomination, to_status, **kwargs):
    with pytest.raises(NominationRefused) as info:
        transition(nomination, to_status, **kwargs)
    assert info.value.code == code
    assert str(info.value.message)
    return info.value


def test_the_table_has_exactly_the_arrows_of_the_issue():
    arrows = {(a, b) for a in S for b in S if operations.can_transition(a, b)}
    assert arrows == set(ALLOWED)


@pytest.mark.parametrize("from_status, to_status", ALLOWED)
def test_every_allowed_transition_happens_and_is_audited(make, db, from_status, to_status):
    admin = make.admin()
    nomination = make.nomination(status=from_status.value)
    user = make.trainee() if to_status is S.ENROLLED else None
    transition(nomination, to_status, actor=admin, reason="checked", user=user)
    db.session.commit()
    assert db.session.get(Nomination, nomination.id).status is to_status
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == f"nomination.{to_status.value}")).one()
    assert event.actor_id == admin.id and event.object_id == str(nomination.id)
    assert event.details == {"reason": "checked", "from_status": from_status.value}


@pytest.mark.parametrize("from_status, to_status", [
    (S.DRAFT, S.ACCEPTED), (S.DRAFT, S.ENROLLED), (S.SUBMITTED, S.ENROLLED), (S.WAITLISTED, S.DECLINED),
    (S.ACCEPTED, S.DECLINED), (S.ACCEPTED, S.WAITLISTED), (S.DECLINED, S.ACCEPTED), (S.WITHDRAWN, S.SUBMITTED),
    (S.ENROLLED, S.WITHDRAWN), (S.SUBMITTED, S.DRAFT), (S.SUBMITTED, S.SUBMITTED)])
def test_illegal_transitions_are_refused_and_change_nothing(make, db, from_status, to_status):
    nomination = make.nomination(status=from_status.value)
    refused(operations.ILLEGAL_TRANSITION, nomination, to_status, actor=make.admin(), user=make.trainee())
    db.session.rollback()
    assert db.session.get(Nomination, nomination.id).status is from_status
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == 0


def test_decisions_record_who_when_and_why(make, db):
    admin = make.admin()
    nomination = make.nomination(status="submitted")
    now = utcnow()
    transition(nomination, S.WAITLISTED, actor=admin, reason="strong, but seats are few", now=now)
    db.session.commit()
    assert (nomination.decided_by_id, nomination.decided_at, nomination.waitlisted_at) == (admin.id, now, now)
    assert nomination.decision_reason == "strong, but seats are few"


def test_enrolling_links_the_account(make, db):
    nomination = make.nomination(status="accepted")
    trainee = make.trainee()
    transition(nomination, S.ENROLLED, actor=trainee, user=trainee)
    db.session.commit()
    assert nomination.user_id == trainee.id
    assert db.session.get(Edition, nomination.edition_id).seats_taken == 1


# --- Nominating and submitting -----------------------------------------------------------------


def nominee_fields(**fields):
    values = dict(given_names="Amina", family_name="Diallo", email="Amina@Example.org",
                  date_of_birth=date(2000, 1, 1), gender="woman", country="SN", languages=["fr"],
                  party_role="Youth secretary", motivation="Campaigns.", consent_at=utcnow(),
                  consent_version="2026-01")
    values.update(fields)
    from academy.nominations.models import Gender
    values["gender"] = Gender(values["gender"])
    return values


def test_nominating_creates_an_audited_draft_with_a_lower_case_email(make, db):
    edition, organisation = make.edition(), make.organisation()
    coordinator = make.coordinator(organisation)
    nomination = submission.nominate(edition, organisation, nominated_by=coordinator, **nominee_fields())
    db.session.commit()
    assert (nomination.status, nomination.email) == (S.DRAFT, "amina@example.org")
    assert db.session.scalar(sa.select(AuditEvent.action)) == "nomination.created"


def test_the_same_email_twice_in_one_edition_is_refused(make, db):
    edition, organisation = make.edition(), make.organisation()
    coordinator = make.coordinator(organisation)
    submission.nominate(edition, organisation, nominated_by=coordinator, **nominee_fields())
    with pytest.raises(NominationRefused) as info:
        submission.nominate(edition, organisation, nominated_by=coordinator,
                            **nominee_fields(email="AMINA@example.org"))
    assert info.value.code == operations.DUPLICATE_EMAIL
    # The same person may be nominated for another edition.
    submission.nominate(make.edition(), organisation, nominated_by=coordinator, **nominee_fields())


def test_the_database_rejects_an_organisations_duplicate_emails_too(make, db):
    edition, organisation = make.edition(), make.organisation()
    make.nomination(edition, organisation, email="same@example.org")
    with pytest.raises(sa.exc.IntegrityError):
        make.nomination(edition, organisation, email="same@example.org")
    db.session.rollback()


@pytest.mark.parametrize("window", [
    dict(nominations_open_at=utcnow() + timedelta(hours=1), nominations_close_at=utcnow() + timedelta(days=2)),
    dict(nominations_open_at=utcnow() - timedelta(days=2), nominations_close_at=utcnow() - timedelta(seconds=1)),
    dict(status=EditionStatus.CLOSED), dict(status=EditionStatus.DRAFT)])
def test_submitting_outside_the_window_is_refused(make, db, window):
    nomination = make.nomination(make.edition(**window))
    refused(operations.WINDOW_CLOSED, nomination, S.SUBMITTED, actor=make.admin())
    with pytest.raises(NominationRefused) as info:
        submission.nominate(db.session.get(Edition, nomination.edition_id), make.organisation(),
                            nominated_by=None, **nominee_fields())
    assert info.value.code == operations.WINDOW_CLOSED


@pytest.mark.parametrize("age, allowed", [(17, False), (18, True), (35, True), (36, False)])
def test_submitting_checks_the_age_on_the_first_day(make, db, age, allowed):
    nomination = make.nomination(make.edition(), age=age)
    if allowed:
        transition(nomination, S.SUBMITTED, actor=make.admin())
        assert nomination.status is S.SUBMITTED
    else:
        error = refused(operations.NOT_ELIGIBLE, nomination, S.SUBMITTED, actor=make.admin())
        assert "18" in str(error.message) and "35" in str(error.message)


def test_submitting_requires_the_edition_language(make, db):
    edition = make.edition(required_language="fr")
    refused(operations.NOT_ELIGIBLE, make.nomination(edition, languages=["en"]), S.SUBMITTED, actor=None)
    speaker = make.nomination(edition, languages=["en", "FR"])
    transition(speaker, S.SUBMITTED, actor=None)
    assert speaker.status is S.SUBMITTED


def test_submitting_respects_the_region_and_organisation_allow_lists(make, db):
    region = make.region()
    in_region, listed, outside = make.organisation(region=region), make.organisation(), make.organisation()
    edition = make.edition(regions=[region], organisations=[listed])
    for organisation in (in_region, listed):
        nomination = make.nomination(edition, organisation)
        transition(nomination, S.SUBMITTED, actor=None)
        assert nomination.status is S.SUBMITTED
    refused(operations.NOT_ELIGIBLE, make.nomination(edition, outside), S.SUBMITTED, actor=None)


def test_a_deactivated_organisation_cannot_submit(make, db):
    organisation = make.organisation(is_active=False)
    refused(operations.NOT_ELIGIBLE, make.nomination(make.edition(), organisation), S.SUBMITTED, actor=None)


def test_quota_is_not_enforced_at_submission(make, db):
    edition, organisation = make.edition(quota_per_organisation=1), make.organisation()
    for _ in range(3):
        nomination = make.nomination(edition, organisation)
        transition(nomination, S.SUBMITTED, actor=None)
        assert nomination.status is S.SUBMITTED


# --- Accepting: seats, quota, parity -------------------------------------------------------------


def test_accepting_takes_a_seat(make, db):
    nomination = make.nomination(status="submitted")
    transition(nomination, S.ACCEPTED, actor=make.admin())
    db.session.commit()
    assert db.session.get(Edition, nomination.edition_id).seats_taken == 1


def test_accepting_beyond_seats_is_refused(make, db):
    edition = make.edition(seats=1)
    make.nomination(edition, status="accepted")
    late = make.nomination(edition, status="submitted")
    refused(operations.SEATS_FULL, late, S.ACCEPTED, actor=make.admin())
    db.session.rollback()
    assert db.session.get(Edition, edition.id).seats_taken == 1
    assert db.session.get(Nomination, late.id).status is S.SUBMITTED


def test_the_database_caps_seats_taken(make, db):
    edition = make.edition(seats=1)
    edition.seats_taken = 2
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_accepting_over_quota_is_refused_and_frees_the_seat_it_tried(make, db):
    edition, organisation = make.edition(quota_per_organisation=2), make.organisation()
    make.nomination(edition, organisation, status="accepted")
    make.nomination(edition, organisation, status="enrolled", user_id=make.trainee().id)
    third = make.nomination(edition, organisation, status="submitted")
    error = refused(operations.QUOTA_REACHED, third, S.ACCEPTED, actor=make.admin())
    assert "2" in str(error.message)
    assert db.session.get(Edition, edition.id).seats_taken == 2
    other = make.nomination(edition, make.organisation(), status="submitted")
    transition(other, S.ACCEPTED, actor=None)
    assert db.session.get(Edition, edition.id).seats_taken == 3


@pytest.mark.parametrize("rule", [ParityRule.BALANCED, ParityRule.PAIRS])
def test_accepting_against_parity_is_refused(make, db, rule):
    edition, organisation = make.edition(parity_rule=rule), make.organisation()
    make.nomination(edition, organisation, status="accepted", gender="man")
    second_man = make.nomination(edition, organisation, status="submitted", gender="man")
    refused(operations.PARITY, second_man, S.ACCEPTED, actor=None)
    assert db.session.get(Edition, edition.id).seats_taken == 1
    woman = make.nomination(edition, organisation, status="submitted", gender="woman")
    transition(woman, S.ACCEPTED, actor=None)
    transition(second_man, S.ACCEPTED, actor=None)
    assert db.session.get(Edition, edition.id).seats_taken == 3


def test_parity_never_blocks_other_or_undisclosed_genders(make, db):
    edition, organisation = make.edition(parity_rule=ParityRule.BALANCED), make.organisation()
    make.nomination(edition, organisation, status="accepted", gender="man")
    for gender in ("other", "undisclosed", "other"):
        nomination = make.nomination(edition, organisation, status="submitted", gender=gender)
        transition(nomination, S.ACCEPTED, actor=None)
        assert nomination.status is S.ACCEPTED


def test_parity_is_counted_per_organisation(make, db):
    edition = make.edition(parity_rule=ParityRule.BALANCED)
    make.nomination(edition, make.organisation(), status="accepted", gender="man")
    man_elsewhere = make.nomination(edition, make.organisation(), status="submitted", gender="man")
    transition(man_elsewhere, S.ACCEPTED, actor=None)
    assert man_elsewhere.status is S.ACCEPTED


# --- Pairs --------------------------------------------------------------------------------------


def test_under_pairs_women_and_men_are_submitted_together(make, db):
    edition, organisation = make.edition(parity_rule=ParityRule.PAIRS), make.organisation()
    woman = make.nomination(edition, organisation, gender="woman")
    man = make.nomination(edition, organisation, gender="man")
    refused(operations.PARITY, woman, S.SUBMITTED, actor=None)
    submission.submit_pair(woman, man, actor=None)
    assert (woman.status, man.status) == (S.SUBMITTED, S.SUBMITTED)
    other = make.nomination(edition, organisation, gender="other")
    transition(other, S.SUBMITTED, actor=None)
    assert other.status is S.SUBMITTED


@pytest.mark.parametrize("genders, same_organisation", [(("woman", "woman"), True), (("woman", "man"), False),
                                                        (("man", "undisclosed"), True)])
def test_a_pair_that_is_not_one_woman_and_one_man_of_one_organisation_is_refused(make, db, genders,
                                                                                  same_organisation):
    edition, organisation = make.edition(parity_rule=ParityRule.PAIRS), make.organisation()
    first = make.nomination(edition, organisation, gender=genders[0])
    second = make.nomination(edition, organisation if same_organisation else make.organisation(), gender=genders[1])
    with pytest.raises(NominationRefused) as info:
        submission.submit_pair(first, second, actor=None)
    assert info.value.code == operations.PARITY
    assert (first.status, second.status) == (S.DRAFT, S.DRAFT)


def test_a_pair_with_one_ineligible_member_submits_neither(make, db):
    edition, organisation = make.edition(parity_rule=ParityRule.PAIRS), make.organisation()
    woman = make.nomination(edition, organisation, gender="woman")
    man = make.nomination(edition, organisation, gender="man", age=40)
    with pytest.raises(NominationRefused) as info:
        submission.submit_pair(woman, man, actor=None)
    assert info.value.code == operations.NOT_ELIGIBLE
    assert (woman.status, man.status) == (S.DRAFT, S.DRAFT)


# --- Withdrawal and the waiting list ----------------------------------------------------------


def test_withdrawing_an_accepted_nominee_frees_the_seat_for_the_first_waitlisted(make, db):
    edition = make.edition(seats=1)
    leaving = make.nomination(edition, status="accepted")
    now = utcnow()
    second = make.nomination(edition, status="waitlisted", waitlisted_at=now)
    first = make.nomination(edition, status="waitlisted", waitlisted_at=now - timedelta(hours=1))
    admin = make.admin()
    promoted = transition(leaving, S.WITHDRAWN, actor=admin, reason="moved abroad")
    db.session.commit()
    assert promoted is not None and promoted.id == first.id
    assert db.session.get(Nomination, first.id).status is S.ACCEPTED
    assert db.session.get(Nomination, second.id).status is S.WAITLISTED
    assert db.session.get(Edition, edition.id).seats_taken == 1
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [event.action for event in events] == ["nomination.withdrawn", "nomination.accepted"]
    assert events[0].actor_id == admin.id and events[0].details["reason"] == "moved abroad"


def test_a_promotion_is_the_systems_decision_and_keeps_who_triggered_it_in_the_audit_only(make, db):
    edition = make.edition(seats=1)
    leaving_organisation = make.organisation()
    leaving = make.nomination(edition, leaving_organisation, status="accepted")
    waiting = make.nomination(edition, make.organisation(), status="waitlisted", decision_reason="wait, please")
    # The coordinator of ANOTHER organisation than the promoted nominee's withdraws their own nominee.
    coordinator = make.coordinator(leaving_organisation)
    transition(leaving, S.WITHDRAWN, actor=coordinator)
    db.session.commit()
    stored = db.session.get(Nomination, waiting.id)
    assert stored.status is S.ACCEPTED and stored.decided_at is not None
    assert stored.decided_by_id is None
    assert stored.decision_reason is None  # no free text: the page says it in the reader's language
    accepted = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "nomination.accepted")).one()
    assert accepted.actor_id is None and accepted.object_id == str(waiting.id)
    assert accepted.details["promotion"] is True and accepted.details["triggered_by_id"] == coordinator.id
    assert accepted.details["reason"] is None and accepted.details["from_status"] == "waitlisted"


def test_filling_seats_after_an_edition_grows_is_the_systems_decision_too(make, db):
    edition = make.edition(seats=1)
    make.nomination(edition, status="accepted")
    waiting = [make.nomination(edition, status="waitlisted", waitlisted_at=utcnow() - timedelta(hours=hours))
               for hours in (2, 1)]
    admin = make.admin()
    edition.seats = 3
    promoted = waitlist.fill_seats_from_waitlist(edition.id, actor=admin)
    db.session.commit()
    assert [nomination.id for nomination in promoted] == [nomination.id for nomination in waiting]
    assert all(nomination.decided_by_id is None for nomination in promoted)
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "nomination.accepted")).all()
    assert [(event.actor_id, event.details["triggered_by_id"]) for event in events] == [(None, admin.id)] * 2


def test_a_promotion_refuses_an_actor_or_a_free_text_reason(make, db):
    waiting = make.nomination(status="waitlisted")
    for kwargs in ({"actor": make.admin(), "reason": None}, {"actor": None, "reason": "moved up"}):
        with pytest.raises(ValueError):
            operations.apply_transition(waiting, S.ACCEPTED, now=utcnow(), promotion=True, **kwargs)
    assert waiting.status is S.WAITLISTED


def test_promotion_skips_waitlisted_nominees_that_quota_or_parity_refuse(make, db):
    edition = make.edition(seats=3, quota_per_organisation=2, parity_rule=ParityRule.BALANCED)
    full, balanced = make.organisation(), make.organisation()
    make.nomination(edition, full, status="accepted", gender="woman")
    make.nomination(edition, full, status="accepted", gender="man")
    leaving = make.nomination(edition, balanced, status="accepted", gender="woman")
    start = utcnow() - timedelta(hours=3)
    over_quota = make.nomination(edition, full, status="waitlisted", waitlisted_at=start)
    woman = make.nomination(edition, balanced, status="waitlisted", gender="woman",
                            waitlisted_at=start + timedelta(hours=2))
    promoted = transition(leaving, S.WITHDRAWN, actor=None)
    assert promoted.id == woman.id
    assert db.session.get(Nomination, over_quota.id).status is S.WAITLISTED


def test_promotion_respects_parity(make, db):
    edition, organisation = make.edition(seats=3, parity_rule=ParityRule.BALANCED), make.organisation()
    make.nomination(edition, organisation, status="accepted", gender="man")
    make.nomination(edition, organisation, status="accepted", gender="woman")
    leaving = make.nomination(edition, organisation, status="accepted", gender="man")
    start = utcnow() - timedelta(hours=3)
    man = make.nomination(edition, organisation, status="waitlisted", gender="man", waitlisted_at=start)
    woman = make.nomination(edition, organisation, status="waitlisted", gender="woman",
                            waitlisted_at=start + timedelta(hours=1))
    promoted = transition(leaving, S.WITHDRAWN, actor=None)
    # After the withdrawal: 1 woman, 1 man; the waiting man makes it 2–1, allowed; he is first.
    assert promoted.id == man.id
    assert db.session.get(Nomination, woman.id).status is S.WAITLISTED


def test_promotion_skips_a_man_when_men_already_outnumber_women(make, db):
    edition, organisation = make.edition(seats=3, parity_rule=ParityRule.BALANCED), make.organisation()
    make.nomination(edition, organisation, status="accepted", gender="man")
    leaving = make.nomination(edition, organisation, status="accepted", gender="woman")
    start = utcnow() - timedelta(hours=3)
    man = make.nomination(edition, organisation, status="waitlisted", gender="man", waitlisted_at=start)
    woman = make.nomination(edition, organisation, status="waitlisted", gender="woman",
                            waitlisted_at=start + timedelta(hours=1))
    promoted = transition(leaving, S.WITHDRAWN, actor=None)
    assert promoted.id == woman.id
    assert db.session.get(Nomination, man.id).status is S.WAITLISTED


def test_withdrawing_without_a_seat_promotes_nobody(make, db):
    edition = make.edition(seats=1)
    make.nomination(edition, status="accepted")
    leaving = make.nomination(edition, status="submitted")
    waiting = make.nomination(edition, status="waitlisted")
    assert transition(leaving, S.WITHDRAWN, actor=None) is None
    assert waiting.status is S.WAITLISTED
    assert db.session.get(Edition, edition.id).seats_taken == 1


def test_withdrawing_with_nobody_waiting_leaves_the_seat_free(make, db):
    edition = make.edition(seats=2)
    leaving = make.nomination(edition, status="accepted")
    assert transition(leaving, S.WITHDRAWN, actor=None) is None
    db.session.commit()
    assert db.session.get(Edition, edition.id).seats_taken == 0
