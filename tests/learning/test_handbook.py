"""The module handbook PDF, and the sandbox around WeasyPrint that renders it."""
from __future__ import annotations

import shutil
import socket
from datetime import datetime, timezone

import pytest

from academy import pdf
from academy.learning.handbook import handbook_context, render_handbook
from academy.pdf import ResourceRefused, StaticFilesFetcher, render_pdf

BASE = pdf.DEFAULT_BASE_URL


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a socket or to use WeasyPrint's own fetcher fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError("a network connection was attempted")

    def refuse_default_fetch(self, url, headers=None):
        raise AssertionError(f"WeasyPrint's default fetcher was used for {url}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr("weasyprint.urls.URLFetcher.fetch", refuse_default_fetch)


@pytest.fixture
def fetched(monkeypatch):
    """Every URL the renderer asks for, with what our fetcher answered (``served``/``refused``)."""
    seen = []
    original = StaticFilesFetcher.fetch

    def spy(self, url, headers=None):
        try:
            response = original(self, url, headers)
        except ResourceRefused:
            seen.append((url, "refused"))
            raise
        seen.append((url, "served"))
        return response

    monkeypatch.setattr(StaticFilesFetcher, "fetch", spy)
    return seen


# --- the fetcher -------------------------------------------------------------------------------

def test_the_fetcher_serves_our_static_files():
    response = StaticFilesFetcher(BASE).fetch(BASE + "static/css/print.css")
    assert response.content_type == "text/css"
    assert b"@page" in response.read()


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "FILE:///etc/passwd",
    "http://example.org/tracker.png",
    "https://example.org/static/css/print.css",             # another host
    "http://academy.invalid/static/css/print.css",          # another scheme
    BASE + "etc/passwd",
    BASE + "static/../../../etc/passwd",
    BASE + "static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    BASE + "static/css%2f..%2f..%2f..%2fetc%2fpasswd",
    BASE + "static/css/print.css?x=1",
    BASE + "static/",
    BASE + "static/css/missing.css",
    "https://user@academy.invalid/static/css/print.css",
    "ftp://example.org/file",
    "data:text/html,<script>alert(1)</script>",
    "data:image/png;base64,!!!notbase64",
    "data:image/png;base64," + "A" * (600 * 1024),
    "javascript:alert(1)",
    "//example.org/x.png",
])
def test_the_fetcher_refuses_everything_else(url, no_network):
    with pytest.raises(ResourceRefused):
        StaticFilesFetcher(BASE).fetch(url)


