"""People whose roles require two-step verification turn it on before they do anything else.

``require_two_factor`` runs before every request, after ``enforce_access``. It costs no query:
the signed-in user and their roles are already loaded with the session.
"""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..access import rule_for, wants_json
from ..core.errors import render_error
from . import two_factor

#: Where the person turns it on.
SETUP_ENDPOINT = "accounts.two_factor_setup"

#: Reachable without it: the setup page, signing out, the language switch and static files
#: (public pages, the health check among them, are let through by their access rule).
EXEMPT_ENDPOINTS = frozenset({SETUP_ENDPOINT, "accounts.sign_out", "core.set_language", "static"})

REQUIRED = _l("Your role requires two-step verification: it protects the personal data you can see. "
              "Please turn it on now; it takes two minutes with an authenticator app on your phone.")


def landing_page(user, target: str) -> str:
    """Where a sign-in with the password alone goes: ``target``, or the setup page (saying why)
    when ``user``'s role requires two-step verification. ``require_two_factor`` lets public pages
    through, the home page among them, so without this the person would not hear of it at once."""
    if user.has_two_factor or not two_factor.is_required(user):
        return target
    flash(REQUIRED, "warning")
    return url_for(SETUP_ENDPOINT)


def require_two_factor():
    """``before_request`` hook: send a person who must use two-step verification, and does not
    yet, to its setup page (other requests than HTML GETs are refused with 403)."""
    endpoint = request.endpoint
    if endpoint is None or endpoint in EXEMPT_ENDPOINTS or not current_user.is_authenticated:
        return None
    if current_user.has_two_factor or not two_factor.is_required(current_user):
        return None
    rule = rule_for(endpoint)
    if rule is not None and rule.public:
        return None
    if request.method != "GET" or wants_json():
        return render_error(403, REQUIRED)
    flash(REQUIRED, "warning")
    return redirect(url_for(SETUP_ENDPOINT))
