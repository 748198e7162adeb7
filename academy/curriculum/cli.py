"""``flask --app wsgi courses …``: import the course folders into the database and export them back."""
from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from ..config import LANGUAGES
from ..extensions import db
from .exporter import ExportRefused, load_module_for_export, module_spec, write_module_folder
from .importer import import_catalogue
from .models import Module

courses_cli = AppGroup("courses", help="Import and export the curriculum files (courses/).")


@courses_cli.command("import")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check everything and report, but save nothing.")
@click.option("--if-empty", is_flag=True, help="Do nothing when modules exist already (first start).")
def import_courses(path: Path, dry_run: bool, if_empty: bool) -> None:
    """Validate every file under PATH (courses/ or one module folder) and import it all, or nothing."""
    if if_empty and db.session.scalar(sa.select(sa.func.count()).select_from(Module)):
        click.echo("modules exist already: nothing imported")
        return
    report = import_catalogue(path, evaluate_completions=not dry_run)
    for problem in report.problems:
        click.echo(str(problem), err=True)
    if not report.ok:
        db.session.rollback()
        click.echo(f"{len(report.errors)} problem(s) found: nothing was imported", err=True)
        raise SystemExit(1)
    for outcome in report.outcomes:
        click.echo(outcome)
    if dry_run:
        db.session.rollback()
        click.echo("dry run: everything is valid; nothing was saved")
        return
    db.session.commit()


@courses_cli.command("export")
@click.argument("slug")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--language", type=click.Choice(LANGUAGES), default="en", show_default=True)
def export_course(slug: str, directory: Path, language: str) -> None:
    """Write module SLUG into DIRECTORY/<slug>[.<language>]/ in the course file format."""
    module = load_module_for_export(slug, language)
    if module is None:
        click.echo(f"no module '{slug}' in language '{language}'", err=True)
        raise SystemExit(1)
    try:
        folder = write_module_folder(module_spec(module), directory)
    except ExportRefused as refusal:
        click.echo(str(refusal), err=True)
        raise SystemExit(1)
    click.echo(f"written to {folder}")
