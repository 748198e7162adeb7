"""The admin screens of editions: create, edit, status moves, the list, access and time zones."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime

from academy.audit.models import AuditEvent
from academy.extensions import db
from academy.nominations import edition_operations
from academy.nominations.models import (
    Edition, EditionFormat, EditionStatus, ParityRule, edition_modules, edition_regions,
)

from ..fixtures_auth import sign_in_client
from ..querycount import count_queries

LIST = "/admin/editions/"
NEW = "/admin/editions/new"


@pytest.fixture
def web(make_app):
    """A second application serving the requests, so each client's signed-in user stays its own."""
    return make_app()


@pytest.fixture
def client_for(web):
    """``client_for(user)``: a fresh test client signed in as ``user``."""
    def build(user):
        client = web.test_client()
        sign_in_client(client, user)
        return client
    return build


@pytest.fixture
def admin(make):
    return make.admin(time_zone="Europe/Paris")


@pytest.fixture
def module(make):
    return make.module(title="Door-to-door canvassing")


def _valid(module, **overrides) -> dict:
    data = dict(name="Spring school 2027", description="Organising for the local elections.", language="fr",
                format="blended", venue="Dakar", starts_on="2027-04-01", ends_on="2027-04-30",
                nominations_open_at="2027-03-01T09:00", nominations_close_at="2027-03-20T18:00",
                seats="20", quota_per_organisation="2", min_age="18", max_age="35", required_language="FR",
                parity_rule="balanced", modules=[str(module.id)])
    data.update(overrides)
    return data


def _editions() -> list[Edition]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(Edition).order_by(Edition.id)))


def _events(action: str | None = None) -> list[AuditEvent]:
    query = db.select(AuditEvent).order_by(AuditEvent.id)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query))


def _fresh(edition: Edition) -> Edition:
    db.session.expire_all()
    return db.session.get(Edition, edition.id)


# --- creating ---------------------------------------------------------------------------------

def test_admin_creates_a_draft_edition_with_every_setting(client_for, admin, module, make):
    region = make.region()
    organisation = make.organisation()
    other_module = make.module(language="es", title="Campañas en línea")
    client = client_for(admin)
    assert client.get(NEW).status_code == 200

    response = client.post(NEW, data=_valid(
        module, modules=[str(module.id), str(other_module.id)], allowed_regions=[str(region.id)],
        allowed_organisations=[str(organisation.id)]))

    assert response.status_code == 302
    [edition] = _editions()
    assert response.headers["Location"].endswith(f"/admin/editions/{edition.id}")
    assert (edition.name, edition.language, edition.format, edition.venue) == (
        "Spring school 2027", "fr", EditionFormat.BLENDED, "Dakar")
    assert (edition.starts_on, edition.ends_on) == (date(2027, 4, 1), date(2027, 4, 30))
    assert (edition.seats, edition.seats_taken, edition.quota_per_organisation) == (20, 0, 2)
    assert (edition.min_age, edition.max_age, edition.required_language) == (18, 35, "fr")
    assert edition.parity_rule is ParityRule.BALANCED
    assert edition.status is EditionStatus.DRAFT
    links = db.session.scalars(db.select(Edition).where(Edition.id == edition.id).options(
        db.selectinload(Edition.modules), db.selectinload(Edition.allowed_regions),
        db.selectinload(Edition.allowed_organisations))).one()
    assert {item.id for item in links.modules} == {module.id, other_module.id}
    assert [item.id for item in links.allowed_regions] == [region.id]
    assert [item.id for item in links.allowed_organisations] == [organisation.id]
    [event] = _events("edition.created")
    assert event.actor_id == admin.id and event.object_id == str(edition.id)


def test_optional_settings_may_stay_empty(client_for, admin, module):
    response = client_for(admin).post(NEW, data=_valid(
        module, quota_per_organisation="", required_language="", venue="", description="",
        parity_rule="none"))
    assert response.status_code == 302
    [edition] = _editions()
    assert (edition.quota_per_organisation, edition.required_language, edition.venue) == (None, None, None)
    assert edition.parity_rule is ParityRule.NONE


def test_the_new_form_suggests_ages_18_to_35(client_for, admin, module):
    page = client_for(admin).get(NEW).text
    assert re.search(r'<input[^>]*name="min_age"[^>]*value="18"', page)
    assert re.search(r'<input[^>]*name="max_age"[^>]*value="35"', page)


