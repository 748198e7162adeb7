"""The admin screens of editions: creating one, with every setting validated and errors summed up."""
from __future__ import annotations

import re
from datetime import date

import pytest

from academy.extensions import db
from academy.nominations import edition_operations
from academy.nominations.models import Edition, EditionFormat, EditionStatus, ParityRule

from .helpers import NEW, all_editions, audit_events, reloaded, valid_form


# --- creating ---------------------------------------------------------------------------------

def test_admin_creates_a_draft_edition_with_every_setting(client_for, admin, module, make):
    region = make.region()
    organisation = make.organisation()
    other_module = make.module(language="es", title="Campañas en línea")
    client = client_for(admin)
    assert client.get(NEW).status_code == 200

    response = client.post(NEW, data=valid_form(
        module, modules=[str(module.id), str(other_module.id)], allowed_regions=[str(region.id)],
        allowed_organisations=[str(organisation.id)]))

    assert response.status_code == 302
    [edition] = all_editions()
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
    [event] = audit_events("edition.created")
    assert event.actor_id == admin.id and event.object_id == str(edition.id)


def test_optional_settings_may_stay_empty(client_for, admin, module):
    response = client_for(admin).post(NEW, data=valid_form(
        module, quota_per_organisation="", required_language="", venue="", description="",
        parity_rule="none"))
    assert response.status_code == 302
    [edition] = all_editions()
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
    response = client_for(admin).post(NEW, data=valid_form(module, **changes))
    assert response.status_code == 400
    assert message in response.text
    assert all_editions() == []
    assert audit_events() == []


def test_a_deactivated_organisation_cannot_be_chosen(client_for, admin, module, make):
    inactive = make.organisation(is_active=False)
    response = client_for(admin).post(NEW, data=valid_form(module, allowed_organisations=[str(inactive.id)]))
    assert response.status_code == 400
    assert "Choose organisations from the list." in response.text
    assert all_editions() == []


def test_validation_messages_are_translated(client_for, make, module):
    client = client_for(make.admin(preferred_language="fr"))
    response = client.post(NEW, data=valid_form(module, name="x" * 201))
    assert response.status_code == 400
    assert "Utilisez au maximum 200 caractères." in response.text
    assert all_editions() == []


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
    response = client_for(admin).post(NEW, data=valid_form(
        module, name="", starts_on="1 April", modules=[], seats="0", parity_rule="strict"))

    assert response.status_code == 400
    heading, links = _error_summary(response.text)
    assert heading == "Nothing was saved: 5 problems to fix."
    # In the order of the page; a list of radio buttons is reached through its first button.
    assert links == [("#name", "Give the edition a name."), ("#starts_on", "Enter a valid date."),
                     ("#modules", "Choose at least one module."), ("#seats", "Between 1 and 10000."),
                     ("#parity_rule-0", "Choose a parity rule from the list.")]
    assert all(_has_control(response.text, href[1:]) for href, _message in links)
    assert all_editions() == []


def test_an_invalid_edition_keeps_what_was_typed(client_for, admin, module, make):
    region = make.region()
    response = client_for(admin).post(NEW, data=valid_form(
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
    response = client_for(admin).post(f"/admin/editions/{edition.id}/edit", data=valid_form(
        module, name="After", min_age="30", max_age="25"))

    assert response.status_code == 400
    heading, links = _error_summary(response.text)
    assert heading == "Nothing was saved: 1 problem to fix."
    assert links == [("#max_age", "The maximum age cannot be below the minimum age.")]
    assert 'value="After"' in response.text
    assert reloaded(edition).name == "Before"


def test_a_change_refused_after_validation_is_summed_up_without_a_link(client_for, admin, module, make,
                                                                       monkeypatch):
    edition = make.edition(modules=[module], seats=10)

    def refuse(*args, **kwargs):
        # As when nominees were accepted between the check of the form and the update.
        raise edition_operations.EditionRefused("seats_below_taken", "Too late: these seats were taken.")

    monkeypatch.setattr(edition_operations, "update_edition", refuse)
    response = client_for(admin).post(f"/admin/editions/{edition.id}/edit", data=valid_form(module, seats="5"))

    assert response.status_code == 409
    heading, links = _error_summary(response.text)
    assert heading == "Nothing was saved: 1 problem to fix."
    assert links == [] and "<li>Too late: these seats were taken.</li>" in response.text
    assert reloaded(edition).seats == 10

def test_a_valid_form_shows_no_error_summary(client_for, admin, module, make):
    client = client_for(admin)
    edition = make.edition(modules=[module])
    for path in (NEW, f"/admin/editions/{edition.id}/edit"):
        page = client.get(path).text
        assert 'id="error-summary"' not in page and 'aria-invalid' not in page
