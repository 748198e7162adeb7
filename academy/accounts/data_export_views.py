"""Downloading a copy of one's own personal data, from the profile page.

A POST, not a link: the download is a deliberate act, audited and rate-limited, and a CSRF token
keeps another site from triggering it. Routes of the ``accounts`` blueprint (see ``views``).
"""
from __future__ import annotations

import json

from flask import Response
from flask_login import current_user

from ..access import signed_in
from ..db_types import utcnow
from ..extensions import db, limiter
from ..live.times import to_local
from .data_export import export_personal_data
from .views import _reset_limit, bp


@bp.post("/profile/data")
@limiter.limit(_reset_limit)
@signed_in
def download_data():
    """One's personal data as a JSON file, written straight into the answer."""
    user = current_user._get_current_object()
    now = utcnow()
    # The date on the person's own clock, so that the name matches the day they downloaded it.
    filename = f"activist-academy-data-{to_local(now, user.time_zone).date().isoformat()}.json"
    body = json.dumps(export_personal_data(user, now=now), ensure_ascii=False, indent=2)
    db.session.commit()
    response = Response(body, content_type="application/json; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "no-store"
    return response