#: (changes to the valid form, a piece of the error message expected on the page).
INVALID = {
    "name missing": ({"name": ""}, "Give the edition a name."),
    "unknown language": ({"language": "de"}, "Choose a language from the list."),
    "unknown format": ({"format": "hybrid"}, "Choose a format from the list."),
    "ends before it starts": ({"ends_on": "2027-03-31"}, "The last day cannot be before the first day."),
    "malformed date": ({"starts_on": "1 April"}, "Enter a valid date."),
    "window closes when it opens": ({"nominations_close_at": "2027-03-01T09:00"},
                                    "Nominations must close after they open."),
    "window closes before it opens": ({"nominations_close_at": "2027-02-01T09:00"},
                                      "Nominations must close after they open."),
    "window opens in a skipped hour": ({"nominations_open_at": "2027-03-28T02:30"},
                                       "This time does not exist in Europe/Paris"),
    "no seats": ({"seats": "0"}, "Between 1 and 10000."),
    "quota of zero": ({"quota_per_organisation": "0"}, "Between 1 and 10000."),
    "negative minimum age": ({"min_age": "-1"}, "Between 0 and 120."),
    "maximum age beyond 120": ({"max_age": "121"}, "Between 0 and 120."),
    "ages reversed": ({"min_age": "30", "max_age": "25"}, "The maximum age cannot be below the minimum age."),
    "required language not ISO 639-1": ({"required_language": "english"}, "two-letter ISO 639-1"),
    "required language unknown": ({"required_language": "qq"}, "two-letter ISO 639-1"),
    # No nominee can declare withdrawn Serbo-Croatian, so no edition may require it either.
    "required language withdrawn": ({"required_language": "sh"}, "two-letter ISO 639-1"),
    "unknown parity rule": ({"parity_rule": "strict"}, "Choose a parity rule from the list."),
    "no module": ({"modules": []}, "Choose at least one module."),
    "module id that does not exist": ({"modules": ["999999"]}, "Choose modules from the list."),
    "module id that is not a number": ({"modules": ["abc"]}, "Choose modules from the list."),
    "region id that does not exist": ({"allowed_regions": ["999999"]}, "Choose regions from the list."),
    "organisation id that does not exist": ({"allowed_organisations": ["99999999999999"]},
                                            "Choose organisations from the list."),
}


@pytest.mark.parametrize("case", list(INVALID), ids=list(INVALID))
def test_every_invalid_setting_is_refused_with_400_and_nothing_written(client_for, admin, module, case):
    changes, message = INVALID[case]
    response = client_for(admin).post(NEW, data=_valid(module, **changes))
    assert response.status_code == 400
    assert message in response.text
    assert _editions() == []
    assert _events() == []


def test_a_deactivated_organisation_cannot_be_chosen(client_for, admin, module, make):
    inactive = make.organisation(is_active=False)
    response = client_for(admin).post(NEW, data=_valid(module, allowed_organisations=[str(inactive.id)]))
    assert response.status_code == 400
    assert "Choose organisations from the list." in response.text
    assert _editions() == []


def test_validation_messages_are_translated(client_for, make, module):
    client = client_for(make.admin(preferred_language="fr"))
    response = client.post(NEW, data=_valid(module, name="x" * 201))
    assert response.status_code == 400
    assert "Utilisez au maximum 200 caractères." in response.text
    assert _editions() == []


def _error_summary(page: str) -> tuple[str, list[tuple[str, str]]]:
    """The heading of the page's error summary and its ``(href, message)`` links."""
    match = re.search(r'<section class="card card--error error-summary" id="error-summary" role="alert" '
                      r'tabindex="-1" autofocus[^>]*>(.*?)</section>', page, re.S)
    assert match, "no error summary on the page"
    heading = re.search(r"<h2[^>]*>(.*?)</h2>", match[1], re.S)[1]
    return heading, re.findall(r'<a href="([^"]*)">(.*?)</a>', match[1])


def _has_control(page: str, control_id: str) -> bool:
    return re.search(rf'<(input|select|textarea)\b[^>]*\bid="{re.escape(control_id)}"', page) is not None


