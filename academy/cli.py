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
@click.option("--dry-run", is_flag=True, help="Only count what would be purged.")
def purge_expired_nominations(dry_run: bool) -> None:
    """Remove the personal data of nominations past their retention (every one but those of
    enrolled trainees), e-mail sent longer ago than its retention, and e-mail tried in vain for
    as long."""
    from .db_types import utcnow
    from .nominations.purge import count_expired, purge_expired
    from .outbox.retention import count_sent_expired, count_undeliverable, delete_sent_expired, delete_undeliverable

    config, now = current_app.config, utcnow()
    days, mail_days = config["NOMINATION_RETENTION_DAYS"], config["OUTBOX_RETENTION_DAYS"]
    if dry_run:
        click.echo(f"{count_expired(now, days)} nominations would be purged (dry run, nothing written)")
        click.echo(f"{count_sent_expired(now, mail_days)} sent e-mails would be deleted (dry run, nothing written)")
        click.echo(f"{count_undeliverable(now, mail_days)} undeliverable e-mails would be given up "
                   "(dry run, nothing written)")
        return
    purged = purge_expired(now, days)
    deleted = delete_sent_expired(now, mail_days)
    given_up = delete_undeliverable(now, mail_days)
    db.session.commit()
    click.echo(f"{purged} nominations purged")
    click.echo(f"{deleted} sent e-mails deleted")
    click.echo(f"{given_up} undeliverable e-mails given up")


def _register_feature_commands() -> None:
    from .accounts.cli import create_admin
    from .demo import seed_demo

    academy_cli.add_command(create_admin)
    academy_cli.add_command(seed_demo)


_register_feature_commands()
