"""Deleting one's account in a real browser: from the profile, with the password and the ticked
box, under the real Content-Security-Policy; afterwards the address signs in no more."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.pages import sign_in

pytestmark = pytest.mark.browser


def test_a_trainee_deletes_their_account_from_the_profile(page, make, db, csp_violations):
    from academy.accounts.models import User

    email = "leila.browser@example.org"
    trainee = make.trainee(email=email, display_name="Leila Browser")
    make.enrolment(trainee, make.module(lessons=1, title="Door to door"))
    sign_in(page, email)

    page.get_by_role("link", name="Profile").click()
    page.get_by_role("link", name="What deleting your account removes, and deleting it").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete your account")

    # Without the ticked box nothing happens, and the page says why.
    page.get_by_label("Current password").fill(factories.DEFAULT_PASSWORD)
    page.get_by_role("button", name="Delete my account for good").click()
    expect(page.get_by_role("alert").first).to_contain_text("Tick the box to confirm")

    page.get_by_label("Current password").fill(factories.DEFAULT_PASSWORD)
    page.get_by_label(re.compile("I understand that my account")).check()
    page.get_by_role("button", name="Delete my account for good").click()

    expect(page.get_by_text("Your account and your personal data have been deleted.")).to_be_visible()
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()
    db.session.expire_all()
    assert db.session.scalar(db.select(User).where(User.email == email)) is None

    page.goto("/sign-in")
    page.locator("main input[name=email]").fill(email)
    page.locator("main input[name=password]").fill(factories.DEFAULT_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("alert")).to_contain_text("not right")
    assert csp_violations == []
