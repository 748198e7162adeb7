"""Member organisations administration: list, create, edit, (de)activate, validation, access."""
from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from academy.audit.models import AuditEvent
from academy.organisations.models import Organisation, OrganisationKind

LIST = "/admin/organisations/"
NEW = "/admin/organisations/new"


def _valid(region, **overrides) -> dict:
    data = dict(name="Movement for Tomorrow", short_name="MFT", country="DE", region_id=str(region.id),
                kind="party", website="https://mft.example.org")
    data.update(overrides)
    return data


def _organisations(db) -> list[Organisation]:
    return list(db.session.scalars(db.select(Organisation).order_by(Organisation.id)))


def _events(db, action: str) -> list[AuditEvent]:
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action)))


# --- access -------------------------------------------------------------------------------

ADMIN_PAGES = [LIST, NEW, "/admin/organisations/{id}"]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, make, path):
    organisation = make.organisation()
    response = client.get(path.format(id=organisation.id))
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


@pytest.mark.parametrize("role", ["coordinator", "trainer", "trainee"])
@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_non_admins_are_refused(client, make, login_as, role, path):
    organisation = make.organisation()
    login_as(getattr(make, role)())
    assert client.get(path.format(id=organisation.id)).status_code == 403


@pytest.mark.parametrize("action", ["deactivate", "activate"])
def test_non_admins_cannot_change_status(client, db, make, login_as, action):
    organisation = make.organisation(is_active=action == "activate")
    login_as(make.coordinator(organisation))
    response = client.post(f"/admin/organisations/{organisation.id}/{action}")
    assert response.status_code == 403
    db.session.refresh(organisation)
    assert organisation.is_active is (action == "activate")


def test_anonymous_post_is_refused_without_change(client, db, make):
    region = make.region()
    response = client.post(NEW, data=_valid(region))
    assert response.status_code == 401
    assert _organisations(db) == []


def test_get_never_changes_status(client, db, make, login_as):
    organisation = make.organisation()
    login_as(make.admin())
    assert client.get(f"/admin/organisations/{organisation.id}/deactivate").status_code == 405
    db.session.refresh(organisation)
    assert organisation.is_active


# --- create ---------------------------------------------------------------------------------

def test_admin_creates_an_organisation_and_it_is_audited(client, db, make, login_as):
    region = make.region()
    admin = make.admin()
    login_as(admin)
    assert client.get(NEW).status_code == 200
    response = client.post(NEW, data=_valid(region))
    assert response.status_code == 302
    [organisation] = _organisations(db)
    assert (organisation.name, organisation.short_name, organisation.country) == ("Movement for Tomorrow", "MFT", "DE")
    assert organisation.kind is OrganisationKind.PARTY
    assert organisation.region_id == region.id and organisation.is_active
    assert organisation.website == "https://mft.example.org"
    [event] = _events(db, "organisation.create")
    assert event.actor_id == admin.id and event.object_id == str(organisation.id)
    assert event.details["short_name"] == "MFT" and event.details["region"] == region.code


def test_website_is_optional_and_spaces_are_trimmed(client, db, make, login_as):
    region = make.region()
    login_as(make.admin())
    response = client.post(NEW, data=_valid(region, name="  Padded Party  ", short_name=" PP ", website=""))
    assert response.status_code == 302
    [organisation] = _organisations(db)
    assert (organisation.name, organisation.short_name, organisation.website) == ("Padded Party", "PP", None)


@pytest.mark.parametrize(("field", "value"), [
    ("name", "N" * 201),
    ("short_name", "S" * 41),
    ("website", "https://example.org/" + "a" * 290),
    ("name", ""),
    ("short_name", "   "),
])
def test_over_long_or_missing_values_are_refused(client, db, make, login_as, field, value):
    region = make.region()
    login_as(make.admin())
    response = client.post(NEW, data=_valid(region, **{field: value}))
    assert response.status_code == 400
    assert b"error-message" in response.data
    assert _organisations(db) == []
    assert _events(db, "organisation.create") == []


@pytest.mark.parametrize(("field", "value"), [("name", "party of test existing"),
                                               ("name", "PARTY OF TEST EXISTING"),
                                               ("short_name", "pte"), ("short_name", "PTE")])
