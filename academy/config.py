"""Settings read from environment variables, with safe defaults and paths under ``instance/``."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from .files import create_once

LANGUAGES = ("en", "fr", "es", "ar")
RTL_LANGUAGES = frozenset({"ar"})


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _env_days(name: str, default: int) -> int:
    """A number of days, 0 or more; anything else stops the start with the variable named."""
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    if not (value.strip().isascii() and value.strip().isdigit()):
        raise ValueError(f"{name} must be a whole number of days, 0 or more (got {value!r})")
    return int(value)


#: Role names as stored (``accounts.models.Role``); config cannot import the models.
ROLE_NAMES = ("admin", "coordinator", "trainer", "trainee")


def _env_roles(name: str, default: str) -> frozenset[str]:
    """Comma-separated role names (empty for none); an unknown name stops the start, named."""
    value = os.environ.get(name)
    names = {part.strip().lower() for part in (default if value is None else value).split(",") if part.strip()}
    unknown = names - set(ROLE_NAMES)
    if unknown:
        raise ValueError(f"{name} lists unknown roles {sorted(unknown)}; known: {', '.join(ROLE_NAMES)}")
    return frozenset(names)


def normalise_database_url(url: str) -> str:
    """Point plain PostgreSQL URLs at the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def load_secret_key(instance_path: Path) -> str:
    """Return ``SECRET_KEY`` or a key kept in ``instance/secret_key`` (mode 0600).

    The file appears whole or not at all, and is never replaced (``files.create_once``), so that
    several gunicorn workers starting at once agree on one key instead of each inventing its own
    (or reading a file another has created but not yet written).
    """
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        create_once(key_file, secrets.token_urlsafe(48).encode("ascii"))
    key = key_file.read_text().strip()
    if not key:
        raise RuntimeError(f"{key_file} is empty: delete it (signed-in users are signed out) or set SECRET_KEY")
    return key


#: The hosts a server without ``SERVER_BASE_URL`` answers: links in e-mail then come from the
#: request's Host header, which a visitor chooses (a reset link pointing at their own site).
LOCAL_HOSTS = ("localhost", "127.0.0.1")


def allowed_hosts(listed: str | None, server_base_url: str) -> list[str] | None:
    """The ``Host`` names requests may carry (``None``: any).

    ``ALLOWED_HOSTS`` (comma-separated) when set; otherwise any host once ``SERVER_BASE_URL``
    gives links their address, and only this machine's names while it does not.
    """
    if listed and listed.strip():
        return [host.strip() for host in listed.split(",") if host.strip()]
    return None if server_base_url else list(LOCAL_HOSTS)


