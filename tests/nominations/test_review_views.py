"""Admins review nominations: the queue, one nomination, decisions, bulk decisions, reports, exports."""
from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
import sqlalchemy as sa

from academy.audit.models import AuditEvent
from academy.db_types import utcnow
from academy.nominations.export import ADMIN_HEADER, BOM, neutralise
from academy.nominations.models import Edition, Nomination, NominationStatus as S, ParityRule

from ..querycount import count_queries

QUEUE = "/admin/nominations/"
BULK = "/admin/nominations/decisions"
EXPORT = "/admin/nominations/export.csv"
SVG = "{http://www.w3.org/2000/svg}"


def decide_path(nomination) -> str:
    return f"/admin/nominations/{nomination.id}/decision"


@pytest.fixture
def admin_client(client, make, login_as):
    return login_as(make.admin())


def fresh(db, model, object_id):
    db.session.expire_all()
    return db.session.get(model, object_id)


def ago(minutes: int):
    return utcnow() - timedelta(minutes=minutes)


def ticked(page: str) -> set[int]:
    """The ids of the queue's checkboxes that the page shows ticked."""
    return {int(match[1]) for match in re.finditer(r'<input type="checkbox" name="nomination_ids" value="(\d+)"[^>]*>',
                                                   page) if " checked" in match[0]}


# --- The queue -------------------------------------------------------------------------------

def test_queue_lists_submitted_nominations_newest_first_without_drafts(admin_client, make):
    edition = make.edition(name="Spring School")
    organisation = make.organisation(name="Green Future Party")
    older = make.nomination(edition, organisation, status="submitted", given_names="Older", submitted_at=ago(60))
    newer = make.nomination(edition, organisation, status="accepted", given_names="Newer", submitted_at=ago(5))
    make.nomination(edition, organisation, status="draft", given_names="Drafty")

    response = admin_client.get(QUEUE)

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.index("Newer") < page.index("Older")
    assert "Drafty" not in page
    assert "Spring School" in page and "Green Future Party" in page
    assert f'name="nomination_ids" value="{older.id}"' in page
    assert f'name="nomination_ids" value="{newer.id}"' in page


@pytest.mark.parametrize("name", ["edition", "region", "organisation", "status", "gender"])
def test_each_filter_narrows_the_queue(admin_client, make, name):
    region_a, region_b = make.region(), make.region()
    org_a, org_b = make.organisation(region=region_a), make.organisation(region=region_b)
    edition_a, edition_b = make.edition(), make.edition()
    wanted = make.nomination(edition_a, org_a, status="waitlisted", gender="man", given_names="Wanted")
    make.nomination(edition_b, org_b, status="submitted", gender="woman", given_names="Other")
    value = {"edition": edition_a.id, "region": region_a.id, "organisation": org_a.id,
             "status": "waitlisted", "gender": "man"}[name]

    response = admin_client.get(QUEUE, query_string={name: value})

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'value="{wanted.id}"' in page and "Wanted" in page
    assert "Other" not in page


def test_the_waiting_list_is_shown_in_waiting_order(admin_client, make):
    edition = make.edition()
    first = make.nomination(edition, status="waitlisted", given_names="Firstwaiting", waitlisted_at=ago(90),
                            submitted_at=ago(10))
    second = make.nomination(edition, status="waitlisted", given_names="Secondwaiting", waitlisted_at=ago(30),
                             submitted_at=ago(100))

    page = admin_client.get(QUEUE, query_string={"status": "waitlisted"}).get_data(as_text=True)

    assert page.index(first.given_names) < page.index(second.given_names)


@pytest.mark.parametrize("query", [
    {"edition": "abc"}, {"edition": "999999"}, {"region": "-1"}, {"organisation": "1e3"},
    {"status": "draft"}, {"status": "bogus"}, {"gender": "robot"},
])
def test_bad_filters_answer_400_with_a_message(admin_client, make, query):
    make.nomination(status="submitted")

    response = admin_client.get(QUEUE, query_string=query)

    assert response.status_code == 400
    assert "from the list" in response.get_data(as_text=True)