def test_duplicate_names_are_refused_in_any_letter_case(client, db, make, login_as, field, value):
    make.organisation(name="Party of Test Existing", short_name="PTE")
    region = make.region()
    login_as(make.admin())
    response = client.post(NEW, data=_valid(region, **{field: value}))
    assert response.status_code == 400
    assert b"already exists" in response.data
    assert len(_organisations(db)) == 1


def test_database_refuses_a_case_variant_that_slips_past_the_form(db, make):
    make.organisation(name="Race Condition Party", short_name="RCP")
    with pytest.raises(IntegrityError) as caught:
        make.organisation(name="RACE CONDITION PARTY", short_name="RCP2")
    db.session.rollback()
    assert "unique" in str(caught.value).lower()


@pytest.mark.parametrize("country", ["XX", "EU", "XK", "de", "DEU", "", "<script>"])
def test_unknown_country_is_refused_with_a_message(client, db, make, login_as, country):
    region = make.region()
    login_as(make.admin())
    response = client.post(NEW, data=_valid(region, country=country))
    assert response.status_code == 400
    assert b"Choose a country" in response.data
    assert _organisations(db) == []


@pytest.mark.parametrize("website", ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,hi",
                                     "ftp://example.org", "example.org", "//example.org",
                                     "https://", "https://exa mple.org", "http://[::1"])
def test_websites_must_be_http_or_https_addresses(client, db, make, login_as, website):
    region = make.region()
    login_as(make.admin())
    response = client.post(NEW, data=_valid(region, website=website))
    assert response.status_code == 400
    assert b"http://" in response.data
    assert _organisations(db) == []


@pytest.mark.parametrize("region_id", ["abc", "999999", "999999999999999999", "-1", "1.5", "", "99999999999999999999999", "٣"])
def test_bad_region_is_refused(client, db, make, login_as, region_id):
    region = make.region()
    login_as(make.admin())
    response = client.post(NEW, data=_valid(region, region_id=region_id))
    assert response.status_code == 400
    assert b"Choose a region" in response.data
    assert _organisations(db) == []


@pytest.mark.parametrize("kind", ["", "government", "Party", "OrganisationKind.PARTY"])
def test_unknown_kind_is_refused(client, db, make, login_as, kind):
    region = make.region()
    login_as(make.admin())
    response = client.post(NEW, data=_valid(region, kind=kind))
    assert response.status_code == 400
    assert b"Choose" in response.data
    assert _organisations(db) == []


# --- edit, deactivate, activate ------------------------------------------------------------

def test_edit_form_shows_current_values(client, make, login_as):
    organisation = make.organisation(name="Shown Party", short_name="SHP", country="CL",
                                     kind=OrganisationKind.FOUNDATION)
    login_as(make.admin())
    page = client.get(f"/admin/organisations/{organisation.id}").get_data(as_text=True)
    assert 'value="Shown Party"' in page and 'value="SHP"' in page
    assert '<option selected value="CL">' in page or 'value="CL" selected' in page
    assert '<option selected value="foundation">' in page or 'value="foundation" selected' in page


def test_editing_records_only_the_changed_fields(client, db, make, login_as):
    old_region, new_region = make.region(code="old-region"), make.region(code="new-region")
    organisation = make.organisation(name="Before", short_name="BEF", region=old_region, country="SE")
    login_as(make.admin())
    response = client.post(f"/admin/organisations/{organisation.id}",
                           data=_valid(new_region, name="After", short_name="BEF", country="SE",
                                       website=""))
    assert response.status_code == 302
    db.session.refresh(organisation)
    assert (organisation.name, organisation.region_id) == ("After", new_region.id)
    [event] = _events(db, "organisation.update")
    assert event.details["changes"] == {"name": {"from": "Before", "to": "After"},
                                        "region": {"from": "old-region", "to": "new-region"}}


def test_saving_unchanged_values_records_nothing(client, db, make, login_as):
    region = make.region()
    organisation = make.organisation(name="Steady", short_name="STD", region=region, country="SE",
                                     website="https://steady.example.org")
    login_as(make.admin())
    response = client.post(f"/admin/organisations/{organisation.id}",
                           data=_valid(region, name="Steady", short_name="STD", country="SE",
                                       website="https://steady.example.org"))
    assert response.status_code == 302
    assert _events(db, "organisation.update") == []


