"""``flask --app wsgi academy create-admin``: the first administrator, or the way back in."""
from __future__ import annotations

import os

import click
from email_validator import EmailNotValidError, validate_email
from flask_babel import force_locale

from ..extensions import db
from . import operations, passwords
from .forms import EMAIL_MAX, NAME_MAX

#: Read instead of prompting, for scripted set-ups (never pass a password on the command line).
PASSWORD_ENV = "ACADEMY_ADMIN_PASSWORD"


@click.command("create-admin")
@click.option("--email", required=True, help="Sign-in address of the administrator.")
@click.option("--name", required=True, help="Display name (kept when the account exists).")
def create_admin(email: str, name: str) -> None:
    """Create an administrator, or give an existing account the admin role.

    The password comes from $ACADEMY_ADMIN_PASSWORD or a hidden prompt. For an existing account
    an empty answer keeps its password.
    """
    email = _checked_email(email)
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise click.BadParameter(f"give a name of 1 to {NAME_MAX} characters", param_hint="--name")
    existing = operations.find_user_by_email(email)
    password = _password(existing is None)
    if password:
        problems = passwords.password_problems(password, email=email, name=name if existing is None
                                               else existing.display_name)
        if problems:
            with force_locale("en"):  # no request here to choose a language from
                raise click.ClickException(" ".join(str(problem) for problem in problems))
    user, created = operations.create_admin(email=email, display_name=name, password=password)
    db.session.commit()
    click.echo(f"{'Created' if created else 'Updated'} administrator {user.email} (id {user.id}).")


def _checked_email(email: str) -> str:
    email = operations.normalise_email(email)
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        raise click.BadParameter(str(error), param_hint="--email") from error
    if len(email) > EMAIL_MAX:
        raise click.BadParameter(f"at most {EMAIL_MAX} characters", param_hint="--email")
    return email


def _password(required: bool) -> str | None:
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env:
        return from_env
    if required:
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    answer = click.prompt("New password (empty keeps the current one)", hide_input=True,
                          confirmation_prompt=True, default="", show_default=False)
    return answer or None
