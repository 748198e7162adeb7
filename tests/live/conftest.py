"""Fixtures for the live-session tests: a published module with its trainer and trainees."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from academy.extensions import db


@dataclass
class Class_:
    """A published module taught by ``trainer``, with two enrolled trainees."""

    module: object
    trainer: object
    trainees: list
    enrolments: list


@pytest.fixture
def course(make):
    trainer = make.trainer(display_name="Tamara Trainer")
    module = make.module(trainers=[trainer], title="Door-to-door canvassing")
    trainees = [make.trainee(display_name=name) for name in ("Amina Abebe", "Bruno Barros")]
    enrolments = [make.enrolment(trainee, module) for trainee in trainees]
    return Class_(module=module, trainer=trainer, trainees=trainees, enrolments=enrolments)


@pytest.fixture
def web(make_app):
    """A second application serving the requests, so that each test client's signed-in user and
    database session stay its own (the ``app`` fixture's pushed context would be shared)."""
    return make_app()


@pytest.fixture
def client_for(web):
    """``client_for(user)``: a fresh test client signed in as ``user``."""
    from tests.fixtures_auth import sign_in_client

    def build(user):
        client = web.test_client()
        sign_in_client(client, user)
        return client
    return build


@pytest.fixture
def fresh():
    """``fresh(obj)``: reload ``obj`` from the database after requests changed it."""
    def reload(item):
        db.session.expire_all()
        return db.session.get(type(item), db.inspect(item).identity)
    return reload
