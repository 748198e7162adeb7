"""The benchmark dataset: a fresh SQLite database filled by bulk inserts, one step per feature.

A step is a function decorated with ``@step("name")`` that receives the ``Build`` and inserts rows
with ``build.insert(Model, rows)`` (one executemany). Steps run in registration order; a step may
read what earlier ones left in ``build.ids`` and publish values that scenarios need (a search term,
the admin's e-mail) in ``build.facts``. A later feature adds its data by adding a step here.
"""
from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Callable

import sqlalchemy as sa

#: The signed-in scenarios use this account (its password is hashed once per build).
ADMIN_EMAIL = "bench-admin@example.org"
ADMIN_PASSWORD = "benchmark-admin-pass-1729"
#: Admins must use two-step verification (the default ``TWO_FACTOR_REQUIRED_ROLES``): the
#: benchmark admin has it on with this secret, and the sign-in computes its codes.
ADMIN_TOTP_SECRET = "BENCHMARKADMINSECRETBENCHMARKADM"

#: Words that make organisation names; the search scenario looks for SEARCH_TERM (1 name in 8).
_ADJECTIVES = ("Democratic", "Progressive", "Social", "Liberal", "Green", "Labour", "Popular", "United")
_NOUNS = ("Party", "Alliance", "Movement", "Front", "Union", "Foundation", "Youth", "Forum")
SEARCH_TERM = "Green"

_COUNTRIES = ("SE", "DE", "FR", "ES", "IT", "PT", "GB", "NO", "DK", "FI", "NL", "BE", "PL", "AT",
              "SN", "GH", "ZA", "KE", "NG", "TN", "MA", "EG", "JO", "LB", "PS", "IQ", "BR", "AR",
              "CL", "MX", "CO", "PE", "UY", "IN", "NP", "PH", "ID", "MY", "JP", "KR", "AU", "NZ")


@dataclass(frozen=True)
class Sizes:
    """How many rows of each kind the dataset holds."""

    organisations: int = 500
    users: int = 5_000
    audit_events: int = 5_000
    #: Curriculum and learning (the ``learning`` step); 0 trainees leaves it out. ``LEARNING``
    #: holds the sizes the learning scenarios are measured with.
    trainees: int = 0
    modules: int = 0
    lessons_per_module: int = 10
    enrolments_per_trainee: int = 20
    #: Lesson-progress rows in all: spread over the enrolments, 0 to ``lessons_per_module`` each.
    lesson_progress: int = 0


#: The learning scenarios' data: 10,000 trainees each enrolled in 20 of 50 modules (200,000
#: enrolments), 500 lessons, 1,000,000 lesson-progress rows (0 to 10 per enrolment, 5 on average).
LEARNING = dict(trainees=10_000, modules=50, lessons_per_module=10, enrolments_per_trainee=20,
                lesson_progress=1_000_000)

#: The trainee the learning scenarios sign in as (enrolled like every other one).
TRAINEE_EMAIL = "bench-trainee@example.org"
TRAINEE_PASSWORD = "benchmark-trainee-pass-2718"
#: Rows per bulk statement for the big tables (bounds memory; one executemany each).
CHUNK = 50_000


@dataclass
class Build:
    """What a step works with: the app context, sizes, a seeded random source, ids and facts."""

    app: object
    sizes: Sizes
    rng: random.Random
    ids: dict[str, list[int]] = field(default_factory=dict)
    facts: dict[str, object] = field(default_factory=dict)

    def insert(self, model, rows: list[dict]) -> None:
        """Insert ``rows`` into ``model``'s table in one bulk statement (executemany)."""
        from academy.extensions import db

        if rows:
            db.session.execute(sa.insert(model), rows)


    def bound(self, model, column: str, value):
        """``value`` as the database driver receives it for ``model.column`` (for ``insert_raw``)."""
        from academy.extensions import db

        processor = model.__table__.c[column].type.bind_processor(db.engine.dialect)
        return processor(value) if processor else value

    def insert_raw(self, model, columns: tuple[str, ...], rows: list[tuple]) -> None:
        """The fast path for millions of rows: tuples of driver values (see ``bound``) straight
        to the driver's executemany, with no per-value type processing."""
        from academy.extensions import db

        if rows:
            table = model.__table__
            marks = ", ".join("?" for _ in columns)
            db.session.connection().exec_driver_sql(
                f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})", rows)


@dataclass(frozen=True)
class Dataset:
    """A built benchmark database and the facts scenarios need."""

    path: Path
    url: str
    facts: dict
    counts: dict
    seconds: float


_STEPS: list[tuple[str, Callable[[Build], None]]] = []


def step(name: str) -> Callable[[Callable[[Build], None]], Callable[[Build], None]]:
    """Register a dataset step; steps run in the order they are registered."""
    def register(function: Callable[[Build], None]) -> Callable[[Build], None]:
        _STEPS.append((name, function))
        return function
    return register


@step("regions")
def _regions(build: Build) -> None:
    from academy.organisations.models import Region

    names = [("africa", "Africa", "Afrique", "África", "أفريقيا"),
             ("americas", "Americas", "Amériques", "Américas", "الأمريكتان"),
             ("arab-world", "Arab world", "Monde arabe", "Mundo árabe", "العالم العربي"),
             ("asia-pacific", "Asia-Pacific", "Asie-Pacifique", "Asia-Pacífico", "آسيا والمحيط الهادئ"),
             ("europe", "Europe", "Europe", "Europa", "أوروبا")]
    rows = [dict(id=number, code=code, name_en=en, name_fr=fr, name_es=es, name_ar=ar)
            for number, (code, en, fr, es, ar) in enumerate(names, start=1)]
    build.insert(Region, rows)
    build.ids["regions"] = [row["id"] for row in rows]


