"""Following up: coordinators see their nominees' progress; admins see it per edition."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("followup", __name__, url_prefix="/follow-up")
