"""Requests for a host name the academy does not answer to, refused before Flask sees them.

Without ``SERVER_BASE_URL`` the links the academy e-mails are built from the request's Host
header, which whoever sends the request chooses: a password reset asked for with
``Host: attacker.example`` would mail the victim a link to the attacker's site. ``ALLOWED_HOSTS``
(``config.allowed_hosts``) names the hosts served. The check runs in front of the application,
so no request hook, error page or link is ever built for a foreign host, and the refusal
needs nothing but the browser's language.
"""
from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

from babel.support import NullTranslations, Translations
from werkzeug.datastructures import LanguageAccept
from werkzeug.exceptions import SecurityError
from werkzeug.http import parse_accept_header
from werkzeug.wsgi import get_host

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def N_(message: str) -> str:
    """Mark ``message`` for the catalogues; it is translated when a refusal is answered."""
    return message


REFUSAL = N_("This server does not answer to that address. Use the academy's own address.")


@cache
def _translations(language: str) -> NullTranslations:
    return Translations.load(str(TRANSLATIONS), [language])


class AllowedHosts:
    """WSGI middleware answering 400, in the browser's language, to a request whose Host header
    is not among ``hosts`` (``None``: every host is served)."""

    def __init__(self, app, hosts: Iterable[str] | None, languages: Iterable[str], default_language: str):
        self.app = app
        self.hosts = list(hosts) if hosts is not None else None
        self.languages = list(languages)
        self.default_language = default_language

    def __call__(self, environ, start_response):
        if self.hosts is not None:
            try:
                get_host(environ, self.hosts)
            except SecurityError:
                return self._refuse(environ, start_response)
        return self.app(environ, start_response)

    def _refuse(self, environ, start_response):
        accepted = parse_accept_header(environ.get("HTTP_ACCEPT_LANGUAGE"), LanguageAccept)
        language = accepted.best_match(self.languages) or self.default_language
        body = _translations(language).gettext(REFUSAL).encode()
        start_response("400 Bad Request", [
            ("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))),
            ("Content-Language", language), ("Cache-Control", "no-store"),
            ("X-Content-Type-Options", "nosniff")])
        return [body]
