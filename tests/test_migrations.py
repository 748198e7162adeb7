"""The migrations build exactly the schema the models describe, and take it down again.

Each test works on a database of its own — a fresh SQLite file, or a fresh PostgreSQL database
when ``TEST_DATABASE_URL`` is set — so that it never touches the schema the other tests share.
"""
from __future__ import annotations

import os
import secrets

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from academy import create_app
from academy.config import normalise_database_url
from academy.extensions import db

VERSION_TABLE = "alembic_version"

# On SQLite Alembic cannot compare expression indexes and says so; the snapshot test covers them.
pytestmark = [
    pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index"),
    pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index"),
]

REGENERATE = "until the first release, run scripts/regenerate_initial_migration.sh"
ASPECTS = ("columns", "primary key", "foreign keys", "indexes", "unique", "checks")


@pytest.fixture
def empty_database_url(tmp_path):
    """The URL of a database that exists and holds nothing; dropped afterwards."""
    server_url = os.environ.get("TEST_DATABASE_URL")
    if not server_url:
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    server_url = sa.make_url(normalise_database_url(server_url))
    name = f"academy_migr_{secrets.token_hex(6)}"
    server = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield server_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


@pytest.fixture
def migration_app(app_config, empty_database_url):
    """An application bound to the empty database, its context pushed."""
    application = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


def _schema_differences() -> list:
    """What autogenerate would change to make the database match the models (empty: nothing)."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def _table_names() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def _indexes(inspector, table: str) -> list:
    if db.engine.dialect.name == "sqlite":
        # SQLAlchemy cannot reflect SQLite's expression indexes (unique lower(name)): read the DDL.
        with db.engine.connect() as connection:
            rows = connection.execute(sa.text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :table "
                "AND sql IS NOT NULL"), {"table": table})
            return sorted((name, " ".join(sql.split())) for name, sql in rows)
    return sorted((index["name"], tuple(index.get("expressions") or index["column_names"]), bool(index["unique"]))
                  for index in inspector.get_indexes(table))


def _snapshot() -> dict:
    """Every table's columns, keys, indexes and constraints, as the database reports them.

    Alembic's comparison ignores CHECK constraints, constraint names and (on SQLite) expression
    indexes; this catches those too.
    """
    inspector = sa.inspect(db.engine)
    tables = {}
    for table in sorted(_table_names() - {VERSION_TABLE}):
        tables[table] = {
            "columns": [(column["name"], str(column["type"]), column["nullable"])
                        for column in inspector.get_columns(table)],
            "primary key": inspector.get_pk_constraint(table),
            "foreign keys": sorted((key["name"], tuple(key["constrained_columns"]), key["referred_table"],
                                    tuple(key["referred_columns"]), key.get("options", {}).get("ondelete"))
                                   for key in inspector.get_foreign_keys(table)),
            "indexes": _indexes(inspector, table),
            "unique": sorted((unique["name"], tuple(unique["column_names"]))
                             for unique in inspector.get_unique_constraints(table)),
            "checks": sorted((check["name"], check["sqltext"]) for check in inspector.get_check_constraints(table)),
        }
    return tables


def test_upgrade_from_empty_builds_exactly_the_models_schema(migration_app):
    upgrade()

    assert _table_names() - {VERSION_TABLE} == set(db.metadata.tables), REGENERATE
    differences = _schema_differences()
    assert differences == [], f"The migrations and the models disagree ({REGENERATE}): {differences}"


def test_migrated_schema_has_the_same_constraints_and_indexes_as_create_all(migration_app):
    upgrade()
    migrated = _snapshot()
    downgrade(revision="base")
    db.metadata.create_all(db.engine)
    created = _snapshot()
    db.metadata.drop_all(db.engine)

    differences = [
        f"{table}.{aspect}: migration {migrated.get(table, {}).get(aspect)} != models {created.get(table, {}).get(aspect)}"
        for table in sorted(created.keys() | migrated.keys())
        for aspect in ASPECTS
        if migrated.get(table, {}).get(aspect) != created.get(table, {}).get(aspect)
    ]
    assert not differences, (
        f"The migrated schema differs from the models ({REGENERATE}):\n" + "\n".join(differences)
    )


def test_downgrade_to_base_leaves_no_tables_and_upgrade_works_again(migration_app):
    upgrade()
    downgrade(revision="base")

    assert _table_names() <= {VERSION_TABLE}

    upgrade()
    assert _table_names() - {VERSION_TABLE} == set(db.metadata.tables), REGENERATE
    assert _schema_differences() == [], REGENERATE
