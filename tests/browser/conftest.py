"""Browser tests: the system Chromium driven by Playwright against the app on a live server.

Playwright cannot download its own browser here, so it launches ``/usr/bin/chromium``. When that
browser (or axe-core, for the accessibility checks) is missing the tests are skipped, unless
``REQUIRE_BROWSER_TESTS=1`` (set by CI), where a missing tool is a failure instead.
"""
from __future__ import annotations

import json
import os
import secrets
import threading
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from academy import PROJECT_ROOT, create_app
from tests.browser.pages import expect_language

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
AXE_SCRIPT = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
#: The rule sets axe-core applies: WCAG 2.0 and 2.1, levels A and AA, and its best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


def _missing(reason: str) -> None:
    """Skip for a missing tool, or fail when the run requires browser tests (CI)."""
    if os.environ.get("REQUIRE_BROWSER_TESTS") == "1":
        pytest.fail(f"{reason} (REQUIRE_BROWSER_TESTS=1, so this is a failure, not a skip)",
                    pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch the system Chromium headless (overrides pytest-playwright's fixture)."""
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is not installed (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


class _QuietHandler(WSGIRequestHandler):
    """Request handler that does not log every request (errors still reach stderr)."""

    def log_request(self, code="-", size="-"):
        pass


def _closed_once_sent(application):
    """``application`` with each response closed as soon as its last byte is written.

    Werkzeug's server skips a response's ``close()`` when reading what is left of the request
    fails because the browser has hung up (as Chromium may after a redirect): the work a request
    leaves until after its response (delivering its mail) would then never run. Gunicorn always
    closes; this gives the test server the same guarantee.
    """
    def serve(environ, start_response):
        iterable = application(environ, start_response)

        def chunks():
            try:
                yield from iterable
            finally:
                if hasattr(iterable, "close"):
                    iterable.close()
        return chunks()
    return serve


@pytest.fixture(scope="session")
def live_app(app_config, _schema):
    """The application the live server runs: the shared test database, CSRF on as for real users."""
    return create_app({**app_config, "TESTING": False, "WTF_CSRF_ENABLED": True})


@pytest.fixture(scope="session")
def live_server(live_app):
    """``live_app`` served over HTTP on 127.0.0.1 by a thread; yields its base URL.

    It uses the shared test database, which ``tests/conftest.py`` empties after every test.
    """
    application = live_app
    server = make_server("127.0.0.1", 0, _closed_once_sent(application), threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with application.app_context():
            from academy.extensions import db

            db.engine.dispose()


@pytest.fixture(scope="session")
def base_url(live_server):
    """Playwright resolves relative URLs (``page.goto("/sign-in")``) against the live server."""
    return live_server


@pytest.fixture
def sign_in_context(live_app, live_server, app):
    """``sign_in_context(context, user)``: put a fresh session cookie for ``user`` in ``context``.

    For tests about something other than signing in (the journeys use the real form): it skips the
    form and its deliberately slow password hash.
    """
    from academy.accounts.models import UserSession, hash_token
    from academy.extensions import db

    def sign_in(context, user) -> None:
        token = secrets.token_urlsafe(32)
        db.session.add(UserSession(user_id=user.id, token_hash=hash_token(token)))
        db.session.commit()
        serializer = live_app.session_interface.get_signing_serializer(live_app)
        value = serializer.dumps({"_user_id": token, "_fresh": True, "_permanent": True})
        context.add_cookies([{"name": live_app.config["SESSION_COOKIE_NAME"], "value": value,
                              "url": live_server, "httpOnly": True, "sameSite": "Lax"}])
    return sign_in


@pytest.fixture
def sign_in_with_language(sign_in_context, db):
    """``sign_in_with_language(page, language)`` gives ``as_user(user)``, which signs ``user`` into
    ``page``'s browser context with ``language`` as their preferred language (for the pages the
    accessibility checks open as someone)."""
    def bind(page, language: str):
        def as_user(user) -> None:
            user.preferred_language = language
            db.session.commit()
            sign_in_context(page.context, user)
        return as_user
    return bind


@pytest.fixture(scope="session")
def axe_source() -> str:
    """The axe-core script (installed by ``npm ci`` from package.json)."""
    if not AXE_SCRIPT.exists():
        _missing(f"{AXE_SCRIPT} is missing (run npm ci)")
    return AXE_SCRIPT.read_text(encoding="utf-8")


@pytest.fixture
def axe_page(new_context):
    """``axe_page(locale="ar")``: a page whose context ignores the CSP so axe-core can be injected.

    Only accessibility checks use it; journeys run under the real CSP.
    """
    def open_page(**context_args):
        return new_context(bypass_csp=True, **context_args).new_page()
    return open_page


def _describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation.get('impact')}): {violation['help']}"
                     f" <{violation.get('helpUrl', '')}>")
        for node in violation.get("nodes", [])[:10]:
            lines.append(f"    at {json.dumps(node.get('target'))}: {node.get('html', '')[:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n       ")
            if summary:
                lines.append(f"       {summary}")
    return "\n".join(lines)


@pytest.fixture
def assert_accessible(axe_source):
    """``assert_accessible(page, name, language)``: check that the loaded page is in ``language``
    (when given) and written in its direction, run axe-core on it and fail on any violation."""
    def check(page, label: str = "", language: str | None = None) -> None:
        if language:
            expect_language(page, language)
            label = f"{label} ({language})"
        page.add_script_tag(content=axe_source)
        result = page.evaluate("options => axe.run(document, options)", {"runOnly": AXE_TAGS})
        violations = result["violations"]
        if violations:
            pytest.fail(f"axe-core found {len(violations)} accessibility violation(s) on "
                        f"{label or page.url}:\n{_describe(violations)}", pytrace=False)
    return check


@pytest.fixture
def csp_violations(page):
    """Messages of Content-Security-Policy violations reported by ``page`` (should stay empty)."""
    messages: list[str] = []

    def on_console(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            messages.append(message.text)

    page.on("console", on_console)
    return messages
