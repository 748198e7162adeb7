"""What a demo seeding run carries from one step to the next."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class SignIn:
    """One line of the table printed at the end: how to sign in as a demo person."""

    email: str
    roles: tuple[str, ...]
    password: str


@dataclass
class DemoSeed:
    """What the steps have found or created so far, by natural key, and what was new."""

    password: str
    regions: dict = field(default_factory=dict)
    organisations: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    created: Counter = field(default_factory=Counter)
    sign_ins: list[SignIn] = field(default_factory=list)
