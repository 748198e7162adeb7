"""Two-step verification in a real browser: a coordinator, whose role requires it, turns it on at
the first sign-in, then signs in with a code from the app and with a recovery code; axe-core checks
of the code page and the open-sessions page in English and Arabic.

The live server is shared by the whole test session and runs with no role requiring two-step
verification (``tests/conftest.py``), so the journey switches the requirement on for its own
duration (``_coordinators_must_use_it``) and puts the setting back afterwards, even on failure.
Journeys run under the application's real Content-Security-Policy and fail on any violation of it.
"""
from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests import factories

pytestmark = pytest.mark.browser

LANGUAGES = ["en", "ar"]

REQUIRED_ROLES = "TWO_FACTOR_REQUIRED_ROLES"


@pytest.fixture
def _coordinators_must_use_it(live_app):
    """The served application requires two-step verification of coordinators during one test."""
    before = live_app.config[REQUIRED_ROLES]
    live_app.config[REQUIRED_ROLES] = frozenset({"coordinator"})
    try:
        yield
    finally:
        live_app.config[REQUIRED_ROLES] = before


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, interval=30)


def _wrong_code(secret: str) -> str:
    """Six digits that are not the code of the current step or of either neighbour."""
    now = time.time()
    valid = {_totp(secret).at(now + offset) for offset in (-60, -30, 0, 30, 60)}
    return next(code for code in ("000000", "111111", "222222") if code not in valid)


def _submit_password(page: Page, email: str) -> None:
    """Fill in and send the password form (the first step of signing in)."""
    page.goto("/sign-in")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(factories.DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _submit_code(page: Page, code: str) -> int:
    """Type ``code`` on the second-step page and send it; returns the HTTP status of the answer."""
    expect(page).to_have_url(re.compile(r"/sign-in/code$"))
    page.get_by_label("Code", exact=True).fill(code)
    with page.expect_response(lambda response: response.request.method == "POST"
                              and response.url.endswith("/sign-in/code")) as answer:
        page.get_by_role("button", name="Sign in").click()
    return answer.value.status


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


# --- journey -------------------------------------------------------------------------------------

@pytest.mark.usefixtures("_coordinators_must_use_it")
def test_coordinator_turns_it_on_then_signs_in_with_a_code_and_with_a_recovery_code(
        page: Page, make, csp_violations):
    coordinator = make.coordinator(display_name="Colette Coordinator")

    # 1. The password alone signs in, and leads straight to the setup page, saying why.
    _submit_password(page, coordinator.email)
    expect(page).to_have_url(re.compile(r"/profile/two-step$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Turn on two-step verification")
    expect(page.get_by_role("status").filter(has_text="Your role requires two-step verification")
           ).to_be_visible()

    # 2. Turn it on with a code made from the key the page shows (the spaces do not matter).
    secret = page.locator(".setup-key").inner_text().replace(" ", "")
    page.get_by_label("Six-digit code from the app").fill(_totp(secret).now())
    page.get_by_label("Current password").fill(factories.DEFAULT_PASSWORD)
    page.get_by_role("button", name="Turn on two-step verification").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-step verification is on")
    codes = page.locator(".recovery-codes li")
    expect(codes).to_have_count(10)
    recovery_code = codes.first.inner_text().strip()
    page.get_by_role("link", name="I have saved my codes: back to my profile").click()
    expect(page).to_have_url(re.compile(r"/profile$"))

    # 3. Signing in again asks for a code: a wrong one is refused, the next step's code works
    #    (the one typed at setup is spent, whatever the clock says).
    _sign_out(page)
    _submit_password(page, coordinator.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-step verification")
    assert _submit_code(page, _wrong_code(secret)) == 400
    expect(page.get_by_role("alert")).to_contain_text("This code is not right, or it was used already.")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    assert _submit_code(page, _totp(secret).at(time.time() + 30)) == 302
    expect(page.get_by_text("Welcome, Colette Coordinator.")).to_be_visible()
    expect(page.get_by_role("heading", name="My organisation")).to_be_visible()

    # 4. A recovery code works once in place of the six digits, and says how many are left.
    _sign_out(page)
    _submit_password(page, coordinator.email)
    assert _submit_code(page, recovery_code) == 302
    expect(page.get_by_text("You signed in with a recovery code. 9 recovery codes are left.")
           ).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    # 5. The open-sessions page marks this browser's session.
    page.goto("/profile/sessions")
    expect(page.get_by_role("heading", level=1)).to_have_text("Where you are signed in")
    expect(page.get_by_role("row").filter(has_text="This browser")).to_have_count(1)
    assert csp_violations == []


# --- accessibility -------------------------------------------------------------------------------

# Each recipe brings ``page`` to the page to check, for a ``person`` who has two-step verification
# on; ``sign_in()`` opens a session for them in the page's browser (by cookie).

def _code_page(page, person, sign_in):
    page.goto("/sign-in")
    page.locator("main input[name=email]").fill(person.email)
    page.locator("main input[name=password]").fill(factories.DEFAULT_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/sign-in/code$"))


def _code_page_with_error(page, person, sign_in):
    _code_page(page, person, sign_in)
    page.locator("main input[name=code]").fill("not a code")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main [role=alert]").first).to_be_visible()


def _open_sessions(page, person, sign_in):
    sign_in()
    sign_in()  # a second session, so that the page offers to end it
    page.goto("/profile/sessions")
    expect(page.locator("#session-list tr")).to_have_count(2)


PAGES = {
    "sign-in-code": _code_page,
    "sign-in-code-errors": _code_page_with_error,
    "open-sessions": _open_sessions,
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page_name", list(PAGES))
def test_page_has_no_accessibility_violations(axe_page, assert_accessible, sign_in_context, make, app,
                                              page_name, language):
    from academy.accounts import two_factor
    from academy.db_types import utcnow
    from academy.extensions import db

    page = axe_page(locale=language)
    person = make.coordinator(preferred_language=language)
    secret = two_factor.new_secret()
    with app.test_request_context():
        two_factor.enable(person, secret, _totp(secret).now(), now=utcnow())
    db.session.commit()

    PAGES[page_name](page, person, lambda: sign_in_context(page.context, person))
    assert_accessible(page, page_name, language)