def test_an_invalid_edition_sums_up_its_problems_linked_to_their_fields(client_for, admin, module):
    response = client_for(admin).post(NEW, data=_valid(
        module, name="", starts_on="1 April", modules=[], seats="0", parity_rule="strict"))

    assert response.status_code == 400
    heading, links = _error_summary(response.text)
    assert heading == "Nothing was saved: 5 problems to fix."
    # In the order of the page; a list of radio buttons is reached through its first button.
    assert links == [("#name", "Give the edition a name."), ("#starts_on", "Enter a valid date."),
                     ("#modules", "Choose at least one module."), ("#seats", "Between 1 and 10000."),
                     ("#parity_rule-0", "Choose a parity rule from the list.")]
    assert all(_has_control(response.text, href[1:]) for href, _message in links)
    assert _editions() == []


def test_an_invalid_edition_keeps_what_was_typed(client_for, admin, module, make):
    region = make.region()
    response = client_for(admin).post(NEW, data=_valid(
        module, name="Spring school 2027", starts_on="1 April", seats="0", max_age="200",
        allowed_regions=[str(region.id)]))

    page = response.text
    assert response.status_code == 400
    assert [href for href, _message in _error_summary(page)[1]] == ["#starts_on", "#seats", "#max_age"]
    assert 'value="Spring school 2027"' in page and 'value="1 April"' in page and 'value="Dakar"' in page
    assert re.search(r'<input[^>]*id="seats"[^>]*value="0"', page)
    assert re.search(r'<input[^>]*id="max_age"[^>]*value="200"', page)
    assert 'value="2027-03-01T09:00"' in page
    assert re.search(r">\s*Organising for the local elections.</textarea>", page)
    assert f'<option selected value="{module.id}">' in page and f'<option selected value="{region.id}">' in page
    assert 'checked id="parity_rule-1" name="parity_rule" type="radio" value="balanced"' in page


def test_an_invalid_change_to_an_edition_is_summed_up_and_changes_nothing(client_for, admin, module, make):
    edition = make.edition(modules=[module], name="Before")
    response = client_for(admin).post(f"/admin/editions/{edition.id}/edit", data=_valid(
        module, name="After", min_age="30", max_age="25"))

    assert response.status_code == 400
    heading, links = _error_summary(response.text)
    assert heading == "Nothing was saved: 1 problem to fix."
    assert links == [("#max_age", "The maximum age cannot be below the minimum age.")]
    assert 'value="After"' in response.text
    assert _fresh(edition).name == "Before"


def test_a_change_refused_after_validation_is_summed_up_without_a_link(client_for, admin, module, make,
                                                                       monkeypatch):
    edition = make.edition(modules=[module], seats=10)

    def refuse(*args, **kwargs):
        # As when nominees were accepted between the check of the form and the update.
        raise edition_operations.EditionRefused("seats_below_taken", "Too late: these seats were taken.")

    monkeypatch.setattr(edition_operations, "update_edition", refuse)
    response = client_for(admin).post(f"/admin/editions/{edition.id}/edit", data=_valid(module, seats="5"))

    assert response.status_code == 409
    heading, links = _error_summary(response.text)
    assert heading == "Nothing was saved: 1 problem to fix."
    assert links == [] and "<li>Too late: these seats were taken.</li>" in response.text
    assert _fresh(edition).seats == 10

def test_a_valid_form_shows_no_error_summary(client_for, admin, module, make):
    client = client_for(admin)
    edition = make.edition(modules=[module])
    for path in (NEW, f"/admin/editions/{edition.id}/edit"):
        page = client.get(path).text
        assert 'id="error-summary"' not in page and 'aria-invalid' not in page


# --- time zones -------------------------------------------------------------------------------

def test_the_window_is_typed_in_the_admins_time_zone_and_stored_in_utc(client_for, make, module):
    client = client_for(make.admin(time_zone="America/New_York"))
    response = client.post(NEW, data=_valid(module, nominations_open_at="2027-03-01T09:00",
                                            nominations_close_at="2027-03-20T18:00"))
    assert response.status_code == 302
    [edition] = _editions()
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

    assert format_datetime(opens, "short", tzinfo=ZoneInfo("Asia/Tokyo"), locale="en") in shown
    assert "Asia/Tokyo" in shown
    assert 'value="2027-03-01T23:00"' in form  # 14:00 UTC is 23:00 in Tokyo
    assert 'value="2027-03-21T07:00"' in form


