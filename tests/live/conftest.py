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
def fresh():
    """``fresh(obj)``: reload ``obj`` from the database after requests changed it."""
    def reload(item):
        db.session.expire_all()
        return db.session.get(type(item), db.inspect(item).identity)
    return reload
