"""Refuse requests carrying a NUL character, before any view reads them (after the access checks).

No text this application keeps or looks up contains U+0000. PostgreSQL refuses it in every
string (a query comparing a search term holding one fails outright), SQLite and the files
written from the database would keep it silently. So a NUL anywhere in the query, the form, a
file name or a URL segment is a malformed request: a 400 with a message in the reader's
language, before any view reads (or writes) anything.
"""
from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l

NUL = "\x00"

MESSAGE = _l("What you sent contains a null character, which this site does not accept. "
             "Please remove it and try again.")


def _carries_nul(pairs) -> bool:
    return any(NUL in key or NUL in value for key, value in pairs)


def refuse_nul_characters():
    """``before_request`` hook: answer 400 when any part of the request holds a NUL character."""
    from .errors import render_error

    if request.view_args and any(isinstance(value, str) and NUL in value for value in request.view_args.values()):
        return render_error(400, MESSAGE)
    if request.query_string and _carries_nul(request.args.items(multi=True)):
        return render_error(400, MESSAGE)
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and (
            _carries_nul(request.form.items(multi=True))
            or any(NUL in key or NUL in (upload.filename or "") for key, upload in request.files.items(multi=True))):
        return render_error(400, MESSAGE)
    return None
