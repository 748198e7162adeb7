"""Coordinators nominate people of their own organisation, one by one or from a CSV file."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("nominate", __name__, url_prefix="/nominations")
