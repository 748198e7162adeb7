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


def engine_options(app: Flask) -> dict:
    """The engine options for the configured database.

    A pooled connection to a server can die while idle, so it is pinged before each use; a
    SQLite file has no server to lose, and the ping would be one more statement per request.
    A database error's message leaves out the statement's parameters: they are names, e-mail
    addresses and dates of birth, and the message reaches the logs.
    """
    options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    options.setdefault("hide_parameters", True)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options["pool_pre_ping"] = False
    return options


def configure_engines(app: Flask) -> None:
    """Attach the SQLite pragmas to the application's engine (no connection is opened here)."""
    from .extensions import db

    with app.app_context():
        engine: Engine = db.engine
        if engine.dialect.name == "sqlite" and not event.contains(engine, "connect", _on_sqlite_connect):
            event.listen(engine, "connect", _on_sqlite_connect)
