"""Alembic environment, run by Flask-Migrate inside the application (``flask --app wsgi db …``).

The models come in through the application: ``create_app`` imports ``academy.models``, so the
metadata below holds every table before Alembic compares or migrates anything.
"""
import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.sql.naming import conv

from academy.db_types import UTCDateTime

config = context.config

# Configure logging only when nobody else has (the command line). Under pytest or inside a
# running application, fileConfig would strip the handlers and levels already in place.
if config.config_file_name is not None and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db


def get_engine():
    """The application's engine (Flask-SQLAlchemy 3)."""
    return target_db.engine


def get_engine_url() -> str:
    return get_engine().url.render_as_string(hide_password=False).replace("%", "%%")


config.set_main_option("sqlalchemy.url", get_engine_url())
target_metadata = target_db.metadata


def render_item(type_, obj, autogen_context):
    """Render what Alembic's defaults would get wrong; False leaves the rest to Alembic."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        # Our own type, by its importable path (script.py.mako imports the module).
        return "academy.db_types.UTCDateTime()"
    if type_ == "check" and isinstance(obj.sqltext, TextClause) and "%" in obj.sqltext.text:
        # Alembic compiles CHECK text for the dialect, and psycopg's paramstyle doubles every %
        # ("LIKE 'https://%%'"); the constraint must keep the text exactly as the model wrote it.
        name = obj.name
        rendered_name = f"op.f({str(name)!r})" if isinstance(name, conv) else repr(name)
        name_argument = f", name={rendered_name}" if name else ""
        return f"sa.CheckConstraint({obj.sqltext.text!r}{name_argument})"
    return False


def _configure_args() -> dict:
    args = dict(current_app.extensions["migrate"].configure_args)
    # SQLite can only ALTER through copy-and-move: batch mode makes every migration portable.
    args.setdefault("render_as_batch", True)
    args.setdefault("compare_type", True)
    args.setdefault("render_item", render_item)
    args.setdefault("process_revision_directives", _skip_empty_revisions)
    return args


def _skip_empty_revisions(context_, revision, directives):
    """Write no file when autogenerate finds nothing to change."""
    if getattr(config.cmd_opts, "autogenerate", False):
        script = directives[0]
        if script.upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")


def run_migrations_offline() -> None:
    """Emit SQL to standard output instead of running it (``flask db upgrade --sql``)."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on a connection of the application's engine."""
    with get_engine().connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, **_configure_args())
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