def test_queue_query_count_does_not_grow_with_data(make_app, make, login_as, db):
    web = make_app()
    client = login_as(make.admin(), on_client=web.test_client())
    edition = make.edition(seats=500)
    organisations = [make.organisation() for _ in range(3)]

    def count_for(path: str) -> int:
        client.get(path)  # warm-up
        with count_queries(db.engine) as queries:
            response = client.get(path)
        assert response.status_code == 200
        return queries.count

    for number in range(2):
        make.nomination(edition, organisations[number % 3], status="submitted")
    small = {path: count_for(path) for path in (QUEUE, f"{QUEUE}?status=waitlisted&edition={edition.id}")}
    for number in range(40):
        make.nomination(edition, organisations[number % 3], status=("submitted", "waitlisted", "accepted")[number % 3],
                        gender=("woman", "man")[number % 2])
    large = {path: count_for(path) for path in small}

    assert large == small


def test_purged_nominations_show_without_personal_data(admin_client, make):
    make.nomination(status="declined", given_names="Gone", purged_at=utcnow(), email=None, date_of_birth=None)

    page = admin_client.get(QUEUE).get_data(as_text=True)

    assert "Personal data removed" in page and "Gone" not in page


# --- One nomination ----------------------------------------------------------------------------

def test_show_nomination_has_personal_data_eligibility_standing_and_history(admin_client, make, db):
    from academy.nominations.operations import transition

    edition = make.edition(quota_per_organisation=2, parity_rule=ParityRule.BALANCED)
    organisation = make.organisation()
    make.nomination(edition, organisation, status="accepted", gender="man")
    nomination = make.nomination(edition, organisation, status="draft", age=27, motivation="Build branches.")
    transition(nomination, S.SUBMITTED, actor=make.coordinator(organisation))
    db.session.commit()

    page = admin_client.get(f"/admin/nominations/{nomination.id}").get_data(as_text=True)

    assert "Build branches." in page
    assert nomination.email in page
    assert ">27<" in page  # age on the first day
    assert "Eligible" in page
    assert "1 of 2 accepted" in page
    assert "Accepted — women: 0, men: 1." in page
    assert "Submitted to the academy" in page and "nomination.submitted" not in page
    assert 'name="decision"' in page


def test_history_shows_an_action_without_a_label_by_its_code(admin_client, make, db):
    from academy.audit.operations import record

    nomination = make.nomination(status="submitted")
    record("nomination.something_new", target=nomination)
    db.session.commit()
    page = admin_client.get(f"/admin/nominations/{nomination.id}").get_data(as_text=True)
    assert "<code>nomination.something_new</code>" in page


def test_show_nomination_reports_ineligibility(admin_client, make):
    nomination = make.nomination(status="submitted", age=50)

    page = admin_client.get(f"/admin/nominations/{nomination.id}").get_data(as_text=True)

    assert "Not eligible" in page


def test_spoken_languages_are_listed_as_the_reader_writes_a_list(client, make, login_as):
    login_as(make.admin(preferred_language="ar"))
    nomination = make.nomination(status="submitted", languages=["fr", "en", "sw"])

    page = client.get(f"/admin/nominations/{nomination.id}").get_data(as_text=True)

    assert "<dd>الفرنسية والإنجليزية والسواحلية</dd>" in page


def test_unknown_nomination_is_404(admin_client):
    assert admin_client.get("/admin/nominations/424242").status_code == 404


# --- Decisions -----------------------------------------------------------------------------------

def test_accepting_takes_a_seat_and_is_audited(admin_client, make, db):
    nomination = make.nomination(status="submitted")

    response = admin_client.post(decide_path(nomination), data={"decision": "accept"})

    assert response.status_code == 302
    stored = fresh(db, Nomination, nomination.id)
    assert stored.status is S.ACCEPTED
    assert db.session.get(Edition, nomination.edition_id).seats_taken == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "nomination.accepted")) == 1


