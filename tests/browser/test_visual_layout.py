"""Layout as people see it on a phone, and text that keeps its own direction on an Arabic page.

Wide tables scroll sideways inside their ``.table-wrap``; the page itself must never scroll
sideways. The pages below once did: the visually hidden text in a scrolled table cell escaped the
scroller (it is positioned against the page), and a fieldset holding a select with long options
grew as wide as its widest option. A horizontal page scroll on a phone means the header, the
headings and the buttons slide away with it, so these pages are measured in a real browser.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.pages import expect_language

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

#: Long names on purpose: the widths they need are what pushed the pages wider than a phone.
LONG_MODULE_TITLE = "Party Organisation: Building Structures That Last, From Branch to Congress"
LONG_ORGANISATION = "Foundation for Social Democracy, Dialogue and International Solidarity"
LONG_SESSION_TITLE = "Running a branch meeting that works, with minutes everyone can read afterwards"


def _page_widths(page) -> tuple[int, int]:
    """(how wide the document is, how wide the window shows it), in CSS pixels."""
    return tuple(page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"))


@pytest.fixture
def phone_pages(new_context, sign_in_with_language, make):
    """``phone_pages(language)``: the visitors and pages to measure, each visitor with a phone-sized
    browser context already signed in, as (label, page, path)."""
    from academy.db_types import utcnow

    trainer = make.trainer(display_name="Jonas Weber")
    trainee = make.trainee(display_name="Ama Owusu",
                           organisation=make.organisation(name=LONG_ORGANISATION))
    module = make.module(title=LONG_MODULE_TITLE, trainers=[trainer], lessons=2)
    for title in ("Online Campaigns: Organise, Persuade and Stay Safe Wherever You Campaign",
                  "Door-to-Door Canvassing: Conversations That Count in Every Neighbourhood"):
        make.module(title=title)
    make.enrolment(trainee, module)
    make.live_session(module, title=LONG_SESSION_TITLE, location="Alliance secretariat, meeting room 2")
    held = make.live_session(module, title=LONG_SESSION_TITLE,
                             starts_at=(utcnow() - timedelta(days=2)).replace(microsecond=0))
    edition = make.edition(name="Young Organisers Academy — spring intake", modules=[module])
    admin = make.admin(display_name="Ingrid Solberg")

    def open_for(language: str):
        visits = []
        for user, paths in ((trainee, ["/learn/", "/learn/sessions"]),
                            (trainer, [f"/teach/sessions/{held.id}/attendance",
                                       f"/teach/modules/{module.id}/enrolments",
                                       f"/teach/modules/{module.id}/sessions"]),
                            (admin, [f"/admin/editions/{edition.id}/edit", "/admin/nominations/",
                                     "/admin/users/"])):
            page = new_context(viewport=PHONE, locale=language).new_page()
            sign_in_with_language(page, language)(user)
            visits += [(f"{user.display_name}: {path}", page, path) for path in paths]
        return visits
    return open_for


@pytest.mark.parametrize("language", ["ar", "es"])
def test_pages_with_wide_tables_and_long_selects_do_not_scroll_sideways_on_a_phone(phone_pages, language):
    wider = []
    visits = phone_pages(language)
    for label, page, path in visits:
        page.goto(path)
        expect_language(page, language)
        assert page.url.endswith(path), f"{label} ended at {page.url}"
        document, window = _page_widths(page)
        if document > window:
            wider.append(f"{label}: the page is {document}px wide on a {window}px screen")
    assert len(visits) == 8
    assert not wider, "\n".join(wider)


def test_the_attendance_instructions_wrap_on_the_screen_while_the_table_scrolls(phone_pages):
    label, page, path = next(visit for visit in phone_pages("es") if "attendance" in visit[2])
    page.goto(path)
    caption = page.locator(".attendance-table caption")
    expect(caption).to_be_visible()
    box = caption.bounding_box()
    window = page.evaluate("document.documentElement.clientWidth")
    table = page.locator(".attendance-table").bounding_box()
    assert table["width"] > window, "the table fits the phone: this test no longer covers a wide table"
    assert box["x"] >= 0 and box["x"] + box["width"] <= window, f"{label}: caption at {box}, screen {window}px"


def test_english_lesson_on_an_arabic_page_keeps_its_own_direction(new_context, sign_in_with_language, make):
    """An English lesson read with the Arabic interface runs left to right (its full stops at the
    end of its sentences), while the interface text around it still runs right to left."""
    trainer = make.trainer()
    trainee = make.trainee()
    module = make.module(title="Door-to-door canvassing", trainers=[trainer])
    lesson = make.lesson(module, title="Listening first: why, how and when?",
                         body_markdown="Ask, then listen.", body_html="<p>Ask, then listen.</p>")
    make.enrolment(trainee, module)

    page = new_context(viewport=PHONE, locale="ar").new_page()
    sign_in_with_language(page, "ar")(trainee)
    page.goto(f"/learn/lessons/{lesson.id}")
    expect_language(page, "ar")
    direction = "element => getComputedStyle(element).direction"
    assert page.locator("article.lesson").evaluate(direction) == "ltr"
    assert page.locator("article.lesson h1").evaluate(direction) == "ltr"
    assert page.locator("article.lesson p.muted").evaluate(direction) == "rtl"
    assert page.locator("nav.breadcrumbs").evaluate(direction) == "rtl"

    editor = new_context(viewport=PHONE, locale="ar").new_page()
    sign_in_with_language(editor, "ar")(trainer)
    editor.goto(f"/teach/lessons/{lesson.id}")
    expect_language(editor, "ar")
    assert editor.locator("main input[name=title]").evaluate(direction) == "ltr"
    assert editor.locator("main textarea[name=body_markdown]").evaluate(direction) == "ltr"
    # An empty field keeps the page's direction: what is typed there is likely Arabic.
    assert editor.locator("main input[name=link-title]").evaluate(direction) == "rtl"
