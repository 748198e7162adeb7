"""Fixtures of the admin screens of editions: an admin in Paris time and a module to include."""
from __future__ import annotations

import pytest


@pytest.fixture
def admin(make):
    return make.admin(time_zone="Europe/Paris")


@pytest.fixture
def module(make):
    return make.module(title="Door-to-door canvassing")
