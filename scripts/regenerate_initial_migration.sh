#!/usr/bin/env bash
# Rewrite the single "initial schema" migration from the current models.
#
# Until the first release the project keeps exactly one migration. Run this after changing
# models, read the diff of migrations/versions/, run `make test`, and commit. Local databases
# made from an older version of the migration must be recreated (delete instance/academy.db,
# then `make run`).
#
# Autogenerate runs against a throw-away PostgreSQL database when one can be created at
# $REGENERATE_SERVER_URL (default: the local server, as in CI), because Alembic on SQLite
# silently leaves out expression indexes such as unique lower(name). Without PostgreSQL it falls
# back to a throw-away SQLite file and then refuses to finish if any index went missing.
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
SERVER_URL=${REGENERATE_SERVER_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
REVISION=0001

workdir=$(mktemp -d)
database=""
cleanup() {
    if [[ -n $database ]]; then
        psql "$SERVER_URL" -qc "DROP DATABASE IF EXISTS \"$database\" WITH (FORCE)" >/dev/null || true
    fi
    rm -rf "$workdir"
}
trap cleanup EXIT

# A throw-away key: nothing here writes instance/secret_key.
export SECRET_KEY=regenerate-initial-migration

if command -v psql >/dev/null && psql "$SERVER_URL" -qtAc "SELECT 1" >/dev/null 2>&1; then
    database="academy_regen_$$_$RANDOM"
    psql "$SERVER_URL" -qc "CREATE DATABASE \"$database\"" >/dev/null
    generate_url="${SERVER_URL%/*}/$database"
    echo "autogenerating against PostgreSQL (throw-away database $database)"
else
    generate_url="sqlite:///$workdir/generate.db"
    echo "PostgreSQL not reachable at $SERVER_URL: autogenerating against SQLite" >&2
fi

flask_db() {  # flask_db DATABASE_URL ARGS...
    DATABASE_URL="$1" "$PYTHON" -m flask --app wsgi db "${@:2}"
}

rm -f migrations/versions/*.py
flask_db "$generate_url" migrate --rev-id "$REVISION" -m "initial schema"
migration=$(ls migrations/versions/*.py)

# Every named index and constraint of the models must appear in the file.
"$PYTHON" - "$migration" <<'PY'
import sys

from academy import create_app
from academy.extensions import db

text = open(sys.argv[1], encoding="utf-8").read()
with create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).app_context():
    names = set()
    for table in db.metadata.tables.values():
        names.update(str(index.name) for index in table.indexes)
        # Enum CHECKs are left out: the Enum type itself (name=...) recreates them.
        names.update(str(constraint.name) for constraint in table.constraints
                     if constraint.name and not getattr(constraint, "_type_bound", False))
missing = sorted(name for name in names if f"'{name}'" not in text)
if missing:
    sys.exit("the migration lacks: " + ", ".join(missing)
             + "\nautogenerate against PostgreSQL (see REGENERATE_SERVER_URL) or add them by hand")
PY

# Prove the new file on SQLite: a fresh database upgraded by it matches the models. (SQLite
# cannot reflect expression indexes, and says so; tests/test_migrations.py compares those.)
check_url="sqlite:///$workdir/check.db"
export PYTHONWARNINGS="ignore:Skipped unsupported reflection,ignore:autogenerate skipping"
flask_db "$check_url" upgrade
flask_db "$check_url" check
flask_db "$check_url" downgrade base
echo "Regenerated $migration — now run: make test"
