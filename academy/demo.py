# Placeholder: the organisations helper replaces this file with the real seed-demo command.
import click


@click.command("seed-demo")
def seed_demo():
    """Create demo data."""
    raise click.ClickException("not built yet")