def test_a_time_the_clocks_show_twice_takes_the_first_and_says_so(client_for, admin, module):
    # On 31 October 2027 Paris clocks go from 03:00 back to 02:00: 02:30 happens twice.
    client = client_for(admin)
    response = client.post(NEW, data=_valid(module, nominations_open_at="2027-10-31T02:30",
                                            nominations_close_at="2027-11-20T18:00",
                                            starts_on="2027-12-01", ends_on="2027-12-10"))
    assert response.status_code == 302
    [edition] = _editions()
    assert edition.nominations_open_at == datetime(2027, 10, 31, 0, 30, tzinfo=timezone.utc)
    assert "the clocks show this time twice" in client.get(response.headers["Location"]).text


# --- editing ----------------------------------------------------------------------------------

def test_editing_changes_settings_and_audits_the_changes(client_for, admin, module, make):
    edition = make.edition(modules=[module], seats=10)
    other = make.module()
    response = client_for(admin).post(f"/admin/editions/{edition.id}/edit", data=_valid(
        module, name="Renamed", seats="12", modules=[str(other.id)]))
    assert response.status_code == 302
    edition = _fresh(edition)
    assert (edition.name, edition.seats) == ("Renamed", 12)
    [event] = _events("edition.updated")
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
    response = client_for(admin).post(f"/admin/editions/{edition.id}/edit", data=_valid(module, seats="2"))
    assert response.status_code == 400
    assert "3 seats are already taken" in response.text
    assert _fresh(edition).seats == 10
    assert _events("edition.updated") == []


def test_seats_equal_to_the_seats_taken_are_accepted(client_for, admin, module, make):
    edition = make.edition(modules=[module], seats=10)
    for _ in range(3):
        make.nomination(edition, status="accepted")
    response = client_for(admin).post(f"/admin/editions/{edition.id}/edit", data=_valid(module, seats="3"))
    assert response.status_code == 302
    assert _fresh(edition).seats == 3


def test_the_seat_update_itself_refuses_fewer_seats_than_taken(app, make, module):
    """The conditional UPDATE is what holds when an acceptance lands between form and save."""
    edition = make.edition(modules=[module], seats=10)
    for _ in range(4):
        make.nomination(edition, status="accepted")
    with pytest.raises(edition_operations.EditionRefused):
        edition_operations.update_edition(edition, actor=None, seats=3)
    db.session.rollback()
    assert _fresh(edition).seats == 10


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

    edition_operations.update_edition(_fresh(edition), actor=None, seats=4, quota_per_organisation=2)
    db.session.commit()
    assert [db.session.get(type(item), item.id).status for item in (blocked, waiting, last)] == [
        NominationStatus.ACCEPTED, NominationStatus.ACCEPTED, NominationStatus.ACCEPTED]
    assert _fresh(edition).seats_taken == 4


def test_an_archived_edition_cannot_be_edited(client_for, admin, module, make):
    edition = make.edition(modules=[module], status=EditionStatus.ARCHIVED)
    client = client_for(admin)
    assert client.get(f"/admin/editions/{edition.id}/edit").status_code == 409
    response = client.post(f"/admin/editions/{edition.id}/edit", data=_valid(module, name="Rewritten"))
    assert response.status_code == 409
    assert "archived" in response.text
    assert _fresh(edition).name != "Rewritten"


def test_an_unknown_edition_is_404(client_for, admin):
    client = client_for(admin)
    assert client.get("/admin/editions/999999").status_code == 404
    assert client.get("/admin/editions/999999/edit").status_code == 404
    assert client.post("/admin/editions/999999/status", data={"action": "open"}).status_code == 404


# --- status moves -----------------------------------------------------------------------------

LEGAL = [("draft", "open", "open"), ("closed", "open", "open"), ("closed", "reopen", "open"),
         ("open", "close", "closed"), ("closed", "archive", "archived")]
ILLEGAL = [("draft", "close"), ("draft", "archive"), ("draft", "reopen"), ("open", "open"),
           ("open", "reopen"), ("open", "archive"), ("closed", "close"), ("archived", "open"),
           ("archived", "reopen"), ("archived", "close"), ("archived", "archive")]


