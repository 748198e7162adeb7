"""Signing in through the real form (CSRF token and all), to measure pages as a signed-in admin."""
from __future__ import annotations

import http.client
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urlencode


class _FormReader(HTMLParser):
    """Collects the inputs of the form that holds a password field."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._current: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self._current = {"action": attributes.get("action") or "", "inputs": []}
            self.forms.append(self._current)
        elif tag == "input" and self._current is not None and attributes.get("name"):
            self._current["inputs"].append(attributes)

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def _store_cookies(jar: dict[str, str], headers) -> None:
    for header in headers.get_all("Set-Cookie") or []:
        cookie = SimpleCookie()
        cookie.load(header)
        for name, morsel in cookie.items():
            jar[name] = morsel.value


def cookie_header(jar: dict[str, str]) -> str:
    """The ``Cookie:`` header value for ``jar``."""
    return "; ".join(f"{name}={value}" for name, value in jar.items())


def sign_in(port: int, email: str, password: str, path: str = "/sign-in") -> dict[str, str]:
    """Sign in on 127.0.0.1:``port`` as a browser would; return the session's cookies.

    Raises RuntimeError when the form is missing or the sign-in does not succeed.
    """
    jar: dict[str, str] = {}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        page = response.read().decode("utf-8", "replace")
        _store_cookies(jar, response.headers)
        if response.status != 200:
            raise RuntimeError(f"GET {path} answered {response.status}")
        reader = _FormReader()
        reader.feed(page)
        form = next((form for form in reader.forms
                     if any(field.get("type") == "password" for field in form["inputs"])), None)
        if form is None:
            raise RuntimeError(f"no sign-in form with a password field on {path}")
        fields = {}
        for field in form["inputs"]:
            kind, name = field.get("type", "text"), field["name"]
            if kind == "password":
                fields[name] = password
            elif kind == "email" or "email" in name:
                fields[name] = email
            elif kind in ("hidden", "text") or kind is None:
                fields[name] = field.get("value", "")
        connection.close()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("POST", form["action"] or path, body=urlencode(fields), headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie_header(jar)})
        response = connection.getresponse()
        response.read()
        _store_cookies(jar, response.headers)
        if response.status not in (302, 303):
            raise RuntimeError(f"sign-in as {email} answered {response.status}, expected a redirect")
        return jar
    finally:
        connection.close()
