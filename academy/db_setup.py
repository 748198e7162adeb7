"""Connection settings applied to every engine: SQLite gets WAL, foreign keys and patience."""
from __future__ import annotations

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine


def _on_sqlite_connect(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def configure_engines(app: Flask) -> None:
    """Attach the SQLite pragmas to the application's engine (no connection is opened here)."""
    from .extensions import db

    with app.app_context():
        engine: Engine = db.engine
        if engine.dialect.name == "sqlite" and not event.contains(engine, "connect", _on_sqlite_connect):
            event.listen(engine, "connect", _on_sqlite_connect)
