"""``flask --app wsgi certificates …``: preview the design without data, restore stored PDFs, remove
unrecorded ones."""
from __future__ import annotations

import re
from pathlib import Path

import click
from flask.cli import AppGroup

from ..config import LANGUAGES
from ..extensions import db

certificates_cli = AppGroup("certificates", help="Certificate PDFs: design previews and stored files.")

#: Where the curriculum files live (the same folder ``flask courses import`` reads).
COURSES_ROOT = Path(__file__).resolve().parent.parent.parent / "courses"

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _module_from_files(slug: str, language: str | None) -> dict:
    """A module's title, summary, hours, partners and language from ``courses/<slug>[.<lang>]/module.yaml``."""
    from ..curriculum.course_files.module_yaml import read_module_yaml

    if not _SLUG.match(slug) or len(slug) > 80:
        raise click.BadParameter("a module slug is lower-case letters, digits and single hyphens",
                                 param_hint="--module")
    folders = ([COURSES_ROOT / f"{slug}.{language}"] if language else []) + [COURSES_ROOT / slug]
    path = next((folder / "module.yaml" for folder in folders if (folder / "module.yaml").is_file()), None)
    if path is None:
        raise click.BadParameter(f"no courses/{slug}/module.yaml", param_hint="--module")
    values, problems = read_module_yaml(path)
    if values is None:
        raise click.ClickException("; ".join(str(problem) for problem in problems) or f"cannot read {path}")
    return values


@certificates_cli.command("preview")
@click.option("--name", required=True, help="The name to print.")
@click.option("--module", "slug", help="Take the module's title from courses/SLUG/module.yaml.")
@click.option("--lang", "language", type=click.Choice(LANGUAGES), help="Language (default: the module's, or en).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Where to write the PDF.")
def preview(name: str, slug: str | None, language: str | None, output: Path) -> None:
    """Render a sample certificate without touching the database (for designing the template)."""
    from .snapshots import preview_snapshot
    from .rendering import render_certificate

    if slug:
        module = _module_from_files(slug, language)
        # Partner foundations are named by short name in the files; their full names are in the database.
        snapshot = preview_snapshot(
            holder_name=name, language=language or module["language"], title=module["title"],
            summary=module["summary"], slug=module["slug"], hours=module["estimated_hours"],
            partners=[{"name": short, "short_name": short} for short in module.get("partner_foundations", [])])
    else:
        snapshot = preview_snapshot(holder_name=name, language=language or "en",
                                    title="Campaign Planning: From Strategy to Volunteers", hours=12,
                                    partners=[{"name": "Partner Foundation", "short_name": "PF"}])
    if not snapshot["holder_name"]:
        raise click.BadParameter("the name is empty once invisible and control characters are removed",
                                 param_hint="--name")
    output.write_bytes(render_certificate(snapshot))
    click.echo(f"written {output} ({output.stat().st_size} bytes)")


@certificates_cli.command("render-missing")
def render_missing_command() -> None:
    """Render again and store every certificate PDF missing from the certificate folder."""
    from .storage import render_missing

    counts = render_missing()
    db.session.commit()
    click.echo(", ".join(f"{key} {value}" for key, value in counts.items()))
    if counts["changed"]:
        click.echo(f"{counts['changed']} PDF(s) came out different from the issued files (other software or "
                   "fonts since issuance); both versions now verify by upload.", err=True)


@certificates_cli.command("remove-unrecorded")
def remove_unrecorded_command() -> None:
    """Delete stored certificate PDFs that no certificate records (run it from cron)."""
    from .storage import remove_unrecorded

    click.echo(f"removed {remove_unrecorded()} unrecorded PDF(s)")
