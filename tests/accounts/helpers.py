"""Helpers shared by the account and user-administration tests."""
from __future__ import annotations

import re

from sqlalchemy import event

from academy.audit.models import AuditEvent
from academy.extensions import db

from ..factories import DEFAULT_PASSWORD

#: A password that passes the policy and differs from the factories' default.
NEW_PASSWORD = "plum orchard under winter stars"


def post_sign_in(client, email, password=DEFAULT_PASSWORD, next_=None):
    """Submit the sign-in form."""
    url = "/sign-in" + (f"?next={next_}" if next_ else "")
    return client.post(url, data={"email": email, "password": password})


def link_in(message, path: str) -> str:
    """The path (``/reset-password/<token>``…) of the first link to ``path`` in an e-mail."""
    found = re.search(r"https?://[^/\s]+(" + re.escape(path) + r"[^\s]+)", message.body_text)
    assert found, message.body_text
    return found.group(1)


def audit_events(action: str | None = None) -> list[AuditEvent]:
    """Audit events, oldest first (of one action if given)."""
    query = db.select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query))


class QueryCounter:
    """Counts SQL statements that ``application`` sends while active (``with QueryCounter(app) as c``)."""

    def __init__(self, application):
        with application.app_context():
            self.engine = db.engine
        self.statements: list[str] = []

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._record)

    @property
    def count(self) -> int:
        return len(self.statements)
