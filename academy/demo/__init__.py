"""Demo data: ``flask --app wsgi academy seed-demo`` fills an empty academy with people to try it.

Seeding runs a list of steps (``STEPS``), each a function that receives the ``DemoSeed`` being
built, finds what exists by its natural key (region code, short name, e-mail) and creates only
what is missing — so running the command again creates nothing and prints the same sign-ins.
Another feature extends the demo by writing a step in a module of this package and adding it
to ``STEPS`` after the steps whose objects it uses (``seed.organisations["FSDD"]``, …).

The demo accounts share a password that is printed on the terminal: never run this on a server
that real people use.
"""
from __future__ import annotations

import os
from typing import Callable

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale

from ..audit.operations import record
from ..extensions import db
from .editions import seed_editions
from .learning import seed_learning
from .organisations import seed_organisations, seed_regions
from .people import seed_people
from .seed import DemoSeed, SignIn

#: Used when ``ACADEMY_DEMO_PASSWORD`` is not set; it passes the password policy.
DEFAULT_DEMO_PASSWORD = "demo-password-2026"


#: Printed under the sign-ins when some roles must use two-step verification.
TWO_FACTOR_NOTE = (
    "Accounts with the {roles} role turn on two-step verification at their first sign-in: scan the\n"
    "QR code with an authenticator app. Without a phone, copy the key shown under the QR code\n"
    "(without its spaces) and get each code with:\n"
    "  .venv/bin/python -c \"import pyotp; print(pyotp.TOTP('THEKEY').now())\"")


#: The seeding steps, in order: each may rely on what the earlier ones put in the seed.
STEPS: list[Callable[[DemoSeed], None]] = [seed_regions, seed_organisations, seed_people, seed_learning,
                                           seed_editions]


def demo_password() -> str:
    """The demo password: ``ACADEMY_DEMO_PASSWORD``, else the default."""
    return os.environ.get("ACADEMY_DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


def run_steps(password: str, steps=None) -> DemoSeed:
    """Run the seeding steps and audit what they created (the caller commits)."""
    seed = DemoSeed(password=password)
    for step in STEPS if steps is None else steps:
        step(seed)
    db.session.flush()
    if seed.created:
        record("demo.seed", object_type="demo", created=dict(sorted(seed.created.items())))
    return seed


def sign_in_table(sign_ins: list[SignIn]) -> str:
    """The sign-ins as an aligned plain-text table."""
    rows = [("E-mail", "Roles", "Password")]
    rows += [(line.email, ", ".join(line.roles), line.password) for line in sign_ins]
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Create demo regions, organisations and people (idempotent); print how to sign in."""
    from ..accounts.passwords import password_problems

    password = demo_password()
    problems = password_problems(password)
    if problems:
        with force_locale("en"):  # no request, so no reader's language: the terminal gets English
            reasons = " ".join(str(problem) for problem in problems)
        raise click.ClickException(f"ACADEMY_DEMO_PASSWORD is refused by the password policy: {reasons}")
    seed = run_steps(password)
    db.session.commit()
    if seed.created:
        summary = ", ".join(f"{count} {kind}" for kind, count in sorted(seed.created.items()))
        click.echo(f"Demo data created: {summary}.")
    else:
        click.echo("Demo data already present: nothing created.")
    click.echo("")
    click.echo(sign_in_table(seed.sign_ins))
    click.echo("")
    required = sorted(current_app.config["TWO_FACTOR_REQUIRED_ROLES"])
    if required:
        click.echo(TWO_FACTOR_NOTE.format(roles=" or ".join(required)))
        click.echo("")
    click.echo("These accounts use a published password: never seed demo data where real people sign in.")
