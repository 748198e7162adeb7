"""Every e-mail the academy sends is in its recipient's language, complete, and private.

Each kind of mail (a template of ``academy/templates/mail/`` that is not a partial) is triggered
through the operations that send it, inside a request made in another language (the sender's)
and addressed to another host (an attacker's ``Host`` header), for recipients who read English,
French, Spanish or Arabic. Each message is then read as it would be delivered:

- no English in a French, Spanish or Arabic subject or body (the detector of
  ``test_untranslated_pages``), the stored data (names, titles, reasons, URLs) set aside; in
  Arabic no Latin word at all, even one a translation kept, and nowhere the academy's name left
  in English;
- ``Content-Language`` is the recipient's language; in Arabic, every line of prose begins with an
  Arabic letter, so that a mail client (which sets a plain-text paragraph's direction from its
  first strong letter) shows it right to left. The academy sends plain text only: there is no
  HTML part whose ``dir``/``lang`` could be checked;
- nothing left unrendered (``None``, ``%(``, Jinja delimiters), no run of blank lines;
- every link to the academy is absolute, on ``SERVER_BASE_URL`` (https), and answers a route;
- dates and times are those of the recipient's language and time zone;
- no name, e-mail address, date of birth, motivation or party role its recipient may not see.

A new kind of mail fails ``test_every_kind_of_mail_is_covered`` until it is triggered here.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pyotp
import pytest
from babel.dates import format_date, format_time

import academy.outbox.operations as outbox_operations
from academy.accounts.models import Role
from academy.extensions import db
from tests.english_text import EnglishDetector, load_catalogue, localised_names
from tests.page_crawl import stored_text

MAIL_TEMPLATES = Path(__file__).resolve().parent.parent / "academy" / "templates" / "mail"
#: Every kind of mail the code can send: each is rendered from ``mail/<kind>.txt``.
MAIL_KINDS = frozenset(str(path.relative_to(MAIL_TEMPLATES).with_suffix("")) for path in MAIL_TEMPLATES.rglob("*.txt")
                       if not path.name.startswith("_"))

BASE_URL = "https://academy.example.org"
LANGUAGES = ("en", "fr", "es", "ar")
#: Each recipient's time zone: far enough from UTC that a session at 23:30 UTC falls on another
#: day there (or the same day at another hour), so that a time left in UTC shows.
TIME_ZONES = {"en": "Asia/Tokyo", "fr": "Europe/Paris", "es": "America/Mexico_City", "ar": "Asia/Riyadh"}
#: The language of the people acting (and of their browser): never the recipients'.
SENDER_LANGUAGE = {"en": "fr", "fr": "es", "es": "ar", "ar": "en"}

SECRET_MOTIVATION = "Motivation known only to the selection panel"
SECRET_PARTY_ROLE = "Deputy treasurer of the youth wing"
ONLINE_URL = "https://meet.example.net/room-42"
#: Words the page detector counts as English that these mails use as words of their own language
#: ("Zainab Haddad sort de la liste d'attente").
MAIL_SHARED_WORDS = {"fr": frozenset({"sort"})}
#: The academy's name, which every catalogue translates ("Académie militante", …): left in English
#: in a translation, it is a phrase the detector cannot see (it is the catalogue's own text).
ACADEMY_NAME = "Activist Academy"

_URL = re.compile(r"https?://[^\s<>\"')]+")
_RELATIVE_LINK = re.compile(r"(?<![\w/:.])/(?:[\w-]+/)*[\w-]+(?:\?\S*)?(?=\s|$)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_UNRENDERED = re.compile(r"\bNone\b|%\(|\{\{|\}\}|\{%|%\}")


# --- sending every kind of mail ------------------------------------------------------------------

class Sent:
    """The messages queued, each with the kind (template) it was rendered from."""

    def __init__(self):
        self.rendered: list[tuple[str, str, dict]] = []

    def kind_of(self, body: str) -> str:
        kinds = {kind for kind, text, _ in self.rendered if text == body}
        assert len(kinds) == 1, f"cannot tell which template rendered this body: {kinds}"
        return kinds.pop()


@pytest.fixture
def sent(monkeypatch):
    """Record which template rendered each body queued (the outbox renders and stores them)."""
    record = Sent()
    render = outbox_operations.render_template

    def rendering(template_name, /, **context):
        body = render(template_name, **context)
        record.rendered.append((template_name.removeprefix("mail/").removesuffix(".txt"), body, context))
        return body
    monkeypatch.setattr(outbox_operations, "render_template", rendering)
    return record


class Scenario:
    """The people and things of one run, and who each recipient may read about."""

    def __init__(self):
        #: recipient address -> names that recipient may read (their own, their nominees').
        self.may_read: dict[str, set[str]] = {}
        #: every person's name and address in the run.
        self.names: set[str] = set()
        self.addresses: set[str] = set()
        self.birth_dates = []
        self.session_start: datetime | None = None
        self.nominee_addresses: set[str] = set()
        self.coordinator_addresses: set[str] = set()
        self.trainee_addresses: set[str] = set()

    def person(self, name: str, email: str, *, may_read=()):
        self.names.add(name)
        self.addresses.add(email)
        self.may_read.setdefault(email, set()).update({name, *may_read})


def _send_every_mail(app, make, language: str) -> Scenario:
    """Trigger each kind of mail for recipients reading ``language`` (the actors read another)."""
    from academy.accounts import two_factor
    from academy.accounts.operations import change_password, complete_sign_in, request_reset
    from academy.admin_users.operations import invite_user, reset_two_factor
    from academy.certificates.models import Certificate
    from academy.certificates.operations import revoke_certificate
    from academy.curriculum.models import Lesson
    from academy.db_types import utcnow
    from academy.learning.models import Enrolment
    from academy.learning.operations import enrol, mark_lesson_complete
    from academy.live.operations import cancel_session, schedule_session, update_session
    from academy.nominations.invitations import NewAccount, resend_invitation, take_invitation
    from academy.nominations.models import NominationStatus as S
    from academy.nominations.operations import transition
    from academy.nominations.submission import submit_many

    zone, other = TIME_ZONES[language], SENDER_LANGUAGE[language]
    scenario = Scenario()
    admin = make.admin(display_name="Quentin Vale", preferred_language=other)
    trainer = make.trainer(display_name="Ines Calder", preferred_language=other)
    organisation, elsewhere = make.organisation(), make.organisation()
    coordinator = make.coordinator(organisation, display_name="Mara Lindqvist", preferred_language=language,
                                   time_zone=zone)
    stranger = make.coordinator(elsewhere, display_name="Otto Brandvold", preferred_language=language,
                                time_zone=zone)
    module = make.module(trainers=[trainer], lessons=1, title="Door to Door Campaigning")
    edition = make.edition(name="Campaign School Nairobi", modules=[module], venue="Kenyatta Hall")
    small = make.edition(name="Digital Organising Lab", seats=1)

    own_nominees = []

    def nominee(edition_, status, given, family, organisation_=organisation, nominator=coordinator):
        nomination = make.nomination(edition_, organisation_, status=status, given_names=given, family_name=family,
                                     language=language, nominated_by_id=nominator.id,
                                     motivation=SECRET_MOTIVATION, party_role=SECRET_PARTY_ROLE)
        scenario.person(nomination.full_name, nomination.email)
        scenario.nominee_addresses.add(nomination.email)
        scenario.birth_dates.append(nomination.date_of_birth)
        if organisation_ is organisation:
            own_nominees.append(nomination.full_name)
        return nomination

    to_submit = nominee(edition, "draft", "Amina", "Diallo")
    to_accept = nominee(edition, "submitted", "Karim", "Benali")
    to_waitlist = nominee(edition, "submitted", "Lucía", "Ferreira")
    to_decline = nominee(edition, "submitted", "Yusuf", "Okafor")
    to_withdraw = nominee(edition, "submitted", "Hanna", "Virtanen")
    bulk = [nominee(edition, "draft", "Sofía", "Quispe"), nominee(edition, "draft", "Tariq", "Mansour")]
    seated = nominee(small, "accepted", "Petra", "Novak", organisation_=elsewhere, nominator=stranger)
    nominee(small, "waitlisted", "Zainab", "Haddad")  # promoted when the seated nominee withdraws
    scenario.person(coordinator.display_name, coordinator.email, may_read=own_nominees)
    scenario.person(stranger.display_name, stranger.email, may_read=[seated.full_name])
    scenario.coordinator_addresses |= {coordinator.email, stranger.email}
    scenario.person(admin.display_name, admin.email)
    scenario.names.add(trainer.display_name)  # a trainee may read their trainer's name

    first = make.trainee(display_name="Aiko Tanaka", preferred_language=language, time_zone=zone,
                         organisation=organisation)
    second = make.trainee(display_name="Bruno Salgado", preferred_language=language, time_zone=zone,
                          organisation=elsewhere)
    for trainee in (first, second):
        scenario.person(trainee.display_name, trainee.email)
        scenario.trainee_addresses.add(trainee.email)
    scenario.person("Rosa Delacroix", "rosa.delacroix@example.org")

    # The session starts at 23:30 UTC: another day, or another hour, in every recipient's zone.
    day = (utcnow() + timedelta(days=10)).date()
    scenario.session_start = datetime.combine(day, time(23, 30), tzinfo=timezone.utc)

    request = app.test_request_context("/", base_url="http://attacker.example",
                                       headers={"Accept-Language": other})
    with request:
        # Accounts.
        invite_user(admin, email="rosa.delacroix@example.org", display_name="Rosa Delacroix",
                    preferred_language=language, organisation_id=None, roles={Role.TRAINER})
        request_reset(second.email)
        change_password(second, "a brand new passphrase for 2027")
        secret = pyotp.random_base32()
        two_factor.enable(second, secret, pyotp.TOTP(secret, interval=two_factor.STEP_SECONDS).now())
        two_factor.regenerate_recovery_codes(second)
        for _ in range(app.config["LOGIN_MAX_FAILURES"]):  # the right password, then wrong codes
            complete_sign_in(second, "not a code")
        reset_two_factor(admin, second, "Lost phone")

        # Nominations: each change of status, the new link, taking it, the bulk submission.
        transition(to_submit, S.SUBMITTED, actor=coordinator)
        transition(to_accept, S.ACCEPTED, actor=admin)
        resend_invitation(to_accept, actor=admin)
        transition(to_waitlist, S.WAITLISTED, actor=admin)
        transition(to_decline, S.DECLINED, actor=admin, reason="The edition is full for this region")
        transition(to_withdraw, S.WITHDRAWN, actor=coordinator)
        transition(seated, S.WITHDRAWN, actor=stranger)  # Zainab Haddad moves up from the waiting list
        submit_many(bulk, actor=coordinator)
        joined = take_invitation(to_accept, NewAccount(password="a passphrase to join 2027",
                                                       display_name=to_accept.full_name,
                                                       preferred_language=language, time_zone=zone))
        scenario.trainee_addresses.add(joined.email)

        # Learning, live sessions, certificates.
        enrol(module, [first, second], actor=admin)
        live_session = schedule_session(module, actor=trainer, title="Canvassing Drill",
                                        starts_at=scenario.session_start, duration_minutes=90,
                                        location="Kenyatta Hall", online_url=ONLINE_URL, trainer_id=trainer.id)
        update_session(live_session, module, actor=trainer, duration_minutes=120)
        cancel_session(live_session, module, actor=trainer)
        enrolment = db.session.scalar(db.select(Enrolment).where(Enrolment.user_id == first.id,
                                                                Enrolment.module_id == module.id))
        lesson = db.session.scalar(db.select(Lesson).where(Lesson.module_id == module.id))
        mark_lesson_complete(enrolment, lesson, actor=first)
        certificate = db.session.scalar(db.select(Certificate).where(Certificate.user_id == first.id))
        revoke_certificate(certificate, actor=admin, reason="Issued by mistake")
    db.session.commit()
    return scenario


# --- reading the messages ----------------------------------------------------------------------

def _links_problems(body: str, app) -> list[str]:
    problems = []
    adapter = app.url_map.bind(urlsplit(BASE_URL).netloc, url_scheme="https")
    for url in _URL.findall(body):
        if url == ONLINE_URL:
            continue  # the session's meeting room, typed by its trainer
        if not url.startswith(BASE_URL + "/"):
            problems.append(f"link {url} is not on {BASE_URL}")
            continue
        parts = urlsplit(url)
        try:
            adapter.match(parts.path, method="GET")
        except Exception as error:  # NotFound, MethodNotAllowed, RequestRedirect
            problems.append(f"link {url} answers no page ({type(error).__name__})")
    for path in _RELATIVE_LINK.findall(_URL.sub(" ", body)):
        problems.append(f"relative link {path}")
    return problems


def _first_strong_direction(text: str) -> str | None:
    for char in text:
        direction = unicodedata.bidirectional(char)
        if direction in ("L", "R", "AL"):
            return "ltr" if direction == "L" else "rtl"
    return None


def _privacy_problems(message, scenario: Scenario) -> list[str]:
    text = f"{message.subject}\n{message.body_text}"
    problems = []
    allowed = scenario.may_read.get(message.recipient, set())
    for name in sorted(scenario.names - allowed):
        if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text):
            problems.append(f"names {name!r}")
    for address in set(_EMAIL.findall(text)) - {message.recipient}:
        problems.append(f"carries the address {address}")
    for secret in (SECRET_MOTIVATION, SECRET_PARTY_ROLE):
        if secret in text:
            problems.append(f"carries {secret!r}")
    for born in scenario.birth_dates:
        for shown in {born.isoformat(), format_date(born, "long", locale=message.language),
                      format_date(born, "medium", locale=message.language),
                      format_date(born, "short", locale=message.language)}:
            if shown in text:
                problems.append(f"carries a date of birth ({shown})")
    if "Lost phone" in text:
        problems.append("carries the admin's reason for resetting two-step verification")
    return problems


def _date_problems(message, kind: str, scenario: Scenario, language: str, edition_start) -> list[str]:
    from academy.live.times import time_zone_city

    problems = []
    if kind.startswith("live_session_"):
        local = scenario.session_start.astimezone(ZoneInfo(TIME_ZONES[language]))
        for shown in (format_date(local, "full", locale=language), format_time(local, "short", locale=language),
                      time_zone_city(TIME_ZONES[language], language)):
            if shown not in message.body_text:
                problems.append(f"does not show {shown!r} (the session's start in {TIME_ZONES[language]})")
        utc_time = format_time(scenario.session_start, "short", locale=language)
        if utc_time in message.body_text:
            problems.append(f"shows the time in UTC ({utc_time!r})")
    if kind.startswith("nomination_") and edition_start is not None:
        shown = [format_date(day, "long", locale=language) for day in edition_start]
        if not all(text in message.body_text for text in shown):
            problems.append(f"does not show the edition's dates as {shown}")
    return problems


def _arabic_direction_problems(message, data_lines: set[str]) -> list[str]:
    problems = []
    for line in [message.subject, *message.body_text.splitlines()]:
        stripped = _URL.sub(" ", line).strip(" -•\u200f\u200e")
        if not stripped or stripped in data_lines or _first_strong_direction(stripped) is None:
            continue
        if _first_strong_direction(line) != "rtl":
            problems.append(f"line shown left to right: {line!r}")
    return problems


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_mail_is_in_its_recipients_language_complete_and_private(language, app, make, outbox, sent):
    from academy.nominations.models import Edition

    app.config["SERVER_BASE_URL"] = BASE_URL
    scenario = _send_every_mail(app, make, language)

    messages = outbox()
    stored = stored_text()
    detector = EnglishDetector(language, load_catalogue(language) if language != "en" else {},
                               data=stored, localised_names=localised_names(language))
    detector.english_words -= MAIL_SHARED_WORDS.get(language, frozenset())
    # In Arabic, a Latin word the catalogue itself kept in a translation is still suspect in mail.
    strict = EnglishDetector(language, {}, data=stored, localised_names=localised_names(language))
    editions = {edition.name: (edition.starts_on, edition.ends_on)
                for edition in db.session.scalars(db.select(Edition))}
    failures, kinds = [], set()
    for message in messages:
        kind = sent.kind_of(message.body_text)
        kinds.add(kind)
        where = f"{kind} to {message.recipient}"
        if message.language != language:
            failures.append(f"{where}: written in {message.language}")
        email = outbox_operations._as_email(message)
        if email["Content-Language"] != language:
            failures.append(f"{where}: Content-Language {email['Content-Language']}")
        if email.get_content_type() != "text/plain" or email.is_multipart():
            failures.append(f"{where}: not plain text; check the HTML part's lang and dir here")
        texts = [message.subject, *message.body_text.splitlines()]
        if language != "en":
            for text in texts:
                why = detector.english_in(text) or (strict.english_in(text) if language == "ar" else None)
                if why:
                    failures.append(f"{where}: {text.strip()[:100]!r} ({why})")
                if ACADEMY_NAME in text:
                    failures.append(f"{where}: {text.strip()[:100]!r} (the academy's name in English)")
        if language == "ar":
            failures += [f"{where}: {problem}" for problem in _arabic_direction_problems(message, stored)]
        if _UNRENDERED.search(message.body_text) or _UNRENDERED.search(message.subject):
            failures.append(f"{where}: something left unrendered: {message.body_text!r}")
        if "\n\n\n" in message.body_text:
            failures.append(f"{where}: a run of blank lines: {message.body_text!r}")
        failures += [f"{where}: {problem}" for problem in _links_problems(message.body_text, app)]
        failures += [f"{where}: {problem}" for problem in _privacy_problems(message, scenario)]
        edition_dates = next((dates for name, dates in editions.items() if name in message.body_text), None)
        failures += [f"{where}: {problem}"
                     for problem in _date_problems(message, kind, scenario, language, edition_dates)]

    assert kinds == MAIL_KINDS, f"kinds not sent: {sorted(MAIL_KINDS - kinds)}"
    _assert_audiences(messages, sent, scenario, failures)
    unique = list(dict.fromkeys(failures))
    assert not unique, f"{len(unique)} problems in {language} mail:\n  " + "\n  ".join(unique[:80])


def _assert_audiences(messages, sent, scenario, failures) -> None:
    """Nomination mail reaches both the nominee and the coordinator (where both are told)."""
    audiences: dict[str, set[str]] = {}
    for message in messages:
        kind = sent.kind_of(message.body_text)
        if message.recipient in scenario.nominee_addresses:
            audiences.setdefault(kind, set()).add("nominee")
        if message.recipient in scenario.coordinator_addresses:
            audiences.setdefault(kind, set()).add("coordinator")
    for kind in MAIL_KINDS:
        if not kind.startswith("nomination_"):
            continue
        expected = ({"nominee"} if kind == "nomination_invitation"
                    else {"coordinator"} if kind == "nomination_submitted_bulk" else {"nominee", "coordinator"})
        if audiences.get(kind, set()) != expected:
            failures.append(f"{kind}: sent to {sorted(audiences.get(kind, set()))}, expected {sorted(expected)}")


def test_every_kind_of_mail_is_covered():
    """Every e-mail leaves through the outbox, rendered from ``mail/<kind>.txt``: so the templates
    there are every kind the code can send, and the test above, which compares the kinds it sent
    with ``MAIL_KINDS``, fails for a new kind until it is sent there too."""
    assert len(MAIL_KINDS) >= 20, sorted(MAIL_KINDS)
    package = MAIL_TEMPLATES.parent.parent
    outbox_module = package / "outbox" / "operations.py"
    assert 'render_template(f"mail/{mail.template}.txt"' in outbox_module.read_text(encoding="utf-8")
    bypassing = []
    for path in package.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        if path != outbox_module and re.search(r"\bsmtplib\b|\bEmailMessage\b|[\"']mail/", source):
            bypassing.append(str(path.relative_to(package)))
    assert not bypassing, f"mail sent or rendered outside the outbox: {bypassing}"
    # A kind named in the code has its template (else queue_mail fails when it is sent).
    named = set()
    for path in package.rglob("*.py"):
        for call in re.findall(r"(?:queue_mail|_notify|_tell_trainees)\((.*?)\)\s*$",
                               path.read_text(encoding="utf-8"), flags=re.MULTILINE | re.DOTALL):
            named.update(re.findall(r'"((?:account|certificate|learning|live_session|nomination)_[a-z_]+)"', call))
    assert named and named <= MAIL_KINDS, sorted(named - MAIL_KINDS)


# --- the checks can fail -----------------------------------------------------------------------

def test_the_checks_flag_english_a_foreign_link_a_left_to_right_line_and_a_stranger(app):
    from types import SimpleNamespace

    app.config["SERVER_BASE_URL"] = BASE_URL
    detector = EnglishDetector("ar", load_catalogue("ar"), data=["Canvassing Drill"])
    assert detector.english_in("Your certificate is ready")
    assert detector.english_in("الجلسة: Canvassing Drill") is None
    assert _links_problems("http://attacker.example/reset/abc", app)
    assert _links_problems("/account/reset", app)
    assert _links_problems(f"{BASE_URL}/no-such-page-here", app)
    assert not _links_problems(f"{BASE_URL}/", app)
    message = SimpleNamespace(subject="مرحبًا", body_text="Canvassing Drill\nThe session is cancelled\nمرحبًا Aiko",
                              recipient="aiko@example.org", language="ar")
    assert _arabic_direction_problems(message, {"Canvassing Drill"}) == [
        "line shown left to right: 'The session is cancelled'"]
    scenario = Scenario()
    scenario.person("Aiko Tanaka", "aiko@example.org")
    scenario.person("Bruno Salgado", "bruno@example.org")
    message.body_text = "مرحبًا Aiko Tanaka، Bruno Salgado bruno@example.org"
    assert len(_privacy_problems(message, scenario)) == 2
