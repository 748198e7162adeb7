"""The live-session model keeps its end time whatever the caller sets."""


def test_a_session_created_without_a_duration_takes_the_default_and_its_end(app, db, make):
    from datetime import timedelta

    from academy.db_types import utcnow
    from academy.live.models import DEFAULT_DURATION_MINUTES, LiveSession

    module = make.module()
    starts_at = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    live_session = LiveSession(module_id=module.id, title="Door-knocking practice", starts_at=starts_at,
                               online_url="https://meet.example.org/practice")
    db.session.add(live_session)
    db.session.commit()
    assert live_session.duration_minutes == DEFAULT_DURATION_MINUTES
    assert live_session.ends_at == starts_at + timedelta(minutes=DEFAULT_DURATION_MINUTES)
