"""Behind a reverse proxy: ``TRUSTED_PROXIES`` decides whose word the forwarded headers are.

With the proxy counted, rate limits and the audit log see the visitor's address and HTTPS is
recognised; without it, a visitor who sends the headers themselves changes nothing.
"""
from __future__ import annotations

import pytest

from academy.audit.models import AuditEvent

PROXY = {"REMOTE_ADDR": "10.0.0.2"}
VISITOR = "203.0.113.7"


def _failed_sign_in_address(application, db) -> str | None:
    client = application.test_client()
    client.post("/sign-in", data={"email": "nobody@example.org", "password": "not the password at all"},
                headers={"X-Forwarded-For": VISITOR}, environ_base=PROXY)
    return db.session.scalars(db.select(AuditEvent.ip_address)
                              .where(AuditEvent.action == "account.sign_in_failed")
                              .order_by(AuditEvent.id.desc())).first()


def test_behind_one_trusted_proxy_the_visitor_address_is_recorded(make_app, db):
    assert _failed_sign_in_address(make_app(TRUSTED_PROXIES=1), db) == VISITOR


def test_without_trusted_proxies_a_forwarded_address_is_ignored(make_app, db):
    assert _failed_sign_in_address(make_app(), db) == PROXY["REMOTE_ADDR"]


def test_only_as_many_hops_as_configured_are_believed(make_app, db):
    """The proxy appends the address it saw; whatever the visitor put before it is not believed."""
    application = make_app(TRUSTED_PROXIES=1)
    client = application.test_client()
    client.post("/sign-in", data={"email": "nobody@example.org", "password": "not the password at all"},
                headers={"X-Forwarded-For": f"198.51.100.1, {VISITOR}"}, environ_base=PROXY)
    recorded = db.session.scalars(db.select(AuditEvent.ip_address).order_by(AuditEvent.id.desc())).first()
    assert recorded == VISITOR


def test_a_trusted_proxy_terminating_tls_makes_requests_secure(make_app):
    response = make_app(TRUSTED_PROXIES=1).test_client().get(
        "/healthz", headers={"X-Forwarded-Proto": "https"}, environ_base=PROXY)
    assert "Strict-Transport-Security" in response.headers


def test_an_untrusted_forwarded_proto_changes_nothing(make_app):
    response = make_app().test_client().get("/healthz", headers={"X-Forwarded-Proto": "https"},
                                            environ_base=PROXY)
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize("hops", [-1, "1", 1.5])
def test_a_nonsensical_number_of_proxies_is_refused_at_start(make_app, hops):
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        make_app(TRUSTED_PROXIES=hops)
