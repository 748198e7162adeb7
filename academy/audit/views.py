"""The audit log browser (admins only): who did what, newest first, with filters."""
from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Blueprint, current_app, render_template, request
from flask_babel import get_timezone, gettext as _
from sqlalchemy.orm import joinedload

from ..access import roles_required
from ..accounts.models import Role, User
from ..core.forms import requested_page
from ..extensions import db
from .forms import AuditFilterForm
from .models import AuditEvent

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


def _events_query(filters: dict):
    query = db.select(AuditEvent).options(joinedload(AuditEvent.actor))
    if filters["action_prefix"]:
        query = query.where(AuditEvent.action.startswith(filters["action_prefix"], autoescape=True))
    if filters["action"]:
        query = query.where(AuditEvent.action == filters["action"])
    if filters["actor"]:
        actors = db.select(User.id).where(User.email.icontains(filters["actor"], autoescape=True))
        query = query.where(AuditEvent.actor_id.in_(actors))
    if filters["object_type"]:
        query = query.where(AuditEvent.object_type == filters["object_type"])
    if filters["object_id"]:
        query = query.where(AuditEvent.object_id == filters["object_id"])
    if filters["since"]:
        query = query.where(AuditEvent.occurred_at >= filters["since"])
    if filters["before"]:
        query = query.where(AuditEvent.occurred_at < filters["before"])
    return query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())


def describe_details(details) -> list[tuple[str, str]]:
    """An event's details as ``(key, text)`` pairs; a change reads ``old → new``."""
    if not isinstance(details, dict):
        return []
    pairs = []
    for key, value in sorted(details.items()):
        if key == "changes" and isinstance(value, dict):
            for name, change in sorted(value.items()):
                if isinstance(change, dict) and {"from", "to"} <= set(change):
                    pairs.append((name, f"{_plain(change['from'])} → {_plain(change['to'])}"))
                elif isinstance(change, list) and len(change) == 2:  # the ``[old, new]`` shape
                    pairs.append((name, f"{_plain(change[0])} → {_plain(change[1])}"))
                else:
                    pairs.append((name, _plain(change)))
        else:
            pairs.append((key, _plain(value)))
    return pairs


def _plain(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):  # Python's "True" would show in English whatever the language
        return _("Yes") if value else _("No")
    if isinstance(value, (list, tuple)):
        return ", ".join(_plain(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key}: {_plain(item)}" for key, item in sorted(value.items()))
    return str(value)


def _reader_zone() -> ZoneInfo:
    """The reader's time zone (dates in the filter are days there), UTC if it cannot be read."""
    try:
        return ZoneInfo(str(get_timezone() or "UTC"))
    except (ValueError, KeyError, ZoneInfoNotFoundError):
        return ZoneInfo("UTC")


@bp.get("/")
@roles_required(Role.ADMIN)
def list_events():
    """The audit log, newest first: filter by action, actor, object and dates; paginated."""
    form = AuditFilterForm(request.args)
    valid = form.validate() if request.args else True
    zone = _reader_zone()
    page = db.paginate(_events_query(form.filters(zone)), page=requested_page(request.args),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return (render_template("audit/list.html", form=form, page=page, describe_details=describe_details,
                            time_zone=zone.key),
            200 if valid else 400)
