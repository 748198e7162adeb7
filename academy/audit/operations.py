"""Recording audit events; every operation that changes something sensitive calls ``record``."""
from __future__ import annotations

import sqlalchemy as sa
from flask import has_request_context, request

from ..extensions import db
from .models import AuditEvent


def record(action: str, *, actor=None, target=None, object_type: str | None = None,
           object_id=None, **details) -> AuditEvent:
    """Add an audit event to the session (the caller commits).

    ``target`` may be a model instance: its table name and id become the object.
    """
    if target is not None:
        object_type = object_type or target.__tablename__
        object_id = target.id if object_id is None else object_id
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        ip_address=_client_address(),
        details=details,
    )
    db.session.add(event)
    return event


def record_many(action: str, *, actor=None, targets, **details) -> None:
    """Add one event per target, rows exactly as ``record`` writes them, in one multi-row INSERT.

    For bulk operations, where thousands of single inserts would take seconds (the caller commits).
    """
    address = _client_address()
    rows = [dict(action=action, actor_id=getattr(actor, "id", None), object_type=target.__tablename__,
                 object_id=str(target.id), ip_address=address, details=details) for target in targets]
    if rows:
        db.session.execute(sa.insert(AuditEvent), rows)


def _client_address() -> str | None:
    return request.remote_addr if has_request_context() else None
