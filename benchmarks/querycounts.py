"""SQL statements per page, counted in-process on a small and on the big learning dataset.

The pages must send as many queries with 1,000,000 progress rows as with a few dozen
(``tests/learning/test_query_counts.py`` asserts the same on test-sized data).
"""
from __future__ import annotations

import secrets
from pathlib import Path

from .dataset import Dataset, Sizes, build_dataset

#: A learning dataset small enough to build in a second, shaped like ``LEARNING``.
SMALL_LEARNING = dict(organisations=3, users=5, audit_events=1, trainees=20, modules=3,
                      lessons_per_module=4, enrolments_per_trainee=2, lesson_progress=60)


def _paths(facts: dict) -> dict[str, str]:
    return {"learning_home": "/learn/", "learning_lesson": f"/learn/lessons/{facts['trainee_lesson_id']}"}


def count_page_queries(dataset: Dataset) -> dict[str, int]:
    """Statements each learning page sends, signed in as the dataset's trainee (after a warm-up)."""
    import sqlalchemy as sa
    from sqlalchemy import event

    from academy import create_app
    from academy.accounts.models import User, UserSession, hash_token
    from academy.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": dataset.url, "RATELIMIT_ENABLED": False})
    counts: dict[str, int] = {}
    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(User.email == dataset.facts["trainee_email"]))
        token = secrets.token_urlsafe(32)
        db.session.add(UserSession(user_id=user_id, token_hash=hash_token(token)))
        db.session.commit()
        engine = db.engine
    client = app.test_client()
    cookie = app.session_interface.get_signing_serializer(app).dumps({"_user_id": token, "_fresh": True})
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    seen: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    for name, path in _paths(dataset.facts).items():
        if client.get(path).status_code != 200:  # warm-up, and a check that it is the right page
            raise RuntimeError(f"GET {path} did not answer 200")
        seen.clear()
        event.listen(engine, "before_cursor_execute", listener)
        try:
            client.get(path)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        counts[name] = len(seen)
    with app.app_context():
        db.engine.dispose()
    return counts


def compare(big: Dataset, directory: Path) -> dict:
    """A JSON line: each learning page's query count on a small dataset and on ``big``."""
    Path(directory).mkdir(parents=True, exist_ok=True)
    small = build_dataset(Path(directory), Sizes(**SMALL_LEARNING))
    small_counts, big_counts = count_page_queries(small), count_page_queries(big)
    pages = {name: {"small": small_counts[name], "large": big_counts[name]} for name in small_counts}
    return {"benchmark": "learning_query_counts", "pages": pages,
            "small_dataset": {key: small.counts.get(key) for key in ("enrolments", "lesson_progress")},
            "large_dataset": {key: big.counts.get(key) for key in ("enrolments", "lesson_progress")},
            "target": "same count on both", "met": all(page["small"] == page["large"] for page in pages.values())}
