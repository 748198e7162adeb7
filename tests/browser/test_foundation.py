"""The foundation in a real browser: sign in, switch to Arabic, manage organisations; axe-core checks.

Journeys run under the application's real Content-Security-Policy and fail on any violation of
it. Accessibility checks run axe-core (WCAG 2.1 A/AA and best practices) on each page in English
and in Arabic (right to left).
"""
from __future__ import annotations

import re

import pyotp
import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.pages import expect_language, sign_in

pytestmark = pytest.mark.browser

LANGUAGES = ["en", "ar"]


# --- journeys ------------------------------------------------------------------------------------

def test_admin_signs_in_through_the_form(page, make, csp_violations):
    admin = make.admin(email="ada@example.org", display_name="Ada Admin")

    page.goto("/")
    page.get_by_role("link", name="Sign in").first.click()
    expect(page).to_have_url(re.compile(r"/sign-in"))
    page.get_by_label("E-mail address").fill(admin.email)
    page.get_by_label("Password").fill(factories.DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_text("Welcome, Ada Admin.")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Organisations")).to_be_visible()
    assert csp_violations == []


def test_wrong_password_keeps_the_visitor_signed_out(page, make, csp_violations):
    admin = make.admin()

    page.goto("/sign-in")
    page.get_by_label("E-mail address").fill(admin.email)
    page.get_by_label("Password").fill("not the right password at all")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("alert")).to_contain_text("not right")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    assert csp_violations == []


def test_language_switcher_turns_the_interface_arabic_and_right_to_left(page, make, csp_violations):
    admin = make.admin()
    sign_in(page, admin.email)
    expect_language(page, "en")

    page.locator("#language-select").select_option("ar")
    page.locator("form.language-switcher button[type=submit]").click()

    expect_language(page, "ar")
    page.goto("/admin/organisations/")  # the choice is kept (and saved for the signed-in user)
    expect_language(page, "ar")
    expect(page.locator("#language-select")).to_have_value("ar")
    assert csp_violations == []


def test_anonymous_visitor_can_switch_to_arabic(page, live_server, csp_violations):
    page.goto("/")
    expect_language(page, "en")

    page.locator("#language-select").select_option("ar")
    page.locator("form.language-switcher button[type=submit]").click()

    expect_language(page, "ar")
    expect(page).to_have_url(f"{live_server}/")
    assert csp_violations == []


def test_admin_creates_and_edits_an_organisation(page, make, csp_violations):
    admin = make.admin()
    make.region(name_en="Europe")
    sign_in(page, admin.email)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Organisations").click()
    page.get_by_role("link", name="New organisation").click()
    page.get_by_label("Name", exact=True).fill("Social Democratic Youth")
    page.get_by_label("Short name").fill("SDY")
    page.get_by_label("Country").select_option("SE")
    page.get_by_label("Region").select_option(label="Europe")
    page.get_by_label("Kind").select_option("youth")
    page.get_by_label("Website").fill("https://sdy.example.org")
    page.get_by_role("button", name="Add organisation").click()

    expect(page.get_by_text("Organisation Social Democratic Youth added.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Social Democratic Youth")
    expect(row).to_contain_text("SDY")
    expect(row).to_contain_text("Sweden")
    expect(row).to_contain_text("Europe")

    row.get_by_role("link", name="Social Democratic Youth").click()
    expect(page.get_by_label("Short name")).to_have_value("SDY")
    page.get_by_label("Name", exact=True).fill("Social Democratic Youth League")
    page.get_by_role("button", name="Save changes").click()

    expect(page.get_by_text("Changes saved.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Social Democratic Youth League")
    page.get_by_role("link", name="All organisations").click()
    expect(page.get_by_role("row").filter(has_text="Social Democratic Youth League")).to_have_count(1)
    assert csp_violations == []


def test_invalid_organisation_is_refused_with_messages_beside_the_fields(page, make, csp_violations):
    admin = make.admin()
    make.region(name_en="Africa")
    sign_in(page, admin.email)

    page.goto("/admin/organisations/new")
    page.get_by_role("button", name="Add organisation").click()

    name = page.get_by_label("Name", exact=True)
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Enter the organisation's name.")).to_be_visible()
    page.goto("/admin/organisations/?status=all")
    expect(page.get_by_text("No organisation matches these filters.")).to_be_visible()
    assert csp_violations == []


# --- accessibility -------------------------------------------------------------------------------

# Each recipe brings ``page`` to the page to check; ``admin()`` signs an admin in (by cookie).

def _sign_in_page(page, make, admin):
    page.goto("/sign-in")


def _organisations_list(page, make, admin):
    region = make.region(name_en="Arab world", name_ar="العالم العربي")
    make.organisation(region=region, name="Popular Front", short_name="PF", country="TN")
    make.organisation(region=region, name="Youth Forum", short_name="YF", country="JO", is_active=False)
    admin()
    page.goto("/admin/organisations/?status=all")
    expect(page.get_by_role("table")).to_be_visible()


def _organisation_form(page, make, admin):
    make.region()
    admin()
    page.goto("/admin/organisations/new")


def _organisation_form_with_errors(page, make, admin):
    _organisation_form(page, make, admin)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("[aria-invalid=true]").first).to_be_visible()


def _organisation_edit_form(page, make, admin):
    organisation = make.organisation()
    admin()
    page.goto(f"/admin/organisations/{organisation.id}")


def _two_step_setup(page, make, admin):
    admin()
    page.goto("/profile/two-step")
    expect(page.locator(".qr-code")).to_be_visible()


def _two_step_setup_with_errors(page, make, admin):
    _two_step_setup(page, make, admin)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("[aria-invalid=true]").first).to_be_visible()


def _two_step_recovery_codes(page, make, admin):
    """Turn it on through the form, with a code made from the key the page shows."""
    _two_step_setup(page, make, admin)
    secret = page.locator(".setup-key").inner_text().replace(" ", "")
    page.locator("main input[name=code]").fill(pyotp.TOTP(secret, interval=30).now())
    page.locator("main input[name=current_password]").fill(factories.DEFAULT_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".recovery-codes li")).to_have_count(10)


def _profile_with_two_step_on(page, make, admin):
    _two_step_recovery_codes(page, make, admin)
    page.goto("/profile")
    expect(page.locator("#two-step-heading")).to_be_visible()


PAGES = {
    "sign-in": _sign_in_page,
    "organisations-list": _organisations_list,
    "organisation-form": _organisation_form,
    "organisation-form-errors": _organisation_form_with_errors,
    "organisation-edit-form": _organisation_edit_form,
    "two-step-setup": _two_step_setup,
    "two-step-setup-errors": _two_step_setup_with_errors,
    "two-step-recovery-codes": _two_step_recovery_codes,
    "profile-two-step-on": _profile_with_two_step_on,
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page_name", list(PAGES))
def test_page_has_no_accessibility_violations(axe_page, assert_accessible, sign_in_context, make,
                                              page_name, language):
    page = axe_page(locale=language)

    def admin():
        sign_in_context(page.context, make.admin(preferred_language=language))

    PAGES[page_name](page, make, admin)
    assert_accessible(page, page_name, language)
