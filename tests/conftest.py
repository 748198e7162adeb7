"""Shared fixtures: one application per test session, a clean database for every test.

The database is SQLite in a temporary folder, or PostgreSQL when ``TEST_DATABASE_URL`` is set.
The schema is created once; after each test every table is emptied, whatever the test did
(including commits from other threads such as the browser tests' live server).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import g, request_started

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")

from academy import create_app  # noqa: E402
from academy.config import normalise_database_url  # noqa: E402
from academy.extensions import db as _db  # noqa: E402

from . import factories  # noqa: E402

pytest_plugins = ["tests.fixtures_auth"]


def _database_url(tmp_root: Path) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return normalise_database_url(url)
    return f"sqlite:///{tmp_root / 'test.db'}"


@pytest.fixture(scope="session")
def app_config(tmp_path_factory) -> dict:
    """Settings every test application shares (the same database, mail in a temp folder)."""
    root = tmp_path_factory.mktemp("academy")
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": _database_url(root),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        # Most tests sign people in directly; the two-step tests turn the requirement on themselves.
        "TWO_FACTOR_REQUIRED_ROLES": frozenset(),
        "MAIL_SERVER": "",
        "MAIL_DIR": str(root / "mail"),
        "UPLOAD_DIR": str(root / "uploads"),
        "HANDBOOK_DIR": str(root / "handbooks"),
        "CERTIFICATE_DIR": str(root / "certificates"),
        "CERTIFICATE_SIGNING_KEY_FILE": str(root / "certificate_signing_key.pem"),
        "SERVER_NAME": None,
    }


@pytest.fixture(scope="session")
def _schema(app_config):
    """Create the schema once per session (dropping leftovers of an earlier run first)."""
    app = create_app(app_config)
    with app.app_context():
        _db.drop_all()
        _db.create_all()
    yield
    with app.app_context():
        _db.drop_all()
        _db.engine.dispose()


def _fresh_request_globals(sender, **extra):
    # Tests keep an application context pushed, and Flask reuses it for test-client requests;
    # without this, ``g`` (and Flask-Login's cached user in it) would leak from one request into
    # the next, so an anonymous client could be served as the previously signed-in user.
    g.__dict__.clear()


@pytest.fixture
def make_app(app_config, _schema):
    """Build an application with extra settings, on the shared test database."""
    def build(**overrides):
        application = create_app({**app_config, **overrides})
        request_started.connect(_fresh_request_globals, application)
        return application
    return build


@pytest.fixture
def app(make_app):
    """The application under test, with an application context pushed."""
    application = make_app()
    with application.app_context():
        yield application


@pytest.fixture(autouse=True)
def _clean_database(request, app_config):
    """Empty every table after each test that used the database."""
    yield
    if "_schema" not in request.fixturenames:
        return
    engine = sa.create_engine(app_config["SQLALCHEMY_DATABASE_URI"])
    tables = list(reversed(_db.metadata.sorted_tables))
    with engine.begin() as connection:
        # DELETE, not TRUNCATE: on PostgreSQL a TRUNCATE of every table costs about a second
        # (new files, fsync) where deleting the few rows a test wrote costs milliseconds.
        for table in tables:
            connection.execute(table.delete())
        if engine.dialect.name == "postgresql":
            connection.execute(sa.text(
                "SELECT setval(c.oid::regclass, 1, false) FROM pg_class c "
                "WHERE c.relkind = 'S' AND c.relnamespace = current_schema()::regnamespace"))
    engine.dispose()


@pytest.fixture
def db(app):
    """The Flask-SQLAlchemy handle, bound to the test application."""
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def mailbox(app):
    """Messages delivered during this test (the ``.eml`` files of ``MAIL_DIR``), oldest first,
    each with ``recipient``, ``subject`` and ``body_text``: what people receive. The stored copy
    in the outbox loses the secrets of its links once delivered."""
    from email import message_from_bytes, policy
    from pathlib import Path
    from types import SimpleNamespace

    folder = Path(app.config["MAIL_DIR"])
    before = set(folder.glob("*.eml")) if folder.exists() else set()

    def delivered(recipient: str | None = None):
        paths = sorted((path for path in folder.glob("*.eml") if path not in before),
                       key=lambda path: path.stat().st_mtime_ns)
        found = []
        for path in paths:
            mail = message_from_bytes(path.read_bytes(), policy=policy.default)
            if recipient is None or mail["To"].lower() == recipient.lower():
                found.append(SimpleNamespace(recipient=mail["To"], subject=mail["Subject"],
                                             body_text=mail.get_body(("plain",)).get_content()))
        return found
    return delivered


@pytest.fixture
def outbox(app):
    """Messages queued so far, oldest first."""
    from academy.outbox.models import OutboxMessage

    def messages(recipient: str | None = None):
        query = _db.select(OutboxMessage).order_by(OutboxMessage.id)
        if recipient:
            query = query.where(OutboxMessage.recipient == recipient.lower())
        return list(_db.session.scalars(query))
    return messages


@pytest.fixture
def completions():
    """The ids of the enrolments the completion hook was called with, in order (the features
    subscribed to completions, such as certificates, are left out: they are tested on their own)."""
    from academy.learning.completion import _callbacks, on_enrolment_completed

    saved = list(_callbacks)
    _callbacks.clear()
    calls = []
    on_enrolment_completed(lambda enrolment: calls.append(enrolment.id))
    yield calls
    _callbacks[:] = saved


@pytest.fixture
def make(app):
    """The factories module, bound to the test application (``make.user(...)``)."""
    return factories
