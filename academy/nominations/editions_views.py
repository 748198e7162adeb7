"""Admin screens for editions (intakes): create, edit, open, close, archive."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("editions", __name__, url_prefix="/admin/editions")
