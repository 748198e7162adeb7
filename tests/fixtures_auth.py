"""Signing test clients in without going through the sign-in form (fast, and exact)."""
from __future__ import annotations

import secrets

import pytest

from academy.accounts.models import UserSession, hash_token
from academy.extensions import db


def sign_in_client(client, user) -> str:
    """Open a server-side session for ``user`` and put its token in ``client``'s cookie."""
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, token_hash=hash_token(token)))
    db.session.commit()
    with client.session_transaction() as session:
        session.clear()
        session["_user_id"] = token
        session["_fresh"] = True
        session.permanent = True
    return token


@pytest.fixture
def login_as(client):
    """``login_as(user)`` signs the default test client in as ``user`` and returns the client."""
    def sign_in(user, on_client=None):
        target = on_client or client
        sign_in_client(target, user)
        return target
    return sign_in


@pytest.fixture
def web(make_app):
    """A second application serving the requests, so that each test client's signed-in user and
    database session stay its own (the ``app`` fixture's pushed context would share ``g``)."""
    return make_app()


@pytest.fixture
def client_for(web):
    """``client_for(user)``: a fresh test client of ``web`` signed in as ``user`` (None: anonymous)."""
    def build(user=None):
        client = web.test_client()
        if user is not None:
            sign_in_client(client, user)
        return client
    return build