def test_an_organisation_may_keep_its_own_name_in_another_case(client, db, make, login_as):
    region = make.region()
    organisation = make.organisation(name="Casey Party", short_name="CP", region=region)
    login_as(make.admin())
    response = client.post(f"/admin/organisations/{organisation.id}",
                           data=_valid(region, name="CASEY PARTY", short_name="cp"))
    assert response.status_code == 302
    db.session.refresh(organisation)
    assert (organisation.name, organisation.short_name) == ("CASEY PARTY", "cp")


def test_renaming_to_another_organisations_name_is_refused(client, db, make, login_as):
    region = make.region()
    make.organisation(name="Taken Name", short_name="TN", region=region)
    organisation = make.organisation(name="Mine", short_name="MN", region=region)
    login_as(make.admin())
    response = client.post(f"/admin/organisations/{organisation.id}",
                           data=_valid(region, name="taken name", short_name="MN"))
    assert response.status_code == 400
    db.session.refresh(organisation)
    assert organisation.name == "Mine"
    assert _events(db, "organisation.update") == []


def test_missing_organisation_is_404(client, make, login_as):
    login_as(make.admin())
    assert client.get("/admin/organisations/424242").status_code == 404
    assert client.post("/admin/organisations/424242/deactivate").status_code == 404


def test_deactivate_then_activate_is_audited_each_time(client, db, make, login_as):
    organisation = make.organisation()
    admin = make.admin()
    login_as(admin)
    assert client.post(f"/admin/organisations/{organisation.id}/deactivate").status_code == 302
    db.session.refresh(organisation)
    assert not organisation.is_active
    # Deactivating again changes nothing and records nothing.
    client.post(f"/admin/organisations/{organisation.id}/deactivate")
    assert client.post(f"/admin/organisations/{organisation.id}/activate").status_code == 302
    db.session.refresh(organisation)
    assert organisation.is_active
    assert len(_events(db, "organisation.deactivate")) == 1
    assert len(_events(db, "organisation.activate")) == 1
    assert _events(db, "organisation.deactivate")[0].actor_id == admin.id


# --- list -----------------------------------------------------------------------------------

def test_list_shows_country_and_region_in_the_readers_language(client, make, login_as):
    region = make.region(name_en="Europe", name_fr="Europe (fr)")
    make.organisation(name="German Friends", short_name="GF", country="DE", region=region)
    login_as(make.admin(preferred_language="fr"))
    page = client.get(LIST).get_data(as_text=True)
    assert "Allemagne" in page and "Germany" not in page
    assert "Europe (fr)" in page


def test_list_shows_arabic_country_names_right_to_left(client, make, login_as):
    make.organisation(country="DE")
    login_as(make.admin(preferred_language="ar"))
    page = client.get(LIST).get_data(as_text=True)
    assert "ألمانيا" in page and 'dir="rtl"' in page


def test_list_hides_inactive_organisations_unless_asked(client, make, login_as):
    region = make.region()
    make.organisation(name="Alive Party", short_name="AP", region=region)
    make.organisation(name="Dormant Party", short_name="DP", region=region, is_active=False)
    login_as(make.admin())
    default = client.get(LIST).get_data(as_text=True)
    assert "Alive Party" in default and "Dormant Party" not in default
    inactive = client.get(LIST + "?status=inactive").get_data(as_text=True)
    assert "Dormant Party" in inactive and "Alive Party" not in inactive
    everything = client.get(LIST + "?status=all").get_data(as_text=True)
    assert "Dormant Party" in everything and "Alive Party" in everything


def test_search_matches_name_or_short_name_in_any_case(client, make, login_as):
    region = make.region()
    make.organisation(name="Green Valley Movement", short_name="GVM", region=region)
    make.organisation(name="Blue Coast Party", short_name="BCP", region=region)
    login_as(make.admin())
    by_name = client.get(LIST + "?q=valley").get_data(as_text=True)
    assert "Green Valley Movement" in by_name and "Blue Coast Party" not in by_name
    by_short = client.get(LIST + "?q=bcp").get_data(as_text=True)
    assert "Blue Coast Party" in by_short and "Green Valley Movement" not in by_short
    wildcard = client.get(LIST + "?q=%25").get_data(as_text=True)
    assert "Blue Coast Party" not in wildcard  # % is searched for literally, not as a wildcard


