"""Who may reach each endpoint: declared per view, denied when undeclared.

Every view carries a rule through one of the decorators below. ``enforce_access`` runs before
every request and refuses endpoints that declare nothing, so a forgotten declaration fails closed.
Object-level checks (a coordinator sees only their organisation) live on the models and are
applied in the views after loading.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user


@dataclass(frozen=True)
class AccessRule:
    """The audience of one endpoint: everyone, any signed-in user, or holders of some roles."""

    public: bool = False
    roles: frozenset[str] = field(default_factory=frozenset)

    def describe(self) -> str:
        if self.public:
            return "public"
        return "roles:" + ",".join(sorted(self.roles)) if self.roles else "signed-in"

    def admits(self, user) -> bool:
        """Whether ``user`` (possibly anonymous) may reach the endpoint."""
        if self.public:
            return True
        if not user.is_authenticated:
            return False
        return not self.roles or bool(self.roles & user.acting_role_names)


PUBLIC = AccessRule(public=True)
SIGNED_IN = AccessRule()

#: Rules for endpoints that are not our own view functions (``static``).
_EXTRA_RULES: dict[str, AccessRule] = {"static": PUBLIC}


def _mark(view: Callable, rule: AccessRule) -> Callable:
    view.access_rule = rule
    return view


def public(view: Callable) -> Callable:
    """Anyone, signed in or not, may reach this view."""
    return _mark(view, PUBLIC)


def signed_in(view: Callable) -> Callable:
    """Any signed-in user may reach this view."""
    return _mark(view, SIGNED_IN)


def roles_required(*roles) -> Callable[[Callable], Callable]:
    """Only users holding at least one of ``roles`` may reach this view."""
    names = frozenset(getattr(role, "value", role) for role in roles)

    def decorate(view: Callable) -> Callable:
        return _mark(view, AccessRule(roles=names))

    return decorate


def rule_for(endpoint: str | None) -> AccessRule | None:
    """The declared rule of ``endpoint``, or None when it declares nothing."""
    if endpoint in _EXTRA_RULES:
        return _EXTRA_RULES[endpoint]
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "access_rule", None)


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def enforce_access():
    """``before_request`` hook: refuse the request unless the endpoint's rule admits the user."""
    if request.endpoint is None:  # no route matched: let the 404/405 handlers answer
        return None
    rule = rule_for(request.endpoint)
    if rule is None:
        abort(403)
    if rule.admits(current_user):
        return None
    if not current_user.is_authenticated:
        if wants_json() or request.method != "GET":
            abort(401)
        return redirect(url_for("accounts.sign_in", next=request.full_path.rstrip("?")))
    abort(403)


def require(condition: bool, status: int = 403) -> None:
    """Abort with ``status`` unless ``condition`` holds (object-level checks in views)."""
    if not condition:
        abort(status)
