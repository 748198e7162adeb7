"""Steps the browser tests share: signing in through the real form, checking a page's language."""
from __future__ import annotations

from playwright.sync_api import Page, expect

from tests import factories


def sign_in(page: Page, email: str, password: str = factories.DEFAULT_PASSWORD) -> None:
    """Sign in through the real form (by field names, so that it works in every language)."""
    page.goto("/sign-in")
    page.locator("main input[name=email]").fill(email)
    page.locator("main input[name=password]").fill(password)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("form[action$='/sign-out']")).to_be_visible()


def expect_language(page: Page, language: str) -> None:
    """The page is in ``language``, written in its direction (Arabic right to left)."""
    direction = "rtl" if language == "ar" else "ltr"
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("html")).to_have_attribute("dir", direction)