def test_declining_needs_a_reason(admin_client, make, db):
    nomination = make.nomination(status="submitted")

    response = admin_client.post(decide_path(nomination), data={"decision": "decline", "reason": "  "})

    assert response.status_code == 400
    assert "Say why" in response.get_data(as_text=True)
    assert fresh(db, Nomination, nomination.id).status is S.SUBMITTED

    response = admin_client.post(decide_path(nomination), data={"decision": "decline", "reason": "Too late.",
                                                                "confirmed": "yes"})
    assert response.status_code == 302
    stored = fresh(db, Nomination, nomination.id)
    assert stored.status is S.DECLINED and stored.decision_reason == "Too late."


def test_a_decline_is_confirmed_on_a_page_that_says_what_it_does_before_anything_changes(admin_client, make,
                                                                                         db, outbox):
    nomination = make.nomination(status="submitted", given_names="Amina", family_name="Diallo")

    page = admin_client.post(decide_path(nomination),
                             data={"decision": "decline", "reason": "Over the age <limit>"})

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Decline Amina Diallo?" in html and "Over the age &lt;limit&gt;" in html
    assert "told by e-mail, with this reason" in html
    assert '<input type="hidden" name="confirmed" value="yes">' in html
    assert '<input type="hidden" name="decision" value="decline">' in html
    assert fresh(db, Nomination, nomination.id).status is S.SUBMITTED
    assert outbox() == []
    confirmed = admin_client.post(decide_path(nomination), data={"decision": "decline", "confirmed": "yes",
                                                                  "reason": "Over the age <limit>"})
    assert confirmed.status_code == 302
    assert fresh(db, Nomination, nomination.id).decision_reason == "Over the age <limit>"


@pytest.mark.parametrize("confirmed", ["", "no", "YES"])
def test_only_an_explicit_confirmation_declines(admin_client, make, db, confirmed):
    nomination = make.nomination(status="submitted")
    response = admin_client.post(decide_path(nomination), data={"decision": "decline", "reason": "Late.",
                                                                "confirmed": confirmed})
    assert response.status_code == 200 and "Decline" in response.get_data(as_text=True)
    assert fresh(db, Nomination, nomination.id).status is S.SUBMITTED


def test_accepting_and_waitlisting_need_no_confirmation(admin_client, make, db):
    nomination = make.nomination(status="submitted")
    assert admin_client.post(decide_path(nomination), data={"decision": "waitlist"}).status_code == 302
    assert admin_client.post(decide_path(nomination), data={"decision": "accept"}).status_code == 302
    assert fresh(db, Nomination, nomination.id).status is S.ACCEPTED


def test_waitlisting_stamps_the_waiting_time(admin_client, make, db):
    nomination = make.nomination(status="submitted")

    admin_client.post(decide_path(nomination), data={"decision": "waitlist"})

    stored = fresh(db, Nomination, nomination.id)
    assert stored.status is S.WAITLISTED and stored.waitlisted_at is not None


def test_accepting_without_seats_is_refused_with_409_and_changes_nothing(admin_client, make, db):
    edition = make.edition(seats=1)
    make.nomination(edition, status="accepted")
    nomination = make.nomination(edition, status="submitted")

    response = admin_client.post(decide_path(nomination), data={"decision": "accept"})

    assert response.status_code == 409
    assert "All seats of this edition are taken." in response.get_data(as_text=True)
    assert fresh(db, Nomination, nomination.id).status is S.SUBMITTED
    assert db.session.get(Edition, edition.id).seats_taken == 1


def test_quota_and_parity_refusals_name_their_rule(admin_client, make, db):
    quota_edition = make.edition(quota_per_organisation=1)
    organisation = make.organisation()
    make.nomination(quota_edition, organisation, status="accepted")
    over_quota = make.nomination(quota_edition, organisation, status="submitted")
    parity_edition = make.edition(parity_rule=ParityRule.BALANCED)
    make.nomination(parity_edition, organisation, status="accepted", gender="woman")
    second_woman = make.nomination(parity_edition, organisation, status="submitted", gender="woman")

    quota = admin_client.post(decide_path(over_quota), data={"decision": "accept"})
    parity = admin_client.post(decide_path(second_woman), data={"decision": "accept"})

    assert quota.status_code == 409 and "quota" in quota.get_data(as_text=True)
    assert parity.status_code == 409 and "parity rule" in parity.get_data(as_text=True)
    assert db.session.get(Edition, quota_edition.id).seats_taken == 1
    assert fresh(db, Nomination, second_woman.id).status is S.SUBMITTED


