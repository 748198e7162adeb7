"""Nominations in a real browser: a coordinator nominates, an admin accepts, a nominee joins;
axe-core checks of the nomination screens in English and Arabic.

The journey runs under the application's real Content-Security-Policy, in three browser contexts
(coordinator, admin, nominee), and fails on any violation of it in any of them.
"""
from __future__ import annotations

import re
import time
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import sign_in

pytestmark = pytest.mark.browser

LANGUAGES = ["en", "ar"]

#: What the nominee chooses on the invitation page: long enough, and in no list of common ones.
NOMINEE_PASSWORD = "lantern orchard velvet 42 compass"


def _watch_csp(page: Page, messages: list[str]) -> Page:
    """Collect the page's Content-Security-Policy violations into ``messages`` (as ``csp_violations``)."""
    def on_console(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            messages.append(message.text)

    page.on("console", on_console)
    return page


def _edition(make, **fields):
    """An open edition of two modules: quota of two per organisation, women and men balanced."""
    from academy.nominations.models import ParityRule

    modules = [make.module(title="Organising a local branch"), make.module(title="Speaking in public")]
    values = dict(name="Winter School 2027", modules=modules, quota_per_organisation=2,
                  parity_rule=ParityRule.BALANCED)
    values.update(fields)
    return make.edition(**values), modules


def _nominate(page: Page, *, given_names, family_name, email, gender, birth_day, languages, mail_language):
    """Fill in the nomination form and save and submit it (by label, as a coordinator would)."""
    page.get_by_role("link", name="Nominate someone").click()
    page.get_by_label("Given names").fill(given_names)
    page.get_by_label("Family name").fill(family_name)
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Date of birth").fill(birth_day)
    page.get_by_label("Gender").select_option(gender)
    page.get_by_label("Country of residence").select_option("TN")
    page.get_by_label("Languages the nominee works in").select_option(languages)
    page.get_by_label("Language for e-mails to the nominee").select_option(mail_language)
    page.get_by_label("Role in the party or organisation").fill("Youth officer")
    page.get_by_label("Motivation").fill("Runs the branch's door-to-door work.")
    page.get_by_label("The nominee has read the privacy notice and agrees to it.").check()
    page.get_by_role("button", name="Save and submit").click()
    expect(page.get_by_text(f"{given_names} {family_name} is submitted.")).to_be_visible()


def _delivered_files(app) -> set[Path]:
    return set(Path(app.config["MAIL_DIR"]).glob("*.eml"))


def _outbox_state(email: str) -> list:
    """What the outbox holds for ``email`` (to explain a mail that did not arrive)."""
    from academy.extensions import db
    from academy.outbox.models import OutboxMessage

    db.session.expire_all()
    return db.session.execute(db.select(OutboxMessage.subject, OutboxMessage.attempts, OutboxMessage.sent_at,
                                        OutboxMessage.last_error)
                              .where(OutboxMessage.recipient == email)).all()


def _invitation_link(app, email: str, base_url: str, before: set[Path]) -> str:
    """The link to join, read from the mail the nominee received: the live server delivers it once
    its response is sent (the outbox's kept copy loses the link's secret then), so wait for it."""
    deadline = time.monotonic() + 15
    while True:
        bodies = []
        for path in sorted(_delivered_files(app) - before):
            mail = message_from_bytes(path.read_bytes(), policy=policy.default)
            if mail["To"] == email:
                bodies.append(mail.get_body(("plain",)).get_content())
        links = [link for body in bodies
                 for link in re.findall(re.escape(base_url) + r"/invitation/edition/[\w-]+", body)]
        if links or time.monotonic() > deadline:
            assert len(links) == 1, (bodies, _outbox_state(email))
            return links[0]
        time.sleep(0.1)


# --- journey -------------------------------------------------------------------------------------

def test_coordinator_nominates_admin_accepts_nominee_joins(page: Page, new_context, make, db, live_app,
                                                          live_server, monkeypatch, csp_violations):
    from academy.nominations.models import Nomination, NominationStatus

    # Mail links must lead to this live server, whatever the environment configures.
    monkeypatch.setitem(live_app.config, "SERVER_BASE_URL", live_server)
    delivered_before = _delivered_files(live_app)
    organisation = make.organisation(name="Progressive Youth of Tunisia")
    coordinator = make.coordinator(organisation, display_name="Cyrine Coordinator")
    admin = make.admin(display_name="Ada Admin")
    edition, modules = _edition(make)

    # The coordinator nominates a woman and a man.
    sign_in(page, coordinator.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Nominations").click()
    page.get_by_role("link", name=edition.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(edition.name)
    _nominate(page, given_names="Amal", family_name="Haddad", email="amal@example.org", gender="woman",
              birth_day="2001-03-14", languages=["ar", "fr"], mail_language="en")
    _nominate(page, given_names="Bilel", family_name="Trabelsi", email="bilel@example.org", gender="man",
              birth_day="1999-11-02", languages=["ar"], mail_language="fr")

    expect(page.get_by_role("heading", level=1)).to_have_text(edition.name)
    for name in ("Amal Haddad", "Bilel Trabelsi"):
        expect(page.get_by_role("row").filter(has_text=name)).to_contain_text("Submitted")
    standing = page.get_by_role("region", name="Quota and parity")
    expect(standing).to_contain_text("0 of the quota of 2.")
    expect(standing).to_contain_text("Submitted — women: 1, men: 1.")
    expect(standing).to_contain_text("The next accepted nominee may be a woman or a man.")

    # The admin accepts the woman from her page, then the man with the bulk decision.
    admin_page = _watch_csp(new_context().new_page(), csp_violations)
    sign_in(admin_page, admin.email)
    admin_page.goto("/admin/nominations/")
    expect(admin_page.get_by_role("heading", level=1)).to_have_text("Nominations to review")
    queue = admin_page.get_by_role("table")
    expect(queue.get_by_role("row").filter(has_text=organisation.name)).to_have_count(2)
    queue.get_by_role("link", name="Amal Haddad").click()
    expect(admin_page.get_by_role("heading", level=1)).to_have_text("Amal Haddad")
    expect(admin_page.get_by_text("Eligible: age, language and organisation meet the edition's rules.")).to_be_visible()
    admin_page.get_by_role("radio", name="Accept").check()
    admin_page.get_by_role("button", name="Save the decision").click()
    expect(admin_page.get_by_text("Decision saved: Amal Haddad is now “Accepted”.")).to_be_visible()

    admin_page.get_by_role("link", name="Back to the nominations").click()
    admin_page.get_by_role("checkbox", name="Bilel Trabelsi").check()
    bulk = admin_page.get_by_role("group", name="Decide the ticked nominations")
    bulk.get_by_role("radio", name="Accept").check()
    bulk.get_by_role("button", name="Apply to ticked nominations").click()
    expect(admin_page.get_by_text("1 nomination decided.")).to_be_visible()
    expect(admin_page.locator(".bulk-decided")).to_contain_text("Bilel Trabelsi")

    # The coordinator sees both seated: the quota is used up, parity kept.
    page.reload()
    expect(standing).to_contain_text("2 of the quota of 2.")
    expect(standing).to_contain_text("Accepted — women: 1, men: 1.")
    for name in ("Amal Haddad", "Bilel Trabelsi"):
        expect(page.get_by_role("row").filter(has_text=name)).to_contain_text("Accepted")

    # The nominee follows the link in her mail, in a browser of her own, and creates her account.
    link = _invitation_link(live_app, "amal@example.org", live_server, delivered_before)
    nominee_page = _watch_csp(new_context().new_page(), csp_violations)
    nominee_page.goto(link)
    expect(nominee_page.get_by_role("heading", level=1)).to_have_text(f"Join {edition.name}")
    expect(nominee_page.get_by_label("Name", exact=True)).to_have_value("Amal Haddad")
    nominee_page.get_by_label("New password", exact=True).fill(NOMINEE_PASSWORD)
    nominee_page.get_by_label("New password again").fill(NOMINEE_PASSWORD)
    nominee_page.get_by_role("button", name="Create my account and join").click()

    expect(nominee_page).to_have_url(re.compile(r"/learn/$"))
    expect(nominee_page.get_by_text(f"Welcome to {edition.name}! Your modules are listed below.")).to_be_visible()
    my_modules = nominee_page.get_by_role("region", name="My modules")
    for module in modules:
        expect(my_modules.get_by_role("link", name=module.title)).to_be_visible()

    db.session.expire_all()
    statuses = dict(db.session.execute(db.select(Nomination.email, Nomination.status)
                                       .where(Nomination.edition_id == edition.id)).all())
    assert statuses == {"amal@example.org": NominationStatus.ENROLLED, "bilel@example.org": NominationStatus.ACCEPTED}
    assert csp_violations == []


# --- accessibility -------------------------------------------------------------------------------

# Each recipe brings ``page`` to the page to check; ``as_user(user)`` signs someone in (by cookie)
# in the language of the check.

def _coordinator_with_nominations(make, as_user):
    edition, _modules = _edition(make)
    organisation = make.organisation()
    make.nomination(edition, organisation, status="submitted", gender="woman", given_names="Amal")
    make.nomination(edition, organisation, status="draft", gender="man", given_names="Bilel")
    make.nomination(edition, organisation, status="accepted", gender="man", given_names="Karim")
    as_user(make.coordinator(organisation))
    return edition


def _coordinator_edition(page, make, db, as_user):
    edition = _coordinator_with_nominations(make, as_user)
    page.goto(f"/nominations/editions/{edition.id}")
    expect(page.get_by_role("table")).to_be_visible()


def _nomination_form(page, make, db, as_user):
    edition = _coordinator_with_nominations(make, as_user)
    page.goto(f"/nominations/editions/{edition.id}/new")


def _nomination_form_with_errors(page, make, db, as_user):
    _nomination_form(page, make, db, as_user)
    page.locator("main form button[name=save_and_submit]").click()
    expect(page.locator("[aria-invalid=true]").first).to_be_visible()


def _withdraw_confirmation(page, make, db, as_user):
    edition, _modules = _edition(make)
    organisation = make.organisation()
    seated = make.nomination(edition, organisation, status="accepted", gender="man", given_names="Karim")
    as_user(make.coordinator(organisation))
    page.goto(f"/nominations/{seated.id}/withdraw")
    expect(page.locator("main form button[type=submit]")).to_be_visible()


def _review_queue(page, make, db, as_user):
    _coordinator_with_nominations(make, lambda user: None)
    as_user(make.admin())
    page.goto("/admin/nominations/")
    expect(page.get_by_role("table")).to_be_visible()


def _review_nomination(page, make, db, as_user):
    edition, _modules = _edition(make)
    nomination = make.nomination(edition, make.organisation(), status="submitted")
    as_user(make.admin())
    page.goto(f"/admin/nominations/{nomination.id}")
    expect(page.locator("main form").first).to_be_visible()


def _decline_confirmation(page, make, db, as_user):
    edition, _modules = _edition(make)
    nomination = make.nomination(edition, make.organisation(), status="submitted")
    as_user(make.admin())
    page.goto(f"/admin/nominations/{nomination.id}")
    decision = page.locator("form[action$='/decision']")
    decision.locator("input[name=decision][value=decline]").check()
    decision.locator("textarea[name=reason]").fill("The nomination arrived after the deadline.")
    decision.locator("button[type=submit]").click()
    expect(page.locator("main form input[name=confirmed]")).to_have_value("yes")


def _bulk_decline_confirmation(page, make, db, as_user):
    edition, _modules = _edition(make)
    picked = [make.nomination(edition, make.organisation(), status="submitted") for _ in range(2)]
    as_user(make.admin())
    page.goto("/admin/nominations/")
    for nomination in picked:
        page.locator(f"#pick-{nomination.id}").check()
    page.locator("#decision-decline").check()
    page.locator("#reason").fill("The edition is full of first-time trainees.")
    page.locator("#decision-decline").locator("xpath=ancestor::form").locator("button[type=submit]").click()
    expect(page.locator("main form input[name=confirmed]")).to_have_value("yes")


def _edition_form_with_errors(page, make, db, as_user):
    make.module(title="Organising a local branch")
    as_user(make.admin())
    page.goto("/admin/editions/new")
    page.locator("main form button[type=submit]").click()
    # The summary takes the focus, so that it is read first and its links are next in the tab order.
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#error-summary a").first).to_be_visible()


def _invitation(page, make, db, as_user):
    from academy.nominations.invitation_links import issue_invitation

    edition, _modules = _edition(make)
    nomination = make.nomination(edition, make.organisation(), status="accepted")
    token = issue_invitation(nomination)
    db.session.commit()
    page.goto(f"/invitation/edition/{token}")
    expect(page.locator("main input[type=password]").first).to_be_visible()


PAGES = {
    "coordinator-edition": _coordinator_edition,
    "nomination-form": _nomination_form,
    "nomination-form-errors": _nomination_form_with_errors,
    "withdraw-confirmation": _withdraw_confirmation,
    "review-queue": _review_queue,
    "review-nomination": _review_nomination,
    "decline-confirmation": _decline_confirmation,
    "bulk-decline-confirmation": _bulk_decline_confirmation,
    "edition-form-errors": _edition_form_with_errors,
    "invitation": _invitation,
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page_name", list(PAGES))
def test_nomination_page_has_no_accessibility_violations(axe_page, assert_accessible, sign_in_with_language, make, db,
                                                         page_name, language):
    page = axe_page(locale=language)
    PAGES[page_name](page, make, db, sign_in_with_language(page, language))
    assert_accessible(page, page_name, language)
