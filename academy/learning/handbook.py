"""The module handbook: every lesson of a module in one PDF, for reading offline."""
from __future__ import annotations

import hashlib
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale, format_date
from markupsafe import Markup

from ..curriculum.models import Module
from ..files import write_atomically
from ..i18n import text_direction
from ..pdf import render_pdf


def handbook_context(module: Module) -> dict:
    """The plain values the handbook template shows (no ORM objects reach the template).

    ``module`` must have its lessons and partners loaded; call it in the module's locale.
    """
    return {
        "title": module.title,
        "summary": module.summary,
        "language": module.language,
        "direction": text_direction(module.language),
        "estimated_hours": module.estimated_hours,
        "outcomes": [str(outcome) for outcome in (module.learning_outcomes or [])],
        "partners": [partner.name for partner in module.partners],
        "updated_text": format_date(module.updated_at, "long"),
        # The same instant whatever the time zone or clock: the PDF's dates come from here.
        "updated_iso": module.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "lessons": [
            {"number": number, "anchor": f"lesson-{number}", "title": lesson.title,
             "summary": lesson.summary, "minutes": lesson.estimated_minutes,
             # Sanitised with nh3 when the lesson was saved (curriculum feature).
             "body_html": Markup(lesson.body_html)}
            for number, lesson in enumerate(module.lessons, start=1)
        ],
    }


class HandbookTooLong(Exception):
    """The module holds more than one PDF should lay out in a web request."""


def layout_share(html: str) -> float:
    """How much of one request's layout budget ``html`` takes: its elements (opening tags) over
    ``HANDBOOK_MAX_ELEMENTS`` plus its characters over ``HANDBOOK_MAX_CHARACTERS``. WeasyPrint's
    time grows with both: many short paragraphs, or a few lessons of one long paragraph each."""
    config = current_app.config
    elements = html.count("<") - html.count("</")
    return elements / config["HANDBOOK_MAX_ELEMENTS"] + len(html) / config["HANDBOOK_MAX_CHARACTERS"]


def render_handbook(module: Module) -> bytes:
    """The handbook PDF of ``module``, in the module's own language (headings included).

    Laid out once per version of the module: the PDF is kept under ``HANDBOOK_DIR`` by the hash
    of its HTML (which holds everything printed, the module's date included), so every later
    download of that version is a file read. A module beyond the layout budget (``layout_share``)
    is refused (``HandbookTooLong``): WeasyPrint lays out about a thousand elements, or 120,000
    characters, a second, and a web worker must answer well within its timeout.
    """
    with force_locale(module.language):
        html = render_template("learning/handbook.html", **handbook_context(module))
    folder = Path(current_app.config["HANDBOOK_DIR"])
    digest = hashlib.sha256(html.encode("utf-8")).hexdigest()
    kept = folder / f"{module.id}-{digest}.pdf"
    try:
        return kept.read_bytes()
    except FileNotFoundError:
        pass
    if layout_share(html) > 1:
        raise HandbookTooLong()
    content = render_pdf(html)
    write_atomically(kept, content)
    for older in folder.glob(f"{module.id}-*.pdf"):  # earlier versions of this module
        if older != kept:
            older.unlink(missing_ok=True)
    return content


def handbook_filename(module: Module) -> str:
    """The download name, ASCII only so that every browser accepts the header."""
    slug = "".join(char for char in module.slug if char.isascii() and (char.isalnum() or char in "-_")) or "module"
    return f"{slug}-{module.language}-handbook.pdf"
