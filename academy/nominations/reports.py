"""An edition's numbers: seats, nominations and decisions by region, organisation and gender.

Counted with one aggregate query. Purged nominations count like any other: purging removes the
personal data but keeps the organisation, gender and status. Drafts are not counted: they are
the coordinators' unfinished work, not nominations yet. The bar chart is SVG written here (no
chart library): a title and a description for screen readers, every bar labelled with its
number in text, and bars that grow from the start side of the reading direction.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from flask_babel import gettext as _

from ..extensions import db
from ..organisations.models import Organisation, Region
from .models import SEATED_STATUSES, Edition, Gender, Nomination, NominationStatus

#: The statuses counted, in the order of the report's columns.
COUNTED_STATUSES = tuple(status for status in NominationStatus if status is not NominationStatus.DRAFT)


@dataclass
class Tally:
    """Nominations of one group (a region, an organisation, a gender) by status and gender."""

    label: str
    by_status: dict[NominationStatus, int] = field(default_factory=lambda: defaultdict(int))
    #: Seated (accepted or enrolled) nominees by gender: the balance reports always show.
    seated_by_gender: dict[Gender, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def seated(self) -> int:
        return sum(self.by_status[status] for status in SEATED_STATUSES)

    def add(self, status: NominationStatus, gender: Gender, count: int) -> None:
        self.by_status[status] += count
        if status in SEATED_STATUSES:
            self.seated_by_gender[gender] += count


@dataclass
class EditionReport:
    """Everything the report page shows, as plain values."""

    edition: Edition
    overall: Tally
    by_region: list[Tally]
    by_organisation: list[Tally]
    by_gender: list[Tally]


def edition_report(edition: Edition, language: str) -> EditionReport:
    """Count the edition's nominations (one query), grouped three ways."""
    region_name = getattr(Region, f"name_{language}", Region.name_en)
    grouped_by = (Organisation.id, Organisation.name, Region.id, region_name, Nomination.gender, Nomination.status)
    rows = db.session.execute(
        db.select(*grouped_by, db.func.count(Nomination.id))
        .select_from(Nomination)
        .join(Organisation, Organisation.id == Nomination.organisation_id)
        .join(Region, Region.id == Organisation.region_id)
        .where(Nomination.edition_id == edition.id, Nomination.status != NominationStatus.DRAFT)
        .group_by(*grouped_by))
    overall = Tally(_("All nominations"))
    regions: dict[int, Tally] = {}
    organisations: dict[int, Tally] = {}
    genders = {gender: Tally(str(gender.label)) for gender in Gender}
    for organisation_id, organisation_name, region_id, region_name, gender, status, count in rows:
        for tally in (overall, genders[gender], regions.setdefault(region_id, Tally(region_name)),
                      organisations.setdefault(organisation_id, Tally(organisation_name))):
            tally.add(status, gender, count)
    by_name = lambda tally: tally.label.casefold()  # noqa: E731
    return EditionReport(edition=edition, overall=overall,
                         by_region=sorted(regions.values(), key=by_name),
                         by_organisation=sorted(organisations.values(), key=by_name),
                         by_gender=list(genders.values()))


# --- The chart ----------------------------------------------------------------------------------

_WIDTH = 640
_LABEL_HEIGHT = 18
_BAR_HEIGHT = 14
_GROUP_GAP = 14
_MARGIN = 12
_NUMBER_ROOM = 48
#: Bar colours with at least 3:1 contrast against white (WCAG 1.4.11), told apart by the legend.
_NOMINATED_COLOUR = "#4a5a8c"
_SEATED_COLOUR = "#1f7a4d"


def chart_svg(report: EditionReport, direction: str = "ltr", language: str = "en") -> str:
    """Nominated and seated nominees per region, as a standalone SVG document."""
    title = _("Nominations and accepted nominees by region: %(edition)s", edition=report.edition.name)
    groups = report.by_region
    if groups:
        summary = "; ".join(_("%(region)s: %(nominated)d nominated, %(seated)d accepted",
                              region=tally.label, nominated=tally.total, seated=tally.seated)
                            for tally in groups)
    else:
        summary = _("No nominations yet.")
    rtl = direction == "rtl"
    largest = max((tally.total for tally in groups), default=0) or 1
    usable = _WIDTH - 2 * _MARGIN - _NUMBER_ROOM

    def start_x(length: float) -> float:
        """Where a bar of ``length`` begins so that it grows from the reading start side."""
        return _WIDTH - _MARGIN - length if rtl else _MARGIN

    def text_x() -> float:
        return _WIDTH - _MARGIN if rtl else _MARGIN

    parts: list[str] = []
    y = _MARGIN
    legend = ((_NOMINATED_COLOUR, _("Nominated")), (_SEATED_COLOUR, _("Accepted or enrolled")))
    for index, (colour, label) in enumerate(legend):
        offset = index * 200
        box_x = _WIDTH - _MARGIN - offset - 12 if rtl else _MARGIN + offset
        label_x = box_x - 6 if rtl else box_x + 18
        parts.append(f'<rect x="{box_x}" y="{y}" width="12" height="12" fill="{colour}"/>'
                     f'<text x="{label_x}" y="{y + 11}">{escape(label)}</text>')
    y += 12 + _GROUP_GAP
    for tally in groups:
        parts.append(f'<text x="{text_x()}" y="{y + 13}" font-weight="bold">{escape(tally.label)}</text>')
        y += _LABEL_HEIGHT
        for colour, value, label in ((_NOMINATED_COLOUR, tally.total, _("Nominated")),
                                     (_SEATED_COLOUR, tally.seated, _("Accepted or enrolled"))):
            length = round(usable * value / largest, 1)
            x = start_x(length)
            number_x = x - 6 if rtl else x + length + 6
            parts.append(f'<rect x="{x}" y="{y}" width="{length}" height="{_BAR_HEIGHT}" fill="{colour}">'
                         f'<title>{escape(label)}: {value}</title></rect>'
                         f'<text x="{number_x}" y="{y + _BAR_HEIGHT - 2}">{value}</text>')
            y += _BAR_HEIGHT + 4
        y += _GROUP_GAP
    if not groups:
        parts.append(f'<text x="{text_x()}" y="{y + 13}">{escape(summary)}</text>')
        y += _LABEL_HEIGHT
    height = y + _MARGIN
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="chart-title chart-desc" '
        f'width="{_WIDTH}" height="{height}" viewBox="0 0 {_WIDTH} {height}" '
        f'direction="{"rtl" if rtl else "ltr"}" xml:lang={quoteattr(language)} '
        f'font-family="sans-serif" font-size="12" fill="#1f2328">'
        f'<title id="chart-title">{escape(title)}</title>'
        f'<desc id="chart-desc">{escape(summary)}</desc>'
        + "".join(parts) + "</svg>"
    )
