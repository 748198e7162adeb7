"""Fixtures of the admin screens of editions: a second application, signed-in clients, an admin
in Paris time and a module to include."""
from __future__ import annotations

import pytest

from ...fixtures_auth import sign_in_client


@pytest.fixture
def web(make_app):
    """A second application serving the requests, so each client's signed-in user stays its own."""
    return make_app()


@pytest.fixture
def client_for(web):
    """``client_for(user)``: a fresh test client signed in as ``user``."""
    def build(user):
        client = web.test_client()
        sign_in_client(client, user)
        return client
    return build


@pytest.fixture
def admin(make):
    return make.admin(time_zone="Europe/Paris")


@pytest.fixture
def module(make):
    return make.module(title="Door-to-door canvassing")