def test_filters_by_region_and_kind(client, make, login_as):
    africa, europe = make.region(code="af"), make.region(code="eu")
    make.organisation(name="Savanna Party", short_name="SP", region=africa)
    make.organisation(name="Alpine Foundation", short_name="AF", region=europe,
                      kind=OrganisationKind.FOUNDATION)
    make.organisation(name="Baltic Party", short_name="BP", region=europe)
    login_as(make.admin())
    by_region = client.get(f"{LIST}?region={africa.id}").get_data(as_text=True)
    assert "Savanna Party" in by_region and "Baltic Party" not in by_region
    by_kind = client.get(f"{LIST}?region={europe.id}&kind=foundation").get_data(as_text=True)
    assert "Alpine Foundation" in by_kind and "Baltic Party" not in by_kind


@pytest.mark.parametrize("query", ["region=abc", "region=99999", "kind=government", "status=deleted",
                                   "q=" + "x" * 101, "region=1e3", "region=999999999999999999", "page=abc", "page=-4",
                                   "page=99999999999999999999999"])
def test_bad_filters_never_cause_a_server_error(client, make, login_as, query):
    make.organisation(name="Still Listed", short_name="SL")
    login_as(make.admin())
    response = client.get(f"{LIST}?{query}")
    assert response.status_code in (200, 400)
    if query.startswith(("region", "kind", "status", "q=")):
        assert response.status_code == 400
        assert b"error-message" in response.data
        assert b"Still Listed" in response.data  # the bad filter is ignored, the rest still works


def test_list_is_paginated(client, make, make_app, login_as, db):
    region = make.region()
    for number in range(7):
        make.organisation(name=f"Paged Party {number}", short_name=f"PGP{number}", region=region)
    web = make_app(PAGE_SIZE=5)
    web_client = web.test_client()
    login_as(make.admin(), on_client=web_client)
    first = web_client.get(LIST).get_data(as_text=True)
    second = web_client.get(LIST + "?page=2").get_data(as_text=True)
    assert first.count("Paged Party") == 5 and second.count("Paged Party") == 2
    assert 'rel="next"' in first and 'rel="prev"' in second


def test_list_links_to_new_organisation(client, make, login_as):
    login_as(make.admin())
    page = client.get(LIST).get_data(as_text=True)
    assert 'href="/admin/organisations/new"' in page
    assert '<th scope="col">' in page or "No organisation matches" in page


def test_pagination_links_ignore_url_for_options_in_the_query_string(client, make, make_app, login_as):
    region = make.region()
    for number in range(3):
        make.organisation(name=f"Linked Party {number}", short_name=f"LKP{number}", region=region)
    web_client = make_app(PAGE_SIZE=2).test_client()
    login_as(make.admin(), on_client=web_client)
    response = web_client.get(LIST + "?_external=1&_scheme=javascript&endpoint=core.index&q=Linked")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "javascript:" not in page
    assert 'href="/admin/organisations/?q=Linked&amp;page=2"' in page


@pytest.mark.parametrize("path", ["/admin/organisations/99999999999999999999999",
                                  "/admin/organisations/9223372036854775808/activate",
                                  "/admin/regions/99999999999999999999999"])
def test_absurd_ids_are_not_found_rather_than_errors(client, make, login_as, path):
    login_as(make.admin())
    response = client.post(path) if path.endswith("activate") else client.get(path)
    assert response.status_code == 404


def test_a_name_taken_between_validation_and_commit_is_refused_cleanly(client, db, make, login_as, monkeypatch):
    # Simulate the race: the form's own check passes, the unique index catches the duplicate.
    from academy.organisations.forms import OrganisationForm

    monkeypatch.setattr(OrganisationForm, "validate_name", lambda self, field: None)
    region = make.region()
    make.organisation(name="Raced Party", short_name="RP1", region=region)
    login_as(make.admin())
    response = client.post(NEW, data=_valid(region, name="RACED PARTY", short_name="RP2"))
    assert response.status_code == 400
    assert b"already exists" in response.data
    assert len(_organisations(db)) == 1
    assert _events(db, "organisation.create") == []
