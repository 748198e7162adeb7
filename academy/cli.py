"""The ``flask --app wsgi academy …`` command group; each feature contributes its commands."""
from __future__ import annotations

import click
from flask import current_app
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


@academy_cli.command("purge-expired")
@click.option("--dry-run", is_flag=True, help="Only count the nominations that would be purged.")
def purge_expired_nominations(dry_run: bool) -> None:
    """Remove the personal data of declined and withdrawn nominations past their retention."""
    from .db_types import utcnow
    from .nominations.purge import count_expired, purge_expired

    days, now = current_app.config["NOMINATION_RETENTION_DAYS"], utcnow()
    if dry_run:
        click.echo(f"{count_expired(now, days)} nominations would be purged (dry run, nothing written)")
        return
    purged = purge_expired(now, days)
    db.session.commit()
    click.echo(f"{purged} nominations purged")


def _register_feature_commands() -> None:
    from .accounts.cli import create_admin
    from .demo import seed_demo

    academy_cli.add_command(create_admin)
    academy_cli.add_command(seed_demo)


_register_feature_commands()