def test_refusal_message_is_in_the_admins_language(client, make, login_as, db):
    login_as(make.admin(preferred_language="fr"))
    edition = make.edition(seats=1)
    make.nomination(edition, status="accepted")
    nomination = make.nomination(edition, status="submitted")

    response = client.post(decide_path(nomination), data={"decision": "accept"})

    assert response.status_code == 409
    assert "Toutes les places de cette session de formation sont prises." in response.get_data(as_text=True)


def test_decision_form_errors_answer_400(admin_client, make):
    nomination = make.nomination(status="submitted")
    assert admin_client.post(decide_path(nomination), data={"decision": "promote"}).status_code == 400
    assert admin_client.post(decide_path(nomination), data={}).status_code == 400


# --- Bulk decisions ------------------------------------------------------------------------------

def test_bulk_acceptance_never_exceeds_seats_and_reports_each_refusal(admin_client, make, db):
    edition = make.edition(seats=2)
    nominations = [make.nomination(edition, status="submitted", given_names=f"Bulk{number}",
                                   submitted_at=ago(100 - number)) for number in range(3)]

    response = admin_client.post(BULK, data={"decision": "accept",
                                             "nomination_ids": [str(n.id) for n in reversed(nominations)]})

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    statuses = [fresh(db, Nomination, n.id).status for n in nominations]
    # Decided in order of submission: the two earliest get the seats.
    assert statuses == [S.ACCEPTED, S.ACCEPTED, S.SUBMITTED]
    assert db.session.get(Edition, edition.id).seats_taken == 2
    assert "Bulk2" in page and "All seats of this edition are taken." in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "nomination.accepted")) == 2


def test_bulk_decline_needs_a_reason(admin_client, make, db):
    nomination = make.nomination(status="submitted")

    response = admin_client.post(BULK, data={"decision": "decline", "nomination_ids": [str(nomination.id)]})

    assert response.status_code == 400
    assert fresh(db, Nomination, nomination.id).status is S.SUBMITTED


@pytest.mark.parametrize("ids", [["424242"], ["abc"], []])
def test_bulk_with_unknown_or_bad_ids_is_400_and_changes_nothing(admin_client, make, db, ids):
    nomination = make.nomination(status="submitted")

    response = admin_client.post(BULK, data={"decision": "waitlist", "nomination_ids": [str(nomination.id), *ids]
                                             if ids else []})

    assert response.status_code == 400
    assert fresh(db, Nomination, nomination.id).status is S.SUBMITTED


def test_bulk_names_the_unknown_ids_problem(admin_client, make):
    nomination = make.nomination(status="submitted")

    response = admin_client.post(BULK, data={"decision": "accept", "nomination_ids": [str(nomination.id), "424242"]})

    assert response.status_code == 400
    assert "do not exist" in response.get_data(as_text=True)


def test_bulk_where_every_one_is_refused_answers_409(admin_client, make, db):
    nomination = make.nomination(status="declined")

    response = admin_client.post(BULK, data={"decision": "accept", "nomination_ids": [str(nomination.id)]})

    assert response.status_code == 409
    assert fresh(db, Nomination, nomination.id).status is S.DECLINED


def test_a_bulk_decline_lists_whom_it_declines_and_waits_for_the_confirmation(admin_client, make, db, outbox):
    edition = make.edition()
    picked = [make.nomination(edition, status="submitted", given_names=name) for name in ("Ines", "Omar")]
    ids = [str(n.id) for n in picked]

    asked = admin_client.post(BULK, query_string={"edition": edition.id},
                              data={"decision": "decline", "reason": "Places went to first-time trainees.",
                                    "nomination_ids": ids})

    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Decline 2 nominations?" in page
    assert all(n.full_name in page for n in picked) and "Places went to first-time trainees." in page
    assert f'action="/admin/nominations/decisions?edition={edition.id}"' in page
    assert {fresh(db, Nomination, n.id).status for n in picked} == {S.SUBMITTED} and outbox() == []
    done = admin_client.post(BULK, query_string={"edition": edition.id},
                             data={"decision": "decline", "reason": "Places went to first-time trainees.",
                                   "nomination_ids": ids, "confirmed": "yes"})
    assert done.status_code == 200
    assert {fresh(db, Nomination, n.id).status for n in picked} == {S.DECLINED}