@step("organisations")
def _organisations(build: Build) -> None:
    from academy.organisations.models import Organisation, OrganisationKind

    kinds = list(OrganisationKind)
    regions = build.ids["regions"]
    rows = []
    for number in range(1, build.sizes.organisations + 1):
        adjective = _ADJECTIVES[number % len(_ADJECTIVES)]
        noun = _NOUNS[(number // len(_ADJECTIVES)) % len(_NOUNS)]
        rows.append(dict(
            id=number, name=f"{adjective} {noun} {number}", short_name=f"{adjective[:2].upper()}{number}",
            country=build.rng.choice(_COUNTRIES), region_id=regions[number % len(regions)],
            kind=kinds[number % len(kinds)], website=f"https://org{number}.example.org",
            is_active=number % 17 != 0,
        ))
    build.insert(Organisation, rows)
    build.ids["organisations"] = [row["id"] for row in rows]
    build.facts["search_term"] = SEARCH_TERM


@step("users")
def _users(build: Build) -> None:
    from academy.accounts import two_factor
    from academy.accounts.models import Role, User, UserRole
    from academy.accounts.passwords import hash_password
    from academy.db_types import utcnow

    organisations = build.ids["organisations"]
    now = utcnow()
    users, roles = [], []
    for number in range(1, build.sizes.users + 1):
        is_admin = number == 1
        share = number % 100
        if is_admin or share < 1:
            held = [Role.ADMIN]
        elif share < 11:
            held = [Role.COORDINATOR]
        elif share < 21:
            held = [Role.TRAINER] + ([Role.TRAINEE] if share % 3 == 0 else [])
        else:
            held = [Role.TRAINEE]
        users.append(dict(
            id=number,
            email=ADMIN_EMAIL if is_admin else f"person{number}@example.org",
            display_name="Benchmark Admin" if is_admin else f"Person {number}",
            preferred_language=("en", "fr", "es", "ar")[number % 4] if not is_admin else "en",
            organisation_id=None if is_admin else organisations[number % len(organisations)],
            is_active=number % 50 != 0,
            password_hash=None, totp_secret=None, totp_enabled_at=None,
            created_at=now - timedelta(minutes=number),
        ))
        roles.extend(dict(user_id=number, role=role) for role in held)
    # argon2id is slow on purpose: only the one account that signs in gets a real hash.
    users[0].update(password_hash=hash_password(ADMIN_PASSWORD),
                    totp_secret=two_factor.encrypted(ADMIN_TOTP_SECRET), totp_enabled_at=now)
    build.insert(User, users)
    build.insert(UserRole, roles)
    build.ids["users"] = [row["id"] for row in users]
    build.facts["admin_email"] = ADMIN_EMAIL
    build.facts["admin_password"] = ADMIN_PASSWORD
    build.facts["admin_totp_secret"] = ADMIN_TOTP_SECRET


@step("audit_events")
def _audit_events(build: Build) -> None:
    from academy.audit.models import AuditEvent
    from academy.db_types import utcnow

    actions = ("account.sign_in", "organisation.update", "organisation.create", "user.update",
               "account.sign_in_failed")
    users = build.ids["users"]
    organisations = build.ids["organisations"]
    now = utcnow()
    rows = []
    for number in range(1, build.sizes.audit_events + 1):
        action = actions[number % len(actions)]
        on_organisation = action.startswith("organisation")
        rows.append(dict(
            id=number, occurred_at=now - timedelta(seconds=number * 37),
            actor_id=None if action == "account.sign_in_failed" else users[number % len(users)],
            action=action,
            object_type="organisations" if on_organisation else "users",
            object_id=str(organisations[number % len(organisations)] if on_organisation
                          else users[number % len(users)]),
            ip_address=f"192.0.2.{number % 250 + 1}",
            details={"field": "name"} if on_organisation else {},
        ))
    build.insert(AuditEvent, rows)


# Registered last: the learning step numbers its trainees after the users above.
from . import dataset_learning  # noqa: E402,F401


def build_dataset(directory: Path, sizes: Sizes | None = None, seed: int = 1729) -> Dataset:
    """Create ``directory/bench.db`` with the schema (``db.create_all``) and run every step."""
    from academy import create_app
    from academy.extensions import db

    started = time.perf_counter()
    path = Path(directory) / "bench.db"
    url = f"sqlite:///{path}"
    # The server's key when it is set: the two-step secret is encrypted with a key derived from it.
    app = create_app({"SQLALCHEMY_DATABASE_URI": url,
                      "SECRET_KEY": os.environ.get("SECRET_KEY") or "benchmark-dataset"})
    build = Build(app=app, sizes=sizes or Sizes(), rng=random.Random(seed))
    with app.app_context():
        db.create_all()
        # A throwaway database: no need to wait for the disk after every bulk statement.
        db.session.connection().exec_driver_sql("PRAGMA synchronous=OFF")
        for _name, function in _STEPS:
            function(build)
        db.session.commit()
        counts = {table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
                  for table in db.metadata.sorted_tables}
        db.engine.dispose()
    return Dataset(path=path, url=url, facts=dict(build.facts),
                   counts={name: count for name, count in counts.items() if count},
                   seconds=round(time.perf_counter() - started, 2))
