"""Connection settings: every SQLite connection gets WAL, foreign keys and a busy timeout."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from academy import create_app
from academy.extensions import db


def test_every_sqlite_connection_uses_wal_foreign_keys_and_waits_for_locks(tmp_path):
    application = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'pragmas.db'}"})
    with application.app_context():
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(sa.text("PRAGMA busy_timeout")).scalar() == 5000
        db.engine.dispose()


def test_a_sqlite_connection_refuses_a_row_that_breaks_a_foreign_key(tmp_path):
    application = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'keys.db'}"})
    with application.app_context():
        with db.engine.begin() as connection:
            connection.execute(sa.text("CREATE TABLE parent (id INTEGER PRIMARY KEY)"))
            connection.execute(sa.text("CREATE TABLE child (id INTEGER PRIMARY KEY, "
                                       "parent_id INTEGER NOT NULL REFERENCES parent (id))"))
        with db.engine.connect() as connection, pytest.raises(sa.exc.IntegrityError):
            connection.execute(sa.text("INSERT INTO child (id, parent_id) VALUES (1, 42)"))
        db.engine.dispose()


def test_a_database_error_does_not_carry_the_parameters_it_was_given(app, db, make):
    """Error messages reach the logs: the statement's parameters (here a name) stay out of them.
    (PostgreSQL's own detail of a unique violation still names the duplicated key.)"""
    make.user(email="nadia.haddad@example.org")
    db.session.commit()
    with pytest.raises(sa.exc.IntegrityError) as raised:
        with db.engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO users (email, display_name, preferred_language, time_zone, is_active, "
                "failed_sign_ins, created_at) VALUES (:email, :name, 'en', 'UTC', :active, 0, :now)"),
                {"email": "nadia.haddad@example.org", "name": "Nadia Secret-Haddad", "active": True,
                 "now": "2026-01-01 00:00:00"})
    assert "Secret-Haddad" not in str(raised.value)
    assert "hidden due to hide_parameters" in str(raised.value)