@pytest.mark.parametrize(("start", "action", "end"), LEGAL)
def test_legal_status_moves_are_made_and_audited(client_for, admin, module, make, start, action, end):
    edition = make.edition(modules=[module], status=EditionStatus(start))
    response = client_for(admin).post(f"/admin/editions/{edition.id}/status", data={"action": action})
    assert response.status_code == 302
    assert _fresh(edition).status is EditionStatus(end)
    [event] = _events(f"edition.{end}")
    assert event.actor_id == admin.id
    assert event.details["from_status"] == start and event.details["to_status"] == end


@pytest.mark.parametrize(("start", "action"), ILLEGAL)
def test_illegal_status_moves_are_refused(client_for, admin, module, make, start, action):
    edition = make.edition(modules=[module], status=EditionStatus(start))
    response = client_for(admin).post(f"/admin/editions/{edition.id}/status", data={"action": action})
    assert response.status_code == 409
    assert "cannot be moved like this" in response.text
    assert _fresh(edition).status is EditionStatus(start)
    assert _events() == []


@pytest.mark.parametrize("action", ["", "delete", "OPEN"])
def test_an_unknown_action_is_a_bad_request(client_for, admin, module, make, action):
    edition = make.edition(modules=[module], status=EditionStatus.DRAFT)
    response = client_for(admin).post(f"/admin/editions/{edition.id}/status", data={"action": action})
    assert response.status_code == 400
    assert _fresh(edition).status is EditionStatus.DRAFT


def test_a_status_never_changes_on_get(client_for, admin, module, make):
    edition = make.edition(modules=[module], status=EditionStatus.DRAFT)
    assert client_for(admin).get(f"/admin/editions/{edition.id}/status?action=open").status_code == 405
    assert _fresh(edition).status is EditionStatus.DRAFT


def test_the_page_offers_only_the_moves_the_status_allows(client_for, admin, module, make):
    client = client_for(admin)
    closed = make.edition(modules=[module], status=EditionStatus.CLOSED)
    page = client.get(f"/admin/editions/{closed.id}").text
    assert 'value="reopen"' in page and 'value="archive"' in page
    assert 'value="open"' not in page and 'value="close"' not in page
    archived = make.edition(modules=[module], status=EditionStatus.ARCHIVED)
    page = client.get(f"/admin/editions/{archived.id}").text
    assert 'name="action"' not in page


# --- the edition's page -----------------------------------------------------------------------

def test_the_page_shows_seats_left_and_nominations_by_status(client_for, admin, module, make):
    edition = make.edition(modules=[module], seats=10, quota_per_organisation=3, required_language="sw")
    for status in ("accepted", "accepted", "submitted", "waitlisted"):
        make.nomination(edition, status=status)
    page = client_for(admin).get(f"/admin/editions/{edition.id}").text
    assert "8 seats left" in page
    assert '<th scope="row">Accepted</th><td>2</td>' in page
    assert '<th scope="row">Submitted</th><td>1</td>' in page
    assert '<th scope="row">Declined</th><td>0</td>' in page
    assert "Swahili (sw)" in page
    assert module.title in page


def test_links_to_other_areas_point_at_this_edition(client, make, admin, module):
    edition = make.edition(modules=[module])
    sign_in_client(client, admin)
    page = client.get(f"/admin/editions/{edition.id}").text
    expected = [f"/admin/nominations/?edition={edition.id}", f"/admin/nominations/report/{edition.id}",
                f"/admin/nominations/export.csv?edition={edition.id}", f"/follow-up/editions/{edition.id}"]
    for url in expected:
        assert f'href="{url}"' in page, url


@pytest.mark.parametrize("language", ["en", "fr", "es", "ar"])
def test_every_page_renders_in_every_language(client_for, make, module, language):
    edition = make.edition(modules=[module], regions=[make.region()], required_language="sw")
    make.nomination(edition, status="accepted")
    client = client_for(make.admin(preferred_language=language, time_zone="Africa/Dakar"))
    for path in (LIST, NEW, f"/admin/editions/{edition.id}", f"/admin/editions/{edition.id}/edit"):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        assert f'lang="{language}"' in response.text


# --- the list ---------------------------------------------------------------------------------

def test_the_list_hides_archived_editions_unless_asked(client_for, admin, module, make):
    names = {status: make.edition(modules=[module], status=status, name=f"Edition {status.value}")
             for status in EditionStatus}
    client = client_for(admin)

    default = client.get(LIST).text
    archived = client.get(LIST + "?status=archived").text
    everything = client.get(LIST + "?status=all").text
    drafts = client.get(LIST + "?status=draft").text

    assert all(f"Edition {status}" in default for status in ("draft", "open", "closed"))
    assert "Edition archived" not in default
    assert "Edition archived" in archived and "Edition open" not in archived
    assert all(edition.name in everything for edition in names.values())
    assert "Edition draft" in drafts and "Edition open" not in drafts


