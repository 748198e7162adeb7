"""Admins review nominations: the queue, one nomination, decisions, reports and exports."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("review", __name__, url_prefix="/admin/nominations")
