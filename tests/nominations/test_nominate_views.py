"""Coordinators nominate people of their own organisation: screens, refusals, privacy."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from academy.audit.models import AuditEvent
from academy.db_types import utcnow
from academy.nominations.languages import LANGUAGE_CODES
from academy.nominations.models import EditionStatus, Gender, Nomination, NominationStatus as S, ParityRule
from academy.nominations.nominate_forms import PRIVACY_NOTICE_VERSION

from ..querycount import count_queries


def _form(edition, **overrides):
    """A valid nominee for ``edition`` (25 years old on its first day)."""
    values = dict(given_names="Amina", family_name="Diallo", email="Amina.Diallo@Example.org",
                  date_of_birth=date(edition.starts_on.year - 25, 3, 1).isoformat(), gender="woman",
                  country="SN", languages=["fr", "en"], language="fr", party_role="Youth secretary",
                  motivation="Runs the youth campaigns.", consent="y", save="1")
    values.update(overrides)
    return values


def _nominations(db):
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Nomination).order_by(Nomination.id)))


# --- Overview pages ------------------------------------------------------------------------------


def test_index_lists_open_editions_with_own_counts_only(client, make, coordinator, organisation):
    edition = make.edition(name="Campaigning School")
    make.nomination(edition, organisation, status="submitted")
    make.nomination(edition, organisation, status="draft")
    make.nomination(edition, status="submitted")  # another organisation's
    make.edition(name="Closed Long Ago", status=EditionStatus.CLOSED,
                 nominations_open_at=utcnow() - timedelta(days=200),
                 nominations_close_at=utcnow() - timedelta(days=150))
    make.edition(name="Still Being Prepared", status=EditionStatus.DRAFT)
    page = client.get("/nominations/").get_data(as_text=True)
    assert "Campaigning School" in page
    assert "Closed Long Ago" not in page and "Still Being Prepared" not in page
    row = page.split("Campaigning School")[1].split("</tr>")[0]
    assert [cell.split("<")[0] for cell in row.split("<td>")[2:]] == ["1", "1", "0", "0", "2"]


def test_index_keeps_recently_closed_editions_where_the_organisation_nominated(client, make, coordinator,
                                                                              organisation):
    closed = dict(status=EditionStatus.CLOSED, nominations_open_at=utcnow() - timedelta(days=30),
                  nominations_close_at=utcnow() - timedelta(days=5))
    nominated = make.edition(name="Recent With Nominees", **closed)
    make.edition(name="Recent Without Nominees", **closed)
    make.nomination(nominated, organisation, status="accepted")
    page = client.get("/nominations/").get_data(as_text=True)
    assert "Recent With Nominees" in page and "Recent Without Nominees" not in page


def test_edition_page_shows_quota_and_parity_status(client, make, coordinator, organisation):
    edition = make.edition(quota_per_organisation=3, parity_rule=ParityRule.BALANCED)
    make.nomination(edition, organisation, status="accepted", gender="woman", given_names="Wanjiru")
    make.nomination(edition, organisation, status="submitted", gender="man", given_names="Mateo")
    make.nomination(edition, status="submitted", given_names="Elsewhere")
    page = client.get(f"/nominations/editions/{edition.id}").get_data(as_text=True)
    assert "Wanjiru" in page and "Mateo" in page and "Elsewhere" not in page
    assert "1 of the quota of 3." in page
    assert "Accepted — women: 1, men: 0." in page and "Submitted — women: 0, men: 1." in page
    assert "The next accepted nominee must be a man." in page


def test_pairs_edition_page_offers_the_pair_form(client, make, coordinator, organisation):
    edition = make.edition(parity_rule=ParityRule.PAIRS)
    make.nomination(edition, organisation, status="accepted", gender="woman")
    make.nomination(edition, organisation, gender="woman", given_names="Draft Woman")
    make.nomination(edition, organisation, gender="man", given_names="Draft Man")
    page = client.get(f"/nominations/editions/{edition.id}").get_data(as_text=True)
    assert "Submit a woman and a man together, as a pair." in page
    assert "The next accepted nominee must be a man." in page
    assert f"/nominations/editions/{edition.id}/submit-pair" in page


def test_edition_page_queries_do_not_grow_with_nominations(client, db, make, coordinator, organisation):
    edition = make.edition(parity_rule=ParityRule.PAIRS)

    def queries():
        with count_queries() as log:
            assert client.get(f"/nominations/editions/{edition.id}").status_code == 200
        return log.count

    make.nomination(edition, organisation, gender="woman")
    small = queries()
    for number in range(30):
        make.nomination(edition, organisation, gender=("woman", "man", "other")[number % 3],
                        status=("draft", "submitted", "accepted")[number % 3] if number < 9 else "draft")
    assert queries() == small


def test_index_queries_do_not_grow_with_editions(client, make, coordinator, organisation):
    def queries():
        with count_queries() as log:
            assert client.get("/nominations/").status_code == 200
        return log.count

    make.nomination(make.edition(), organisation)
    small = queries()
    for _ in range(6):
        make.nomination(make.edition(), organisation, status="submitted")
    assert queries() == small


def test_draft_editions_are_not_found(client, make, coordinator):
    edition = make.edition(status=EditionStatus.DRAFT)
    assert client.get(f"/nominations/editions/{edition.id}").status_code == 404
    assert client.get(f"/nominations/editions/{edition.id}/new").status_code == 404


def test_an_admin_views_the_organisation_they_choose(client, make, login_as, organisation):
    edition = make.edition()
    make.nomination(edition, organisation, given_names="Visible")
    login_as(make.admin())
    assert "Choose the organisation" in client.get("/nominations/").get_data(as_text=True)
    page = client.get(f"/nominations/editions/{edition.id}?organisation={organisation.id}").get_data(as_text=True)
    assert "Visible" in page and "Withdraw" not in page
    assert client.get(f"/nominations/editions/{edition.id}/new").status_code == 403


# --- Nominating one person --------------------------------------------------------------------


def test_a_person_known_by_one_name_only_is_nominated_with_an_empty_family_name(client, db, make, coordinator):
    edition = make.edition()
    response = client.post(f"/nominations/editions/{edition.id}/new",
                           data=_form(edition, given_names="Wiranti", family_name=" "))
    assert response.status_code == 302
    [saved] = _nominations(db)
    assert (saved.given_names, saved.family_name, saved.full_name) == ("Wiranti", "", "Wiranti")
    refused = client.post(f"/nominations/editions/{edition.id}/new",
                          data=_form(edition, given_names="", family_name="Wiranti", email="other@example.org"))
    assert refused.status_code == 400 and "Enter the name as it should appear on a certificate." in refused.text


def test_new_nomination_is_saved_as_a_draft_with_consent(client, db, make, coordinator, organisation):
    edition = make.edition()
    assert client.get(f"/nominations/editions/{edition.id}/new").status_code == 200
    response = client.post(f"/nominations/editions/{edition.id}/new", data=_form(edition))
    assert response.status_code == 302
    [nomination] = _nominations(db)
    assert nomination.status is S.DRAFT and nomination.email == "amina.diallo@example.org"
    assert nomination.organisation_id == organisation.id and nomination.nominated_by_id == coordinator.id
    assert nomination.languages == ["fr", "en"] and nomination.language == "fr" and nomination.country == "SN"
    assert nomination.consent_version == PRIVACY_NOTICE_VERSION and nomination.consent_at is not None
    assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.object_id == str(nomination.id))) \
        == "nomination.created"


def test_save_and_submit_submits(client, db, make, coordinator):
    edition = make.edition()
    response = client.post(f"/nominations/editions/{edition.id}/new",
                           data=_form(edition, save=None, save_and_submit="1"))
    assert response.status_code == 302
    assert _nominations(db)[0].status is S.SUBMITTED


@pytest.mark.parametrize("field, value", [
    ("given_names", ""), ("email", "not-an-address"), ("date_of_birth", "31/12/2000"), ("gender", "robot"),
    ("country", "EU"), ("languages", ["xx"]), ("language", "de"), ("consent", None), ("motivation", "x" * 4001),
    ("family_name", "Dia\x00llo"), ("motivation", "escape \x1b[31m"),
])
def test_invalid_fields_are_refused_and_nothing_is_saved(client, db, make, coordinator, field, value):
    edition = make.edition()
    response = client.post(f"/nominations/editions/{edition.id}/new", data=_form(edition, **{field: value}))
    assert response.status_code == 400
    # A NUL is refused for the whole request before the form sees it (tests/test_input_guard.py).
    expected = "contains a null character" if "\x00" in str(value) else 'aria-invalid="true"'
    assert expected in response.get_data(as_text=True)
    assert _nominations(db) == []


def test_languages_offer_iso_639_1_codes_named_in_the_reader_language(client, make, coordinator):
    assert len(LANGUAGE_CODES) == 183 and {"en", "ar", "wo", "qu"} <= LANGUAGE_CODES
    page = client.get(f"/nominations/editions/{make.edition().id}/new").get_data(as_text=True)
    assert "Wolof (wo)" in page


def _refused(response, text, db, count=0):
    assert response.status_code == 409
    assert text in response.get_data(as_text=True)
    assert len(_nominations(db)) == count


def test_the_required_language_is_named_in_the_reader_s_language(client, db, make, coordinator):
    edition = make.edition(required_language="sw")
    _refused(client.post(f"/nominations/editions/{edition.id}/new", data=_form(edition, save=None,
                                                                                  save_and_submit="1")),
             "nominees must speak the edition&#39;s required language (Swahili)", db)
    coordinator.preferred_language = "fr"
    db.session.commit()
    _refused(client.post(f"/nominations/editions/{edition.id}/new", data=_form(edition, save=None,
                                                                                  save_and_submit="1")),
             "(swahili)", db)


def test_closed_window_is_refused(client, db, make, coordinator):
    edition = make.edition(nominations_open_at=utcnow() - timedelta(days=10),
                           nominations_close_at=utcnow() - timedelta(days=1))
    _refused(client.post(f"/nominations/editions/{edition.id}/new", data=_form(edition)),
             "Nominations for this edition are not open.", db)


def test_an_address_the_organisation_already_nominated_is_refused(client, db, make, coordinator, organisation):
    edition = make.edition()
    make.nomination(edition, organisation, email="amina.diallo@example.org")
    _refused(client.post(f"/nominations/editions/{edition.id}/new", data=_form(edition)),
             "This person has already been nominated for this edition.", db, count=1)


def test_another_organisations_nomination_of_the_address_is_not_revealed(client, db, make, coordinator,
                                                                        organisation):
    """Two organisations may nominate one person; refusing would tell the second coordinator of the first."""
    edition = make.edition()
    make.nomination(edition, email="amina.diallo@example.org")  # by another organisation
    response = client.post(f"/nominations/editions/{edition.id}/new", data=_form(edition))
    assert response.status_code == 302
    assert "already" not in response.get_data(as_text=True)
    assert sorted(n.organisation_id == organisation.id for n in _nominations(db)) == [False, True]


def test_ineligible_age_is_refused(client, db, make, coordinator):
    edition = make.edition()
    birth = date(edition.starts_on.year - 40, 1, 1).isoformat()
    _refused(client.post(f"/nominations/editions/{edition.id}/new", data=_form(edition, date_of_birth=birth)),
             "Not eligible: nominees must be 18 to 35 years old", db)


def test_organisation_outside_the_allow_list_is_refused(client, db, make, coordinator):
    edition = make.edition(organisations=[make.organisation()])
    _refused(client.post(f"/nominations/editions/{edition.id}/new", data=_form(edition)),
             "this edition is not open to nominees of this organisation", db)


def test_single_submission_under_pairs_is_refused_and_the_draft_is_not_kept(client, db, make, coordinator):
    edition = make.edition(parity_rule=ParityRule.PAIRS)
    _refused(client.post(f"/nominations/editions/{edition.id}/new",
                         data=_form(edition, save=None, save_and_submit="1")),
             "submit a woman and a man together", db)


# --- Editing, submitting, withdrawing ----------------------------------------------------------


def test_edit_corrects_a_submitted_nomination(client, db, make, coordinator, organisation):
    edition = make.edition()
    nomination = make.nomination(edition, organisation, status="submitted", consent_version=PRIVACY_NOTICE_VERSION)
    page = client.get(f"/nominations/{nomination.id}/edit").get_data(as_text=True)
    assert nomination.email in page
    response = client.post(f"/nominations/{nomination.id}/edit",
                           data=_form(edition, family_name="Diallo-Sow", email=nomination.email))
    assert response.status_code == 302
    [saved] = _nominations(db)
    assert saved.family_name == "Diallo-Sow" and saved.status is S.SUBMITTED
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "nomination.updated")).one()
    assert "family_name" in event.details["fields"]


def test_under_pairs_a_submitted_nominee_s_gender_cannot_change_but_the_rest_can(client, db, make, coordinator,
                                                                                   organisation):
    edition = make.edition(parity_rule=ParityRule.PAIRS)
    nomination = make.nomination(edition, organisation, status="submitted", gender="man",
                                 consent_version=PRIVACY_NOTICE_VERSION)
    refused = client.post(f"/nominations/{nomination.id}/edit",
                          data=_form(edition, gender="woman", family_name="After", email=nomination.email))
    assert refused.status_code == 409 and "the gender of a submitted nominee cannot change" in refused.text
    [saved] = _nominations(db)
    assert saved.gender is Gender.MAN and saved.family_name != "After"
    corrected = client.post(f"/nominations/{nomination.id}/edit",
                            data=_form(edition, gender="man", family_name="After", email=nomination.email))
    assert corrected.status_code == 302 and _nominations(db)[0].family_name == "After"


def test_edit_to_an_address_the_organisation_already_nominated_is_refused(client, db, make, coordinator,
                                                                           organisation):
    edition = make.edition()
    make.nomination(edition, organisation, email="taken@example.org")
    nomination = make.nomination(edition, organisation, family_name="Before")
    response = client.post(f"/nominations/{nomination.id}/edit",
                           data=_form(edition, email="taken@example.org", family_name="After"))
    assert response.status_code == 409
    assert db.session.get(Nomination, nomination.id).family_name == "Before"


@pytest.mark.parametrize("status", ["accepted", "withdrawn", "declined"])
def test_decided_nominations_cannot_be_edited(client, db, make, coordinator, organisation, status):
    nomination = make.nomination(make.edition(), organisation, status=status)
    assert client.get(f"/nominations/{nomination.id}/edit").status_code == 409


def test_edit_after_the_window_closed_is_refused(client, db, make, coordinator, organisation):
    edition = make.edition()
    nomination = make.nomination(edition, organisation)
    edition.nominations_close_at = utcnow() - timedelta(minutes=1)
    edition.nominations_open_at = utcnow() - timedelta(days=3)
    db.session.commit()
    assert client.post(f"/nominations/{nomination.id}/edit", data=_form(edition)).status_code == 409


def test_submit_and_withdraw(client, db, make, coordinator, organisation):
    nomination = make.nomination(make.edition(), organisation)
    assert client.post(f"/nominations/{nomination.id}/submit").status_code == 302
    assert _nominations(db)[0].status is S.SUBMITTED
    assert client.post(f"/nominations/{nomination.id}/withdraw").status_code == 302
    assert _nominations(db)[0].status is S.WITHDRAWN


def test_withdrawing_a_draft_is_refused(client, db, make, coordinator, organisation):
    nomination = make.nomination(make.edition(), organisation)
    assert client.post(f"/nominations/{nomination.id}/withdraw").status_code == 409
    assert _nominations(db)[0].status is S.DRAFT


def test_withdrawing_after_the_window_closed_is_refused(client, db, make, coordinator, organisation):
    edition = make.edition()
    nomination = make.nomination(edition, organisation, status="accepted")
    edition.status = EditionStatus.CLOSED
    db.session.commit()
    assert client.post(f"/nominations/{nomination.id}/withdraw").status_code == 409
    assert _nominations(db)[0].status is S.ACCEPTED


def test_pairs_refuse_a_single_submission_and_take_a_pair(client, db, make, coordinator, organisation):
    edition = make.edition(parity_rule=ParityRule.PAIRS)
    woman = make.nomination(edition, organisation, gender="woman")
    man = make.nomination(edition, organisation, gender="man")
    response = client.post(f"/nominations/{woman.id}/submit")
    assert response.status_code == 409 and "submit a woman and a man together" in response.get_data(as_text=True)
    assert {item.status for item in _nominations(db)} == {S.DRAFT}
    response = client.post(f"/nominations/editions/{edition.id}/submit-pair",
                           data={"woman": str(woman.id), "man": str(man.id)})
    assert response.status_code == 302
    assert {item.status for item in _nominations(db)} == {S.SUBMITTED}


def test_a_pair_of_two_women_is_refused(client, db, make, coordinator, organisation):
    edition = make.edition(parity_rule=ParityRule.PAIRS)
    first = make.nomination(edition, organisation, gender="woman")
    second = make.nomination(edition, organisation, gender="woman")
    response = client.post(f"/nominations/editions/{edition.id}/submit-pair",
                           data={"woman": str(first.id), "man": str(second.id)})
    assert response.status_code == 409
    assert {item.status for item in _nominations(db)} == {S.DRAFT}


# --- Privacy: another organisation's nominations do not exist --------------------------------


@pytest.mark.parametrize("method, path", [
    ("GET", "/nominations/{id}/edit"), ("POST", "/nominations/{id}/edit"),
    ("POST", "/nominations/{id}/submit"), ("POST", "/nominations/{id}/withdraw"),
])
def test_another_organisations_nomination_is_not_found(client, db, make, coordinator, method, path):
    edition = make.edition()
    other = make.nomination(edition, status="submitted", given_names="Secret")
    data = _form(edition, email=other.email) if method == "POST" else None
    missing = client.open(path.format(id=other.id + 1000), method=method, data=data)
    response = client.open(path.format(id=other.id), method=method, data=data)
    assert response.status_code == missing.status_code == 404
    assert "Secret" not in response.get_data(as_text=True)
    assert db.session.get(Nomination, other.id).status is S.SUBMITTED


def test_a_pair_cannot_include_another_organisations_draft(client, db, make, coordinator, organisation):
    edition = make.edition(parity_rule=ParityRule.PAIRS)
    woman = make.nomination(edition, organisation, gender="woman")
    foreign_man = make.nomination(edition, gender="man")
    response = client.post(f"/nominations/editions/{edition.id}/submit-pair",
                           data={"woman": str(woman.id), "man": str(foreign_man.id)})
    assert response.status_code == 400
    assert {item.status for item in _nominations(db)} == {S.DRAFT}


def test_a_coordinator_cannot_look_at_another_organisation(client, make, coordinator):
    edition = make.edition()
    other = make.nomination(edition, status="submitted", given_names="Secret")
    page = client.get(f"/nominations/editions/{edition.id}?organisation={other.organisation_id}")
    assert "Secret" not in page.get_data(as_text=True)


def test_privacy_notice_is_public_versioned_and_translated(client):
    page = client.get("/nominations/privacy-notice").get_data(as_text=True)
    assert PRIVACY_NOTICE_VERSION in page and "Who sees it" in page
    assert client.get("/nominations/privacy-notice", headers={"Accept-Language": "fr"}).status_code == 200


def test_gender_labels_come_from_the_model(client, make, coordinator):
    page = client.get(f"/nominations/editions/{make.edition().id}/new").get_data(as_text=True)
    assert str(Gender.UNDISCLOSED.label) in page


# --- Deleting drafts -----------------------------------------------------------------------------


def test_a_draft_is_deleted_after_a_question_with_the_personal_data_it_held(client, db, make, coordinator,
                                                                            organisation):
    edition = make.edition()
    draft = make.nomination(edition, organisation, status="draft", given_names="Zawadi", family_name="Mwangi")
    draft_id = draft.id
    page = client.get(f"/nominations/editions/{edition.id}").text
    assert f'href="/nominations/{draft.id}/delete"' in page
    question = client.get(f"/nominations/{draft.id}/delete")
    assert question.status_code == 200 and "Delete the draft for Zawadi Mwangi?" in question.text
    assert len(_nominations(db)) == 1  # asking deletes nothing
    response = client.post(f"/nominations/{draft.id}/delete")
    assert response.status_code == 302 and _nominations(db) == []
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "nomination.draft_deleted")).one()
    assert event.actor_id == coordinator.id and event.object_id == str(draft_id)
    assert "Zawadi" not in str(event.details)


def test_only_the_organisation_s_own_drafts_can_be_deleted(client, db, make, coordinator, organisation):
    edition = make.edition()
    submitted = make.nomination(edition, organisation, status="submitted")
    theirs = make.nomination(edition, status="draft")  # another organisation's
    refused = client.post(f"/nominations/{submitted.id}/delete")
    assert refused.status_code == 409 and "Only a draft can be deleted" in refused.text
    assert client.get(f"/nominations/{submitted.id}/delete").status_code == 409
    assert client.post(f"/nominations/{theirs.id}/delete").status_code == 404
    assert client.get(f"/nominations/{theirs.id}/delete").status_code == 404
    assert len(_nominations(db)) == 2
    assert db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "nomination.draft_deleted")).all() == []


def test_a_draft_submitted_meanwhile_is_not_deleted_and_nothing_is_audited(db, make, coordinator, organisation):
    from academy.nominations import operations

    nomination = make.nomination(make.edition(), organisation, status="draft")
    db.session.execute(sa.update(Nomination).where(Nomination.id == nomination.id)
                       .values(status=S.SUBMITTED))  # another request submitted it after it was read
    assert operations.delete_draft(nomination, actor=coordinator) is False
    db.session.commit()
    assert [item.id for item in _nominations(db)] == [nomination.id]
    assert db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "nomination.draft_deleted")).all() == []
