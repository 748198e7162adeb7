"""The ``flask --app wsgi academy …`` command group; each feature contributes its commands."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from .extensions import db

academy_cli = AppGroup("academy", help="Run academy administration tasks.")
mail_cli = AppGroup("mail", help="Outbox e-mail.")
academy_cli.add_command(mail_cli)


@mail_cli.command("deliver")
@click.option("--limit", default=500, show_default=True, help="Most messages to try in one run.")
def deliver_mail(limit: int) -> None:
    """Deliver queued e-mail, retrying what failed before."""
    from .outbox.operations import deliver

    sent, failed = deliver(limit=limit)
    db.session.commit()
    click.echo(f"sent {sent}, failed {failed}")
    if failed:
        raise SystemExit(1)


def _register_feature_commands() -> None:
    from .accounts.cli import create_admin
    from .demo import seed_demo

    academy_cli.add_command(create_admin)
    academy_cli.add_command(seed_demo)


_register_feature_commands()
