"""Calendars: one session as .ics, the personal feed behind a secret address, and who sees what."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from academy.accounts.models import hash_token
from academy.audit.models import AuditEvent
from academy.curriculum.models import ModuleStatus
from academy.db_types import utcnow
from academy.extensions import db
from academy.learning.models import EnrolmentStatus
from academy.live import views as live_views
from academy.live.models import CalendarFeed

from .ical_parser import parse, unescape

STARTS = datetime(2099, 1, 15, 21, 0, tzinfo=timezone.utc)


def _feed_path(client) -> str:
    page = client.post("/calendar/feed")
    assert page.status_code == 200
    found = re.search(r'value="https?://[^/"]+(/calendar/[^"]+\.ics)"', page.text)
    assert found, page.text
    return found.group(1)


def test_an_enrolled_trainee_downloads_a_valid_ics(course, client_for, make):
    live_session = make.live_session(course.module, starts_at=STARTS, duration_minutes=120,
                                     title="Scripts, safety; and data", location="Hall 2, Main St\\5",
                                     trainer_id=course.trainer.id)
    response = client_for(course.trainees[0]).get(f"/learn/sessions/{live_session.id}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    parsed = parse(response.data)
    [event] = parsed["events"]
    assert event["DTSTART"] == "20990115T210000Z"
    assert event["DTEND"] == "20990115T230000Z"
    assert re.fullmatch(r"\d{8}T\d{6}Z", event["DTSTAMP"])
    assert unescape(event["SUMMARY"]) == "Scripts, safety; and data"
    assert unescape(event["LOCATION"]) == "Hall 2, Main St\\5"
    assert event["URL"] == live_session.online_url
    assert "Tamara Trainer" in unescape(event["DESCRIPTION"])
    again = client_for(course.trainees[1]).get(f"/learn/sessions/{live_session.id}.ics")
    assert parse(again.data)["events"][0]["UID"] == event["UID"], "the UID is stable"


def test_only_enrolled_trainees_trainers_and_admins_download_a_session(course, client_for, make):
    live_session = make.live_session(course.module)
    url = f"/learn/sessions/{live_session.id}.ics"
    assert client_for(course.trainer).get(url).status_code == 200
    assert client_for(make.admin()).get(url).status_code == 200
    assert client_for(make.trainee()).get(url).status_code == 403
    assert client_for(make.trainer()).get(url).status_code == 403
    withdrawn = make.trainee()
    make.enrolment(withdrawn, course.module, status=EnrolmentStatus.WITHDRAWN)
    assert client_for(withdrawn).get(url).status_code == 403
    assert client_for(course.trainees[0]).get("/learn/sessions/999999.ics").status_code == 404


def test_online_links_are_not_shown_to_trainees_of_other_modules(course, client_for, make):
    make.live_session(course.module, online_url="https://meet.example.org/secret-room")
    page = client_for(make.trainee()).get("/learn/sessions")
    assert page.status_code == 200
    assert "secret-room" not in page.text
    assert "secret-room" in client_for(course.trainees[0]).get("/learn/sessions").text


def test_sessions_of_a_draft_module_stay_hidden_from_trainees(course, client_for, make, db):
    make.live_session(course.module, title="Not yet announced")
    course.module.status = ModuleStatus.DRAFT
    db.session.commit()
    assert "Not yet announced" not in client_for(course.trainees[0]).get("/learn/sessions").text
    assert "Not yet announced" in client_for(course.trainer).get("/learn/sessions").text


def test_upcoming_and_past_sessions_are_listed_apart(course, client_for, make):
    make.live_session(course.module, title="Still to come", starts_at=utcnow() + timedelta(days=2))
    make.live_session(course.module, title="Long gone", starts_at=utcnow() - timedelta(days=20))
    make.live_session(course.module, title="Happening now", starts_at=utcnow() - timedelta(minutes=30),
                      duration_minutes=90)
    client = client_for(course.trainees[0])
    upcoming = client.get("/learn/sessions").text
    past = client.get("/learn/sessions?when=past").text
    assert "Still to come" in upcoming and "Happening now" in upcoming and "Long gone" not in upcoming
    assert "Long gone" in past and "Still to come" not in past


def test_the_feed_lists_ones_own_sessions_and_no_one_elses_data(course, client_for, make):
    mine = make.live_session(course.module, title="My module's session")
    other = make.live_session(make.module(), title="Someone else's module")
    trainee = course.trainees[0]
    client = client_for(trainee)
    path = _feed_path(client)

    anonymous = client.application.test_client()
    response = anonymous.get(path)
    assert response.status_code == 200
    parsed = parse(response.data)
    summaries = {unescape(event["SUMMARY"]) for event in parsed["events"]}
    assert summaries == {mine.title}
    body = response.data.decode()
    for classmate in course.trainees[1:]:
        assert classmate.display_name not in body and classmate.email not in body
    assert other.online_url not in body
    assert trainee.email not in body


def test_a_trainer_feed_holds_the_sessions_of_the_modules_they_teach(course, client_for, make):
    trainer = make.trainer()
    taught = make.live_session(make.module(trainers=[trainer]), title="Canvassing drill", trainer_id=trainer.id)
    make.live_session(make.module(), title="Taken off this module", trainer_id=trainer.id)
    make.live_session(make.module(), title="Not theirs")
    path = _feed_path(client_for(trainer))
    parsed = parse(client_for(trainer).application.test_client().get(path).data)
    assert [unescape(event["SUMMARY"]) for event in parsed["events"]] == [taught.title]


def test_a_wrong_token_is_404(course, client_for, web):
    _feed_path(client_for(course.trainees[0]))
    anonymous = web.test_client()
    assert anonymous.get("/calendar/not-the-token.ics").status_code == 404
    assert anonymous.get("/calendar/" + "x" * 300 + ".ics").status_code == 404


def test_regenerating_invalidates_the_old_address(course, client_for, web):
    client = client_for(course.trainees[0])
    old = _feed_path(client)
    new = _feed_path(client)
    anonymous = web.test_client()
    assert old != new
    assert anonymous.get(old).status_code == 404
    assert anonymous.get(new).status_code == 200
    actions = list(db.session.scalars(db.select(AuditEvent.action).where(AuditEvent.action.like("calendar_feed.%"))
                                      .order_by(AuditEvent.id)))
    assert actions == ["calendar_feed.create", "calendar_feed.regenerate"]


def test_only_the_hash_of_the_token_is_stored(course, client_for):
    path = _feed_path(client_for(course.trainees[0]))
    token = path.removeprefix("/calendar/").removesuffix(".ics")
    feed = db.session.scalars(db.select(CalendarFeed)).one()
    assert feed.token_hash == hash_token(token)
    assert token not in feed.token_hash


def test_turning_the_feed_off_stops_the_address(course, client_for, web):
    client = client_for(course.trainees[0])
    path = _feed_path(client)
    assert client.post("/calendar/feed/delete").status_code == 302
    assert web.test_client().get(path).status_code == 404
    assert "You have no calendar feed yet." in client.get("/calendar/feed").text


def test_a_deactivated_account_s_feed_stops(course, client_for, web, db):
    path = _feed_path(client_for(course.trainees[0]))
    course.trainees[0].is_active = False
    db.session.commit()
    assert web.test_client().get(path).status_code == 404


def test_a_password_change_stops_feeds_made_before_it(course, client_for, web, make):
    from academy.accounts import operations as accounts
    from academy.accounts.models import TokenPurpose
    from academy.accounts.tokens import find_token, issue_token

    trainee = course.trainees[0]
    make.live_session(course.module, starts_at=STARTS, online_url="https://meet.example.org/room-77")
    client = client_for(trainee)
    before_change = _feed_path(client)
    changed = client.post("/profile/password", data={
        "change-current_password": make.DEFAULT_PASSWORD, "change-password": "a brand new passphrase 2027",
        "change-confirm": "a brand new passphrase 2027"})
    assert changed.status_code == 302

    assert web.test_client().get(before_change).status_code == 404
    assert "stopped working when your password changed" in client.get("/calendar/feed").text
    after_change = _feed_path(client)
    assert "room-77" in web.test_client().get(after_change).text

    with web.test_request_context():  # someone who knew the password made a feed; the owner resets it
        token = issue_token(trainee, TokenPurpose.RESET)
        assert accounts.reset_password(find_token(token, TokenPurpose.RESET), "yet another passphrase 2028",
                                       now=utcnow() + timedelta(seconds=1))
        db.session.commit()
    assert web.test_client().get(after_change).status_code == 404


def test_the_feed_is_rate_limited(course, make_app, client_for):
    path = _feed_path(client_for(course.trainees[0]))
    limited = make_app(RATELIMIT_ENABLED=True, RATELIMIT_CALENDAR_FEED="3 per minute").test_client()
    statuses = [limited.get(path).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]


def test_creating_a_feed_needs_a_post(course, client_for):
    client = client_for(course.trainees[0])
    page = client.get("/calendar/feed")
    assert page.status_code == 200
    assert 'id="feed-url"' not in page.text
    assert db.session.scalar(db.select(db.func.count()).select_from(CalendarFeed)) == 0


def test_a_full_feed_keeps_the_upcoming_sessions_and_drops_the_oldest(course, client_for, make, monkeypatch):
    """A feed holds at most FEED_LIMIT sessions: the latest, in order (it used to keep the oldest
    and drop the upcoming ones, the only ones a calendar needs)."""
    monkeypatch.setattr(live_views, "FEED_LIMIT", 2)
    now = utcnow().replace(microsecond=0)
    make.live_session(course.module, starts_at=now - timedelta(days=20), title="Old one")
    make.live_session(course.module, starts_at=now - timedelta(days=10), title="Old two")
    upcoming = make.live_session(course.module, starts_at=now + timedelta(days=3), title="Next week")
    client = client_for(course.trainees[0])
    path = _feed_path(client)
    feed = client_for().get(path)
    assert feed.status_code == 200
    summaries = [event["SUMMARY"] for event in parse(feed.data)["events"]]
    assert summaries == ["Old two", upcoming.title]
