"""Accepted nominees take their invitation: create or link an account, join the edition's modules."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("invitations", __name__, url_prefix="/invitation")