def test_a_refused_bulk_decline_shows_the_same_queue_with_ticks_decision_and_reason_kept(admin_client, make, db):
    edition, other = make.edition(), make.edition()
    picked = [make.nomination(edition, status="submitted") for _ in range(2)]
    left = make.nomination(edition, status="submitted")
    elsewhere = make.nomination(other, status="submitted", given_names="Elsewhere")

    response = admin_client.post(BULK, query_string={"edition": edition.id, "status": "submitted"},
                                 data={"decision": "decline", "reason": "  ",
                                       "nomination_ids": [str(n.id) for n in picked]})

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert ticked(page) == {n.id for n in picked} and f'value="{left.id}"' in page
    assert "Elsewhere" not in page  # the same filters as the page the form came from
    assert f'<option value="{edition.id}" selected>' in page
    assert f'action="/admin/nominations/decisions?edition={edition.id}&amp;status=submitted"' in page
    assert 'value="decline" required checked' in page
    summary = page[page.index('id="bulk-errors-heading"'):page.index('<form method="get"')]
    assert '<a href="#reason">Say why the nomination is declined.</a>' in summary
    assert 'id="reason-error"' in page and 'aria-describedby="reason-hint reason-error"' in page
    assert {fresh(db, Nomination, n.id).status for n in (*picked, elsewhere)} == {S.SUBMITTED}


def test_a_bulk_decision_with_no_tick_names_the_problem_at_the_top(admin_client, make):
    make.nomination(status="submitted")

    response = admin_client.post(BULK, data={"decision": "waitlist", "reason": "Kept text"})

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert '<a href="#bulk-nominations">Tick at least one nomination.</a>' in page
    assert ticked(page) == set() and ">Kept text</textarea>" in page and 'value="waitlist" required checked' in page


def test_an_unknown_bulk_decision_keeps_the_ticks_and_reason(admin_client, make, db):
    nomination = make.nomination(status="submitted")

    response = admin_client.post(BULK, data={"decision": "promote", "reason": "Because",
                                             "nomination_ids": [str(nomination.id)]})

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert ticked(page) == {nomination.id} and ">Because</textarea>" in page
    assert 'href="#decision-accept"' in page and 'id="decision-error"' in page
    assert " checked" not in page[page.index('<fieldset class="bulk-decision">'):]  # no decision guessed
    assert fresh(db, Nomination, nomination.id).status is S.SUBMITTED


def test_a_bulk_decision_naming_a_draft_changes_nothing_and_keeps_the_visible_ticks(admin_client, make, db):
    edition = make.edition()
    visible = make.nomination(edition, status="submitted")
    draft = make.nomination(edition, status="draft", given_names="Drafty")

    response = admin_client.post(BULK, data={"decision": "waitlist",
                                             "nomination_ids": [str(visible.id), str(draft.id)]})

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "do not exist" in page and ticked(page) == {visible.id} and "Drafty" not in page
    assert fresh(db, Nomination, visible.id).status is S.SUBMITTED
    assert fresh(db, Nomination, draft.id).status is S.DRAFT


def test_after_a_partly_refused_bulk_decision_only_the_refused_stay_ticked(admin_client, make, db):
    edition = make.edition(seats=1)
    first = make.nomination(edition, status="submitted", given_names="Seated", submitted_at=ago(50))
    second = make.nomination(edition, status="submitted", given_names="Unseated", submitted_at=ago(10))

    response = admin_client.post(BULK, data={"decision": "accept", "nomination_ids": [str(first.id), str(second.id)]})

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert fresh(db, Nomination, first.id).status is S.ACCEPTED
    assert ticked(page) == {second.id}
    assert f'aria-describedby="refusal-{second.id}"' in page
    assert f'<p class="error-message" id="refusal-{second.id}">All seats of this edition are taken.</p>' in page
    decided = page[page.index('class="bulk-decided"'):page.index("</ul>", page.index('class="bulk-decided"'))]
    refused = page[page.index('class="bulk-refused"'):page.index("</ul>", page.index('class="bulk-refused"'))]
    assert "Seated" in decided and "Unseated" not in decided
    assert "Unseated" in refused and "All seats of this edition are taken." in refused
    assert "1 nomination decided." in page and "1 nomination refused by the rules." in page