def test_a_mangled_filter_is_a_bad_request_that_still_lists(client_for, admin, module, make):
    make.edition(modules=[module], name="Autumn school")
    response = client_for(admin).get(LIST + "?status=everything")
    assert response.status_code == 400
    assert "Choose a status from the list." in response.text
    assert "Autumn school" in response.text


def test_the_list_shows_seats_and_nominations_by_status(client_for, admin, module, make):
    edition = make.edition(modules=[module], seats=12)
    for status in ("accepted", "submitted", "submitted", "declined"):
        make.nomination(edition, status=status)
    page = client_for(admin).get(LIST).text
    assert "1 of 12" in page
    assert "Submitted: 2" in page and "Accepted: 1" in page and "Declined: 1" in page
    assert "Withdrawn:" not in page


def _grow(make, module, shown: Edition, editions: int) -> None:
    """Bring the editions to ``editions``, each new one with a module, a region and nominations;
    the edition on the page gains the same module, region and nominations."""
    organisation = make.organisation()
    while db.session.scalar(db.select(db.func.count()).select_from(Edition)) < editions:
        region, other = make.region(), make.module()
        edition = make.edition(modules=[module, other], regions=[region], organisations=[organisation])
        for status in ("submitted", "accepted", "waitlisted"):
            make.nomination(edition, organisation, status=status)
        db.session.execute(edition_regions.insert().values(edition_id=shown.id, region_id=region.id))
        db.session.execute(edition_modules.insert().values(edition_id=shown.id, module_id=other.id))
        db.session.commit()
        make.nomination(shown, organisation, status="submitted")


def _count(client, path: str) -> tuple[int, str]:
    with client.application.app_context():
        engine = db.engine
    with count_queries(engine) as queries:
        response = client.get(path)
    assert response.status_code == 200, f"{path} answered {response.status_code}"
    return queries.count, queries.describe()


@pytest.mark.parametrize("page", ["list", "show", "new", "edit"])
def test_pages_send_as_many_queries_with_much_data_as_with_little(client_for, admin, module, make, page):
    shown = make.edition(modules=[module])
    path = {"list": LIST, "show": f"/admin/editions/{shown.id}", "new": NEW,
            "edit": f"/admin/editions/{shown.id}/edit"}[page]
    client = client_for(admin)
    _grow(make, module, shown, 3)
    client.get(path)  # warm-up
    small, small_queries = _count(client, path)
    _grow(make, module, shown, 15)
    large, large_queries = _count(client, path)
    assert large == small, f"{small} queries with little data:\n{small_queries}\n\n{large} with more:\n{large_queries}"


# --- access -----------------------------------------------------------------------------------

PAGES = [LIST, NEW, "/admin/editions/{id}", "/admin/editions/{id}/edit"]


@pytest.mark.parametrize("role", ["coordinator", "trainer", "trainee"])
@pytest.mark.parametrize("path", PAGES)
def test_non_admins_are_refused(client_for, make, module, role, path):
    edition = make.edition(modules=[module])
    assert client_for(getattr(make, role)()).get(path.format(id=edition.id)).status_code == 403


@pytest.mark.parametrize("role", ["coordinator", "trainer", "trainee"])
def test_non_admins_cannot_create_or_move_editions(client_for, make, module, role):
    edition = make.edition(modules=[module], status=EditionStatus.OPEN)
    client = client_for(getattr(make, role)())
    assert client.post(NEW, data=_valid(module)).status_code == 403
    assert client.post(f"/admin/editions/{edition.id}/status", data={"action": "close"}).status_code == 403
    assert _fresh(edition).status is EditionStatus.OPEN
    assert len(_editions()) == 1


def test_anonymous_visitors_are_sent_to_sign_in_and_cannot_post(web, make, module):
    edition = make.edition(modules=[module])
    client = web.test_client()
    response = client.get(f"/admin/editions/{edition.id}")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert client.post(NEW, data=_valid(module)).status_code == 401
    assert len(_editions()) == 1
