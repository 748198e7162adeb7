"""Fixtures of the coordinators' pages: an organisation and its coordinator, signed in."""
import pytest


@pytest.fixture
def organisation(make):
    return make.organisation()


@pytest.fixture
def coordinator(make, login_as, organisation):
    """The organisation's coordinator, signed in on ``client``."""
    user = make.coordinator(organisation)
    login_as(user)
    return user