def test_after_a_fully_decided_bulk_decision_nothing_stays_ticked(admin_client, make, db):
    nominations = [make.nomination(status="submitted") for _ in range(2)]

    response = admin_client.post(BULK, data={"decision": "waitlist", "reason": "Later",
                                             "nomination_ids": [str(n.id) for n in nominations]})

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert ticked(page) == set() and "2 nominations decided." in page and 'class="bulk-decided"' in page
    assert ">Later</textarea>" not in page
    assert {fresh(db, Nomination, n.id).status for n in nominations} == {S.WAITLISTED}


def test_a_failed_bulk_decision_shows_the_queue_with_a_constant_number_of_queries(make_app, make, login_as, db):
    web = make_app()
    client = login_as(make.admin(), on_client=web.test_client())
    edition = make.edition(seats=500)

    def count_for(ids: list[int]) -> int:
        data = {"decision": "decline", "nomination_ids": [str(number) for number in ids]}
        client.post(BULK, data=data)  # warm-up
        with count_queries(db.engine) as queries:
            response = client.post(BULK, data=data)
        assert response.status_code == 400 and ticked(response.get_data(as_text=True)) == set(ids)
        return queries.count

    few = [make.nomination(edition, status="submitted").id for _ in range(2)]
    small = count_for(few)
    many = few + [make.nomination(edition, status="submitted").id for _ in range(20)]

    assert count_for(many) == small


# --- Report ----------------------------------------------------------------------------------------

def _report_data(make):
    edition = make.edition(name="Report Intake", seats=10)
    europe, africa = make.region(name_en="Europe"), make.region(name_en="Africa")
    org_e, org_a = make.organisation(region=europe, name="Euro Party"), make.organisation(region=africa,
                                                                                           name="Afro Party")
    make.nomination(edition, org_e, status="accepted", gender="woman")
    make.nomination(edition, org_e, status="accepted", gender="man")
    make.nomination(edition, org_e, status="declined", gender="man", purged_at=utcnow(), email=None,
                    date_of_birth=None)
    make.nomination(edition, org_a, status="waitlisted", gender="woman")
    make.nomination(edition, org_a, status="draft", gender="woman")
    return edition


