"""Every page each kind of visitor may open, with data in every state, read in one language.

Shared by the sweeps that read every page: ``tests/test_untranslated_pages.py`` (English left in
other languages) and ``tests/browser/test_accessibility_crawl.py`` (axe-core in a browser). The
pages are the GET routes of the URL map each visitor's access rule admits, filled with the access
matrix's sample objects (``tests/test_access.py``), then the site's links those pages hold.
"""
from __future__ import annotations

from html import unescape
from urllib.parse import urlsplit

import sqlalchemy as sa

from academy.access import rule_for
from academy.extensions import db
from tests.english_text import _DOTTED_CODE, _HREF, _TAG, PageText, read_text
# The access matrix's sample objects and routes, and the kinds of visitor of the hostile-input sweep.
from tests.test_access import ROUTES, _sample_certificate, _sample_edition, _sample_nomination, _url_for_route
from tests.test_hostile_input import VISITORS


#: Stored text the application wrote itself from its catalogues (e-mails, the texts printed on a
#: certificate): English interface phrases, which must not count as visitors' data.
GENERATED_TEXT = {("outbox_messages", None), ("certificates", "snapshot")}


def stored_text() -> set[str]:
    """Every text stored in the database (strings and the strings inside JSON), with the HTML
    ones also as the text they show: what the pages may print as they were entered."""
    found: set[str] = set()

    def collect(value):
        if isinstance(value, str):
            found.add(value)
            if _DOTTED_CODE.fullmatch(value):  # an audit action: its family is offered as a filter
                found.add(value.split(".", 1)[0])
            if "<" in value:
                found.update(piece for piece in _TAG.split(value) if piece.strip())
            found.update(line for line in value.splitlines() if line.strip())
        elif isinstance(value, dict):
            for item in value.values():
                collect(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                collect(item)

    for table in db.metadata.sorted_tables:
        columns = [column for column in table.columns
                   if isinstance(column.type, (sa.String, sa.Text, sa.JSON)) and not isinstance(column.type, sa.Enum)
                   and (table.name, column.name) not in GENERATED_TEXT and (table.name, None) not in GENERATED_TEXT]
        if not columns:
            continue
        for row in db.session.execute(sa.select(*columns)):
            for value in row:
                collect(value)
    return found


def every_state(make, samples) -> list[str]:
    """More than the access matrix's samples, so that lists show every status they can: a
    nomination in each status, enrolments active, completed and withdrawn, attendance of each
    kind at a past session, a draft and an archived module with a partner foundation, a revoked
    certificate beside a valid one. Answers the pages of these no page links to."""
    from datetime import timedelta

    from academy.accounts.models import Role
    from academy.certificates.operations import revoke_certificate
    from academy.curriculum.models import ModuleStatus
    from academy.db_types import utcnow
    from academy.learning.models import EnrolmentStatus
    from academy.live.models import AttendanceStatus
    from academy.nominations.vocabulary import NominationStatus
    from academy.organisations.models import OrganisationKind

    trainer, coordinator, admin = (samples.visitors[role] for role in (Role.TRAINER, Role.COORDINATOR, Role.ADMIN))
    edition = _sample_edition(samples)
    _sample_nomination(samples)
    _sample_certificate(samples)
    for status in NominationStatus:
        make.nomination(edition, samples.organisation, status=status.value, nominated_by_id=coordinator.id)
    foundation = make.organisation(kind=OrganisationKind.FOUNDATION, region=samples.region)
    for status in (ModuleStatus.DRAFT, ModuleStatus.ARCHIVED):
        make.module(status=status, trainers=[trainer], partners=[foundation], lessons=1)
    past = make.live_session(samples.module, starts_at=utcnow().replace(microsecond=0) - timedelta(days=2))
    now = utcnow()
    enrolments = [make.enrolment(make.trainee(organisation=samples.organisation), samples.module,
                                 status=status, completed_at=now if status is EnrolmentStatus.COMPLETED else None,
                                 edition_id=edition.id)
                  for status in (EnrolmentStatus.ACTIVE, EnrolmentStatus.COMPLETED, EnrolmentStatus.WITHDRAWN)]
    for status, enrolment in zip(AttendanceStatus, [samples.enrolment, *enrolments]):
        make.attendance(past, enrolment, status=status.value)
    revoked = make.certificate(enrolments[1])
    revoke_certificate(revoked, actor=admin, reason="Issued by mistake.")
    db.session.commit()
    return [f"/verify/{revoked.display_code}"]  # the public page of a revoked certificate, linked from nowhere


def site_links(html: str) -> list[str]:
    """The site's own pages a page links to (path and query), static files left out."""
    links = []
    for href in _HREF.findall(html):
        parts = urlsplit(unescape(href))
        if (not parts.scheme and not parts.netloc and parts.path.startswith("/")
                and not parts.path.startswith("/static/")):
            links.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return links


def set_language(users, language: str) -> None:
    for user in users:
        if user is not None:
            db.session.get(type(user), user.id).preferred_language = language
    db.session.commit()


def read_pages(app, visitors, samples, language: str, extra=()) -> list[tuple[str, str, PageText]]:
    """(visitor, url, text) of every HTML page each visitor may open, in ``language``: the GET
    routes of the URL map, then once the site's links they hold (other objects, filters, pages
    of lists). Redirects are left out: their body is Werkzeug's English stub, never shown."""
    headers = {"Accept-Language": language}  # the anonymous visitor's browser
    pages = []
    for visitor in VISITORS:
        user, client = visitors[visitor]
        queue = [_url_for_route(app, endpoint, rule_text, samples)
                 for method, endpoint, rule_text in ROUTES
                 if method == "GET" and endpoint != "static" and admits(rule_for(endpoint), user)]
        queue.extend(extra)
        seen = set(queue)
        for depth in (0, 1):
            linked = []
            for url in queue:
                response = client.get(url, headers=headers)
                if response.mimetype != "text/html" or not (response.status_code == 200
                                                            or 400 <= response.status_code < 500):
                    continue
                html = response.get_data(as_text=True)
                pages.append((visitor, url, read_text(html)))
                if depth == 0:
                    for link in site_links(html):
                        if link not in seen:
                            seen.add(link)
                            linked.append(link)
            queue = linked
    return pages


def admits(rule, user) -> bool:
    """Whether the endpoint's declared rule lets ``user`` (None: anonymous) in, as the sweep of
    ``test_hostile_input`` decides it."""
    return rule is not None and (rule.public or (user is not None and rule.admits(user)))