def build_config(instance_path: Path) -> dict:
    """Collect every setting the application reads, from the environment."""
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'academy.db'}"
    https = _env_bool("HTTPS", False)
    return {
        "SECRET_KEY": load_secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "MAX_CONTENT_LENGTH": _env_int("MAX_CONTENT_LENGTH", 20 * 1024 * 1024),
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        "SERVER_BASE_URL": os.environ.get("SERVER_BASE_URL", ""),
        "ALLOWED_HOSTS": allowed_hosts(os.environ.get("ALLOWED_HOSTS"), os.environ.get("SERVER_BASE_URL", "")),
        "HTTPS": https,
        # How many reverse proxies stand in front (0: none). Their X-Forwarded-For and
        # X-Forwarded-Proto are believed that many hops deep, so rate limits and the audit log
        # see the visitor's address and not the proxy's; never more than really exist, or a
        # visitor could choose their own address.
        "TRUSTED_PROXIES": _env_int("TRUSTED_PROXIES", 0),
        # Cookies: the session cookie never reaches scripts and stays on this site.
        "SESSION_COOKIE_NAME": "academy_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": https,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=_env_int("SESSION_ABSOLUTE_HOURS", 12)),
        # The cookie is re-signed only when its contents change, not on every response: it
        # expires with the session's absolute limit, and the idle limit is kept server-side.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "SESSION_IDLE_MINUTES": _env_int("SESSION_IDLE_MINUTES", 30),
        "SESSION_ABSOLUTE_HOURS": _env_int("SESSION_ABSOLUTE_HOURS", 12),
        "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
        "WTF_CSRF_TIME_LIMIT": 3600 * 8,
        "WTF_CSRF_SSL_STRICT": https,
        # Passwords: argon2id at the OWASP ASVS 5.0 minimum (m = 19 MiB, t = 2, p = 1).
        "ARGON2_TIME_COST": 2,
        "ARGON2_MEMORY_COST": 19456,
        "ARGON2_PARALLELISM": 1,
        "LOGIN_MAX_FAILURES": _env_int("LOGIN_MAX_FAILURES", 10),
        "LOGIN_LOCKOUT_MINUTES": _env_int("LOGIN_LOCKOUT_MINUTES", 15),
        # Each further lock lasts twice as long as the one before, up to this.
        "LOGIN_LOCKOUT_MAX_MINUTES": _env_int("LOGIN_LOCKOUT_MAX_MINUTES", 24 * 60),
        # People holding these roles must turn on two-step verification before anything else
        # (they see nominees' personal data); everyone else may. Comma-separated role names.
        "TWO_FACTOR_REQUIRED_ROLES": _env_roles("TWO_FACTOR_REQUIRED_ROLES", "admin,coordinator"),
        "RESET_TOKEN_HOURS": _env_int("RESET_TOKEN_HOURS", 2),
        "INVITATION_TOKEN_DAYS": _env_int("INVITATION_TOKEN_DAYS", 14),
        # Declined and withdrawn nominations lose their personal data this long after their
        # edition ends (``academy purge-expired``).
        "NOMINATION_RETENTION_DAYS": _env_days("NOMINATION_RETENTION_DAYS", 180),
        # Sent e-mail is kept this long (it holds names and addresses), then ``purge-expired`` deletes it.
        "OUTBOX_RETENTION_DAYS": _env_days("OUTBOX_RETENTION_DAYS", 30),
        # Rate limits: memory by default, Redis (shared by every worker) when configured.
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _env_bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_SIGN_IN": os.environ.get("RATELIMIT_SIGN_IN", "10 per minute;50 per hour"),
        "RATELIMIT_RESET": os.environ.get("RATELIMIT_RESET", "5 per minute;20 per hour"),
        # Mail: SMTP when MAIL_SERVER is set, otherwise .eml files under instance/mail/.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": _env_int("MAIL_PORT", 587),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _env_bool("MAIL_USE_TLS", True),
        "MAIL_USE_SSL": _env_bool("MAIL_USE_SSL", False),
        "MAIL_SENDER": os.environ.get("MAIL_SENDER", "Activist Academy <academy@localhost>"),
        "MAIL_DIR": os.environ.get("MAIL_DIR", str(instance_path / "mail")),
        "UPLOAD_DIR": os.environ.get("UPLOAD_DIR", str(instance_path / "uploads")),
        # Module handbooks, laid out once per version of a module, and the largest laid out:
        # HTML elements (a 40-page handbook has about 5,000, laid out in about 5 s; a thousand a
        # second) and characters of HTML (about 120,000 a second). Both share one budget.
        "HANDBOOK_DIR": os.environ.get("HANDBOOK_DIR", str(instance_path / "handbooks")),
        "HANDBOOK_MAX_ELEMENTS": _env_int("HANDBOOK_MAX_ELEMENTS", 15_000),
        "HANDBOOK_MAX_CHARACTERS": _env_int("HANDBOOK_MAX_CHARACTERS", 1_500_000),
        # Largest lesson material accepted (bytes); MAX_CONTENT_LENGTH caps the whole request.
        "MATERIAL_MAX_BYTES": _env_int("MATERIAL_MAX_BYTES", 15 * 1024 * 1024),
        # Certificates: stored PDFs, the credential signing key (created on first use, mode
        # 0600), signatories printed (JSON list of {"name", "title"}; a title may be a
        # {"en": …, "fr": …} mapping), the public verification pages' rate limit.
        "CERTIFICATE_DIR": os.environ.get("CERTIFICATE_DIR", str(instance_path / "certificates")),
        "CERTIFICATE_SIGNING_KEY_FILE": os.environ.get(
            "CERTIFICATE_SIGNING_KEY_FILE", str(instance_path / "certificate_signing_key.pem")),
        "CERTIFICATE_SIGNATORIES": os.environ.get("CERTIFICATE_SIGNATORIES", ""),
        "CERTIFICATE_UPLOAD_MAX_BYTES": _env_int("CERTIFICATE_UPLOAD_MAX_BYTES", 5 * 1024 * 1024),
        "CERTIFICATE_ZIP_WORKERS": _env_int("CERTIFICATE_ZIP_WORKERS", 0),  # 0: one per core
        "RATELIMIT_VERIFY": os.environ.get("RATELIMIT_VERIFY", "30 per minute"),
        "RATELIMIT_CALENDAR_FEED": os.environ.get("RATELIMIT_CALENDAR_FEED", "60 per minute"),
        "LANGUAGES": LANGUAGES,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "PAGE_SIZE": 25,
    }
