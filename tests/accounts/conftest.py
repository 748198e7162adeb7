"""Test clients served by an application of their own.

The ``app`` fixture keeps an application context pushed for the test's own database work.
Requests to that same application would reuse the context, and with it ``g`` (Flask-Login
caches the signed-in user there), so one client could be served as another. Serving the clients
from a second application gives every request a fresh context, as in production.
"""
from __future__ import annotations

import pytest


@pytest.fixture
def serving(app, make_app):
    """The application that answers the test clients (change its ``config`` to alter behaviour)."""
    return make_app()


@pytest.fixture
def client(serving):
    return serving.test_client()
