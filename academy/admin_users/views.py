# Placeholder blueprint: the accounts helper replaces this file.
from flask import Blueprint
from ..access import roles_required
from ..accounts.models import Role

bp = Blueprint("admin_users", __name__, url_prefix="/admin/users")


@bp.get("/")
@roles_required(Role.ADMIN)
def list_users():
    return "users"
