"""The module handbook: every lesson of a module in one PDF, for reading offline."""
from __future__ import annotations

from flask import render_template
from flask_babel import force_locale, format_date
from markupsafe import Markup

from ..curriculum.models import Module
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


def render_handbook(module: Module) -> bytes:
    """The handbook PDF of ``module``, in the module's own language (headings included)."""
    with force_locale(module.language):
        html = render_template("learning/handbook.html", **handbook_context(module))
    return render_pdf(html)


def handbook_filename(module: Module) -> str:
    """The download name, ASCII only so that every browser accepts the header."""
    slug = "".join(char for char in module.slug if char.isascii() and (char.isalnum() or char in "-_")) or "module"
    return f"{slug}-{module.language}-handbook.pdf"
