# Placeholder: the accounts helper replaces this file with the real create-admin command.
import click


@click.command("create-admin")
def create_admin():
    """Create an administrator."""
    raise click.ClickException("not built yet")
