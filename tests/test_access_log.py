"""The access log keeps no secrets and no personal data from the addresses it records."""
from __future__ import annotations

import subprocess
import sys
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from flask import url_for
from gunicorn.config import Config

from academy.core.access_log import HIDDEN, RedactingLogger, redact_path
from benchmarks.servers import PROJECT_ROOT, free_port, get

SECRET = "Zq3secretTOKENvalue"


def test_every_address_carrying_a_secret_or_code_is_redacted(app):
    rules = [rule for rule in app.url_map.iter_rules() if rule.arguments & {"token", "code"}]
    assert len(rules) >= 6  # reset, two invitations, calendar feed, verification pages
    with app.test_request_context():
        for rule in rules:
            path = url_for(rule.endpoint, **{name: SECRET for name in rule.arguments})
            redacted = redact_path(path)
            assert SECRET not in redacted and HIDDEN in redacted, (rule.rule, redacted)


@pytest.mark.parametrize("path, expected", [
    ("/calendar/abc.ics", "/calendar/….ics"),
    ("/verify/ABCD-EFGH/credential.json", "/verify/…/credential.json"),
    ("/invitation/edition/abc", "/invitation/edition/…"),
    ("/verify", "/verify"),
    ("/admin/users/", "/admin/users/"),
])
def test_only_the_secret_segment_is_replaced(path, expected):
    assert redact_path(path) == expected


def _atoms(**environ):
    config = Config()
    config.set("accesslog", "-")
    logger = RedactingLogger(config)
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/", "SERVER_PROTOCOL": "HTTP/1.1", "PATH_INFO": "/",
               "QUERY_STRING": "", **environ}
    request = SimpleNamespace(headers=[("COOKIE", "session=abc"), ("REFERER", "https://x/?q=a"),
                                       ("USER-AGENT", "test")])
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    return logger.atoms(response, request, environ, timedelta(milliseconds=3))


def test_the_query_referrer_and_cookie_are_left_out():
    atoms = _atoms(RAW_URI=f"/reset-password/{SECRET}?next=%2F", PATH_INFO=f"/reset-password/{SECRET}",
                   QUERY_STRING="q=amina%40example.org", HTTP_REFERER="https://academy.example/admin/users/?q=amina")
    assert atoms["r"] == "GET /reset-password/… HTTP/1.1"
    assert atoms["U"] == "/reset-password/…" and atoms["q"] == "" and atoms["f"] == "-"
    assert atoms["{cookie}i"] == "-" and atoms["{referer}i"] == "-" and atoms["{user-agent}i"] == "test"


def test_gunicorn_started_in_the_project_folder_writes_redacted_lines(tmp_path):
    """``gunicorn.conf.py`` is read by any gunicorn started here: the log of a real server."""
    port, log = free_port(), tmp_path / "access.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "--access-logfile", str(log),
         "benchmarks.hello:app"], cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                get(port, "/")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("gunicorn did not start")
                time.sleep(0.1)
        get(port, f"/invitation/{SECRET}?email=amina%40example.org", {"Referer": "http://x/?q=amina"})
    finally:
        server.terminate()
        server.wait(timeout=15)
    lines = log.read_text()
    assert "GET /invitation/… HTTP/1.1" in lines
    assert SECRET not in lines and "amina" not in lines