def test_report_counts_by_region_organisation_and_gender_including_purged(admin_client, make, db):
    from academy.nominations.reports import edition_report

    edition = _report_data(make)

    numbers = edition_report(db.session.get(Edition, edition.id), "en")

    assert numbers.overall.total == 4  # the draft is not counted, the purged one is
    regions = {tally.label: tally for tally in numbers.by_region}
    assert regions["Europe"].total == 3 and regions["Europe"].seated == 2
    assert regions["Europe"].by_status[S.DECLINED] == 1
    assert regions["Africa"].by_status[S.WAITLISTED] == 1
    genders = {tally.label: tally.total for tally in numbers.by_gender}
    assert genders["Woman"] == 2 and genders["Man"] == 2
    organisations = {tally.label: tally for tally in numbers.by_organisation}
    assert organisations["Euro Party"].seated_by_gender
    page = admin_client.get(f"/admin/nominations/report/{edition.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Euro Party" in text and "Afro Party" in text and "<svg" in text


def test_report_chart_is_well_formed_accessible_svg(admin_client, make):
    edition = _report_data(make)

    response = admin_client.get(f"/admin/nominations/report/{edition.id}/chart.svg")

    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    root = ET.fromstring(response.data)
    assert root.tag == f"{SVG}svg"
    assert "Report Intake" in root.find(f"{SVG}title").text
    assert "Europe: 3 nominated, 2 accepted" in root.find(f"{SVG}desc").text
    labels = [text.text for text in root.iter(f"{SVG}text")]
    assert "Europe" in labels and "Africa" in labels and "3" in labels
    assert root.get("direction") == "ltr"


def test_report_chart_runs_right_to_left_in_arabic(make, db, app):
    from academy.nominations.reports import chart_svg, edition_report

    edition = _report_data(make)
    with app.test_request_context():
        svg = chart_svg(edition_report(db.session.get(Edition, edition.id), "ar"), "rtl", "ar")
    root = ET.fromstring(svg)
    assert root.get("direction") == "rtl"
    bars = [rect for rect in root.iter(f"{SVG}rect") if rect.find(f"{SVG}title") is not None]
    # Bars end at the right edge and grow leftwards.
    assert {round(float(bar.get("x")) + float(bar.get("width"))) for bar in bars} == {628}


def test_empty_report_still_renders_a_chart(admin_client, make):
    edition = make.edition()
    response = admin_client.get(f"/admin/nominations/report/{edition.id}/chart.svg")
    assert "No nominations yet." in ET.fromstring(response.data).find(f"{SVG}desc").text


# --- Export ------------------------------------------------------------------------------------------

def _read_csv(response) -> list[dict]:
    text = b"".join(response.response).decode("utf-8")
    assert text.startswith(BOM)
    return list(csv.DictReader(io.StringIO(text[1:])))


@pytest.mark.parametrize("value, expected", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1", "'+1"), ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("Plain", "Plain"), (None, ""),
    (12, "12"),
])
def test_cells_that_spreadsheets_would_run_are_neutralised(value, expected):
    assert neutralise(value) == expected


def test_admin_export_streams_every_nomination_with_neutralised_cells(admin_client, make):
    edition = make.edition()
    make.nomination(edition, status="submitted", given_names="=cmd|' /C calc'!A0", motivation="@SUM(1+1)")
    make.nomination(status="accepted", family_name="-Minus")

    response = admin_client.get(EXPORT)

    assert response.status_code == 200
    assert response.is_streamed
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _read_csv(response)
    assert len(rows) == 2
    assert tuple(rows[0]) == ADMIN_HEADER
    assert rows[0]["given_names"] == "'=cmd|' /C calc'!A0"
    assert rows[0]["motivation"] == "'@SUM(1+1)"
    assert rows[1]["family_name"] == "'-Minus"
    assert rows[0]["date_of_birth"] and rows[0]["gender"] == "woman"


def test_admin_export_filters_by_edition(admin_client, make):
    edition = make.edition()
    wanted = make.nomination(edition, status="submitted")
    make.nomination(status="submitted")

    rows = _read_csv(admin_client.get(EXPORT, query_string={"edition": edition.id}))

    assert [row["nomination_id"] for row in rows] == [str(wanted.id)]
    assert admin_client.get(EXPORT, query_string={"edition": "x"}).status_code == 400
    assert admin_client.get(EXPORT, query_string={"edition": "999999"}).status_code == 404


def test_coordinators_export_only_their_own_organisation_in_any_edition(client, make, login_as):
    own = make.organisation()
    mine = [make.nomination(make.edition(), own, status="submitted") for _ in range(2)]
    make.nomination(status="submitted")
    login_as(make.coordinator(own))

    rows = _read_csv(client.get(EXPORT))

    assert sorted(row["nomination_id"] for row in rows) == sorted(str(n.id) for n in mine)
    assert all(row["date_of_birth"] for row in rows)


def test_export_is_audited(admin_client, make, db):
    admin_client.get(EXPORT).close()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "nomination.export")) == 1


# --- The benchmark's harness keeps working as the models change ------------------------------------

def test_benchmark_dataset_and_query_counts_run(tmp_path):
    from benchmarks.dataset import Sizes, build_dataset
    from benchmarks.nominations import add_nominations, count_queue_queries

    dataset = build_dataset(tmp_path, Sizes(organisations=6, users=12, audit_events=3))

    assert add_nominations(dataset.url, 40) == 40
    counts = count_queue_queries(dataset.url, dataset.facts["admin_email"])
    assert set(counts) == {"queue", "queue_waitlist_of_one_edition"} and all(counts.values())
