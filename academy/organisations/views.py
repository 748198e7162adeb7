# Placeholder blueprint: the organisations helper replaces this file.
from flask import Blueprint
from ..access import roles_required
from ..accounts.models import Role

bp = Blueprint("organisations", __name__, url_prefix="/admin")


@bp.get("/organisations/")
@roles_required(Role.ADMIN)
def list_organisations():
    return "organisations"


@bp.get("/regions/")
@roles_required(Role.ADMIN)
def list_regions():
    return "regions"
