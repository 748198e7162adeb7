"""gunicorn's access log without the secrets and personal data that addresses carry.

Links sent by e-mail carry a secret in their path (setting a password, accepting an invitation),
so do calendar feeds and certificate codes; searches carry what was searched for (a name, an
e-mail address) in their query string, and the referrer repeats the previous page's address. An
access line keeps none of them: a secret segment is written as ``…``, the query string and the
referrer are left out, and so are the cookie and authorisation headers, should a custom
``access_log_format`` ask for them. ``gunicorn.conf.py`` makes every gunicorn started in the
project folder use this logger.
"""
from __future__ import annotations

import re

from gunicorn.glogging import Logger

#: Paths whose last segments are secrets or codes (every route with a ``token`` or ``code``
#: argument; tests/test_access_log.py checks the URL map against this).
SECRET_PATH = re.compile(
    r"^(/(?:reset-password|invitation/edition|invitation|calendar|verify|certificates/status))/[^/]+")
HIDDEN = "…"
#: Request headers never written, whatever the format asks.
PRIVATE_HEADERS = ("{cookie}i", "{authorization}i", "{referer}i")


def redact_path(path: str) -> str:
    """``path`` with the secret segment of a secret-bearing address replaced by ``…``."""
    match = SECRET_PATH.match(path)
    if match is None:
        return path
    rest = path[match.end():]
    suffix = ".ics" if path.endswith(".ics") and not rest else ""
    return f"{match.group(1)}/{HIDDEN}{suffix}{rest}"


class RedactingLogger(Logger):
    """gunicorn's logger, with the access line's request, path, query and referrer cleaned."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        path = redact_path(atoms.get("U") or "")
        atoms.update(U=path, q="", f="-", r=f"{atoms.get('m')} {path} {atoms.get('H')}")
        for header in PRIVATE_HEADERS:
            if header in atoms:
                atoms[header] = "-"
        return atoms
