"""Submitting many drafts at once: the single submission's rules, one audit event and one notice per
nominee, one summary per coordinator, and nothing written when any nominee is refused."""
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import g
from flask_babel import force_locale

from academy.audit.models import AuditEvent
from academy.db_types import utcnow
from academy.nominations import notifications, operations
from academy.nominations.models import EditionStatus, Nomination, NominationStatus as S, ParityRule
from academy.nominations.operations import NominationRefused, transition
from academy.nominations.submission import submit_many
from academy.outbox.models import OutboxMessage
from tests.querycount import count_queries


def _count(db, model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _subject_in(language, subject) -> str:
    with force_locale(language):
        return str(subject)


@pytest.fixture
def setting(make):
    """An edition, an organisation and its coordinator, who reads Spanish."""
    organisation = make.organisation()
    coordinator = make.coordinator(organisation, preferred_language="es")
    return make.edition(name="Campaign School 2027"), organisation, coordinator


def _drafts(make, setting, count: int, **fields) -> list[Nomination]:
    edition, organisation, coordinator = setting
    languages = ("fr", "ar", "en", "es")
    fields.setdefault("nominated_by_id", coordinator.id)
    return [make.nomination(edition, organisation, language=languages[number % 4],
                            gender=("woman", "man", "other")[number % 3], **fields)
            for number in range(count)]


# --- Submitting -----------------------------------------------------------------------------------


def test_drafts_are_submitted_at_the_given_time(make, db, setting):
    nominations = _drafts(make, setting, 3)
    now = utcnow().replace(microsecond=0)
    submit_many(nominations, actor=setting[2], now=now)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.execute(sa.select(Nomination.status, Nomination.submitted_at)).all()
    assert stored == [(S.SUBMITTED, now)] * 3


def test_each_nominee_gets_an_audit_event_shaped_as_a_single_submission(app, make, db, setting):
    edition, organisation, coordinator = setting
    *many, single = _drafts(make, setting, 3)
    with app.test_request_context(environ_base={"REMOTE_ADDR": "203.0.113.9"}):
        submit_many(many, actor=coordinator)
        transition(single, S.SUBMITTED, actor=coordinator)
        db.session.commit()
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [event.object_id for event in events] == [str(nomination.id) for nomination in (*many, single)]
    shapes = {(event.action, event.actor_id, event.object_type, event.ip_address, tuple(event.details.items()))
              for event in events}
    assert shapes == {("nomination.submitted", coordinator.id, "nominations", "203.0.113.9",
                       (("reason", None), ("from_status", "draft")))}
    assert all(event.occurred_at is not None for event in events)


def test_each_nominee_is_told_in_their_language_and_the_coordinator_once(make, db, outbox, setting):
    edition, organisation, coordinator = setting
    nominations = _drafts(make, setting, 3)
    submit_many(nominations, actor=coordinator)
    db.session.commit()

    assert len(outbox()) == 4
    for nomination in nominations:
        [notice] = outbox(nomination.email)
        assert notice.language == nomination.language
        assert notice.subject == _subject_in(nomination.language, notifications.nominee_subject(
            notifications.SUBMITTED, edition=edition.name, nominee=nomination.full_name))
        assert nomination.full_name in notice.body_text and "Campaign School 2027" in notice.body_text
    [summary] = outbox(coordinator.email)
    assert summary.language == "es"
    assert "3" in summary.subject and "Campaign School 2027" in summary.subject
    assert summary.body_text.startswith(f"Hola, {coordinator.display_name}:")
    assert "3" in summary.body_text and "Campaign School 2027" in summary.body_text
    assert "El equipo de la Academia Activista" in summary.body_text


def test_a_nominees_notice_is_the_one_a_single_submission_sends(make, db, outbox, setting):
    [nomination] = _drafts(make, setting, 1)
    submit_many([nomination], actor=setting[2])
    notifications.notify(nomination, notifications.SUBMITTED)
    db.session.commit()
    bulk, single = outbox(nomination.email)
    assert (bulk.language, bulk.subject, bulk.body_text) == (single.language, single.subject, single.body_text)


def test_a_nominee_with_an_account_is_told_in_the_accounts_language(make, db, outbox, setting):
    account = make.trainee(preferred_language="ar")
    [nomination] = _drafts(make, setting, 1, user_id=account.id)
    assert nomination.language == "fr"
    submit_many([nomination], actor=setting[2])
    db.session.commit()
    assert outbox(nomination.email)[0].language == "ar"


def test_a_coordinator_gets_one_summary_per_edition_with_its_count(make, db, outbox, setting):
    edition, organisation, coordinator = setting
    other = make.edition(name="Digital Organising 2027")
    nominations = _drafts(make, setting, 2) + [
        make.nomination(other, organisation, nominated_by_id=coordinator.id, gender="other")]
    submit_many(nominations, actor=coordinator)
    db.session.commit()
    summaries = {message.subject: message.body_text for message in outbox(coordinator.email)}
    assert len(summaries) == 2
    [first] = [body for subject, body in summaries.items() if "Campaign School 2027" in subject]
    [second] = [body for subject, body in summaries.items() if "Digital Organising 2027" in subject]
    assert "2 " in first and "1 " in second


def test_without_a_nominating_coordinator_every_active_coordinator_gets_the_summary(make, db, outbox, setting):
    edition, organisation, coordinator = setting
    colleague = make.coordinator(organisation, preferred_language="fr")
    nominations = _drafts(make, setting, 2, nominated_by_id=None)
    submit_many(nominations, actor=coordinator)
    db.session.commit()
    assert len(outbox(coordinator.email)) == 1 and len(outbox(colleague.email)) == 1
    assert outbox(colleague.email)[0].language == "fr"


def test_queued_mail_is_registered_for_delivery_after_the_request(app, make, db, setting):
    nominations = _drafts(make, setting, 2)
    with app.test_request_context("/"):
        submit_many(nominations, actor=setting[2])
        pending = list(g.outbox_pending)
    assert sorted(pending) == sorted(db.session.scalars(sa.select(OutboxMessage.id)))
    assert len(pending) == 3


def test_the_query_count_does_not_grow_with_the_number_of_nominees(make, db, setting):
    def queries_for(count: int) -> int:
        nominations = _drafts(make, setting, count)
        db.session.expire_all()
        nominations = db.session.scalars(sa.select(Nomination).where(
            Nomination.id.in_([nomination.id for nomination in nominations]))).all()
        with count_queries() as queries:
            submit_many(nominations, actor=setting[2])
        db.session.rollback()
        return queries.count

    assert queries_for(2) == queries_for(12)


# --- Refusing: the rules of a single submission, nothing written ---------------------------------


def _closed(make, organisation):
    edition = make.edition(status=EditionStatus.CLOSED)
    return [make.nomination(edition, organisation)], make.nomination(edition, organisation)


def _not_yet_open(make, organisation):
    edition = make.edition(nominations_open_at=utcnow() + timedelta(hours=1))
    return [make.nomination(edition, organisation)], make.nomination(edition, organisation)


def _too_old(make, organisation):
    edition = make.edition()
    return [make.nomination(edition, organisation)], make.nomination(edition, organisation, age=36)


def _too_young(make, organisation):
    edition = make.edition()
    return [make.nomination(edition, organisation)], make.nomination(edition, organisation, age=17)


def _without_the_language(make, organisation):
    edition = make.edition(required_language="fr")
    return ([make.nomination(edition, organisation, languages=["fr"])],
            make.nomination(edition, organisation, languages=["en"]))


def _outside_the_allow_list(make, organisation):
    edition = make.edition(organisations=[organisation])
    return [make.nomination(edition, organisation)], make.nomination(edition, make.organisation())


def _deactivated_organisation(make, organisation):
    edition = make.edition()
    return [make.nomination(edition, organisation)], make.nomination(edition, make.organisation(is_active=False))


def _pairs(make, organisation):
    edition = make.edition(parity_rule=ParityRule.PAIRS)
    return [make.nomination(edition, organisation, gender="other")], make.nomination(edition, organisation)


def _already_submitted(make, organisation):
    edition = make.edition()
    return [make.nomination(edition, organisation)], make.nomination(edition, organisation, status="submitted")


@pytest.mark.parametrize("scenario, code", [
    (_closed, operations.WINDOW_CLOSED), (_not_yet_open, operations.WINDOW_CLOSED),
    (_too_old, operations.NOT_ELIGIBLE), (_too_young, operations.NOT_ELIGIBLE),
    (_without_the_language, operations.NOT_ELIGIBLE), (_outside_the_allow_list, operations.NOT_ELIGIBLE),
    (_deactivated_organisation, operations.NOT_ELIGIBLE), (_pairs, operations.PARITY),
    (_already_submitted, operations.ILLEGAL_TRANSITION)])
def test_a_refusal_is_the_single_submissions_and_writes_nothing(make, db, scenario, code):
    organisation = make.organisation()
    good, bad = scenario(make, organisation)
    before = {nomination.id: nomination.status for nomination in (*good, bad)}
    with pytest.raises(NominationRefused) as bulk:
        submit_many([*good, bad], actor=make.admin())
    # The operation itself wrote nothing, even before the caller rolls back.
    assert _count(db, AuditEvent) == 0 and _count(db, OutboxMessage) == 0
    assert dict(db.session.execute(sa.select(Nomination.id, Nomination.status)).all()) == before
    with pytest.raises(NominationRefused) as single:
        transition(bad, S.SUBMITTED, actor=None)
    assert bulk.value.code == single.value.code == code
    assert str(bulk.value.message) == str(single.value.message)
    db.session.rollback()


def test_a_nominee_of_another_gender_may_be_submitted_alone_under_pairs(make, db):
    edition, organisation = make.edition(parity_rule=ParityRule.PAIRS), make.organisation()
    nominations = [make.nomination(edition, organisation, gender=gender) for gender in ("other", "undisclosed")]
    submit_many(nominations, actor=None)
    db.session.commit()
    assert {nomination.status for nomination in nominations} == {S.SUBMITTED}


def test_a_nominee_changed_meanwhile_refuses_the_whole_batch(make, db, setting):
    nominations = _drafts(make, setting, 3)
    # Another request submits one after these were read (the session still holds them as drafts).
    db.session.execute(sa.update(Nomination).where(Nomination.id == nominations[1].id)
                       .values(status=S.SUBMITTED).execution_options(synchronize_session=False))
    with pytest.raises(NominationRefused) as info:
        submit_many(nominations, actor=setting[2])
    assert info.value.code == operations.ILLEGAL_TRANSITION
    assert _count(db, AuditEvent) == 0 and _count(db, OutboxMessage) == 0
    # Only the other request's change stands, in the database and in the session.
    assert _count(db, Nomination, Nomination.status == S.SUBMITTED) == 1
    assert [nomination.status for nomination in nominations] == [S.DRAFT, S.SUBMITTED, S.DRAFT]


def test_nothing_to_submit_does_nothing(db):
    submit_many([], actor=None)
    assert _count(db, AuditEvent) == 0 and _count(db, OutboxMessage) == 0
