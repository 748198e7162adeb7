"""Signing in through the real forms (CSRF token and all, and the code of two-step verification),
to measure pages as a signed-in admin."""
from __future__ import annotations

import http.client
import time
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from typing import Callable
from urllib.parse import urlencode, urlsplit

import pyotp

#: Where the sign-in goes next when the account uses two-step verification.
CODE_PATH = "/sign-in/code"


class _FormReader(HTMLParser):
    """Collects the inputs of every form on a page."""

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


def _read_page(port: int, path: str, jar: dict[str, str]) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Cookie": cookie_header(jar)} if jar else {})
        response = connection.getresponse()
        page = response.read().decode("utf-8", "replace")
        _store_cookies(jar, response.headers)
    finally:
        connection.close()
    if response.status != 200:
        raise RuntimeError(f"GET {path} answered {response.status}")
    return page


def _post(port: int, path: str, fields: dict, jar: dict[str, str]):
    """POST ``fields``; returns the response (already read), its cookies added to ``jar``."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", path, body=urlencode(fields), headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie_header(jar)})
        response = connection.getresponse()
        response.read()
        _store_cookies(jar, response.headers)
        return response
    finally:
        connection.close()


def _form_with(page: str, wanted: Callable[[dict], bool]) -> dict | None:
    reader = _FormReader()
    reader.feed(page)
    return next((form for form in reader.forms if any(wanted(field) for field in form["inputs"])), None)


#: The last 30-second step used per secret: the app accepts each code once, so a second sign-in
#: within the same step takes the next step's code (accepted for clock drift), or waits for it.
_last_steps: dict[str, int] = {}


def _next_code(secret: str) -> str:
    totp = pyotp.TOTP(secret)
    current = int(time.time()) // totp.interval
    step = max(current, _last_steps.get(secret, current - 1) + 1)
    if step > current + 1:  # both the current and the next code are spent: wait, as a person would
        time.sleep((step - 1) * totp.interval - time.time() + 0.5)
    _last_steps[secret] = step
    return totp.at(step * totp.interval)


def sign_in(port: int, email: str, password: str, path: str = "/sign-in",
            totp_secret: str | None = None) -> dict[str, str]:
    """Sign in on 127.0.0.1:``port`` as a browser would; return the session's cookies.

    With ``totp_secret`` the code step of two-step verification is completed as well. Raises
    RuntimeError when a form is missing or the sign-in does not succeed.
    """
    jar: dict[str, str] = {}
    form = _form_with(_read_page(port, path, jar), lambda field: field.get("type") == "password")
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
    response = _post(port, form["action"] or path, fields, jar)
    if response.status not in (302, 303):
        raise RuntimeError(f"sign-in as {email} answered {response.status}, expected a redirect")
    code_path = urlsplit(response.headers.get("Location", "")).path
    if code_path != CODE_PATH:
        return jar
    if not totp_secret:
        raise RuntimeError(f"{email} uses two-step verification: give its secret")
    form = _form_with(_read_page(port, code_path, jar), lambda field: field.get("name") == "code")
    if form is None:
        raise RuntimeError(f"no code field on {code_path}")
    fields = {field["name"]: field.get("value", "") for field in form["inputs"]}
    fields["code"] = _next_code(totp_secret)
    response = _post(port, form["action"] or code_path, fields, jar)
    if response.status not in (302, 303):
        raise RuntimeError(f"the code step as {email} answered {response.status}, expected a redirect")
    return jar
