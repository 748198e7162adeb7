import pytest
pytestmark = pytest.mark.browser

def test_home(page, live_server, csp_violations):
    page.goto("/")
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert csp_violations == []

@pytest.mark.parametrize("locale", ["en", "ar"])
def test_home_axe(axe_page, assert_accessible, locale):
    page = axe_page(locale=locale)
    page.goto("/")
    print(page.locator("html").get_attribute("lang"))
    assert_accessible(page)

def test_axe_catches(axe_page, assert_accessible):
    page = axe_page()
    page.goto("/")
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<img src=x><input type=text>')")
    assert_accessible(page)
