"""Cross-cutting protections: local-only redirects, CSRF, request size limits, HSTS."""
from __future__ import annotations

import pytest
from flask_babel import force_locale, gettext
from markupsafe import escape

from academy.core.security import safe_next

FALLBACK = "/fallback"


@pytest.mark.parametrize("target", [
    "//evil.com",
    "//evil.com/path",
    "https://evil.com",
    "http://evil.com/sign-in",
    "HTTPS://evil.com",
    "/\\evil.com",
    "\\\\evil.com",
    "/\\/evil.com",
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    "data:text/html,<script>alert(1)</script>",
    "evil.com",
    "profile",
    " //evil.com",
    "/\t/evil.com",
    "/\n/evil.com",
    "///evil.com",
])
def test_next_refuses_anything_but_a_local_path(target):
    assert safe_next(target, FALLBACK) == FALLBACK


@pytest.mark.parametrize("target", ["/", "/profile", "/admin/users/?page=2", "/verify/ABC-123#top"])
def test_next_keeps_local_paths(target):
    assert safe_next(target, FALLBACK) == target


@pytest.mark.parametrize("target", [None, ""])
def test_next_falls_back_when_empty(target):
    assert safe_next(target, FALLBACK) == FALLBACK


def test_language_switch_does_not_redirect_off_site(client):
    response = client.post("/language", data={"language": "fr", "next": "//evil.com/phish"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_language_switch_returns_to_a_local_page(client):
    response = client.post("/language", data={"language": "es", "next": "/profile"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/profile"


@pytest.mark.parametrize("language", ["en", "fr"])
def test_post_without_csrf_token_is_refused_with_a_translated_message(make_app, language):
    application = make_app(WTF_CSRF_ENABLED=True)
    client = application.test_client()

    response = client.post("/language", data={"language": "fr"}, headers={"Accept-Language": language})

    assert response.status_code == 400
    with application.test_request_context(headers={"Accept-Language": language}), force_locale(language):
        expected = str(escape(_csrf_message()))
    assert expected in response.get_data(as_text=True)


def test_forged_csrf_token_is_refused(make_app):
    application = make_app(WTF_CSRF_ENABLED=True)
    client = application.test_client()

    response = client.post("/language", data={"language": "fr", "csrf_token": "forged.token.value"})

    assert response.status_code == 400
    assert response.headers.get("Location") is None


def _csrf_message() -> str:
    """The CSRF error text in the current locale, as the error handler renders it."""
    return gettext("Your form has expired or was not sent from this site. "
                   "Please reload the page and try again.")


def test_request_larger_than_max_content_length_gives_413(make_app):
    application = make_app(MAX_CONTENT_LENGTH=1024)
    client = application.test_client()

    response = client.post("/language", data={"language": "fr", "next": "/" + "x" * 4096})

    assert response.status_code == 413


def test_hsts_is_sent_when_https_is_on(make_app):
    client = make_app(HTTPS=True).test_client()

    response = client.get("/")

    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_no_hsts_over_plain_http(make_app):
    client = make_app(HTTPS=False).test_client()

    response = client.get("/")

    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize("https", [False, True])
def test_the_session_cookie_is_http_only_same_site_lax_and_secure_under_https(make_app, https):
    client = make_app(HTTPS=https).test_client()

    cookies = [header for header in client.get("/sign-in").headers.getlist("Set-Cookie")
               if header.startswith("academy_session=")]

    assert len(cookies) == 1
    attributes = {part.strip().split("=")[0].lower(): part.strip() for part in cookies[0].split(";")[1:]}
    assert "httponly" in attributes and attributes["samesite"] == "SameSite=Lax"
    assert ("secure" in attributes) is https
