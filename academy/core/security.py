"""Security headers on every response, and the one check that keeps ``next`` on this site."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, request
from flask_login import current_user

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def apply_security_headers(response):
    """``after_request`` hook: strict CSP and the usual hardening headers."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
    if current_app.config.get("HTTPS") or request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if current_user and current_user.is_authenticated:
        # Personal pages must not linger in shared or browser caches.
        headers["Cache-Control"] = "no-store"
    elif request.endpoint != "static":
        # Signed-out pages can be personal too (an invitation link shows the invitee's name and
        # address); a view that may be cached says so itself (the JWKS document).
        headers.setdefault("Cache-Control", "no-store")
    return response


def safe_next(target: str | None, fallback: str) -> str:
    """Return ``target`` when it is a path on this site, else ``fallback`` (no open redirects)."""
    if not target:
        return fallback
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(("//", "/\\")):
        return fallback
    if any(ord(char) < 32 for char in target) or "\\" in target:
        return fallback
    return target
