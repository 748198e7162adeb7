"""Clients served by an application of their own (see tests/accounts/conftest.py for why)."""
from ..accounts.conftest import client, serving  # noqa: F401  (fixtures)
