# Placeholder blueprint: the organisations helper replaces this file.
from flask import Blueprint
from ..access import roles_required
from ..accounts.models import Role

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


@bp.get("/")
@roles_required(Role.ADMIN)
def list_events():
    return "audit"