def test_the_fetcher_refuses_a_symlink_out_of_static(tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    (static / "link.css").symlink_to(secret)
    with pytest.raises(ResourceRefused):
        StaticFilesFetcher(BASE, static_root=static).fetch(BASE + "static/link.css")


def test_the_fetcher_decodes_small_data_images():
    response = StaticFilesFetcher(BASE).fetch("data:image/png;base64,iVBORw0KGgo=")
    assert response.content_type == "image/png" and response.read() == b"\x89PNG\r\n\x1a\n"


def test_render_pdf_loads_nothing_but_static_files(no_network, fetched):
    html = ('<html><head><link rel="stylesheet" href="/static/css/print.css"></head><body>'
            '<img src="file:///etc/passwd"><img src="http://example.org/pixel.png">'
            '<img src="/static/../../etc/passwd"><p>Text</p></body></html>')
    document = render_pdf(html)
    assert document.startswith(b"%PDF")
    assert (BASE + "static/css/print.css", "served") in fetched
    refused = {url for url, outcome in fetched if outcome == "refused"}
    assert {"file:///etc/passwd", "http://example.org/pixel.png"} <= refused
    assert all(outcome == "refused" for url, outcome in fetched if "passwd" in url or "example.org" in url)


def test_the_same_html_gives_the_same_pdf():
    html = ('<html><head><meta name="dcterms.created" content="2024-05-01T10:00:00Z">'
            '<meta name="dcterms.modified" content="2024-05-01T10:00:00Z"></head><body><p>Same</p></body></html>')
    assert render_pdf(html) == render_pdf(html)


# --- the handbook ------------------------------------------------------------------------------

def test_handbook_is_a_pdf_download_for_an_enrolled_trainee(course, client_for):
    response = client_for(course.trainee).get(f"/learn/modules/{course.module.id}/handbook.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and f"{course.module.slug}-en-handbook.pdf" in disposition


@pytest.mark.parametrize("who", ["trainer", "admin"])
def test_trainers_and_admins_get_the_handbook(course, client_for, make, who):
    reader = course.trainer if who == "trainer" else make.admin()
    assert client_for(reader).get(f"/learn/modules/{course.module.id}/handbook.pdf").data.startswith(b"%PDF")


def test_a_lesson_pointing_at_local_files_or_the_network_fetches_nothing(course, client_for, db, no_network,
                                                                         fetched):
    course.lessons[0].body_html = ('<p>Look:</p><img src="file:///etc/passwd" alt="">'
                                   '<img src="http://169.254.169.254/latest/meta-data" alt="">'
                                   '<img src="https://example.org/tracker.png" alt="">')
    db.session.commit()
    response = client_for(course.trainee).get(f"/learn/modules/{course.module.id}/handbook.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    served = [url for url, outcome in fetched if outcome == "served"]
    assert served and all(url.startswith(BASE + "static/") for url in served)
    refused = {url for url, outcome in fetched if outcome == "refused"}
    assert {"file:///etc/passwd", "http://169.254.169.254/latest/meta-data",
            "https://example.org/tracker.png"} <= refused


def test_the_handbook_holds_cover_and_every_lesson_in_order(course, app, db, make):
    partner = make.organisation(name="Fondation Afrique Solidaire", short_name="FAS")
    from academy.curriculum.models import Module, module_partners
    from sqlalchemy.orm import selectinload

    db.session.execute(module_partners.insert().values(module_id=course.module.id, organisation_id=partner.id))
    db.session.commit()
    module = db.session.execute(db.select(Module).where(Module.id == course.module.id).options(
        selectinload(Module.lessons), selectinload(Module.partners))).scalar_one()
    with app.test_request_context():
        context = handbook_context(module)
    assert context["partners"] == ["Fondation Afrique Solidaire"]
    assert [lesson["title"] for lesson in context["lessons"]] == [lesson.title for lesson in course.lessons]
    assert context["outcomes"] and context["summary"] == module.summary
    # Plain values only: no ORM object reaches the PDF template.
    assert all(isinstance(value, (str, int, list)) for value in context.values())
    assert all(isinstance(value, (str, int)) for lesson in context["lessons"] for value in lesson.values())


def test_the_handbook_is_reproducible_and_dated_by_the_module(course, app, db):
    from academy.curriculum.models import Module
    from sqlalchemy.orm import selectinload

    course.module.updated_at = datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc)
    db.session.commit()

    def render():
        module = db.session.execute(db.select(Module).where(Module.id == course.module.id).options(
            selectinload(Module.lessons), selectinload(Module.partners))).scalar_one()
        with app.test_request_context():
            return render_handbook(module)

    first = render()
    db.session.expire_all()
    shutil.rmtree(app.config["HANDBOOK_DIR"])  # laid out again, not read from where the first was kept
    assert render() == first
    with app.test_request_context():
        from flask import render_template
        module = db.session.execute(db.select(Module).where(Module.id == course.module.id).options(
            selectinload(Module.lessons), selectinload(Module.partners))).scalar_one()
        html = render_template("learning/handbook.html", **handbook_context(module))
    assert '<meta name="dcterms.created" content="2024-03-01T12:00:00Z">' in html


def test_the_handbook_is_written_in_the_modules_language(course, app, db):
    from academy.curriculum.models import Module
    from sqlalchemy.orm import selectinload

    course.module.language = "ar"
    db.session.commit()
    module = db.session.execute(db.select(Module).where(Module.id == course.module.id).options(
        selectinload(Module.lessons), selectinload(Module.partners))).scalar_one()
    with app.test_request_context():
        context = handbook_context(module)
    assert context["language"] == "ar" and context["direction"] == "rtl"
