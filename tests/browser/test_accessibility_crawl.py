"""axe-core on every screen, in English and in Arabic (right to left), for every kind of visitor.

The pages are those ``tests/page_crawl.py`` finds (``tests/test_untranslated_pages.py`` reads
the same): each GET route of the URL map the visitor may open, filled with the access matrix's
sample objects, then the site's pages those link to, over a dataset holding every state the
lists can show (nominations in each status, enrolments, a past session with attendance, a revoked
certificate…). That sweep finds them with the Flask test client; here each HTML page of it is
opened in Chromium, signed in as the visitor (one browser context per visitor and language), and
checked by axe-core with the rule sets of ``tests/browser/conftest.py``. Every violation is
collected and the test fails once, naming each (visitor, page, language, rule, element).
"""
from __future__ import annotations

import time
from collections import defaultdict
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import AXE_TAGS
# The access matrix's sample objects and signed-in clients, one per kind of visitor.
from tests.test_access import samples, visitors  # noqa: F401
from tests.test_hostile_input import VISITORS
from tests.page_crawl import every_state, read_pages, set_language

pytestmark = pytest.mark.browser

#: Each language is seen at one screen size, which keeps the sweep to about two minutes: English
#: on a laptop, Arabic on a phone, where wide tables and charts scroll sideways and their scrolling
#: regions must take the keyboard focus (a check axe-core makes only on what overflows).
VIEWPORTS = {"en": {"width": 1280, "height": 720}, "ar": {"width": 390, "height": 844}}
LANGUAGES = list(VIEWPORTS)

#: The fewest distinct pages each visitor must have been shown in each language, so that the test
#: cannot pass by checking next to nothing (a broken sweep, every page redirecting to sign-in).
MINIMUM_PAGES = {"anonymous": 10, "trainee": 25, "trainer": 35, "coordinator": 35, "admin": 80}

#: Only violations are asked for: axe-core then skips gathering the passes and incomplete results.
AXE_OPTIONS = {"runOnly": AXE_TAGS, "resultTypes": ["violations"]}


def _crawl_urls(app, visitors, samples, language: str, extra) -> dict[str, list[str]]:  # noqa: F811
    """visitor → the distinct HTML pages (path and query) they may open, in sweep order."""
    urls: dict[str, list[str]] = defaultdict(list)
    for visitor, url, _text in read_pages(app, visitors, samples, language, extra=extra):
        if url not in urls[visitor]:
            urls[visitor].append(url)
    return urls


def _links_sent_by_email(make, samples) -> list[str]:  # noqa: F811
    """A valid password-reset link and a valid account invitation: the sweep only meets these
    pages with made-up tokens, as their error page."""
    from academy.accounts.models import Role, TokenPurpose
    from academy.accounts.tokens import issue_token
    from academy.extensions import db

    reset = issue_token(samples.person, TokenPurpose.RESET)
    invitation = issue_token(make.user(Role.TRAINEE, password=None), TokenPurpose.INVITATION)
    db.session.commit()
    return [f"/reset-password/{reset}", f"/invitation/{invitation}"]


def _check_page(page, url: str, language: str) -> tuple[bool, list[str]]:
    """Open ``url`` and run axe-core on it: (whether it showed the HTML page asked for, the
    problems found). The sweep found an HTML page there: answering anything else (a redirect to
    signing in, the browser's session lost, say) is a problem of its own."""
    response = page.goto(url)
    content_type = (response.headers.get("content-type", "") if response else "").split(";")[0]
    if content_type != "text/html" or urlsplit(page.url).path != urlsplit(url).path:
        return False, [f"not shown: the browser got {content_type or 'nothing'} at {page.url}"]
    problems = []
    lang, direction = page.evaluate("[document.documentElement.lang, document.documentElement.dir]")
    expected = "rtl" if language == "ar" else "ltr"
    if (lang, direction) != (language, expected):
        problems.append(f'<html lang="{lang}" dir="{direction}">, expected lang="{language}" dir="{expected}"')
    result = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    for violation in result["violations"]:
        for node in violation["nodes"]:
            problems.append(f"{violation['id']} ({violation.get('impact')}) at {node.get('target')}: "
                            f"{violation['help']} — {node.get('html', '')[:160]}")
    return True, problems


def test_axe_finds_a_violation_on_a_page_made_to_have_one(axe_page, axe_source, live_server):
    page = axe_page()
    page.context.add_init_script(axe_source)
    page.goto("/sign-in")
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend',"
                  " '<input type=\"text\" name=\"unlabelled\"><img src=\"/x.png\">')")
    result = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)

    assert {"label", "image-alt"} <= {violation["id"] for violation in result["violations"]}


def test_every_page_has_no_accessibility_violations(app, make, visitors, samples, new_context,  # noqa: F811
                                                    sign_in_context, axe_source):
    unlinked = every_state(make, samples) + _links_sent_by_email(make, samples)
    started = time.monotonic()
    failures: list[str] = []
    shown: dict[tuple[str, str], int] = {}
    for language in LANGUAGES:
        set_language([user for user, _ in visitors.values()], language)
        urls = _crawl_urls(app, visitors, samples, language, unlinked)
        for visitor in VISITORS:
            user = visitors[visitor][0]
            context = new_context(bypass_csp=True, locale=language, viewport=VIEWPORTS[language])
            context.add_init_script(axe_source)  # in every page before its own scripts
            if user is not None:
                sign_in_context(context, user)
            page = context.new_page()
            shown[visitor, language] = 0
            for url in urls[visitor]:
                is_html, problems = _check_page(page, url, language)
                shown[visitor, language] += is_html
                failures.extend(f"{visitor} {language} GET {url}: {problem}" for problem in problems)
            context.close()
    elapsed = time.monotonic() - started
    print(f"\naxe-core checked {sum(shown.values())} pages in {elapsed:.0f}s: "
          + ", ".join(f"{visitor}/{language} {count}" for (visitor, language), count in shown.items()))

    too_few = {key: count for key, count in shown.items() if count < MINIMUM_PAGES[key[0]]}
    assert not too_few, f"the sweep showed too few pages (visitor, language → pages): {too_few}"
    assert not failures, (f"{len(failures)} accessibility problem(s):\n  " + "\n  ".join(failures))
